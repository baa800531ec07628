"""Drop links: `/d/<token>` lets anyone who holds it upload into one of its owner's albums,
without an account, within the link's limits; what arrives waits in the owner's inbox
(`app.images.inbox`) until approved.

`drops {_id, nonce, key_id, owner_id, album_id, label, created, expires, revoked,
max_files, max_bytes, max_file_bytes, files, bytes}`. The token is made and kept like a
share link's (`shares.mint`: only its sha256 and an HMAC nonce are stored, so the owner
can copy a live link again and a database leak opens nothing), and revocation and expiry
follow the same rules (`shares.is_live`). `files` and `bytes` count what the link took:
each file reserves its place with one conditional update before it is stored and gives it
back if it is refused, so guests uploading at once never pass the link's limits together.
A link that took its last file or byte is used up: like a revoked or expired one, or one
whose album is gone, it opens nothing (404).
"""

import contextlib
import datetime

from pymongo.asynchronous.database import AsyncDatabase

from app import audit
from app.errors import Invalid, NotFound, TooLarge
from app.images import access, albums, shares
from app.images.pagination import NEWEST_FIRST
from app.images.quota import NoRoom
from app.images.share_keys import ShareKeys
from app.text import size_text

MIB = 1024 * 1024
MAX_FILES = 1000
DEFAULT_MAX_FILES = 50
DEFAULT_MAX_MB = 500
MAX_LABEL = shares.MAX_LABEL
EXPIRY_CHOICES = shares.EXPIRY_CHOICES
DEFAULT_EXPIRES_IN = shares.DEFAULT_EXPIRES_IN
NO_ROOM = "This link cannot take more files right now. Please tell the person who sent it."


def drop_path(token: str) -> str:
    """The path of a drop link."""
    return f"/d/{token}"


def link_path(keys: ShareKeys, drop: dict, now: datetime.datetime) -> str | None:
    """The path of a live drop link, rebuilt for its owner; None once it is not live."""
    token = shares.live_token(keys, drop, now)
    return drop_path(token) if token and not used_up(drop) else None


def used_up(drop: dict) -> bool:
    """True once the link took as many files or bytes as it may."""
    return drop["files"] >= drop["max_files"] or drop["bytes"] >= drop["max_bytes"]


def check_limits(max_files: int, max_bytes: int, max_file_bytes: int,
                 site_file_bytes: int) -> None:
    """`Invalid` unless the limits are sensible and within the site's: at most `MAX_FILES`
    files, files no larger than the site's `site_file_bytes`, and a total no larger than
    that many such files."""
    if not 1 <= max_files <= MAX_FILES:
        raise Invalid(f"A drop link takes between 1 and {MAX_FILES} files.")
    if not MIB <= max_file_bytes <= site_file_bytes:
        raise Invalid(f"The largest file must be between 1 MB and {size_text(site_file_bytes)}.")
    if not max_file_bytes <= max_bytes <= MAX_FILES * site_file_bytes:
        raise Invalid("The total must be at least the largest file and at most "
                      f"{size_text(MAX_FILES * site_file_bytes)}.")


async def create_drop(
    db: AsyncDatabase, keys: ShareKeys, album: dict, *, label: str, expires_in: int | None,
    max_files: int, max_bytes: int, max_file_bytes: int, site_file_bytes: int,
    now: datetime.datetime, address: str,
) -> tuple[dict, str]:
    """A new drop link into `album` (the caller checked it may change it), recorded in the
    audit log; returns `(drop, token)`. `label` (what guests see; default: the album's
    title) and the limits are checked here."""
    if expires_in is not None and not 60 <= expires_in <= shares.MAX_EXPIRES_IN:
        raise Invalid("Expiry must be between 60 seconds and 10 years, or never.")
    label = label.strip() or album["title"][:MAX_LABEL]
    if len(label) > MAX_LABEL:
        raise Invalid(f"Label must be at most {MAX_LABEL} characters.")
    check_limits(max_files, max_bytes, max_file_bytes, site_file_bytes)
    secret, token = shares.mint(keys)
    drop = {**secret, "owner_id": album["owner_id"], "album_id": album["_id"], "label": label,
            "created": now,
            "expires": now + datetime.timedelta(seconds=expires_in) if expires_in else None,
            "revoked": False, "max_files": max_files, "max_bytes": max_bytes,
            "max_file_bytes": max_file_bytes, "files": 0, "bytes": 0}
    await db.drops.insert_one(drop)
    await audit.record(db, action="drop.create", actor=album["owner_id"], target=drop["_id"],
                       address=address, now=now, details={"album_id": album["_id"]})
    return drop, token


async def list_drops(db: AsyncDatabase, owner_id: str, album_id: str | None = None
                     ) -> list[dict]:
    """The owner's drop links (into one album if `album_id`), newest first."""
    query = {"owner_id": owner_id, **({"album_id": album_id} if album_id else {})}
    return await db.drops.find(query).sort(NEWEST_FIRST).to_list(None)


async def revoke_drop(db: AsyncDatabase, owner_id: str, drop_id: str, *,
                      now: datetime.datetime, address: str) -> None:
    """Revoke one of the owner's drop links; `NotFound` for anyone else's."""
    result = await db.drops.update_one({"_id": drop_id, "owner_id": owner_id},
                                       {"$set": {"revoked": True, "revoked_at": now}})
    if not result.matched_count:
        raise NotFound()
    await audit.record(db, action="drop.revoke", actor=owner_id, target=drop_id,
                       address=address, now=now)


async def live_drop(db: AsyncDatabase, token: str, now: datetime.datetime) -> dict:
    """The drop link behind `token` while it opens: `NotFound` if unknown, revoked,
    expired or used up, or if its album or its owner's account is gone."""
    drop = await shares.find_live(db.drops, token, now)
    album = await albums.find_album(db, drop["album_id"])
    if used_up(drop) or album is None or access.is_gone(album):
        raise NotFound()
    return drop


def file_limit(drop: dict) -> int:
    """The largest file the link still takes: its own limit, or the bytes it has left."""
    return min(drop["max_file_bytes"], drop["max_bytes"] - drop["bytes"])


@contextlib.asynccontextmanager
async def receiving(db: AsyncDatabase, drop: dict, size: int, now: datetime.datetime):
    """Take one file of `size` bytes through the link: its place is reserved on entry
    (`NotFound` once the link is used up or dead, `TooLarge` if it has too few bytes left)
    and given back if the body raises. A full quota of the owner's becomes a message
    that names no numbers: they are the owner's business, not the guest's."""
    live = {"_id": drop["_id"], "revoked": False,
            "$or": [{"expires": None}, {"expires": {"$gt": now}}]}
    taken = await db.drops.update_one(
        {**live, "files": {"$lt": drop["max_files"]},
         "bytes": {"$lte": drop["max_bytes"] - size}},
        {"$inc": {"files": 1, "bytes": size}})
    if not taken.modified_count:
        current = await db.drops.find_one(live)
        if current is None or used_up(current):
            raise NotFound()
        raise TooLarge(f"This link takes {size_text(file_limit(current))} more at most.")
    try:
        yield
    except BaseException as error:
        await db.drops.update_one({"_id": drop["_id"]}, {"$inc": {"files": -1, "bytes": -size}})
        if isinstance(error, NoRoom):
            raise TooLarge(NO_ROOM) from None
        raise
