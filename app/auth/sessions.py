"""Server-side sessions. The browser holds only a random token in a signed cookie; the
database holds its sha256, so a leaked database dump cannot be replayed as cookies."""

import datetime

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from app.auth import users
from app.ids import new_token, token_digest

LAST_SEEN_PRECISION = datetime.timedelta(minutes=1)


async def create_session(db: AsyncDatabase, user_id: str, *, now: datetime.datetime,
                         days: int, user_agent: str = "") -> str:
    """Start a session for `user_id` and return its 256-bit token (for the cookie only)."""
    token = new_token()
    await db.sessions.insert_one({
        "_id": token_digest(token), "user_id": user_id, "created": now, "last_seen": now,
        "expires": now + datetime.timedelta(days=days), "user_agent": user_agent[:300],
    })
    return token


async def user_for_token(db: AsyncDatabase, token: str, now: datetime.datetime) -> dict | None:
    """The enabled user owning a live session with this token, else None.

    Expiry is checked here too: the TTL monitor deletes expired sessions only periodically.
    """
    session = await db.sessions.find_one({"_id": token_digest(token), "expires": {"$gt": now}})
    if session is None:
        return None
    if now - session["last_seen"] > LAST_SEEN_PRECISION:
        # At most one write a minute per session, not one per request.
        await db.sessions.update_one({"_id": session["_id"]}, {"$set": {"last_seen": now}})
    user = await db.users.find_one({"_id": session["user_id"]})
    return user if users.is_active(user) else None


async def end_session(db: AsyncDatabase, token: str) -> None:
    """Delete the session, so a replayed copy of its cookie is anonymous."""
    await db.sessions.delete_one({"_id": token_digest(token)})


async def list_sessions(db: AsyncDatabase, user_id: str, now: datetime.datetime) -> list[dict]:
    """The user's unexpired sessions, most recently seen first."""
    return await (db.sessions.find({"user_id": user_id, "expires": {"$gt": now}})
                  .sort([("last_seen", DESCENDING), ("created", DESCENDING)]).to_list(200))


async def end_other_sessions(db: AsyncDatabase, user_id: str, keep_session: str | None) -> int:
    """Delete the user's sessions except the one whose token is `keep_session`; returns how
    many ended."""
    query = {"user_id": user_id}
    if keep_session:
        query["_id"] = {"$ne": token_digest(keep_session)}
    return (await db.sessions.delete_many(query)).deleted_count
