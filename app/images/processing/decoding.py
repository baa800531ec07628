"""Opening an upload and deciding, from its header alone, whether decoding it is affordable.

Limits are checked before any pixel is decoded: the pixels of a frame (`max_pixels`, also
Pillow's own bomb check, whose warning is an error here), and the memory decoding takes
(`max_decode_bytes`, estimated by `memory_needed`): a 194 KB PNG of zeros can declare
10 000 x 10 000 16-bit pixels, 200 MB once decoded. `probe_image` runs the same checks
without decoding, so the caller can refuse such a file early and reserve memory for the
decode (`app.images.budget`).
"""

import os
import struct
import threading
import warnings
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from app.errors import Invalid, TooLarge, Unsupported
from app.images.processing.formats import (
    ACCEPTED_FORMATS,
    FORMAT_NAMES,
    looks_like_accepted,
    unsupported_message,
)
from app.images.processing.pixels import banded, fit
from app.text import size_text

MIB = 1024 * 1024
LARGE = 1600  # the largest derivative; a JPEG is decoded at the smallest scale that covers it
# An animation is decoded one frame at a time: the frame being composed, the previous one
# (kept for disposal) and its RGBA copy for the encoder, each the size of the canvas.
# An animation holds about seven canvases of 4 bytes a pixel at once: the decoder's own
# canvases (libwebp keeps two), Pillow's frame, its converted copy and the resampled frames of
# each derivative being encoded. Measured on animated WebP of 9 and 41 megapixels a frame:
# peaks of 29 and 22 bytes a pixel; eight canvases keep the estimate above both
# (tests/images/processing/test_decoding.py).
ANIMATION_FRAMES_HELD = 8
ANIMATED_FORMATS = ("gif", "png", "webp", "avif")  # others' extra pictures are not frames
ENCODERS_BYTES = 32 * MIB  # libavif's and libwebp's working memory for the derivatives


@dataclass(frozen=True)
class Limits:
    """Decoding limits; the defaults suit a public host on a small machine."""

    max_pixels: int = 100_000_000  # per frame
    max_frames: int = 1000
    max_animation_pixels: int = 150_000_000  # frames x canvas pixels: ~10 s of work at most
    max_decode_bytes: int = 512 * MIB  # `memory_needed` to decode and derive one picture


_TOO_MANY_PIXELS = "The image is too large: too many pixels to decode safely"
# `warnings.catch_warnings` swaps process-wide state and is not thread-safe; without this lock
# concurrent uploads could restore each other's filters and leave them changed for good.
_OPEN_LOCK = threading.Lock()


@contextmanager
def decoding():
    """Turn decoder failures (damaged, truncated, decompression bomb) into `Invalid`."""
    try:
        yield
    except Image.DecompressionBombError as exc:
        raise Invalid(_TOO_MANY_PIXELS) from exc
    # Pillow's AVIF decoder reports damaged data as RuntimeError.
    except (
        OSError,
        SyntaxError,
        EOFError,
        ValueError,
        RuntimeError,
        struct.error,
        zlib.error,
    ) as exc:
        raise Invalid("The image is damaged or truncated and cannot be read") from exc


def open_image(source: BinaryIO, head: bytes, limits: Limits) -> Image.Image:
    """Open `source` (headers only) with the accepted decoders; bomb warnings count as errors
    here. `head` (the first KiB) names the problem when the bytes are not an image we know."""
    try:
        with _OPEN_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow's own bomb check (89.5 MP by default) follows the configured limit.
            Image.MAX_IMAGE_PIXELS = limits.max_pixels
            return Image.open(source, formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise Invalid(_TOO_MANY_PIXELS) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError, ValueError, struct.error):
        # A failure while reading headers means "not an image we know", unless the bytes
        # carry the signature of an accepted format, which is then damaged.
        kind = looks_like_accepted(head[:32])
        if kind:
            raise Invalid(f"This {kind} file is damaged and cannot be read") from None
        raise Unsupported(unsupported_message(head)) from None


def check_pixels(size: tuple[int, int], limits: Limits) -> None:
    """`Invalid` unless a frame of `size` has pixels, and not too many."""
    width, height = size
    if width < 1 or height < 1:
        raise Invalid("The image has no pixels")
    if width * height > limits.max_pixels:
        raise Invalid(
            f"The image is too large: {width}x{height} pixels "
            f"(at most {limits.max_pixels:,} pixels per frame)"
        )


def bytes_per_pixel(mode: str) -> int:
    """What Pillow stores per pixel of `mode`: 1 for 1/L/P, 2 for 16-bit greys, else 4 (it
    keeps three-channel modes such as RGB in four bytes)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _conversion(im: Image.Image) -> tuple[int, int]:
    """Bytes per pixel of the full-size copy the derivatives need, and of the picture then
    resampled (`pixels.downscale`). Pillow premultiplies alpha into a copy to resample."""
    keyed = "transparency" in im.info or im.mode == "PA"
    if im.mode in ("P", "PA", "L", "RGB") and keyed:
        return 8, 4  # to RGBA, then premultiplied
    if im.mode in ("P", "LA", "RGBA"):
        return 4, 4  # to RGB, or premultiplied
    if im.mode == "1" or im.mode.startswith("I;16"):
        return 1, 1  # to 8-bit grey
    return 0, 1 if im.mode == "L" else 4


def memory_needed(im: Image.Image, animated: bool, file_bytes: int,
                  target: tuple[int, int] | None = None) -> int:
    """Memory decoding `im` at its current size and deriving its variants takes, measured
    from 5 to 100 megapixels (this is up to ~25 % above the peaks, never ~10 % below): the
    decoded picture (width x height x bytes per pixel of its mode), the full-size copy its
    conversions make, the resampling's intermediates (about half the resampled picture,
    and a copy of it when it is resampled in bands: `pixels.banded`), the file three times
    (the upload, its metadata-free copy, and an animation's re-encoded `large`) and the
    encoders' own memory. An animation holds several canvases at a time. `target` is the
    size it is downscaled to: `large`'s unless told (a rendition's own)."""
    pixels = im.width * im.height
    if animated:
        picture = pixels * 4 * ANIMATION_FRAMES_HELD
    else:
        copy, resampled = _conversion(im)
        bands = resampled if banded(im.mode, im.size, target or fit(im.size, LARGE)) else 0
        picture = pixels * (bytes_per_pixel(im.mode) + copy + bands) + pixels * resampled // 2
    return picture + 3 * file_bytes + ENCODERS_BYTES


def check_memory(im: Image.Image, fmt: str, animated: bool, file_bytes: int,
                 limits: Limits) -> int:
    """`memory_needed` by `im`, or `TooLarge` when over `limits.max_decode_bytes`. A JPEG
    is first set to decode at the smallest scale that covers the largest derivative
    (`draft`: libjpeg's DCT scaling does most of the downscale; `full` never needs pixels)."""
    if fmt == "jpeg":
        im.draft(im.mode, fit(im.size, LARGE))
    needed = memory_needed(im, animated, file_bytes)
    if needed > limits.max_decode_bytes:
        raise TooLarge(
            f"The image is too large to process: {im.width}x{im.height} pixels in mode "
            f"{im.mode} need {size_text(needed)} of memory to decode "
            f"(at most {size_text(limits.max_decode_bytes)})."
        )
    return needed


def probe_image(path: str, limits: Limits) -> int:
    """Read the header of the image at `path` and check what decoding it would cost; returns
    its `memory_needed`. Raises as `process_image` would for a file that is not an accepted
    image, is damaged in its header, or is over the pixel or memory limits."""
    with open(path, "rb") as fp:
        head = fp.read(1024)
        if not head:
            raise Invalid("The file is empty")
        fp.seek(0)
        with decoding(), open_image(fp, head, limits) as im:
            check_pixels(im.size, limits)
            fmt = FORMAT_NAMES[im.format]
            # Only these animate (see the pipeline); a GIF finds out by skipping its first
            # frame's data, without decoding it.
            animated = fmt in ANIMATED_FORMATS and getattr(im, "is_animated", False)
            return check_memory(im, fmt, animated, os.fstat(fp.fileno()).st_size, limits)
