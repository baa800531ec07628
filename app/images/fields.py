"""The fields people edit on images and albums, and the rules for their values: titles,
alt text, descriptions, tags (`app.images.tags`), visibility, and the owner's default
visibility for new uploads.

`alt` (an image's text alternative for people who cannot see it) came later than the other
fields: a document without it has none, exactly like an empty one."""

from app.errors import Invalid
from app.images import tags

VISIBILITIES = ("private", "unlisted", "public")
EDITABLE = ("title", "alt", "description", "tags", "visibility")
MAX_TITLE = 200
MAX_ALT = 300
MAX_DESCRIPTION = 5000
_TEXT_LIMITS = {"title": ("Title", MAX_TITLE), "alt": ("Alt text", MAX_ALT),
                "description": ("Description", MAX_DESCRIPTION)}


def check_visibility(visibility: str) -> str:
    """`visibility` if it is one of `VISIBILITIES`, else `Invalid`."""
    if visibility not in VISIBILITIES:
        raise Invalid("Visibility must be private, unlisted or public.")
    return visibility


def default_visibility(user: dict) -> str:
    """The visibility `user` chose for their new uploads (private unless they changed it)."""
    return user.get("settings", {}).get("default_visibility", "private")


def validate_changes(changes: dict) -> dict:
    """The editable fields (title, alt, description, tags, visibility), checked and
    trimmed; tags come as a list or as one comma-separated text (a form field)."""
    clean = {}
    for name, (label, limit) in _TEXT_LIMITS.items():
        if name in changes:
            clean[name] = str(changes[name]).strip()
            if len(clean[name]) > limit:
                raise Invalid(f"{label} must be at most {limit} characters.")
    if "tags" in changes:
        given = changes["tags"]
        clean["tags"] = tags.parse(given) if isinstance(given, str) else tags.check(given)
    if "visibility" in changes:
        clean["visibility"] = check_visibility(changes["visibility"])
    return clean


def upload_fields(owner: dict, form: dict) -> dict:
    """The fields of a new image from an upload's form: the editable ones that were filled
    in, with visibility falling back to the owner's default."""
    given = {name: value for name, value in form.items() if name in EDITABLE and value != ""}
    return validate_changes({"visibility": default_visibility(owner), **given})
