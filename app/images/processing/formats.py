"""Which image formats Pixvault accepts, recognised from their bytes only.

A file's name and its declared content type are never trusted: Pillow is asked to open the
bytes with nothing but the decoders in `ACCEPTED_FORMATS`, and when that fails the first bytes
are sniffed only to choose a helpful message (an SVG or an HTML page renamed `.png` is told
apart from a damaged JPEG).
"""

from pillow_heif import register_heif_opener

# Registered once at import. Embedded HEIF thumbnails, depth maps and auxiliary images are
# never used: turning them off keeps `draft()` from swapping in a thumbnail and saves work.
register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Pillow decoder names passed to `Image.open(formats=...)`. AVIF comes before HEIF: both
# accept the generic `mif1` brand, Pillow's AVIF plugin rejects HEVC files with a
# SyntaxError and Pillow then tries pillow-heif.
ACCEPTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "AVIF", "HEIF", "TIFF", "BMP")

# Pillow's `im.format` -> Pixvault's lower-case format name. The JPEG opener hands back an
# MPO image for multi-picture camera files; those are JPEGs whose first picture is used.
FORMAT_NAMES = {
    "JPEG": "jpeg",
    "MPO": "jpeg",
    "PNG": "png",
    "GIF": "gif",
    "WEBP": "webp",
    "AVIF": "avif",
    "HEIF": "heif",
    "TIFF": "tiff",
    "BMP": "bmp",
}

CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "heif": "image/heif",
    "tiff": "image/tiff",
    "bmp": "image/bmp",
}

SUPPORTED_LIST = "JPEG, PNG, GIF, WebP, AVIF, HEIC, TIFF, BMP"
NOT_SUPPORTED = f"Not a supported image ({SUPPORTED_LIST})"

_HEIF_BRANDS = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
    b"hevc": "image/heic-sequence",
    b"hevx": "image/heic-sequence",
    b"hevm": "image/heic-sequence",
    b"hevs": "image/heic-sequence",
    b"msf1": "image/heif-sequence",
}

# What upload pages offer in their file picker (`accept`) and check a file's declared type
# against before sending it: the types browsers report for the accepted formats, plus the
# HEIC/HEIF extensions, since browsers often report no type for those. The bytes still decide.
BROWSER_ACCEPT: tuple[str, ...] = (
    *dict.fromkeys([*CONTENT_TYPES.values(), *_HEIF_BRANDS.values()]), ".heic", ".heif")

# Little-endian sizes of the BMP info headers (core, v1, v2, v3, OS/2 v2, v4, v5).
_BMP_HEADER_SIZES = {n.to_bytes(4, "little") for n in (12, 40, 52, 56, 64, 108, 124)}


def heif_content_type(head: bytes) -> str:
    """Content type of a HEIF upload from its `ftyp` major brand (`image/heic` for HEVC)."""
    return _HEIF_BRANDS.get(head[8:12], "image/heif")


def looks_like_accepted(head: bytes) -> str | None:
    """Name of the accepted format whose signature `head` starts with, or None.

    Used after Pillow failed to open the file: a known signature means the file is a damaged
    image of a supported kind (a 400), not a file of an unsupported kind (a 415).
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in _HEIF_BRANDS or brand == b"mif1":
            return "HEIF"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:2] == b"BM" and head[14:18] in _BMP_HEADER_SIZES:  # "BM..." text is not a BMP
        return "BMP"
    return None


def unsupported_message(head: bytes) -> str:
    """A user-facing reason why `head` is not an accepted image, naming common impostors."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text or (text.startswith(b"<?xml") and b"svg" in text):
        return "SVG is not supported"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return "HTML is not an image"
    if head.startswith(b"%PDF-"):
        return "PDF is not supported"
    if head.startswith(b"PK\x03\x04"):
        return "Archives are not supported"
    return NOT_SUPPORTED
