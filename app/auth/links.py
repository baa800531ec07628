"""Single-use account links: invitations to register and password resets.

An admin makes a link and hands it over (no email). The token is 256 random bits, shown
once; the `account_links` collection keeps its sha256 as `_id`, so a database dump holds no
usable link. A link works once: using it deletes its document in one atomic
`find_one_and_delete`, so two requests racing with the same link cannot both get it. It
expires at `expires`, checked on every use and removed later by a TTL index.

Document: `{_id, kind, created, expires, created_by, user_id?, note?}`; `kind` is
"invite" or "reset", and a reset link names the account it resets (`user_id`).
"""

import contextlib
import datetime

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from app.auth import throttle, users
from app.errors import NotFound
from app.ids import new_token, token_digest

INVITE = "invite"
RESET = "reset"
# Invitations live as long as the admin chooses (one of these); reset links a day, enough
# to hand one over, short enough that a forgotten one is soon worthless.
INVITE_LIFETIMES = {"1": "1 day", "7": "7 days", "30": "30 days"}
RESET_LIFETIME = datetime.timedelta(days=1)
MAX_NOTE = 100
MAX_TOKEN = 64  # a token is 43 characters: anything much longer is not one
EXPIRED = "This link has expired, was already used or was revoked. Ask an admin for a new one."


async def create(db: AsyncDatabase, kind: str, *, created_by: str, now: datetime.datetime,
                 lifetime: datetime.timedelta, **fields) -> tuple[dict, str]:
    """Store a new link of `kind` with extra `fields`; returns `(doc, token)`. The token is
    not stored anywhere: the caller shows it once."""
    token = new_token()
    doc = {"_id": token_digest(token), "kind": kind, "created": now,
           "expires": now + lifetime, "created_by": created_by, **fields}
    await db.account_links.insert_one(doc)
    return doc, token


async def create_invite(db: AsyncDatabase, *, created_by: str, now: datetime.datetime,
                        days: str, note: str = "") -> tuple[dict, str]:
    """A new invitation valid for `days` (a key of `INVITE_LIFETIMES`), with an optional
    note saying whom it is for."""
    if days not in INVITE_LIFETIMES:
        days = "7"
    return await create(db, INVITE, created_by=created_by, now=now,
                        lifetime=datetime.timedelta(days=int(days)),
                        note=note.strip()[:MAX_NOTE])


async def create_reset(db: AsyncDatabase, user: dict, *, created_by: str,
                       now: datetime.datetime) -> tuple[dict, str]:
    """A new reset link for `user`; any earlier unused one stops working, so only the link
    most recently handed over can set the password."""
    await db.account_links.delete_many({"kind": RESET, "user_id": user["_id"]})
    return await create(db, RESET, created_by=created_by, now=now, lifetime=RESET_LIFETIME,
                        user_id=user["_id"])


async def find(db: AsyncDatabase, kind: str, token: str, *, address: str,
               now: datetime.datetime) -> dict:
    """The live link of `kind` for `token`, without using it up; `NotFound` (with a message
    saying what to do) otherwise. Each look-up counts against the address's guesses
    (`RateLimited` past them): tokens cannot be guessed, and this keeps it so."""
    await throttle.attempt(db, throttle.account_link_limits(address), now,
                           "Too many attempts with invitation or reset links.")
    doc = None
    if 0 < len(token) <= MAX_TOKEN:
        doc = await db.account_links.find_one(_live(kind, token, now))
    if doc is None:
        raise NotFound(EXPIRED)
    return doc


async def live(db: AsyncDatabase, kind: str, token: str, now: datetime.datetime) -> dict | None:
    """The live link of `kind` for `token`, or None, for the admin page showing the link
    it just made (no throttle: only an admin who made the link can hold its token)."""
    return await db.account_links.find_one(_live(kind, token, now)) if token else None


async def use(db: AsyncDatabase, kind: str, token: str, now: datetime.datetime) -> dict:
    """Use the link up, atomically: returns its document to the one caller that got it;
    `NotFound` to everyone else (used, revoked, expired or unknown)."""
    doc = await db.account_links.find_one_and_delete(_live(kind, token, now))
    if doc is None:
        raise NotFound(EXPIRED)
    return doc


async def give_back(db: AsyncDatabase, doc: dict) -> None:
    """Restore a link `use` took when what it was used for failed (the name chosen was
    taken meanwhile), so its holder can try again."""
    with contextlib.suppress(DuplicateKeyError):  # already back: nothing to do
        await db.account_links.insert_one(doc)


async def list_invites(db: AsyncDatabase, now: datetime.datetime) -> list[dict]:
    """Unused, unexpired invitations, newest first, each with its creator's `created_by_name`."""
    invites = await (db.account_links.find({"kind": INVITE, "expires": {"$gt": now}})
                     .sort([("created", DESCENDING)]).to_list(500))
    creators = {user["_id"]: user["username"] for user in await db.users.find(
        {"_id": {"$in": list({invite["created_by"] for invite in invites})}},
        {"username": 1}).to_list()}
    for invite in invites:
        invite["created_by_name"] = creators.get(invite["created_by"], "(deleted)")
    return invites


async def revoke_invite(db: AsyncDatabase, invite_id: str) -> dict:
    """Delete an unused invitation by its id (the token's digest); `NotFound` if there is
    none (used already, expired, or never made)."""
    doc = await db.account_links.find_one_and_delete({"_id": invite_id, "kind": INVITE})
    if doc is None:
        raise NotFound("That invitation was already used or revoked.")
    return doc


async def user_of(db: AsyncDatabase, reset: dict) -> dict:
    """The account a reset link is for, if it may still sign in; `NotFound` otherwise."""
    user = await db.users.find_one({"_id": reset["user_id"]})
    if not users.is_active(user):
        raise NotFound(EXPIRED)
    return user


def _live(kind: str, token: str, now: datetime.datetime) -> dict:
    return {"_id": token_digest(token), "kind": kind, "expires": {"$gt": now}}
