"""Encoders for derivatives and converted originals, with metadata never carried over.

Pillow encoders pick some metadata up from `im.info` on their own (JPEG comments, PNG and
AVIF ICC profiles), so every call passes explicit values for exif, xmp, comment and ICC.

Settings (measured on 2 cores with a real photo and screenshots, SSIM on luma):
- WebP quality 80, method 2 (lossy): bench/bench_encoders.py measured method 4 at 1.6-3.5x
  the time of method 2 for 4-5 % fewer bytes and the same SSIM (a 1600 px photo: 34.2 KiB
  at 0.9817 against 35.9 KiB at 0.9814). Lossless keeps method 4: there the effort buys
  real bytes. Animations too: 100 frames of 480x270 took 0.8 s instead of 1.5 s, ~6 %
  more bytes.
- AVIF quality 65, speed 8: within ~0.006 SSIM of WebP q80, and 17-25 % smaller on a photo
  and a 1600 px screenshot (40-60 % on text-like pictures). Speed 8 is ~2.5x faster than
  the default 6 for ~3 % more bytes (~130 ms instead of ~300 ms at 1600 px). AVIF is kept
  only when it saves at least `AVIF_MIN_SAVING`; small or smooth thumbnails often lose to
  WebP and are then not stored.
"""

import io
from collections.abc import Iterator

from PIL import Image

WEBP_QUALITY = 80
WEBP_METHOD = 2
LOSSLESS_WEBP_METHOD = 4
AVIF_QUALITY = 65
AVIF_SPEED = 8
AVIF_MIN_SAVING = 0.15
JPEG_QUALITY = 92  # HEIC originals converted for browsers: visually lossless
FULL_WEBP_QUALITY = 90  # lossy WebP originals re-encoded upright
FULL_AVIF_QUALITY = 90  # AVIF originals whose metadata could not be removed in place


def _save(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def webp(
    img: Image.Image, icc: bytes | None, *, lossless: bool = False, quality: int = WEBP_QUALITY
) -> bytes:
    """A still WebP of an RGB/RGBA image: no EXIF/XMP, `icc` embedded when given."""
    return _save(
        img,
        "WEBP",
        quality=100 if lossless else quality,  # lossless: quality is compression effort
        lossless=lossless,
        method=LOSSLESS_WEBP_METHOD if lossless else WEBP_METHOD,
        icc_profile=icc or b"",
        exif=b"",
        xmp=b"",
    )


def avif(
    img: Image.Image, icc: bytes | None, *, quality: int = AVIF_QUALITY, speed: int = AVIF_SPEED
) -> bytes:
    """An AVIF of an RGB/RGBA image: no Exif/XMP items, `icc` embedded when given."""
    return _save(
        img, "AVIF", quality=quality, speed=speed, icc_profile=icc or b"", exif=b"", xmp=b""
    )


def avif_if_smaller(img: Image.Image, icc: bytes | None, webp_size: int) -> bytes | None:
    """An AVIF sibling of a WebP derivative, or None when it does not save enough bytes."""
    data = avif(img, icc)
    return data if len(data) <= webp_size * (1 - AVIF_MIN_SAVING) else None


def png(img: Image.Image, icc: bytes | None) -> bytes:
    """A lossless PNG; palette/colour-key transparency is kept, nothing else from `info`."""
    params = {"icc_profile": icc or b"", "exif": b""}
    if "transparency" in img.info:
        params["transparency"] = img.info["transparency"]
    return _save(img, "PNG", **params)


def jpeg(img: Image.Image, icc: bytes | None, *, quality: int = JPEG_QUALITY) -> bytes:
    """A baseline JPEG (high quality unless told) of an RGB or L image, with only the ICC
    profile."""
    return _save(
        img, "JPEG", quality=quality, icc_profile=icc or b"", exif=b"", xmp=b"", comment=b""
    )


class _FrameStream(Image.Image):
    """The frames after the first, produced one at a time when the WebP encoder seeks.

    Pillow's `append_images` accepts multi-frame images; handing it this instead of a list
    keeps one decoded frame in memory rather than the whole animation.
    """

    def __init__(self, frames: Iterator[Image.Image], count: int, first: Image.Image):
        super().__init__()
        self._frames = frames
        self._index = -1
        self.n_frames = count
        self._mode = first.mode
        self._size = first.size

    def seek(self, frame: int) -> None:
        if frame != self._index + 1:
            raise ValueError("frames are produced in order only")
        self.im = next(self._frames).im
        self._index = frame

    def tell(self) -> int:
        return self._index


def animated_webp(
    frames: Iterator[Image.Image], count: int, durations: list[int], loop: int, icc: bytes | None
) -> bytes:
    """An animated WebP from `count` equally sized RGBA frames.

    `durations` (ms) may be filled in by the `frames` generator as it goes: the encoder reads
    a frame's duration only after it has pulled that frame.
    """
    first = next(frames)
    if count == 1:
        return webp(first, icc)
    rest = _FrameStream(frames, count - 1, first)
    return _save(
        first,
        "WEBP",
        save_all=True,
        append_images=[rest],
        duration=durations,
        loop=loop,
        background=(0, 0, 0, 0),
        quality=WEBP_QUALITY,
        method=WEBP_METHOD,
        icc_profile=icc or b"",
        exif=b"",
        xmp=b"",
    )


def webp_loop(source_format: str, loop: int | None) -> int:
    """WebP loop count (0 = forever, n = play n times) that plays like the source did."""
    if source_format != "gif":
        return min(int(loop or 0), 0xFFFF)  # APNG, WebP and AVIF count plays the same way
    if loop is None:  # a GIF without a NETSCAPE block plays once
        return 1
    # A GIF's loop count says how often to repeat after the first play.
    return 0 if loop == 0 else min(loop + 1, 0xFFFF)
