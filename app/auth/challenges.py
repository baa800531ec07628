"""WebAuthn challenges: single-use, short-lived, and bound to the browser that asked.

A ceremony starts by storing a random challenge under a random id with its purpose (and
the user it is for, when known); the id goes to the browser in a signed cookie, never the
challenge's verdict. Finishing takes the document out with one atomic find-and-delete, so
a challenge answers one ceremony at most, even under parallel replays; a TTL index removes
the ones never finished.
"""

import datetime
import secrets

from pymongo.asynchronous.database import AsyncDatabase

LIFETIME = datetime.timedelta(minutes=5)  # enough to find and touch an authenticator
ID_BYTES = 32
CHALLENGE_BYTES = 32
PURPOSES = ("register", "sign_in", "second_factor")


async def begin(db: AsyncDatabase, purpose: str, *, now: datetime.datetime,
                user_id: str | None = None, **details) -> tuple[str, bytes]:
    """Store a new challenge for `purpose`; returns (its id for the cookie, the challenge).
    `details` are kept with it for the finishing step (e.g. the new passkey's name)."""
    assert purpose in PURPOSES
    challenge_id = secrets.token_urlsafe(ID_BYTES)
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    await db.webauthn_challenges.insert_one({
        "_id": challenge_id, "purpose": purpose, "user_id": user_id, "challenge": challenge,
        "details": details, "expires": now + LIFETIME})
    return challenge_id, challenge


async def take(db: AsyncDatabase, challenge_id: str | None, purpose: str, *,
               now: datetime.datetime, user_id: str | None = None) -> dict | None:
    """The challenge with this id if it is live, for `purpose` (and for `user_id`, if
    given), else None. It is removed either way: whatever happens, it is never used again."""
    if not challenge_id:
        return None
    doc = await db.webauthn_challenges.find_one_and_delete({"_id": challenge_id})
    if (doc is None or doc["purpose"] != purpose or doc["expires"] <= now
            or (user_id is not None and doc["user_id"] != user_id)):
        return None
    return doc
