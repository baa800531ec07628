"""The `full` variant: the upload at full size as non-owners see it, without private metadata.

- JPEG, PNG/APNG, GIF and WebP are cleaned losslessly by container surgery (`metadata`); a
  JPEG is never re-encoded.
- AVIF is cleaned in place (`isobmff`); its `irot`/`imir` orientation boxes stay. A layout
  that cannot be cleaned with certainty is re-encoded (stills, quality 90) or refused
  (animations, which would cost a full re-encode of every frame).
- Orientation: a JPEG keeps a bare Exif holding only the Orientation tag, which every browser
  honours for JPEG. Browser handling of EXIF orientation in PNG and WebP is not something to
  rely on, so a still PNG or WebP whose orientation is not 1 is re-encoded upright instead: PNG
  and lossless WebP stay pixel-exact, lossy WebP is re-encoded at quality 90. Animations are
  left as stored.
- Whatever surgery made (JPEG, PNG/APNG, GIF, WebP) also comes as pieces of the upload
  (`splice`), so the file need not be stored twice; re-encoded or in-place cleaned files
  (AVIF, HEIC, TIFF, BMP, turned PNG/WebP) do not.
- Formats browsers cannot show are converted upright, keeping the ICC profile:
  HEIC/HEIF -> JPEG quality 92 (PNG when it has alpha); TIFF/BMP -> PNG, lossless like those
  originals usually are, 16-bit grey kept; CMYK goes to sRGB through its profile, since PNG
  has no CMYK (a JPEG would be smaller for photographic TIFFs, but `large.webp` already
  serves browsing, and `full` should not lose quality).
"""

import io

from PIL import ExifTags, Image

from app.errors import Unsupported
from app.images.processing import encode, metadata, splice
from app.images.processing.formats import CONTENT_TYPES
from app.images.processing.isobmff import CannotStrip, strip_isobmff
from app.images.processing.pixels import icc_space, normalize, to_rgb, upright

_STRIP = {"png": metadata.strip_png, "gif": metadata.strip_gif, "webp": metadata.strip_webp}
_PNG_MODES = ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I;16B")

Full = tuple[bytes, str, list[splice.Piece] | None]  # bytes, content type, pieces of `data`


def full_still(im: Image.Image, fmt: str, data: bytes, orientation: int) -> Full:
    """(bytes, content type, pieces of `data` or None) of the `full` variant of a still.

    `im` is the loaded full-resolution picture (for a JPEG it may be a reduced draft, which is
    fine: JPEGs are never re-encoded) and `data` the uploaded bytes.
    """
    if fmt == "jpeg":
        return _spliced(data, metadata.strip_jpeg(data, orientation), "image/jpeg")
    if fmt in _STRIP and orientation == 1:
        return _spliced(data, _STRIP[fmt](data), CONTENT_TYPES[fmt])
    return (*_converted(im, fmt, data, orientation), None)


def _spliced(data: bytes, cleaned: bytes, content_type: str) -> Full:
    return cleaned, content_type, splice.find_pieces(data, cleaned)


def _converted(im: Image.Image, fmt: str, data: bytes, orientation: int) -> tuple[bytes, str]:
    """A still that surgery cannot clean, re-encoded (AVIF cleaned in place when it can)."""
    icc = im.info.get("icc_profile")
    if fmt == "avif":
        try:
            return clean_avif(data), "image/avif"
        except CannotStrip:
            rgb, rgb_icc = to_rgb(normalize(upright(im, orientation)), icc)
            return encode.avif(
                rgb, rgb_icc, quality=encode.FULL_AVIF_QUALITY, speed=6
            ), "image/avif"
    pixels = upright(im, orientation)
    if fmt == "webp":
        rgb, rgb_icc = to_rgb(normalize(pixels), icc)
        lossless = metadata.webp_is_lossless(data)
        return encode.webp(
            rgb, rgb_icc, lossless=lossless, quality=encode.FULL_WEBP_QUALITY
        ), "image/webp"
    if fmt == "heif":
        rgb, rgb_icc = to_rgb(normalize(pixels), icc)
        if rgb.mode == "RGB":
            return encode.jpeg(rgb, rgb_icc), "image/jpeg"
        return encode.png(rgb, rgb_icc), "image/png"
    return encode.png(*_png_ready(pixels, icc)), "image/png"


def full_animated(fmt: str, data: bytes) -> Full:
    """(bytes, content type, pieces of `data` or None) of the `full` variant of an
    animation, animation kept."""
    if fmt == "avif":
        try:
            return clean_avif(data), "image/avif", None
        except CannotStrip:
            raise Unsupported("This animated AVIF's layout is not supported") from None
    return _spliced(data, _STRIP[fmt](data), CONTENT_TYPES[fmt])


def clean_avif(data: bytes) -> bytes:
    """AVIF with metadata blanked in place, checked the way a reader would see it.

    The check (Pillow parses the container without decoding pixels) catches layouts the
    in-place surgery misread; `CannotStrip` is raised for them.
    """
    cleaned = strip_isobmff(data)
    try:
        with Image.open(io.BytesIO(cleaned), formats=("AVIF",)) as im:
            tags = Image.Exif()
            tags.load(im.info.get("exif") or b"")
            xmp = im.info.get("xmp") or b""
    except (OSError, SyntaxError, ValueError, RuntimeError) as exc:
        raise CannotStrip("cleaned file does not parse") from exc
    if set(tags) - {ExifTags.Base.Orientation} or xmp.strip(b" \x00"):
        raise CannotStrip("metadata left after cleaning")
    return cleaned


def _png_ready(img: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """`img` in a mode PNG stores (16-bit grey kept) with an ICC profile that matches it."""
    if img.mode not in _PNG_MODES:
        return to_rgb(normalize(img), icc)
    wanted = b"RGB " if img.mode in ("P", "RGB", "RGBA") else b"GRAY"
    return img, (icc if icc_space(icc) == wanted else None)
