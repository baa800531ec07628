"""Template helpers (Tornado `ui_methods`): what templates may call besides Tornado's own.

Each receives the rendering handler first, so helpers that depend on the viewer (a title
only the owner may see) decide it here rather than in every template.
"""

from app.images import fields, shares, urls
from app.text import size_text as _size_text


def image_title(handler, image: dict) -> str:
    """What the image is called for the current viewer (see `urls.display_title`)."""
    return urls.display_title(image, handler.current_user)


def image_alt(handler, image: dict) -> str:
    """The text alternative of the image for the current viewer: its alt text, else what
    it is called (`image_title`), else "Image" (never empty: images here are links)."""
    return image.get("alt") or image_title(handler, image) or "Image"


def page_path(handler, image: dict) -> str:
    """The image's HTML page."""
    return urls.page_path(image)


def variant_path(handler, image: dict, variant: str, prefix: str | None = None) -> str:
    """Where the bytes of `variant` are served (under `prefix` for share links)."""
    return urls.variant_path(image, variant, prefix)


def size_text(handler, size: int) -> str:
    """A byte count as people read it."""
    return _size_text(size)


def default_visibility(handler) -> str:
    """The signed-in user's visibility for new uploads."""
    return fields.default_visibility(handler.current_user or {})


def expiry_choices(handler) -> tuple[tuple[str, str], ...]:
    """The share-link expiry choices offered on pages."""
    return shares.EXPIRY_CHOICES


UI_METHODS = {
    "image_title": image_title,
    "image_alt": image_alt,
    "page_path": page_path,
    "variant_path": variant_path,
    "size_text": size_text,
    "default_visibility": default_visibility,
    "expiry_choices": expiry_choices,
}
