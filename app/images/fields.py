"""The fields people edit on images and albums, and the rules for their values: titles,
descriptions, visibility, and the owner's default visibility for new uploads."""

from app.errors import Invalid

VISIBILITIES = ("private", "unlisted", "public")
EDITABLE = ("title", "description", "visibility")
MAX_TITLE = 200
MAX_DESCRIPTION = 5000


def check_visibility(visibility: str) -> str:
    """`visibility` if it is one of `VISIBILITIES`, else `Invalid`."""
    if visibility not in VISIBILITIES:
        raise Invalid("Visibility must be private, unlisted or public.")
    return visibility


def default_visibility(user: dict) -> str:
    """The visibility `user` chose for their new uploads (private unless they changed it)."""
    return user.get("settings", {}).get("default_visibility", "private")


def validate_changes(changes: dict) -> dict:
    """The editable fields (title, description, visibility), checked and trimmed."""
    clean = {}
    if "title" in changes:
        clean["title"] = str(changes["title"]).strip()
        if len(clean["title"]) > MAX_TITLE:
            raise Invalid(f"Title must be at most {MAX_TITLE} characters.")
    if "description" in changes:
        clean["description"] = str(changes["description"]).strip()
        if len(clean["description"]) > MAX_DESCRIPTION:
            raise Invalid(f"Description must be at most {MAX_DESCRIPTION} characters.")
    if "visibility" in changes:
        clean["visibility"] = check_visibility(changes["visibility"])
    return clean


def upload_fields(owner: dict, form: dict) -> dict:
    """The fields of a new image from an upload's form: the editable ones that were filled
    in, with visibility falling back to the owner's default."""
    given = {name: value for name, value in form.items() if name in EDITABLE and value != ""}
    return validate_changes({"visibility": default_visibility(owner), **given})
