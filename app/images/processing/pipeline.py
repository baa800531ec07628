"""Decode an upload once and build every variant Pixvault serves.

Plain synchronous functions meant for a thread-pool executor: no database, no Tornado, and no
I/O beyond reading the uploaded file.

Variants (`ProcessedImage.variants` keys):
- `full`: the picture at full size without private metadata; see `app.images.processing.full`.
- `large.webp` (fits 1600x1600), `thumb2x.webp` (640) and `thumb.webp` (320): upright, ICC
  kept, never upscaled, each derived from the previous one. An animation's `large.webp` is
  animated; its thumbs are its first frame.
- `large.avif`, `thumb2x.avif`, `thumb.avif`: stills only, and only when AVIF is at least 15 %
  smaller than the WebP (see `app.images.processing.encode`).

`color` is the thumbnail's average colour, which pages paint while the picture loads;
`phash` its perceptual hash, which finds the same picture again however it was re-encoded,
resized or lightly edited (groundwork for moderation: a blocklist of removed images).

Animations (GIF, APNG, animated WebP/AVIF) keep their animation in `full` and `large.webp`.
EXIF orientation is ignored for them: it is rare there, and honouring it would mean
re-encoding the whole `full` animation.

Limits (`app.images.processing.decoding`): declared sizes and the memory a decode takes are
checked before any pixel is decoded. `max_animation_pixels` (frames x canvas pixels) bounds
an animation's work (~11 ns/pixel to decode, ~60 ns/pixel to encode animated WebP, one
core). Frames are decoded, resized and encoded one at a time, so memory stays at a few
frames; a still's mode conversions for the derivatives happen after downscaling where the
mode allows it (`pixels.downscale`).
"""

import io
from dataclasses import dataclass

from PIL import Image

from app.errors import Invalid
from app.images.processing import encode, metadata
from app.images.processing.decoding import (
    ANIMATED_FORMATS,
    LARGE,
    Limits,
    check_memory,
    check_pixels,
    decoding,
    open_image,
)
from app.images.processing.formats import CONTENT_TYPES, FORMAT_NAMES, heif_content_type
from app.images.processing.full import full_animated, full_still
from app.images.processing.pixels import (
    average_color,
    display_size,
    downscale,
    fit,
    icc_space,
    normalize,
    orientation_of,
    perceptual_hash,
    shrink,
    to_rgb,
    upright,
)

THUMB2X, THUMB = 640, 320
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Variant:
    """One stored rendition: its bytes, content type and pixel size as displayed.

    For a `full` JPEG or AVIF carrying an orientation, the stored raster is turned on display
    (EXIF Orientation, `irot`); width and height are those of the displayed picture.
    """

    data: bytes
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    """What an upload turned out to be, plus the variants to store."""

    format: str
    content_type: str
    width: int
    height: int
    animated: bool
    frames: int
    variants: dict[str, Variant]
    color: str  # average colour "#rrggbb" of the thumbnail; "" if it is fully transparent
    phash: str  # perceptual hash of the thumbnail (`pixels.perceptual_hash`)


def process_image(path: str, limits: Limits = DEFAULT_LIMITS) -> ProcessedImage:
    """Identify, validate and decode the image at `path`, and build its variants.

    Raises `Unsupported` when the bytes are not one of the accepted formats and `Invalid`
    when they are damaged, truncated, too large or have too many frames. Errors reading
    `path` itself propagate unchanged (they are the server's problem, not the user's).
    """
    with open(path, "rb") as fp:
        data = fp.read()
    if not data:
        raise Invalid("The file is empty")
    with decoding(), open_image(io.BytesIO(data), data[:1024], limits) as im:
        return _process(im, data, limits)


def _process(im: Image.Image, data: bytes, limits: Limits) -> ProcessedImage:
    fmt = FORMAT_NAMES[im.format]
    content_type = heif_content_type(data) if fmt == "heif" else CONTENT_TYPES[fmt]
    check_pixels(im.size, limits)
    frames = _frame_count(im, fmt, data, limits)
    stored = im.size
    check_memory(im, fmt, frames > 1, len(data), limits)  # a JPEG now decodes reduced
    if frames > 1:
        return _animated(im, fmt, content_type, data, frames, limits)
    return _still(im, fmt, content_type, data, stored)


def _frame_count(im: Image.Image, fmt: str, data: bytes, limits: Limits) -> int:
    """Frames of an animation; 1 for formats whose extra pictures are not animation frames
    (multi-page TIFF, MPO, multi-image HEIF: the first or primary picture is used)."""
    # Pillow counts GIF frames by walking the whole file; bound that walk first.
    if fmt == "gif" and metadata.gif_frame_count(data, limits.max_frames) > limits.max_frames:
        raise Invalid(f"The animation has too many frames (at most {limits.max_frames})")
    if fmt not in ANIMATED_FORMATS:
        return 1
    frames = getattr(im, "n_frames", 1)
    if frames > limits.max_frames:
        raise Invalid(f"The animation has too many frames (at most {limits.max_frames})")
    check_pixels(im.size, limits)  # a GIF's canvas may have grown while counting
    if frames > 1 and frames * im.width * im.height > limits.max_animation_pixels:
        raise Invalid(
            f"The animation is too large: {frames} frames of {im.width}x{im.height} pixels"
        )
    return frames


def _still(im: Image.Image, fmt: str, content_type: str, data: bytes,
           stored: tuple[int, int]) -> ProcessedImage:
    """A still; `stored` is its size in the file (a JPEG's `im` may be a reduced draft)."""
    im.load()
    # Read after load(): Pillow's TIFF reader applies the orientation itself while loading
    # (and then drops the tag); other formats keep it for us to apply.
    orientation = orientation_of(im)
    shown = display_size(stored, orientation)
    full, full_type = full_still(im, fmt, data, orientation)
    large = upright(downscale(im, fit(stored, LARGE)), orientation)
    variants, color, phash = _derivatives(*to_rgb(large, im.info.get("icc_profile")), shown,
                                   with_avif=True)
    variants["full"] = Variant(full, full_type, *shown)
    return ProcessedImage(fmt, content_type, *shown, False, 1, variants, color, phash)


def _derivatives(img, icc, shown, *, with_avif: bool,
                 boxes=(LARGE, THUMB2X, THUMB)) -> tuple[dict, str, str]:
    """WebP (and AVIF where it pays) for each box, each derived from the previous one; and
    the average colour and the perceptual hash of the smallest."""
    names = {LARGE: "large", THUMB2X: "thumb2x", THUMB: "thumb"}
    variants = {}
    for box in boxes:
        img = shrink(img, fit(shown, box))
        webp = encode.webp(img, icc)
        variants[f"{names[box]}.webp"] = Variant(webp, "image/webp", *img.size)
        alternative = encode.avif_if_smaller(img, icc, len(webp)) if with_avif else None
        if alternative is not None:
            variants[f"{names[box]}.avif"] = Variant(alternative, "image/avif", *img.size)
    return variants, average_color(img), perceptual_hash(img)


def _animated(im, fmt: str, content_type: str, data: bytes, frames: int, limits: Limits):
    canvas = im.size
    full = Variant(*full_animated(fmt, data), *canvas)
    icc = im.info.get("icc_profile")
    icc = icc if icc_space(icc) == b"RGB " else None
    target = fit(canvas, LARGE)
    durations: list[int] = []
    firsts: list[Image.Image] = []

    def resized_frames():
        for index in range(frames):
            im.seek(index)
            check_pixels(im.size, limits)
            im.load()
            frame = normalize(im).convert("RGBA")
            if frame.size != canvas:  # a GIF frame reaching past the screen is clipped
                frame = frame.crop((0, 0, *canvas))
            durations.append(int(im.info.get("duration") or 0))
            frame = shrink(frame, target)
            if index == 0:
                firsts.append(frame)
            yield frame

    large = encode.animated_webp(
        resized_frames(), frames, durations, encode.webp_loop(fmt, im.info.get("loop")), icc
    )
    variants, color, phash = _derivatives(firsts[0], icc, canvas, with_avif=False,
                                   boxes=(THUMB2X, THUMB))
    variants["large.webp"] = Variant(large, "image/webp", *target)
    variants["full"] = full
    return ProcessedImage(fmt, content_type, *canvas, True, frames, variants, color, phash)
