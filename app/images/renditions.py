"""Signed renditions: an image at any size and format the owner asks for, made on the fly.

A rendition URL is `/r/<signature>/<image_id>/<options>` (under a share link:
`/s/<token>/r/<signature>/<options>`, or `/s/<token>/i/<image_id>/r/...` in an album). The
options string has one grammar, tokens joined by `_` in this order, defaults left out:

    w<px>  h<px>  cover|smart|fill  webp|avif|jpeg|png  q<quality>  2x|3x

- `w`, `h`: the box in CSS pixels (at least one); the picture fits inside it (`contain`,
  the default), or covers it and is cropped to it around the centre (`cover`) or around
  its busiest part (`smart`: the window of highest entropy), or is stretched to it (`fill`).
  A fit other than `contain` needs both sides (with one side they are all the same).
- the format: `auto` (the default) answers AVIF, else WebP, else JPEG, by `Accept`.
- `q`: quality of a lossy format (`QUALITIES`); `png` takes none.
- `2x`, `3x`: device pixel ratio; the box in pixels is the CSS box times it.

A string not written exactly this way (another order, a default spelled out, a leading
zero) is refused, so each rendition has exactly one URL and one cache entry. The signature
(`ShareKeys.sign`, purpose `PURPOSE`) covers the image id and the options: only URLs the
server handed out work, and nobody can make it render sizes of their choosing.
"""

import math
import re
from dataclasses import dataclass, replace

from app.errors import Invalid, NotFound
from app.images.share_keys import ShareKeys

PURPOSE = b"rendition"
MAX_BOX = 4096  # pixels on a side, device pixel ratio included
QUALITIES = range(10, 101)
DPRS = (1, 2, 3)
FITS = ("contain", "cover", "smart", "fill")
FORMATS = ("auto", "webp", "avif", "jpeg", "png")
CONTENT_TYPES = {"webp": "image/webp", "avif": "image/avif", "jpeg": "image/jpeg",
                 "png": "image/png"}
DEFAULT_QUALITY = {"webp": 80, "avif": 65, "jpeg": 85}
MAX_OPTIONS = 64  # characters: longer is never canonical
_TOKEN = re.compile(r"(?P<w>w[1-9][0-9]{0,3})|(?P<h>h[1-9][0-9]{0,3})|(?P<q>q[1-9][0-9]{1,2})"
                    r"|(?P<dpr>[23]x)|(?P<word>[a-z]+)")


@dataclass(frozen=True)
class Options:
    """What a rendition is: box (CSS pixels), fit, format, quality (None: the format's
    default) and device pixel ratio."""

    width: int | None = None
    height: int | None = None
    fit: str = "contain"
    format: str = "auto"
    quality: int | None = None
    dpr: int = 1

    def text(self) -> str:
        """The canonical options string."""
        tokens = [f"w{self.width}" if self.width else "", f"h{self.height}" if self.height else "",
                  "" if self.fit == "contain" else self.fit,
                  "" if self.format == "auto" else self.format,
                  f"q{self.quality}" if self.quality else "",
                  f"{self.dpr}x" if self.dpr > 1 else ""]
        return "_".join(token for token in tokens if token)

    def box(self) -> tuple[float, float]:
        """The box in device pixels; an open side is unbounded."""
        return (self.width * self.dpr if self.width else math.inf,
                self.height * self.dpr if self.height else math.inf)


def check(options: Options) -> Options:
    """`options` if they are within the limits, else `Invalid` saying which."""
    if not (options.width or options.height):
        raise Invalid("Give a width, a height or both.")
    if options.dpr not in DPRS:
        raise Invalid("The pixel ratio must be 1, 2 or 3.")
    for side in (options.width, options.height):
        if side is not None and not 1 <= side * options.dpr <= MAX_BOX:
            raise Invalid(f"Width and height times the pixel ratio must be 1 to {MAX_BOX}.")
    if options.fit not in FITS:
        raise Invalid(f"Fit must be one of {', '.join(FITS)}.")
    if options.fit != "contain" and not (options.width and options.height):
        raise Invalid("Cover, smart and fill need both a width and a height.")
    if options.format not in FORMATS:
        raise Invalid(f"Format must be one of {', '.join(FORMATS)}.")
    if options.quality is not None and (options.format == "png"
                                        or options.quality not in QUALITIES):
        raise Invalid(f"Quality must be {QUALITIES[0]} to {QUALITIES[-1]}, and PNG takes none.")
    return options


def from_fields(fields: dict) -> Options:
    """Options from form or API fields (`width`, `height`, `fit`, `format`, `quality`,
    `dpr`; empty means the default), checked; `Invalid` if they are not valid. A quality
    equal to the format's default is the default."""
    def number(name: str) -> int | None:
        value = fields.get(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise Invalid(f"{name.capitalize()} must be a whole number.") from None

    options = check(Options(width=number("width"), height=number("height"),
                            fit=fields.get("fit") or "contain",
                            format=fields.get("format") or "auto",
                            quality=number("quality"), dpr=number("dpr") or 1))
    if options.quality == DEFAULT_QUALITY.get(options.format):
        options = replace(options, quality=None)
    return options


def parse(text: str) -> Options:
    """The options a URL's string names; `NotFound` unless it is valid and canonical."""
    if len(text) > MAX_OPTIONS:
        raise NotFound()
    found: dict = {}
    for token in text.split("_"):
        match = _TOKEN.fullmatch(token)
        if not match:
            raise NotFound()
        kind = match.lastgroup
        if kind == "word":
            kind = "fit" if token in FITS else "format"
            found[kind] = token
        elif kind == "dpr":
            found[kind] = int(token[0])
        else:
            found[kind] = int(token[1:])
    fields = {"width": found.get("w"), "height": found.get("h"), "fit": found.get("fit"),
              "format": found.get("format"), "quality": found.get("q"),
              "dpr": found.get("dpr")}
    try:
        options = from_fields(fields)
    except Invalid:
        raise NotFound() from None
    if options.text() != text:  # another order, a repeat, a default written out
        raise NotFound()
    return options


def negotiate(options: Options, accept: str) -> Options:
    """`options` with a concrete format: `auto` becomes AVIF, else WebP, else JPEG, as the
    client's `Accept` allows."""
    if options.format != "auto":
        return options
    fmt = next((fmt for fmt in ("avif", "webp") if CONTENT_TYPES[fmt] in accept), "jpeg")
    quality = None if options.quality == DEFAULT_QUALITY[fmt] else options.quality
    return replace(options, format=fmt, quality=quality)


def _message(image_id: str, text: str) -> bytes:
    return f"{image_id}/{text}".encode("ascii")


def signed_path(keys: ShareKeys, image_id: str, options: Options, prefix: str = "") -> str:
    """The signed URL path of a rendition; `prefix` is a share link's path to the image
    (`/s/<token>` or `/s/<token>/i/<image_id>`), which replaces `/r/.../<image_id>`'s id."""
    text = options.text()
    signature = keys.sign(PURPOSE, _message(image_id, text))
    if prefix:
        return f"{prefix}/r/{signature}/{text}"
    return f"/r/{signature}/{image_id}/{text}"


def verified(keys: ShareKeys, signature: str, image_id: str, text: str) -> Options:
    """The options of a rendition URL if its signature is the server's; else `NotFound`."""
    options = parse(text)
    if len(signature) > 32 or not keys.verify(PURPOSE, _message(image_id, text), signature):
        raise NotFound()
    return options


def plan(options: Options, size: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """`(scaled, final)` for a picture of `size` (as displayed): the size the whole picture
    is resized to, and the size of the result (smaller than `scaled` only when `cover` or
    `smart` crops). Never larger than the picture: a box beyond it shrinks to fit, keeping
    its shape for a crop."""
    width, height = size
    box_w, box_h = options.box()
    if options.fit == "fill":
        final = (min(int(box_w), width), min(int(box_h), height))
        return final, final
    if options.fit == "contain":
        scale = min(box_w / width, box_h / height, 1.0)
        scaled = (max(1, round(width * scale)), max(1, round(height * scale)))
        return scaled, scaled
    scale = max(box_w / width, box_h / height)
    if scale > 1:  # the box is bigger than the picture: the largest box of its shape fits
        box_w, box_h, scale = box_w / scale, box_h / scale, 1.0
    scaled = (max(1, round(width * scale)), max(1, round(height * scale)))
    return scaled, (max(1, min(round(box_w), scaled[0])), max(1, min(round(box_h), scaled[1])))
