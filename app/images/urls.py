"""URLs of images and their variants, and the image object the JSON API returns."""

from urllib.parse import quote

from app.images import access

# An optional extension after a variant (/i/<id>/full.jpg) pleases chat apps and people;
# the bytes decide the type, never the extension.
VARIANT_SUFFIX = r"(original|full|large|thumb|thumb2x)(?:\.[A-Za-z0-9]{1,5})?"
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/avif": "avif",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/heic-sequence": "heic",
    "image/heif-sequence": "heif",
    "image/tiff": "tif",
    "image/bmp": "bmp",
}


def page_path(image: dict) -> str:
    """The image's HTML page."""
    return f"/i/{image['_id']}"


def variant_path(image: dict, variant: str, prefix: str | None = None) -> str:
    """Where the bytes of `variant` are served; `prefix` replaces `/i/<id>` (share links)."""
    base = prefix or page_path(image)
    if variant in ("original", "full"):
        return f"{base}/{variant}.{EXTENSIONS.get(image['files'][variant]['type'], 'bin')}"
    return f"{base}/{variant}"


def tag_path(tag: str) -> str:
    """The public page of a (normalised) tag: everyone's public images with it."""
    return "/t/" + quote(tag, safe="")


def display_title(image: dict, viewer: dict | None) -> str:
    """What an image is called for `viewer`: its title, else (for its owner only) the name
    of the uploaded file, which can say more than the owner meant to share."""
    if image["title"]:
        return image["title"]
    return image.get("filename", "") if access.is_owner(image, viewer) else ""


def image_object(image: dict, base_url: str, viewer: dict | None,
                 duplicate: bool | None = None) -> dict:
    """The JSON form of an image for `viewer`, with absolute URLs.

    `urls.original` is present only for the owner: nobody else may fetch it. Answers to an
    upload pass `duplicate`: True when the uploader already had these bytes and this is
    the image they had.
    """
    urls = {
        variant: base_url + variant_path(image, variant) for variant in ("full", "large", "thumb")
    }
    if access.can_view_original(image, viewer):
        urls["original"] = base_url + variant_path(image, "original")
    result = {
        "id": image["_id"],
        "title": image["title"],
        "alt": image.get("alt", ""),
        "description": image["description"],
        "tags": image.get("tags", []),
        "visibility": image["visibility"],
        "width": image["width"],
        "height": image["height"],
        "bytes": image["bytes"],
        "format": image["format"],
        "created": image["created"],
        "page_url": base_url + page_path(image),
        "urls": urls,
        # Album ids are the owner's business: an unlisted album's id opens all of it.
        "album_ids": image.get("album_ids", []) if access.is_owner(image, viewer) else [],
    }
    if duplicate is not None:
        result["duplicate"] = duplicate
    return result
