"""What the admin pages (and `/metrics`) read and change: site totals, the list of users
(search, orders), and another account's role, quota, suspension, second factors or
existence.

Nobody can change their own account here, so an admin cannot lock themselves out by a
slip.

Disabling is a reversible suspension: it ends the user's sessions at once, and while the
flag is set sign-in is refused and their API tokens answer 401 (`sessions.user_for_token`
and `tokens.user_for_token` check it on every request), and everything the account owns is
hidden from everyone (`access.set_owner_hidden`): images, albums, bytes, share links and
the profile answer 404, and feeds leave them out. The tokens themselves are kept, so
enabling the account again reconnects the user's scripts and ShareX; only signing in again
is needed in the browser. Deleting removes the account and everything it owns, exactly as
the user deleting it from `/account` would.
"""

import datetime
import re

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app.auth import accounts, sessions
from app.auth.second_factor import has_second_factor, remove_all
from app.auth.users import username_key
from app.errors import Invalid, NotFound
from app.images import access, pagination
from app.images.quota import MIB

USERS_PER_PAGE = 50
NO_SECRETS = {"password_hash": 0, "totp.secret": 0, "recovery_codes": 0}


def is_admin(user: dict | None) -> bool:
    """True if `user` is a signed-in admin."""
    return user is not None and user.get("role") == "admin"


async def must_enrol(db: AsyncDatabase, user: dict | None, required: bool) -> bool:
    """True if `user` is an admin without a second factor while the `admins_require_2fa`
    option (`required`) is on: sent to set one up, and kept out of /admin until then."""
    return required and is_admin(user) and not await has_second_factor(db, user)


async def site_totals(db: AsyncDatabase, now: datetime.datetime) -> dict[str, int]:
    """Users, images, albums, bytes stored (the sum of users' `used_bytes`) and live share
    links, across the whole site.

    Whole-collection counts come from collection metadata (`estimated_document_count`):
    O(1) on MongoDB, where counting documents would scan, and Prometheus asks every few
    seconds. Bytes and live links need one pass over users and shares.
    """
    stored = await (await db.users.aggregate(
        [{"$group": {"_id": None, "bytes": {"$sum": "$used_bytes"}}}])).to_list()
    live = {"revoked": False, "$or": [{"expires": None}, {"expires": {"$gt": now}}]}
    return {
        "users": await db.users.estimated_document_count(),
        "images": await db.images.estimated_document_count(),
        "albums": await db.albums.estimated_document_count(),
        "stored_bytes": stored[0]["bytes"] if stored else 0,
        "live_shares": await db.shares.count_documents(live),
    }


# The user list's orders (`?sort=`), each answered page by page by an index of `app.db`
# (USERS_BY_NAME, USERS_BY_STORAGE, USERS_BY_SIGN_IN).
USER_ORDERS = {
    "name": pagination.Order("name", "username_key", 1, "text"),
    "storage": pagination.Order("storage", "used_bytes", -1, "number"),
    "sign-in": pagination.Order("sign-in", "last_sign_in", -1),
}
ROLES = ("user", "admin")


async def list_users(db: AsyncDatabase, *, search: str = "", sort: str = "name",
                     cursor: str | None = None, backward: bool = False) -> pagination.Page:
    """A page of `USERS_PER_PAGE` users whose name starts with `search` (any case), in the
    order `sort` names (`USER_ORDERS`, by name if unknown), each with its `image_count` and
    whether it has a `second_factor`.

    Keyset pages (`app.images.pagination`): every page costs the same however many accounts
    there are, and the name prefix is a range on the `username_key` index.
    """
    order = USER_ORDERS.get(sort, USER_ORDERS["name"])
    query = {"username_key": {"$regex": "^" + re.escape(username_key(search))}} if search else {}
    # Secrets never reach the page: whether TOTP is on shows from `totp.since` alone.
    found = await pagination.page(db.users, query, cursor, USERS_PER_PAGE,
                                  order=order, backward=backward, projection=NO_SECRETS)
    users = found.items
    # One grouped query for the page, answered by the (owner_id, ...) index.
    ids = [user["_id"] for user in users]
    counts = await (await db.images.aggregate([
        {"$match": {"owner_id": {"$in": ids}}},
        {"$group": {"_id": "$owner_id", "count": {"$sum": 1}}},
    ])).to_list()
    by_owner = {row["_id"]: row["count"] for row in counts}
    with_passkeys = set(await db.passkeys.distinct("user_id", {"user_id": {"$in": ids}}))
    for user in users:
        user["image_count"] = by_owner.get(user["_id"], 0)
        user["second_factor"] = bool(user.get("totp")) or user["_id"] in with_passkeys
    return found


async def other_user(db: AsyncDatabase, actor: dict, user_id: str) -> dict:
    """The user `actor` may act on: `Invalid` for themselves, `NotFound` if unknown."""
    if user_id == actor["_id"]:
        raise Invalid("You cannot change your own account from the admin page.")
    user = await db.users.find_one({"_id": user_id})
    if user is None:
        raise NotFound()
    return user


async def set_disabled(db: AsyncDatabase, actor: dict, user_id: str, disabled: bool) -> dict:
    """Disable (hiding everything the user owns and ending every session) or enable another
    user's account; returns the user.

    The account's content changes first and its flag last, so an interruption leaves the
    page offering the same action again, and repeating it completes it.
    """
    user = await other_user(db, actor, user_id)
    await access.set_owner_hidden(db, user_id, disabled)
    # From here sign-in, sessions and tokens all refuse the account, so a session started
    # just before is cut off below or by the check on its next request.
    await db.users.update_one({"_id": user_id}, {"$set": {"disabled": disabled}})
    if disabled:
        await sessions.end_other_sessions(db, user_id, keep_session=None)
    return user


async def set_role(db: AsyncDatabase, actor: dict, user_id: str, role: str) -> dict:
    """Make another user an admin or an ordinary user; returns the user. Takes effect on
    their next request: every request reads the user anew."""
    if role not in ROLES:
        raise Invalid("Choose the role user or admin.")
    user = await other_user(db, actor, user_id)
    await db.users.update_one({"_id": user_id}, {"$set": {"role": role}})
    return user


def parse_quota(text: str) -> int | None:
    """Bytes from a quota typed in MiB, None (the site's default) when left empty;
    `Invalid` for anything but a whole number from 1 to 2**40 MiB (0 would forbid every
    upload: disabling the account says that more clearly)."""
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 13) or not 1 <= int(text) <= 2**40:
        raise Invalid("Enter the quota as a whole number of MiB, or leave it empty for the "
                      "site's default.")
    return int(text) * MIB


async def set_quota(db: AsyncDatabase, actor: dict, user_id: str, quota: int | None) -> dict:
    """Set another user's own quota in bytes (None: the site's default); returns the user.
    Images already stored stay: a quota below the bytes in use only refuses new uploads."""
    user = await other_user(db, actor, user_id)
    await db.users.update_one({"_id": user_id}, {"$set": {"quota_bytes": quota}})
    return user


async def remove_second_factors(db: AsyncDatabase, actor: dict, user_id: str) -> dict:
    """Remove every second factor of another user (TOTP, recovery codes, passkeys), for one
    who lost them: they sign in with their password alone until they set one up again.
    Returns the user."""
    user = await other_user(db, actor, user_id)
    await remove_all(db, user_id)
    return user


async def delete_user(db: AsyncDatabase, bucket: AsyncGridFSBucket, actor: dict,
                      user_id: str, *, now: datetime.datetime) -> dict:
    """Delete another user and everything they own (as account deletion does; deleting an
    account whose deletion was interrupted finishes it)."""
    user = await other_user(db, actor, user_id)
    await accounts.delete_account(db, bucket, user, now=now)
    return user
