"""Rendering one rendition from a stored variant: resize, crop, encode, metadata-free.

Plain synchronous functions for the image pool, like the rest of the pipeline. The source
is a stored variant (`large` or `full`), so it is an accepted, already validated format;
the decoding limits are checked again all the same, and `probe` tells the caller how much
memory the decode will hold (the process's decode budget) before any pixel is decoded.
An animation's rendition is its first frame, a still.

Smart crop: of the windows of the crop's size along the picture's long side, the one whose
greys have the highest entropy (Pillow's `Image.entropy`), judged on a copy about 128 px
long: detail beats flat sky or background, at a cost of a few milliseconds.
"""

import io
from contextlib import contextmanager

from PIL import Image

from app.errors import TooLarge
from app.images.processing import encode
from app.images.processing.decoding import (
    Limits,
    check_pixels,
    decoding,
    memory_needed,
    open_image,
)
from app.images.processing.formats import FORMAT_NAMES
from app.images.processing.pixels import (
    display_size,
    downscale,
    orientation_of,
    to_rgb,
    upright,
)

_SMART_SIDE = 128  # pixels along the long side of the copy smart crop judges
_SMART_STEPS = 16  # windows tried


@contextmanager
def _opened(data: bytes, limits: Limits, scaled: tuple[int, int]):
    with decoding(), open_image(io.BytesIO(data), data[:1024], limits) as im:
        check_pixels(im.size, limits)
        orientation = orientation_of(im)
        stored = display_size(scaled, orientation)  # the same swap turns it back
        if FORMAT_NAMES[im.format] == "jpeg":
            im.draft(im.mode, stored)  # DCT scaling does most of a JPEG's downscale
        yield im, orientation, stored


def probe(data: bytes, limits: Limits, scaled: tuple[int, int]) -> int:
    """Memory decoding `data` (a stored variant) to render at `scaled` takes; raises as
    `render` would over the limits."""
    with _opened(data, limits, scaled) as (im, _, stored):
        # At the JPEG draft and to the size `render` will use.
        needed = memory_needed(im, False, len(data), stored)
    if needed > limits.max_decode_bytes:
        raise TooLarge("This picture is too large to render at that size.")
    return needed


def render(data: bytes, limits: Limits, *, scaled: tuple[int, int], final: tuple[int, int],
           fit: str, fmt: str, quality: int) -> tuple[bytes, int, int]:
    """`(bytes, width, height)` of the picture in `data` resized to `scaled` (as displayed),
    cropped to `final` (`cover`: around the centre; `smart`: see the module), encoded as
    `fmt` (webp, avif, jpeg, png) at `quality`, with no metadata but the colour profile."""
    with _opened(data, limits, scaled) as (im, orientation, stored):
        im.seek(0)
        im.load()
        # `stored` has the picture's shape, or the box's for `fill`, which stretches.
        img, icc = to_rgb(upright(downscale(im, stored), orientation),
                          im.info.get("icc_profile"))
    if img.size != final:
        img = img.crop(_window(img, final, smart=fit == "smart"))
    return _encode(img, icc, fmt, quality), *img.size


def _window(img: Image.Image, size: tuple[int, int], *, smart: bool) -> tuple[int, int, int, int]:
    """The crop box of `size` in `img`: centred, or the busiest along the long side."""
    slack_x, slack_y = img.width - size[0], img.height - size[1]
    left, top = slack_x // 2, slack_y // 2
    if smart and (slack_x or slack_y):
        scale = _SMART_SIDE / max(img.size)
        small = img.convert("L").resize((max(1, round(img.width * scale)),
                                         max(1, round(img.height * scale))))
        slack = slack_x or slack_y
        offsets = sorted({round(slack * step / _SMART_STEPS) for step in range(_SMART_STEPS + 1)})

        def entropy(offset: int) -> float:
            box = (offset, 0, offset + size[0], size[1]) if slack_x else \
                (0, offset, size[0], offset + size[1])
            return small.crop(tuple(round(edge * scale) for edge in box)).entropy()

        best = max(offsets, key=entropy)
        left, top = (best, 0) if slack_x else (0, best)
    return left, top, left + size[0], top + size[1]


def _encode(img: Image.Image, icc: bytes | None, fmt: str, quality: int) -> bytes:
    if fmt == "webp":
        return encode.webp(img, icc, quality=quality)
    if fmt == "avif":
        return encode.avif(img, icc, quality=quality)
    if fmt == "png":
        return encode.png(img, icc)
    if img.mode == "RGBA":  # JPEG has no alpha: lay the picture on white
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        img = flat
    return encode.jpeg(img, icc, quality=quality)
