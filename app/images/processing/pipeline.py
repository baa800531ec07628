"""Decode an upload once and build every variant Pixvault serves.

Plain synchronous functions meant for a thread-pool executor: no database, no Tornado, and no
I/O beyond reading the uploaded file.

Variants (`ProcessedImage.variants` keys):
- `full`: the picture at full size without private metadata; see `app.images.processing.full`.
- `large.webp` (fits 1600x1600), `thumb2x.webp` (640) and `thumb.webp` (320): upright, ICC
  kept, never upscaled, each derived from the previous one. An animation's `large.webp` is
  animated; its thumbs are its first frame. A size whose WebP comes out larger than the
  variant served in its place is not kept (`derivatives.without_larger`).
- `large.avif`, `thumb2x.avif`, `thumb.avif`: stills only, and only where AVIF is at least
  15 % smaller than the WebP (see `app.images.processing.derivatives`).

`decode_image` does the serial part (validate, decode, `full`, downscale) and hands back the
encodes as independent jobs in two rounds, which `app.images.ingest` runs on every core of
the image pool; `process_image` runs them one after the other.

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
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial

from PIL import Image

from app.errors import Invalid
from app.images.processing import derivatives, encode, metadata
from app.images.processing.decoding import (
    ANIMATED_FORMATS,
    LARGE,
    Limits,
    check_memory,
    check_pixels,
    decoding,
    open_image,
)
from app.images.processing.derivatives import Encoding, Variant
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

DEFAULT_LIMITS = Limits()


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


@dataclass(frozen=True)
class Decoded:
    """An upload validated, decoded and downscaled, with its encodes still to run: those of
    one round are independent of each other (run them in any order, on any threads), and
    `second_round` depends on what the first made."""

    image: ProcessedImage  # its variants so far: `full`; no colour or hash yet
    encodings: list[Encoding]
    sizes: dict[str, Image.Image]  # the derivatives' pictures, as round one makes them
    icc: bytes | None = None

    def second_round(self, made: dict[str, Variant]) -> list[Encoding]:
        """The encodes that round one's variants `made` call for."""
        made = {"full": self.image.variants["full"], **made}
        return [partial(_guarded, job)
                for job in derivatives.second_round(self.sizes, self.icc, made)]

    def finish(self, made: Iterable[dict[str, Variant]]) -> ProcessedImage:
        """The processed image, with every variant the rounds `made` that is worth keeping
        (their digests worked out), and its thumbnail's colour and hash. Run it on a worker
        thread: it reads every byte and pixel."""
        variants = dict(self.image.variants)
        for variants_of_one_job in made:
            variants |= variants_of_one_job
        kept = derivatives.without_larger(variants)
        for variant in kept.values():
            variant.sha256  # noqa: B018 - worked out here, off the event loop
        thumb = self.sizes["thumb"]
        return replace(self.image, variants=kept, color=average_color(thumb),
                       phash=perceptual_hash(thumb))


def process_image(path: str, limits: Limits = DEFAULT_LIMITS) -> ProcessedImage:
    """Identify, validate and decode the image at `path`, and build its variants, on this
    thread (see `decode_image` to spread the encodes over several).

    Raises `Unsupported` when the bytes are not one of the accepted formats and `Invalid`
    when they are damaged, truncated, too large or have too many frames. Errors reading
    `path` itself propagate unchanged (they are the server's problem, not the user's).
    """
    decoded = decode_image(path, limits)
    made = {}
    for job in decoded.encodings:
        made |= job()
    for job in decoded.second_round(made):
        made |= job()
    return decoded.finish([made])


def warm_up() -> None:
    """Take a tiny picture through the whole pipeline, so that a server's workers start with
    what it loads on first use (Pillow's plugins, scipy for the hash, the WebP and AVIF
    encoders) already loaded, rather than their first upload waiting for it."""
    Image.init()
    with tempfile.NamedTemporaryFile(suffix=".jpg") as file:
        Image.new("RGB", (48, 32), "teal").save(file, "JPEG")
        file.flush()
        process_image(file.name)


def decode_image(path: str, limits: Limits = DEFAULT_LIMITS) -> Decoded:
    """The serial part of `process_image`: everything but the derivatives' encodes, which
    come back as jobs. Raises as `process_image` does; so may the jobs."""
    with open(path, "rb") as fp:
        data = fp.read()
    if not data:
        raise Invalid("The file is empty")
    with decoding(), open_image(io.BytesIO(data), data[:1024], limits) as im:
        return _process(im, data, limits)


def _guarded(job: Encoding) -> dict[str, Variant]:
    with decoding():
        return job()


def _process(im: Image.Image, data: bytes, limits: Limits) -> Decoded:
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
           stored: tuple[int, int]) -> Decoded:
    """A still; `stored` is its size in the file (a JPEG's `im` may be a reduced draft)."""
    im.load()
    # Read after load(): Pillow's TIFF reader applies the orientation itself while loading
    # (and then drops the tag); other formats keep it for us to apply.
    orientation = orientation_of(im)
    shown = display_size(stored, orientation)
    full, full_type, pieces = full_still(im, fmt, data, orientation)
    large = upright(downscale(im, fit(stored, LARGE)), orientation)
    rgb, icc = to_rgb(large, im.info.get("icc_profile"))
    image = ProcessedImage(fmt, content_type, *shown, False, 1,
                           {"full": Variant(full, full_type, *shown, pieces)}, "", "")
    sizes: dict[str, Image.Image] = {}
    jobs = derivatives.first_round("large", rgb, shown, icc, sizes, trial_under=len(full))
    return Decoded(image, [partial(_guarded, job) for job in jobs], sizes, icc)


def _animated(im, fmt: str, content_type: str, data: bytes, frames: int,
              limits: Limits) -> Decoded:
    canvas = im.size
    full, full_type, pieces = full_animated(fmt, data)
    full = Variant(full, full_type, *canvas, pieces)
    icc = im.info.get("icc_profile")
    icc = icc if icc_space(icc) == b"RGB " else None
    target = fit(canvas, LARGE)
    im.seek(0)
    first = shrink(_canvas_frame(im, canvas, limits), fit(canvas, derivatives.SIZES["thumb2x"]))
    image = ProcessedImage(fmt, content_type, *canvas, True, frames, {"full": full}, "", "")
    sizes: dict[str, Image.Image] = {}
    large = partial(_animated_large, data, fmt, frames, target, icc, limits)
    jobs = [large, *derivatives.first_round("thumb2x", first, canvas, icc, sizes,
                                            trial_under=None)]
    return Decoded(image, [partial(_guarded, job) for job in jobs], sizes)


def _canvas_frame(im: Image.Image, canvas: tuple[int, int], limits: Limits) -> Image.Image:
    """The current frame of an animation as RGBA, clipped to the canvas."""
    check_pixels(im.size, limits)
    im.load()
    frame = normalize(im).convert("RGBA")
    if frame.size != canvas:  # a GIF frame reaching past the screen is clipped
        frame = frame.crop((0, 0, *canvas))
    return frame


def _animated_large(data: bytes, fmt: str, frames: int, target: tuple[int, int],
                    icc: bytes | None, limits: Limits) -> dict[str, Variant]:
    """The animated `large.webp`. It opens the file again (its header only), so it can run
    on another thread while the thumbnails are encoded."""
    durations: list[int] = []
    with open_image(io.BytesIO(data), data[:1024], limits) as im:
        canvas = im.size

        def resized_frames():
            for index in range(frames):
                im.seek(index)
                frame = _canvas_frame(im, canvas, limits)
                durations.append(int(im.info.get("duration") or 0))
                yield shrink(frame, target)

        large = encode.animated_webp(
            resized_frames(), frames, durations, encode.webp_loop(fmt, im.info.get("loop")), icc
        )
    return {"large.webp": Variant(large, "image/webp", *target)}
