"""Tags: the owner's free-form labels on images, and the one rule that normalises them.

A tag is stored as typed, normalised so that what looks the same is the same tag:
Unicode NFKC (full-width and compatibility forms folded), case-folded, trimmed, with any
run of characters other than letters, digits, marks and `+ . _ &` made one `-`, and no `-`
at either end ("  New York " and "NEW_york" differ, "New  York" and "new-york" do not).
So invisible characters (zero-width joiners, bidi overrides), controls, HTML and URL
syntax never reach a stored tag, and a tag is safe in a path segment as is.

An image has at most `MAX_TAGS` tags of at most `MAX_TAG` characters each; a longer tag
or more tags is refused rather than cut, so nothing is stored that the owner did not see.
Images stored before tags existed have no `tags` field: no tags.
"""

import unicodedata

from app.errors import Invalid

MAX_TAGS = 20
MAX_TAG = 40
# A form field or API value is refused before any work beyond this many characters.
MAX_INPUT = MAX_TAGS * (MAX_TAG + 2) * 2
_KEPT_PUNCTUATION = set("+._&")
_KEPT_CATEGORIES = ("L", "M", "N")


def normalize(raw: str) -> str:
    """The stored form of one tag ("" when nothing of it is kept); see the module."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw).casefold())
    kept = "".join(ch if ch in _KEPT_PUNCTUATION or unicodedata.category(ch)[0]
                   in _KEPT_CATEGORIES else " " for ch in text)
    return "-".join(kept.split())


def check(raw_tags: list[str]) -> list[str]:
    """The distinct normalised tags of `raw_tags`, in order (blank ones dropped);
    `Invalid` for a tag over `MAX_TAG` characters or more than `MAX_TAGS` tags."""
    if sum(len(raw) for raw in raw_tags) > MAX_INPUT:
        raise Invalid(f"At most {MAX_TAGS} tags of {MAX_TAG} characters.")
    tags = list(dict.fromkeys(tag for tag in map(normalize, raw_tags) if tag))
    too_long = next((tag for tag in tags if len(tag) > MAX_TAG), None)
    if too_long:
        raise Invalid(f"A tag may be at most {MAX_TAG} characters: "
                      f"“{too_long[:MAX_TAG]}…” is longer.")
    if len(tags) > MAX_TAGS:
        raise Invalid(f"An image may have at most {MAX_TAGS} tags.")
    return tags


def parse(text: str) -> list[str]:
    """The tags of a form field: comma-separated (see `check`)."""
    if len(text) > MAX_INPUT:
        raise Invalid(f"At most {MAX_TAGS} tags of {MAX_TAG} characters.")
    return check(text.split(","))


def one(raw: str) -> str:
    """A single tag (the bulk actions', a `/t/<tag>` address): normalised, `Invalid` if
    blank or too long."""
    tags = check([raw])
    if not tags:
        raise Invalid("Type a tag with a letter or digit in it.")
    return tags[0]


def with_tag(image: dict, tag: str) -> list[str] | None:
    """The image's tags with `tag` added, or None if it has it already; `Invalid` past
    `MAX_TAGS`."""
    current = image.get("tags") or []
    if tag in current:
        return None
    if len(current) >= MAX_TAGS:
        raise Invalid(f"An image may have at most {MAX_TAGS} tags: "
                      f"“{image.get('title') or image['_id']}” has that many.")
    return [*current, tag]


def without_tag(image: dict, tag: str) -> list[str] | None:
    """The image's tags without `tag`, or None if it does not have it."""
    current = image.get("tags") or []
    return [other for other in current if other != tag] if tag in current else None
