"""Small, deterministic sample files built in memory, and checks for leftover metadata.

Every metadata field the factories write contains `SECRET`, so `private_metadata()` can look
for it in the raw bytes as well as parse each container independently of the app's code.
Reused by upload and HTTP tests: each factory returns the file's bytes.
"""

import functools
import io
import random
import struct
import zlib

import pillow_heif
from PIL import ExifTags, Image, ImageCms, ImageDraw, PngImagePlugin

SECRET = "PIXVAULT-SECRET-7f3a"
XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="{SECRET}"/>'
    '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
).encode()
# Colours of the four quadrants of `quadrants()`: top-left, top-right, bottom-left, bottom-right.
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)

pillow_heif.register_heif_opener()


@functools.cache
def srgb_icc() -> bytes:
    """An sRGB ICC profile to embed and look for: made once, since a profile's header holds
    the second it was made, and two made a second apart differ."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def quadrants(size=(64, 48), mode="RGB") -> Image.Image:
    """Four flat quadrants (red, green / blue, white), so orientation can be checked."""
    width, height = size
    im = Image.new("RGB", size, WHITE)
    im.paste(RED, (0, 0, width // 2, height // 2))
    im.paste(GREEN, (width // 2, 0, width, height // 2))
    im.paste(BLUE, (0, height // 2, width // 2, height))
    return im.convert(mode)


def exif(orientation: int | None = None, gps: bool = True) -> Image.Exif:
    """EXIF with camera fields, optionally an Orientation and a GPS position."""
    data = Image.Exif()
    data[ExifTags.Base.Make] = "SecretCam"
    data[ExifTags.Base.Artist] = SECRET
    data[ExifTags.Base.ImageDescription] = SECRET
    if orientation is not None:
        data[ExifTags.Base.Orientation] = orientation
    if gps:
        position = data.get_ifd(ExifTags.IFD.GPSInfo)
        position.update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    return data


def _save(im: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(
    size=(64, 48),
    exif_orientation=None,
    gps=False,
    xmp=False,
    icc=False,
    cmyk=False,
    iptc=False,
    comment=False,
    trailer=False,
    progressive=False,
) -> bytes:
    """A JPEG with a choice of metadata: EXIF (always, with SECRET), GPS, XMP, ICC, IPTC
    (APP13), a COM comment and data after EOI (like a motion photo's video)."""
    im = quadrants(size, "CMYK" if cmyk else "RGB")
    params = {"quality": 90, "exif": exif(exif_orientation, gps), "progressive": progressive}
    if xmp:
        params["xmp"] = XMP
    if icc:
        params["icc_profile"] = srgb_icc()
    if comment:
        params["comment"] = SECRET.encode()
    data = _save(im, "JPEG", **params)
    if iptc:
        record = b"\x1c\x02\x50" + struct.pack(">H", len(SECRET)) + SECRET.encode()
        block = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
        data = data[:2] + _jpeg_segment(0xED, b"Photoshop 3.0\x00" + block) + data[2:]
    if trailer:
        data += b"\x00\x00\x00\x18ftypmp42" + SECRET.encode()
    return data


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def _png(width: int, height: int, depth: int, colour: int, rows: bytes, extra=b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + extra
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def png16(size=(40, 30), grey=False) -> bytes:
    """A 16-bit-per-channel PNG (RGB, or grey) with a horizontal gradient and a tEXt chunk."""
    width, height = size
    channels = 1 if grey else 3
    row = b"".join(struct.pack(">H", x * 65535 // (width - 1)) * channels for x in range(width))
    rows = (b"\x00" + row) * height
    text = _png_chunk(b"tEXt", b"Author\x00" + SECRET.encode())
    return _png(width, height, 16, 0 if grey else 2, rows, text)


def palette_png_transparent(size=(32, 32)) -> bytes:
    """A palette PNG whose index 0 is fully transparent (left half) and index 1 red."""
    im = Image.new("P", size, 1)
    im.putpalette([0, 0, 0, 255, 0, 0])
    im.paste(0, (0, 0, size[0] // 2, size[1]))
    return _save(im, "PNG", transparency=0)


def png_with_text_and_exif(size=(48, 32), exif_orientation=None) -> bytes:
    """An RGB PNG with tEXt, zTXt, iTXt (XMP), eXIf (GPS), tIME, a private chunk and data
    after IEND."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    info.add_text("Author", SECRET, zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add(b"tIME", b"\x07\xe9\x01\x02\x03\x04\x05")
    info.add(b"prVt", SECRET.encode())
    data = _save(
        quadrants(size), "PNG", pnginfo=info, exif=exif(exif_orientation), icc_profile=srgb_icc()
    )
    return data + SECRET.encode()


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    """The first `keep` fraction of a file, as an interrupted upload leaves it."""
    return data[: int(len(data) * keep)]


def truncated_jpeg() -> bytes:
    """A JPEG cut short in its entropy-coded data."""
    return truncated(jpeg(size=(96, 96)))


def truncated_png() -> bytes:
    """A PNG cut short in its IDAT (random pixels, so the IDAT is large)."""
    noise = Image.frombytes("RGB", (96, 96), random.Random(1).randbytes(96 * 96 * 3))  # noqa: S311 - seeded on purpose
    return truncated(_save(noise, "PNG"))


def screenshot(size=(640, 480), fmt="PNG") -> bytes:
    """A screenshot-like picture (text-like bars, flat shapes): AVIF beats WebP on it."""
    rng = random.Random(7)  # noqa: S311 - seeded on purpose: deterministic samples
    im = Image.new("RGB", size, (245, 245, 245))
    draw = ImageDraw.Draw(im)
    for y in range(0, size[1], 14):
        x = 10
        while x < size[0] - 40:
            width = rng.randint(10, 60)
            draw.rectangle((x, y + 3, x + width, y + 10), fill=(rng.randint(0, 80),) * 3)
            x += width + 8
    for _ in range(6):
        x0, x1 = sorted(rng.randint(0, size[0]) for _ in "ab")
        y0, y1 = sorted(rng.randint(0, size[1]) for _ in "ab")
        draw.ellipse((x0, y0, x1, y1), fill=tuple(rng.randint(0, 255) for _ in "rgb"))
    return _save(im, fmt)


def gradient(size=(2000, 500), fmt="PNG") -> bytes:
    """Smooth colour gradients (compresses well, so large sizes stay cheap)."""
    channels = [
        Image.linear_gradient("L"),
        Image.radial_gradient("L"),
        Image.linear_gradient("L").rotate(90),
    ]
    return _save(Image.merge("RGB", [c.resize(size) for c in channels]), fmt)


def bomb_png(width=50_000, height=50_000) -> bytes:
    """A tiny PNG declaring huge dimensions (a decompression bomb)."""
    return _png(width, height, 8, 2, b"\x00" * 64)


@functools.cache
def grey16_bomb(width=10_000, height=10_000) -> bytes:
    """A real 16-bit greyscale PNG of zeros: 850 KB at 10 000 x 10 000 (194 KB compressed
    harder, which takes seconds), 200 MB decoded."""
    compressor = zlib.compressobj(1)
    row = b"\x00" * (1 + width * 2)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


def animated_gif(frames=3, size=(32, 24), loop=0) -> bytes:
    """An animated GIF (distinct frames, 100 ms each) with a comment and an XMP block."""
    images = [Image.new("RGB", size, (40 * i % 256, 255 - 30 * i % 256, 90)) for i in range(frames)]
    for i, im in enumerate(images):
        im.paste((255, 255, 255), (i % size[0], 0, i % size[0] + 2, 2))
    data = _save(
        images[0],
        "GIF",
        save_all=True,
        append_images=images[1:],
        duration=100,
        loop=loop,
        comment=SECRET.encode(),
    )
    secret = SECRET.encode()
    xmp = b"\x21\xff\x0bXMP DataXMP" + bytes([len(secret)]) + secret + b"\x00"
    return data[:-1] + xmp + data[-1:]


def gif_with_frames(count: int) -> bytes:
    """A 1x1 GIF with `count` frames, built by hand so huge counts stay fast."""
    frame = b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1) + b"\x00" + b"\x02\x02\x44\x01\x00"
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 3 + b"\xff" * 3 + frame * count + b";"


def animated_webp(frames=3, size=(32, 24)) -> bytes:
    """An animated lossy WebP (80 ms frames) with EXIF (GPS) and XMP chunks."""
    images = [Image.new("RGBA", size, (60 * i % 256, 100, 200, 255)) for i in range(frames)]
    return _save(
        images[0],
        "WEBP",
        save_all=True,
        append_images=images[1:],
        duration=80,
        loop=0,
        exif=exif(),
        xmp=XMP,
    )


def apng(frames=3, size=(32, 24)) -> bytes:
    """An animated PNG (APNG) with a text chunk and EXIF."""
    images = [Image.new("RGBA", size, (0, 50 * i % 256, 255, 255)) for i in range(frames)]
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    return _save(
        images[0],
        "PNG",
        save_all=True,
        append_images=images[1:],
        duration=50,
        loop=0,
        pnginfo=info,
        exif=exif(),
    )


def webp_with_exif(size=(48, 32), exif_orientation=None, lossless=False) -> bytes:
    """A still WebP with EXIF (GPS), XMP and an ICC profile."""
    return _save(
        quadrants(size),
        "WEBP",
        quality=90,
        lossless=lossless,
        exif=exif(exif_orientation),
        xmp=XMP,
        icc_profile=srgb_icc(),
    )


def heic(size=(64, 48), alpha=False) -> bytes:
    """A HEIC (HEVC) image with EXIF (GPS) and XMP."""
    im = quadrants(size, "RGBA" if alpha else "RGB")
    return _save(im, "HEIF", quality=90, exif=exif().tobytes(), xmp=XMP)


def avif(size=(64, 48), frames=1) -> bytes:
    """An AVIF (animated when frames > 1) with EXIF (GPS) and XMP items."""
    images = [quadrants(size) for _ in range(frames)]
    for index, im in enumerate(images):  # distinct frames: encoders merge identical ones
        im.paste((80 * index % 256, 0, 0), (0, 0, 16, 16))
    return _save(
        images[0],
        "AVIF",
        save_all=frames > 1,
        append_images=images[1:],
        quality=90,
        speed=10,
        exif=exif(),
        xmp=XMP,
        duration=100,
    )


def tiff(size=(64, 48), exif_orientation=None, mode="RGB") -> bytes:
    """A TIFF with EXIF tags (and optionally an Orientation)."""
    return _save(quadrants(size, mode), "TIFF", exif=exif(exif_orientation))


def bmp(size=(64, 48)) -> bytes:
    """A 24-bit BMP."""
    return _save(quadrants(size), "BMP")


def svg() -> bytes:
    """An SVG document (never accepted: it can carry script)."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
        b'width="10" height="10"><script>alert(1)</script></svg>'
    )


def html_named_png() -> bytes:
    """An HTML page, as uploaded under a name ending in .png."""
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def pdf() -> bytes:
    """The start of a PDF document."""
    return b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def text() -> bytes:
    """Plain text."""
    return b"just some words, not an image\n"


# --- Inspection ---------------------------------------------------------------------------


def jpeg_segments(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """([(marker, payload)] of the segments before the first SOS, bytes from SOS on)."""
    segments, pos = [], 2
    while data[pos + 1] != 0xDA:
        marker = data[pos + 1]
        (length,) = struct.unpack_from(">H", data, pos + 2)
        segments.append((marker, data[pos + 4 : pos + 2 + length]))
        pos += 2 + length
    return segments, data[pos : data.rindex(b"\xff\xd9") + 2]


def _png_chunks(data: bytes) -> tuple[list[bytes], bytes]:
    kinds, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        kinds.append(kind)
        pos += 12 + length
        if kind == b"IEND":
            break
    return kinds, data[pos:]


def _webp_chunks(data: bytes) -> list[bytes]:
    kinds, pos = [], 12
    while pos + 8 <= len(data):
        kind, size = struct.unpack_from("<4sI", data, pos)
        kinds.append(kind)
        pos += 8 + size + (size & 1)
    return kinds


_GIF_OK = (0xF9, b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012")


def _gif_extensions(data: bytes) -> list:
    """Labels (or application ids) of a GIF's extension blocks."""

    def skip_sub_blocks(pos):
        while data[pos]:
            pos += 1 + data[pos]
        return pos + 1

    found, pos = [], 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    while data[pos] != 0x3B:
        if data[pos] == 0x21:
            label = data[pos + 1]
            found.append(data[pos + 3 : pos + 14] if label == 0xFF else label)
            pos = skip_sub_blocks(pos + 2)
        else:
            flags = data[pos + 9]
            pos = skip_sub_blocks(pos + 11 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0))
    return found


def private_metadata(data: bytes) -> list[str]:
    """Names of the private metadata found in an image's bytes (empty when clean).

    A bare EXIF Orientation tag is not private and is allowed.
    """
    found = []
    if SECRET.encode() in data:
        found.append("secret bytes")
    if b"<x:xmpmeta" in data or b"http://ns.adobe.com/xap/1.0/" in data:
        found.append("xmp")
    if data.startswith(b"\xff\xd8"):
        segments, scan = jpeg_segments(data)
        for marker, payload in segments:
            if marker == 0xED or marker == 0xFE:
                found.append("iptc" if marker == 0xED else "comment")
            if marker == 0xE1 and not payload.startswith(b"Exif\x00\x00"):
                found.append("app1")
        if not data.endswith(scan):
            found.append("data after EOI")
    elif data.startswith(b"\x89PNG"):
        kinds, rest = _png_chunks(data)
        found += [k.decode() for k in kinds if k in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME")]
        found += ["data after IEND"] if rest else []
    elif data[:4] == b"RIFF":
        found += [k.decode() for k in _webp_chunks(data) if k in (b"EXIF", b"XMP ")]
    elif data[:3] == b"GIF":
        found += [f"gif extension {e!r}" for e in _gif_extensions(data) if e not in _GIF_OK]
    with Image.open(io.BytesIO(data)) as im:
        tags = im.getexif()
        if set(tags) - {ExifTags.Base.Orientation}:
            found.append(f"exif tags {sorted(tags)}")
        xmp = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp") or b""
        if (xmp.encode() if isinstance(xmp, str) else xmp).strip(b" \x00"):
            found.append("xmp")
        if im.info.get("comment"):
            found.append("comment")
    return found


def has_private_metadata(data: bytes) -> bool:
    """True when `private_metadata` finds anything."""
    return bool(private_metadata(data))


def dominant(im: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    """Which of the quadrant colours the pixel at `xy` is closest to."""
    pixel = im.convert("RGB").getpixel(xy)
    return min(
        (RED, GREEN, BLUE, WHITE),
        key=lambda c: sum((a - b) ** 2 for a, b in zip(c, pixel, strict=True)),
    )


def jpeg_app_markers(data: bytes) -> set[int]:
    """The APPn markers present before the first scan of a JPEG."""
    return {marker for marker, _ in jpeg_segments(data)[0] if 0xE0 <= marker <= 0xEF}
