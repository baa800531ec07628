"""Share links: `/s/<token>` opens one image or album to whoever holds the link, signed in
or not, until it expires or its owner revokes it.

The token (256 bits, an HMAC of a random nonce under the share key: see `share_keys`) exists
only in the link; the database keeps its sha256 as the share's id, and the nonce, so a
database leak reveals no working link while the owner can still copy a live one again.
Links made before nonces existed have none and cannot be shown again. Revocation and
expiry are decided by the database alone.

A link may also carry a password (`password_hash`, bcrypt: see `app.auth.link_passwords`)
and a view limit (`max_views`), and keeps a log of its views (`log`: time and device, never
an address), the newest `LOG_CAP` of them. Absent fields, as in links made before these
existed, mean no password, no limit and an empty log.
"""

import datetime

from pymongo.asynchronous.database import AsyncDatabase

from app import audit
from app.errors import Invalid, NotFound
from app.ids import new_token, token_digest
from app.images.pagination import NEWEST_FIRST
from app.images.share_keys import ShareKeys

KINDS = ("image", "album")
MAX_LABEL = 100
MAX_EXPIRES_IN = 10 * 365 * 24 * 3600
# The choices offered on pages; the API takes any number of seconds up to MAX_EXPIRES_IN.
EXPIRY_CHOICES = (
    ("3600", "1 hour"),
    ("86400", "1 day"),
    ("604800", "7 days"),
    ("2592000", "30 days"),
    ("", "Never"),
)
# A link lives a week unless its owner says otherwise (forms and the API alike).
DEFAULT_EXPIRES_IN = 7 * 24 * 3600
MAX_VIEWS = 1_000_000
# Views remembered per link: a flood of visits cannot grow a document without bound.
LOG_CAP = 200
LOG_SHOWN = 20  # in the owner's list of links; the API gives the whole log


def share_path(token: str) -> str:
    """The path of a share link."""
    return f"/s/{token}"


def anchor(share: dict) -> str:
    """The HTML id of a link's row in its owner's list (a prefix of the public share id)."""
    return f"share-{share['_id'][:16]}"


def is_live(share: dict, now: datetime.datetime) -> bool:
    """Neither revoked nor expired."""
    return not share["revoked"] and (share["expires"] is None or share["expires"] > now)


def used_up(share: dict) -> bool:
    """A link with a view limit that has had all its views."""
    return share.get("max_views") is not None and share["views"] >= share["max_views"]


def check_max_views(max_views: int | None) -> int | None:
    """`max_views` if it is a sensible limit (or None: no limit), else `Invalid`."""
    if max_views is not None and not 1 <= max_views <= MAX_VIEWS:
        raise Invalid(f"A view limit must be between 1 and {MAX_VIEWS:,}.")
    return max_views


async def create_share(
    db: AsyncDatabase,
    keys: ShareKeys,
    *,
    owner_id: str,
    kind: str,
    target_id: str,
    expires_in: int | None,
    label: str,
    now: datetime.datetime,
    address: str,
    password_hash: str | None = None,
    max_views: int | None = None,
) -> tuple[dict, str]:
    """Create a link to the owner's image or album, recorded in the audit log (made from
    `address`); returns `(share, token)`.

    The caller has checked that `owner_id` owns the target, and hashed its password.
    """
    if kind not in KINDS:
        raise Invalid("A share link points at an image or an album.")
    if expires_in is not None and not 60 <= expires_in <= MAX_EXPIRES_IN:
        raise Invalid("Expiry must be between 60 seconds and 10 years, or never.")
    label = label.strip()
    if len(label) > MAX_LABEL:
        raise Invalid(f"Label must be at most {MAX_LABEL} characters.")
    check_max_views(max_views)
    secret, token = mint(keys)
    share = {
        **secret,
        "kind": kind,
        "target_id": target_id,
        "owner_id": owner_id,
        "label": label,
        "created": now,
        "expires": now + datetime.timedelta(seconds=expires_in) if expires_in else None,
        "revoked": False,
        "views": 0,
        "password_hash": password_hash,
        "max_views": max_views,
        "log": [],
    }
    await db.shares.insert_one(share)
    await audit.record(db, action="share.create", actor=owner_id, target=share["_id"],
                       address=address, now=now,
                       details={"kind": kind, "target_id": target_id, "max_views": max_views,
                                "password": password_hash is not None})
    return share, token


def mint(keys: ShareKeys) -> tuple[dict, str]:
    """A new link secret: `(fields, token)`, the fields to store (`_id`: the token's
    digest, `nonce`, `key_id`) and the token itself. Share and drop links use it."""
    nonce = new_token()
    token = keys.token(nonce, keys.current_id)
    return {"_id": token_digest(token), "nonce": nonce, "key_id": keys.current_id}, token


def live_token(keys: ShareKeys, link: dict, now: datetime.datetime) -> str | None:
    """The token of a live link (share or drop link, made by `mint`), rebuilt for its
    owner; None for a revoked or expired link, one made before nonces existed, or one
    whose key is no longer configured."""
    if not is_live(link, now) or "nonce" not in link:
        return None
    token = keys.token(link["nonce"], link["key_id"])
    # Never show a link that would not open (a nonce or key id altered in the database).
    return token if token and token_digest(token) == link["_id"] else None


def link_path(keys: ShareKeys, share: dict, now: datetime.datetime) -> str | None:
    """The path of a live share link, rebuilt for its owner (see `live_token`)."""
    token = live_token(keys, share, now)
    return share_path(token) if token else None


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
    db: AsyncDatabase, owner_id: str, share_id: str, now: datetime.datetime, address: str
) -> None:
    """Revoke one of the owner's links (from `address`, for the audit log); `NotFound` for
    anyone else's or an unknown id."""
    result = await db.shares.update_one(
        {"_id": share_id, "owner_id": owner_id}, {"$set": {"revoked": True, "revoked_at": now}}
    )
    if not result.matched_count:
        raise NotFound()
    await audit.record(db, action="share.revoke", actor=owner_id, target=share_id,
                       address=address, now=now)


async def set_password_hash(
    db: AsyncDatabase, owner_id: str, share_id: str, password_hash: str | None, *,
    now: datetime.datetime, address: str
) -> None:
    """Give one of the owner's links a new password (its hash), or none; visitors who had
    entered the old one must enter the new one. `NotFound` for anyone else's link."""
    result = await db.shares.update_one({"_id": share_id, "owner_id": owner_id},
                                        {"$set": {"password_hash": password_hash}})
    if not result.matched_count:
        raise NotFound()
    await audit.record(db, action="share.password", actor=owner_id, target=share_id,
                       address=address, now=now, details={"password": bool(password_hash)})


async def live_share(db: AsyncDatabase, token: str, now: datetime.datetime) -> dict:
    """The live share behind `token`; `NotFound` if unknown, revoked or expired."""
    return await find_live(db.shares, token, now)


async def find_live(collection, token: str, now: datetime.datetime) -> dict:
    """The live link behind `token` in `collection` (shares or drop links); `NotFound` if
    unknown, revoked or expired."""
    if len(token) > 100:
        raise NotFound()
    link = await collection.find_one({"_id": token_digest(token)})
    if link is None or not is_live(link, now):
        raise NotFound()
    return link


async def count_view(db: AsyncDatabase, share: dict, *, device: str,
                     now: datetime.datetime) -> bool:
    """Count one opening of the link (page views, not each image fetched by it) and log
    it; False if the link has no view left.

    The limit is in the filter, so concurrent visitors each take one of the views left and
    none past the last (the limit never changes once the link exists). The log keeps the
    newest `LOG_CAP` entries.
    """
    query = {"_id": share["_id"]}
    if share.get("max_views") is not None:
        query["views"] = {"$lt": share["max_views"]}
    entry = {"at": now, "device": device}
    result = await db.shares.update_one(query, {
        "$inc": {"views": 1}, "$push": {"log": {"$each": [entry], "$slice": -LOG_CAP}}})
    return bool(result.modified_count)
