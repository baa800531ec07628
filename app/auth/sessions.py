"""Server-side sessions. The browser holds only a random token in a signed cookie; the
database holds its sha256, so a leaked database dump cannot be replayed as cookies.

A session ends at the first of: its absolute lifetime after sign-in, an idle timeout after
its last request, sign-out, or being ended from the account page. Both times are checked
against the current options, so changing them applies to every session at once; `expires`
(the TTL index) lets the database delete what has ended.

Each session keeps, for its owner's account page, the user agent (described as a device
when shown) and the client's network at sign-in: an IPv4 /24 or an IPv6 /48. That is
enough to tell "my phone at home" from "somewhere else" without keeping anyone's exact
address. Sessions from before these fields existed have no `address`: shown as unknown.
"""

import datetime
from typing import NamedTuple

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from app.auth import addresses, devices, users
from app.errors import NotFound
from app.ids import new_token, token_digest

LAST_SEEN_PRECISION = datetime.timedelta(minutes=1)
MAX_USER_AGENT = 300


class Lifetime(NamedTuple):
    """How long a session lasts: `absolute` from sign-in, `idle` from its last request."""

    absolute: datetime.timedelta
    idle: datetime.timedelta

    def expires(self, created: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
        """When a session signed in at `created` and seen `now` ends if not seen again."""
        return min(created + self.absolute, now + self.idle)


async def create_session(db: AsyncDatabase, user_id: str, *, now: datetime.datetime,
                         lifetime: Lifetime, user_agent: str = "", address: str = "") -> str:
    """Start a session for `user_id` from a client at `address` and return its 256-bit
    token (for the cookie only)."""
    token = new_token()
    user_agent = user_agent[:MAX_USER_AGENT]
    await db.sessions.insert_one({
        "_id": token_digest(token), "user_id": user_id, "created": now, "last_seen": now,
        "expires": lifetime.expires(now, now), "user_agent": user_agent,
        "device": devices.describe(user_agent), "address": addresses.network(address, 24, 48),
    })
    # Every sign-in starts here: the admin page lists accounts by it.
    await db.users.update_one({"_id": user_id}, {"$set": {"last_sign_in": now}})
    return token


async def user_for_token(db: AsyncDatabase, token: str, now: datetime.datetime,
                         lifetime: Lifetime) -> dict | None:
    """The enabled user owning a live session with this token, else None.

    Expiry is checked here too: the TTL monitor deletes expired sessions only periodically.
    """
    session = await db.sessions.find_one({"_id": token_digest(token), **_live(now, lifetime)})
    if session is None:
        return None
    if now - session["last_seen"] > LAST_SEEN_PRECISION:
        # At most one write a minute per session, not one per request.
        await db.sessions.update_one({"_id": session["_id"]}, {"$set": {
            "last_seen": now, "expires": lifetime.expires(session["created"], now)}})
    user = await db.users.find_one({"_id": session["user_id"]})
    return user if users.is_active(user) else None


async def end_session(db: AsyncDatabase, token: str) -> None:
    """Delete the session, so a replayed copy of its cookie is anonymous."""
    await db.sessions.delete_one({"_id": token_digest(token)})


async def list_sessions(db: AsyncDatabase, user_id: str, now: datetime.datetime,
                        lifetime: Lifetime) -> list[dict]:
    """The user's live sessions, most recently seen first."""
    return await (db.sessions.find({"user_id": user_id, **_live(now, lifetime)})
                  .sort([("last_seen", DESCENDING), ("created", DESCENDING)]).to_list(200))


async def end_user_session(db: AsyncDatabase, user_id: str, session_id: str) -> None:
    """End one of the user's sessions by its id (the token's digest); `NotFound` for anyone
    else's or an unknown id."""
    if not (await db.sessions.delete_one({"_id": session_id, "user_id": user_id})).deleted_count:
        raise NotFound()


async def end_other_sessions(db: AsyncDatabase, user_id: str, keep_session: str | None) -> int:
    """Delete the user's sessions except the one whose token is `keep_session`; returns how
    many ended."""
    query = {"user_id": user_id}
    if keep_session:
        query["_id"] = {"$ne": token_digest(keep_session)}
    return (await db.sessions.delete_many(query)).deleted_count


def _live(now: datetime.datetime, lifetime: Lifetime) -> dict:
    # `expires` as stored, and both limits as configured now (they may have changed).
    return {"expires": {"$gt": now}, "created": {"$gt": now - lifetime.absolute},
            "last_seen": {"$gt": now - lifetime.idle}}
