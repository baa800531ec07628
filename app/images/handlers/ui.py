"""Template helpers (Tornado `ui_methods`): what templates may call besides Tornado's own.

Each receives the rendering handler first, so helpers that depend on the viewer (a title
only the owner may see) decide it here rather than in every template.
"""

from urllib.parse import urlencode

from app.images import drops, embed, fields, shares, urls
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


def tag_path(handler, tag: str) -> str:
    """The public page of a tag."""
    return urls.tag_path(tag)


def size_text(handler, size: int) -> str:
    """A byte count as people read it."""
    return _size_text(size)


def default_visibility(handler) -> str:
    """The signed-in user's visibility for new uploads."""
    return fields.default_visibility(handler.current_user or {})


def expiry_choices(handler) -> tuple[tuple[str, str], ...]:
    """The share-link expiry choices offered on pages."""
    return shares.EXPIRY_CHOICES


def embed_codes(handler, page_url: str, text: str, image_url: str = "") -> list:
    """Markdown, BBCode and HTML codes for a page and its picture (see `embed.embed_codes`)."""
    return embed.embed_codes(page_url, text, image_url)


def default_expiry(handler) -> str:
    """The expiry choice selected at first (a week)."""
    return str(shares.DEFAULT_EXPIRES_IN)


def share_url(handler, share: dict) -> str:
    """A live link rebuilt for its owner's list, or "" when it cannot be shown again.

    Showing one makes the whole answer `no-store` (and so never compressed): no cache may
    keep a page holding a usable link.
    """
    path = shares.link_path(handler.application.share_keys, share, handler.now())
    if path is None:
        return ""
    handler.keep_secret()
    return handler.absolute_url(path)


def drop_url(handler, drop: dict) -> str:
    """A live drop link rebuilt for its owner's list, or "" once it opens nothing; like
    `share_url`, showing one makes the answer `no-store`."""
    path = drops.link_path(handler.application.share_keys, drop, handler.now())
    if path is None:
        return ""
    handler.keep_secret()
    return handler.absolute_url(path)


def share_live(handler, share: dict) -> bool:
    """Neither revoked nor expired (see `shares.is_live`)."""
    return shares.is_live(share, handler.now())


def share_used_up(handler, share: dict) -> bool:
    """A link with a view limit that has had all its views (see `shares.used_up`)."""
    return shares.used_up(share)


def share_log(handler, share: dict) -> list[dict]:
    """The newest entries of a link's view log, newest first, as many as its row shows."""
    return share.get("log", [])[::-1][:shares.LOG_SHOWN]


def share_anchor(handler, share: dict) -> str:
    """The HTML id of a share link's row (see `shares.anchor`)."""
    return shares.anchor(share)


def page_link(handler, name: str, cursor: str) -> str:
    """This page's address with `name` (`after` or `before`) set to `cursor`, keeping its
    other query fields (a gallery's search and order)."""
    kept = [(key, value.decode("utf-8", "replace"))
            for key, values in handler.request.query_arguments.items()
            if key not in ("after", "before") for value in values]
    return "?" + urlencode([*kept, (name, cursor)])


def pager_words(handler, sort: str) -> tuple[str, str]:
    """The labels of the links to the previous and the next page of a listing in `sort`."""
    return {"newest": ("Newer", "Older"), "oldest": ("Older", "Newer")}.get(
        sort, ("Previous", "Next"))


UI_METHODS = {
    "image_title": image_title,
    "image_alt": image_alt,
    "page_path": page_path,
    "variant_path": variant_path,
    "tag_path": tag_path,
    "size_text": size_text,
    "default_visibility": default_visibility,
    "expiry_choices": expiry_choices,
    "embed_codes": embed_codes,
    "share_url": share_url,
    "drop_url": drop_url,
    "share_anchor": share_anchor,
    "share_live": share_live,
    "share_used_up": share_used_up,
    "share_log": share_log,
    "default_expiry": default_expiry,
    "page_link": page_link,
    "pager_words": pager_words,
}
