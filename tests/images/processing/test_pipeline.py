"""Behaviour of the decoding and derivative pipeline, on small in-memory samples (no DB)."""

import io
import random
import struct
import time

import pytest
from PIL import ExifTags, Image, ImageOps

from app.errors import Invalid, Unsupported
from app.images.processing import encode
from app.images.processing.derivatives import SIZES
from app.images.processing.pipeline import Limits, ProcessedImage, process_image
from tests.images import samples as s

DERIVED = ("large.webp", "thumb2x.webp", "thumb.webp")


def run(tmp_path, data: bytes, limits: Limits | None = None) -> ProcessedImage:
    path = tmp_path / "upload.png"  # whatever the name says, the bytes decide
    path.write_bytes(data)
    return process_image(str(path)) if limits is None else process_image(str(path), limits)


def served(result: ProcessedImage, size: str):
    """The variant a request for `size` gets: its WebP, or when that was not kept (it came
    out larger) the next larger size's, and in the end `full`."""
    names = list(SIZES)
    for name in reversed(names[: names.index(size) + 1]):
        if f"{name}.webp" in result.variants:
            return result.variants[f"{name}.webp"]
    return result.variants["full"]


def decoded(variant) -> Image.Image:
    """Open a variant, checking its real format and its (displayed) size."""
    im = Image.open(io.BytesIO(variant.data))
    assert Image.MIME[im.format] == variant.content_type
    turned = im.getexif().get(ExifTags.Base.Orientation, 1) >= 5
    assert (im.size[::-1] if turned else im.size) == (variant.width, variant.height)
    return im


STILLS = {
    "jpeg": (
        lambda: s.jpeg(gps=True, xmp=True, icc=True, iptc=True, comment=True),
        "jpeg",
        "image/jpeg",
        (64, 48),
        "image/jpeg",
    ),
    "cmyk jpeg": (lambda: s.jpeg(cmyk=True), "jpeg", "image/jpeg", (64, 48), "image/jpeg"),
    "progressive jpeg": (
        lambda: s.jpeg(progressive=True),
        "jpeg",
        "image/jpeg",
        (64, 48),
        "image/jpeg",
    ),
    "16-bit png": (s.png16, "png", "image/png", (40, 30), "image/png"),
    "16-bit grey png": (lambda: s.png16(grey=True), "png", "image/png", (40, 30), "image/png"),
    "palette png": (s.palette_png_transparent, "png", "image/png", (32, 32), "image/png"),
    "png with text": (s.png_with_text_and_exif, "png", "image/png", (48, 32), "image/png"),
    "webp": (s.webp_with_exif, "webp", "image/webp", (48, 32), "image/webp"),
    "heic": (s.heic, "heif", "image/heic", (64, 48), "image/jpeg"),
    "heic with alpha": (lambda: s.heic(alpha=True), "heif", "image/heic", (64, 48), "image/png"),
    "avif": (s.avif, "avif", "image/avif", (64, 48), "image/avif"),
    "tiff": (s.tiff, "tiff", "image/tiff", (64, 48), "image/png"),
    "cmyk tiff": (lambda: s.tiff(mode="CMYK"), "tiff", "image/tiff", (64, 48), "image/png"),
    "bmp": (s.bmp, "bmp", "image/bmp", (64, 48), "image/png"),
    "single-frame gif": (
        lambda: s.animated_gif(frames=1),
        "gif",
        "image/gif",
        (32, 24),
        "image/gif",
    ),
}
ANIMATIONS = {
    "gif": (s.animated_gif, "gif", 100),
    "webp": (s.animated_webp, "webp", 80),
    "apng": (s.apng, "png", 50),
    "avif": (lambda: s.avif(frames=3), "avif", 100),
}


@pytest.mark.parametrize("name", STILLS)
def test_each_accepted_still_format_gets_all_variants(tmp_path, name):
    factory, fmt, content_type, size, full_type = STILLS[name]
    result = run(tmp_path, factory())
    assert (result.format, result.content_type) == (fmt, content_type)
    assert (result.width, result.height, result.animated, result.frames) == (*size, False, 1)
    assert result.variants["full"].content_type == full_type
    for key, variant in result.variants.items():
        im = decoded(variant)
        im.load()
        assert im.size == size, key
        assert getattr(im, "n_frames", 1) == 1
        assert s.private_metadata(variant.data) == [], key


@pytest.mark.parametrize("name", ANIMATIONS)
def test_animations_stay_animated_in_full_and_large(tmp_path, name):
    factory, fmt, duration = ANIMATIONS[name]
    result = run(tmp_path, factory())
    assert (result.format, result.animated, result.frames) == (fmt, True, 3)
    full, large = decoded(result.variants["full"]), decoded(served(result, "large"))
    assert full.n_frames == 3 and large.n_frames == 3
    for index in range(3):
        large.seek(index)
        large.load()
        assert large.info["duration"] == duration
    assert large.info["loop"] == 0
    for key in ("thumb.webp", "thumb2x.webp"):
        assert getattr(decoded(result.variants[key]), "n_frames", 1) == 1
    assert "large.webp" in result.variants or name == "gif"  # a tiny GIF beats its WebP
    assert not any(key.endswith(".avif") for key in result.variants)
    for key, variant in result.variants.items():
        assert s.private_metadata(variant.data) == [], key


def test_gif_without_loop_block_plays_once_with_distinct_frames(tmp_path):
    once = s.animated_gif(loop=None, size=(320, 240))
    result = run(tmp_path, once)
    large = decoded(result.variants["large.webp"])
    assert large.info["loop"] == 1
    colours = []
    for index in range(3):
        large.seek(index)
        colours.append(large.convert("RGB").getpixel((20, 20)))
    assert len(set(colours)) == 3  # distinct frames, in order, not merged


def test_exif_rotated_jpeg_reports_display_size_and_upright_pixels(tmp_path):
    original = s.jpeg(size=(64, 48), exif_orientation=6, gps=True)
    result = run(tmp_path, original)
    assert (result.width, result.height) == (48, 64)
    # Orientation 6 turns the stored picture a quarter clockwise for display.
    expected = {(0, 0): s.BLUE, (1, 0): s.RED, (0, 1): s.WHITE, (1, 1): s.GREEN}
    for key in DERIVED:
        im = decoded(result.variants[key]).convert("RGB")
        assert im.size == (48, 64)
        for (right, bottom), colour in expected.items():
            xy = (right * (im.width - 3) + 1, bottom * (im.height - 3) + 1)
            assert s.dominant(im, xy) == colour, (key, xy)
    full = Image.open(io.BytesIO(result.variants["full"].data))
    assert dict(full.getexif()) == {ExifTags.Base.Orientation: 6}


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heic_and_avif_orientation_is_applied(tmp_path, fmt):
    buf = io.BytesIO()
    s.quadrants().save(buf, fmt, quality=90, exif=s.exif(6).tobytes())
    result = run(tmp_path, buf.getvalue())
    assert (result.width, result.height) == (48, 64)
    for key in ("full", *DERIVED):
        im = ImageOps.exif_transpose(decoded(result.variants[key]))  # AVIF full keeps irot
        assert s.dominant(im, (2, 2)) == s.BLUE, key
        assert not s.private_metadata(result.variants[key].data), key


def test_jpeg_full_is_the_original_minus_metadata_segments(tmp_path):
    original = s.jpeg(gps=True, xmp=True, icc=True, iptc=True, comment=True, trailer=True)
    full = run(tmp_path, original).variants["full"].data
    before, scan = s.jpeg_segments(original)
    after, full_scan = s.jpeg_segments(full)
    assert full_scan == scan and full.endswith(scan)  # entropy-coded data untouched
    kept = [
        (marker, payload)
        for marker, payload in before
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE)
        or (marker, payload[:5]) == (0xE0, b"JFIF\x00")
        or payload.startswith(b"ICC_PROFILE\x00")
    ]
    assert after == kept
    assert Image.open(io.BytesIO(full)).info["icc_profile"] == s.srgb_icc()
    assert s.private_metadata(original) and not s.private_metadata(full)


def test_quirks_decoders_accept_are_accepted(tmp_path):
    data = s.jpeg()
    stray = data[:20] + b"\x00\x00" + data[20:]  # two bytes between APP0 and APP1
    full = run(tmp_path, stray).variants["full"].data
    assert s.jpeg_segments(full)[1] == s.jpeg_segments(data)[1]
    no_iend = s.png_with_text_and_exif()[: -len(s.SECRET) - 12]
    full = run(tmp_path, no_iend).variants["full"].data
    assert full.endswith(b"IEND\xaeB`\x82") and not s.private_metadata(full)


def test_cmyk_jpeg_keeps_adobe_segment_and_becomes_rgb_webp(tmp_path):
    result = run(tmp_path, s.jpeg(cmyk=True))
    assert 0xEE in s.jpeg_app_markers(result.variants["full"].data)
    large = decoded(result.variants["large.webp"])
    assert large.mode == "RGB"
    assert s.dominant(large, (2, 2)) == s.RED


def test_multi_picture_jpeg_keeps_only_the_first_picture(tmp_path):
    first, second = s.quadrants(), s.quadrants().transpose(Image.Transpose.ROTATE_180)
    buf = io.BytesIO()
    first.save(buf, "MPO", save_all=True, append_images=[second], exif=s.exif())
    result = run(tmp_path, buf.getvalue())
    full = result.variants["full"].data
    assert result.format == "jpeg" and full.count(b"\xff\xd8\xff") == 1
    assert not s.private_metadata(full)


def test_webp_full_drops_metadata_chunks_and_fixes_the_header(tmp_path):
    original = s.webp_with_exif()
    full = run(tmp_path, original).variants["full"].data
    assert original[20] & 0x0C and not full[20] & 0x0C  # VP8X EXIF and XMP flags
    assert struct.unpack_from("<I", full, 4)[0] == len(full) - 8
    assert Image.open(io.BytesIO(full)).tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_icc_profile_is_kept_in_every_webp(tmp_path):
    result = run(tmp_path, s.webp_with_exif())
    for variant in (result.variants["full"], *(served(result, size) for size in SIZES)):
        assert decoded(variant).info.get("icc_profile") == s.srgb_icc()


def test_rotated_png_full_is_reencoded_upright_without_loss(tmp_path):
    original = s.png_with_text_and_exif(exif_orientation=8)
    result = run(tmp_path, original)
    full = decoded(result.variants["full"])
    upright = Image.open(io.BytesIO(original)).transpose(Image.Transpose.ROTATE_90)
    assert full.tobytes() == upright.tobytes()
    assert full.info.get("icc_profile") == s.srgb_icc()


def test_rotated_lossless_webp_full_stays_lossless(tmp_path):
    original = s.webp_with_exif(exif_orientation=3, lossless=True)
    full = decoded(run(tmp_path, original).variants["full"])
    assert full.tobytes() == Image.open(io.BytesIO(original)).rotate(180).tobytes()


def test_16_bit_png_keeps_depth_in_full_and_is_scaled_not_clipped(tmp_path):
    result = run(tmp_path, s.png16())
    assert result.variants["full"].data[24] == 16  # IHDR bit depth
    large = decoded(result.variants["large.webp"]).convert("RGB")
    left, middle, right = (large.getpixel((x, 15))[0] for x in (0, 20, 39))
    assert left < 10 and 110 < middle < 150 and right > 245


def grainy_palette_png() -> bytes:
    """64x64 palette PNG: left half transparent (index 0), top right red, bottom right
    palette noise, which keeps the PNG larger than its WebP derivatives."""
    rng = random.Random(3)  # noqa: S311 - seeded on purpose: a deterministic sample
    im = Image.new("P", (64, 64))
    im.putpalette([0, 0, 0, 255, 0, 0] + [rng.randrange(256) for _ in range(3 * 254)])
    im.putdata([0 if x < 32 else 1 if y < 32 else rng.randrange(2, 256)
                for y in range(64) for x in range(64)])
    buffer = io.BytesIO()
    im.save(buffer, "PNG", transparency=0)
    return buffer.getvalue()


def test_palette_transparency_becomes_alpha(tmp_path):
    large = decoded(run(tmp_path, grainy_palette_png()).variants["large.webp"])
    assert large.mode == "RGBA"
    assert large.getpixel((4, 4))[3] == 0
    red, green, blue, alpha = large.getpixel((48, 8))
    assert red > 240 and green < 16 and blue < 16 and alpha == 255


def test_avif_full_is_cleaned_without_touching_pixels(tmp_path):
    original = s.avif()
    full = run(tmp_path, original).variants["full"].data
    assert len(full) == len(original) and s.private_metadata(original)
    assert Image.open(io.BytesIO(full)).tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_avif_items_of_unknown_type_are_blanked_too(tmp_path):
    original = s.avif()
    at = original.index(b"Exif", original.index(b"iinf"))  # the Exif item's type
    assert original[at - 12 : at - 8] == b"infe"  # version 2 entry: flags, id, protection
    renamed = original[:at] + b"Exiv" + original[at + 4 :]
    full = run(tmp_path, renamed).variants["full"].data
    assert len(full) == len(original) and s.SECRET.encode() not in full


def test_avif_with_unknown_layout_is_reencoded_clean(tmp_path):
    odd = s.avif() + struct.pack(">I4s", 16, b"abcd") + s.SECRET.encode()[:8]
    result = run(tmp_path, odd)
    full = decoded(result.variants["full"])
    assert full.format == "AVIF" and not s.private_metadata(result.variants["full"].data)


def test_tiff_orientation_is_applied_to_the_png_full(tmp_path):
    result = run(tmp_path, s.tiff(exif_orientation=6))
    assert (result.width, result.height) == (48, 64)
    full = decoded(result.variants["full"])
    assert s.dominant(full, (2, 2)) == s.BLUE
    assert full.tobytes() == s.quadrants().transpose(Image.Transpose.ROTATE_270).tobytes()


def test_sizes_fit_their_boxes_and_keep_the_aspect(tmp_path):
    result = run(tmp_path, s.gradient((2000, 500)))
    sizes = {key: (v.width, v.height) for key, v in result.variants.items()}
    assert sizes["large.webp"] == (1600, 400)
    assert sizes["thumb2x.webp"] == (640, 160)
    assert sizes["thumb.webp"] == (320, 80)
    assert sizes["full"] == (2000, 500)


def test_small_images_are_never_upscaled(tmp_path):
    result = run(tmp_path, s.jpeg(size=(64, 48)))
    assert {(v.width, v.height) for v in result.variants.values()} == {(64, 48)}


def test_avif_siblings_only_where_they_pay(tmp_path):
    result = run(tmp_path, s.screenshot((2560, 1440)))
    assert {"thumb2x.avif", "thumb.avif"} <= set(result.variants)
    for key, variant in result.variants.items():
        if key.endswith(".avif"):
            webp = result.variants[key.replace(".avif", ".webp")]
            assert len(variant.data) <= 0.85 * len(webp.data)
            assert (variant.width, variant.height) == (webp.width, webp.height)
            assert s.private_metadata(variant.data) == []
    smooth = run(tmp_path, s.gradient((320, 240)))
    assert not any(key.endswith(".avif") for key in smooth.variants)


def test_a_derivative_larger_than_what_it_replaces_is_not_kept(tmp_path):
    # A tiny flat GIF is smaller than any animated WebP of it: `large` is served by `full`.
    gif = run(tmp_path, s.animated_gif())
    assert "large.webp" not in gif.variants
    assert served(gif, "large") is gif.variants["full"]
    # A flat screenshot's PNG beats lossy WebP at full size, not at 320 px.
    shot = run(tmp_path, s.screenshot((1280, 960)))
    assert not {"large.webp", "large.avif", "thumb2x.webp"} & set(shot.variants)
    assert len(shot.variants["thumb.webp"].data) < len(shot.variants["full"].data)
    # A smooth picture keeps every size, each smaller than the one it stands in for.
    photo = run(tmp_path, s.gradient((2000, 500)))
    sizes = [photo.variants[key] for key in ("full", *DERIVED)]
    assert [len(v.data) for v in sizes] == sorted((len(v.data) for v in sizes), reverse=True)


@pytest.fixture
def avif_tries(monkeypatch) -> list[tuple[int, int]]:
    """The sizes AVIF is tried at, in order."""
    tried = []
    avif_if_smaller = encode.avif_if_smaller

    def recorded(img, icc, webp_size):
        tried.append(img.size)
        return avif_if_smaller(img, icc, webp_size)

    monkeypatch.setattr(encode, "avif_if_smaller", recorded)
    return tried


def test_no_avif_is_made_for_a_size_not_kept(tmp_path, avif_tries):
    # The screenshot's 1280 and 640 px WebPs outweigh its PNG, so `full` stands in for
    # them: AVIFs of those sizes (seconds of work at 1600 px) would be thrown away.
    shot = run(tmp_path, s.screenshot((1280, 960)))
    assert avif_tries == [(320, 240)]
    assert set(shot.variants) == {"full", "thumb.webp", "thumb.avif"}


def test_one_small_avif_trial_decides_for_every_size(tmp_path, avif_tries):
    photo = run(tmp_path, s.jpeg(size=(2000, 1500)))
    assert avif_tries == [(320, 240)]  # it did not pay: no other size is tried
    assert not any(key.endswith(".avif") for key in photo.variants)
    avif_tries.clear()
    shot = run(tmp_path, s.screenshot((2560, 1440)))
    # It paid: the other sizes kept are tried next (its 1600 px WebP outweighs its PNG).
    assert avif_tries == [(320, 180), (640, 360)]
    assert {"thumb2x.avif", "thumb.avif"} <= set(shot.variants)


def test_avif_policy_threshold():
    im = Image.open(io.BytesIO(s.screenshot((64, 48)))).convert("RGB")
    assert encode.avif_if_smaller(im, None, webp_size=10**6) is not None
    assert encode.avif_if_smaller(im, None, webp_size=1) is None


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (s.svg, "SVG is not supported"),
        (s.html_named_png, "HTML is not an image"),
        (s.pdf, "PDF is not supported"),
        (s.text, "Not a supported image"),
        (lambda: b"BMW owners club\n" * 4, "Not a supported image"),
    ],
)
def test_non_images_are_unsupported(tmp_path, factory, message):
    with pytest.raises(Unsupported, match=message):
        run(tmp_path, factory())


@pytest.mark.parametrize(
    "factory",
    [
        s.truncated_jpeg,
        s.truncated_png,
        lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        lambda: s.truncated(s.heic(), 0.5),
        lambda: s.truncated(s.avif(), 0.5),
        lambda: b"",
    ],
    ids=["jpeg", "png", "png header only", "heic", "avif", "empty"],
)
def test_damaged_images_are_invalid(tmp_path, factory):
    with pytest.raises(Invalid):
        run(tmp_path, factory())


def test_bomb_is_refused_fast(tmp_path):
    bomb = s.bomb_png(50_000, 50_000)
    assert len(bomb) < 200
    start = time.perf_counter()
    with pytest.raises(Invalid):
        run(tmp_path, bomb)
    assert time.perf_counter() - start < 0.2


def test_pixel_limit_is_checked_before_decoding(tmp_path):
    with pytest.raises(Invalid, match="too large"):
        run(tmp_path, s.bomb_png(2_000, 1_000), Limits(max_pixels=10**6))
    with pytest.raises(Invalid, match="too large"):
        run(tmp_path, s.jpeg(size=(64, 48)), Limits(max_pixels=3000))


def test_too_many_frames_is_invalid(tmp_path):
    start = time.perf_counter()
    with pytest.raises(Invalid, match="too many frames"):
        run(tmp_path, s.gif_with_frames(50_000))
    assert time.perf_counter() - start < 1
    with pytest.raises(Invalid, match="too many frames"):
        run(tmp_path, s.animated_webp(frames=3), Limits(max_frames=2))
    assert run(tmp_path, s.gif_with_frames(1000)).frames == 1000


def test_animation_work_is_bounded(tmp_path):
    with pytest.raises(Invalid, match="animation is too large"):
        run(tmp_path, s.animated_gif(frames=3), Limits(max_animation_pixels=32 * 24 * 2))


def test_pixel_limit_follows_the_option_not_pillows_default(tmp_path):
    # 9600 x 9600 = 92 MP: above Pillow's 89.5 MP default, below the 100 MP option.
    path = tmp_path / "big.png"
    path.write_bytes(s.bomb_png(9600, 9600))
    with pytest.raises(Invalid, match="damaged|truncated"):  # passes the size checks, then
        process_image(str(path), Limits(max_pixels=100_000_000, max_decode_bytes=1 << 30))
    with pytest.raises(Invalid, match="too many pixels"):
        process_image(str(path), Limits(max_pixels=90_000_000))
