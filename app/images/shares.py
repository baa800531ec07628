"""Share links: `/s/<token>` opens one image or album to whoever holds the link, signed in
or not, until it expires or its owner revokes it.

The token (256 random bits) exists only in the link; the database keeps its sha256 as the
share's id, so a database leak reveals no working link.
"""

import datetime

from pymongo.asynchronous.database import AsyncDatabase

from app.errors import Invalid, NotFound
from app.ids import new_token, token_digest
from app.images.pagination import NEWEST_FIRST

KINDS = ("image", "album")
MAX_LABEL = 100
MAX_EXPIRES_IN = 10 * 365 * 24 * 3600
# The choices offered on pages; the API takes any number of seconds up to MAX_EXPIRES_IN.
EXPIRY_CHOICES = (
    ("", "Never"),
    ("3600", "1 hour"),
    ("86400", "1 day"),
    ("604800", "7 days"),
    ("2592000", "30 days"),
)


def share_path(token: str) -> str:
    """The path of a share link."""
    return f"/s/{token}"


def is_live(share: dict, now: datetime.datetime) -> bool:
    """Neither revoked nor expired."""
    return not share["revoked"] and (share["expires"] is None or share["expires"] > now)


async def create_share(
    db: AsyncDatabase,
    *,
    owner_id: str,
    kind: str,
    target_id: str,
    expires_in: int | None,
    label: str,
    now: datetime.datetime,
) -> tuple[dict, str]:
    """Create a link to the owner's image or album; returns `(share, token)`.

    The caller has checked that `owner_id` owns the target.
    """
    if kind not in KINDS:
        raise Invalid("A share link points at an image or an album.")
    if expires_in is not None and not 60 <= expires_in <= MAX_EXPIRES_IN:
        raise Invalid("Expiry must be between 60 seconds and 10 years, or never.")
    label = label.strip()
    if len(label) > MAX_LABEL:
        raise Invalid(f"Label must be at most {MAX_LABEL} characters.")
    token = new_token()
    share = {
        "_id": token_digest(token),
        "kind": kind,
        "target_id": target_id,
        "owner_id": owner_id,
        "label": label,
        "created": now,
        "expires": now + datetime.timedelta(seconds=expires_in) if expires_in else None,
        "revoked": False,
        "views": 0,
    }
    await db.shares.insert_one(share)
    return share, token


async def list_shares(db: AsyncDatabase, owner_id: str, target_id: str) -> list[dict]:
    """The owner's share links to one image or album, newest first."""
    return await (db.shares.find({"owner_id": owner_id, "target_id": target_id})
                  .sort(NEWEST_FIRST).to_list(None))


async def find_share(db: AsyncDatabase, owner_id: str, share_id: str) -> dict:
    """One of the owner's links; `NotFound` for anyone else's or an unknown id."""
    share = await db.shares.find_one({"_id": share_id, "owner_id": owner_id})
    if share is None:
        raise NotFound()
    return share


async def revoke_share(
    db: AsyncDatabase, owner_id: str, share_id: str, now: datetime.datetime
) -> None:
    """Revoke one of the owner's links; `NotFound` for anyone else's or an unknown id."""
    result = await db.shares.update_one(
        {"_id": share_id, "owner_id": owner_id}, {"$set": {"revoked": True, "revoked_at": now}}
    )
    if not result.matched_count:
        raise NotFound()


async def live_share(db: AsyncDatabase, token: str, now: datetime.datetime) -> dict:
    """The live share behind `token`; `NotFound` if unknown, revoked or expired."""
    if len(token) > 100:
        raise NotFound()
    share = await db.shares.find_one({"_id": token_digest(token)})
    if share is None or not is_live(share, now):
        raise NotFound()
    return share


async def count_view(db: AsyncDatabase, share: dict) -> None:
    """Count one opening of the link (page views, not each image fetched by it)."""
    await db.shares.update_one({"_id": share["_id"]}, {"$inc": {"views": 1}})
