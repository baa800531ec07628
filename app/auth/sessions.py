"""Server-side sessions. The browser holds only a random token in a signed cookie; the
database holds its sha256, so a leaked database dump cannot be replayed as cookies."""

import datetime

from pymongo.asynchronous.database import AsyncDatabase

from app.ids import new_token, token_digest


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
    user = await db.users.find_one({"_id": session["user_id"]})
    if user is None or user.get("disabled"):
        return None
    return user


async def end_session(db: AsyncDatabase, token: str) -> None:
    """Delete the session, so a replayed copy of its cookie is anonymous."""
    await db.sessions.delete_one({"_id": token_digest(token)})
