"""Second factors at sign-in: who has one, the pending state between the password and the
second step, checking a code typed there, and removing every factor of an account.

A user has a second factor if TOTP is on (`app.auth.totp`) or they registered a passkey
(collection `passkeys`, one document per credential with its `user_id`). Recovery codes
(`app.auth.recovery`) stand in for a lost factor; alone they are not one.

After a correct password such a user gets no session yet, only the pending state: who
passed the password, where to go next and when, which the handler keeps in a signed cookie
(so it cannot be forged or altered) that is honoured for `PENDING_LIFETIME` by the
application clock.
"""

import datetime
import json
from typing import NamedTuple

from pymongo.asynchronous.database import AsyncDatabase

from app.auth import recovery, totp

PENDING_COOKIE = "pending_sign_in"
PENDING_LIFETIME = datetime.timedelta(minutes=5)


class Pending(NamedTuple):
    """A sign-in waiting for its second step: whose, and where it leads afterwards."""

    user_id: str
    next_url: str


async def has_second_factor(db: AsyncDatabase, user: dict) -> bool:
    """True if signing in as `user` needs a second step: TOTP is on or a passkey exists."""
    if user.get("totp"):
        return True
    return await db.passkeys.find_one({"user_id": user["_id"]}, {"_id": 1}) is not None


def pending_value(user_id: str, next_url: str, now: datetime.datetime) -> str:
    """The pending state to sign and keep in the `PENDING_COOKIE` cookie."""
    return json.dumps({"user": user_id, "next": next_url, "at": now.timestamp()})


def read_pending(raw: bytes | None, now: datetime.datetime) -> Pending | None:
    """The pending sign-in in a verified cookie value, or None if absent, malformed or older
    than `PENDING_LIFETIME`."""
    try:
        state = json.loads(raw) if raw else None
        user_id, next_url, at = state["user"], state["next"], float(state["at"])
    except (ValueError, TypeError, KeyError):
        return None
    age = now.timestamp() - at
    if not (isinstance(user_id, str) and isinstance(next_url, str)
            and 0 <= age <= PENDING_LIFETIME.total_seconds()):
        return None
    return Pending(user_id, next_url)


async def check_code(db: AsyncDatabase, user: dict, code: str,
                     now: datetime.datetime) -> str | None:
    """Which factor `code` proves, "totp" or "recovery" (a recovery code is used up), or
    None if it proves nothing."""
    code = recovery.normalize(code)
    if totp.is_code(code):
        return "totp" if await totp.verify(db, user, code, now) else None
    return "recovery" if await recovery.consume(db, user["_id"], code) else None


async def remove_all(db: AsyncDatabase, user_id: str) -> bool:
    """Remove every second factor of the user, recovery codes included (for one who lost
    them all); True if there was any."""
    user = await db.users.find_one_and_update(
        {"_id": user_id}, {"$unset": {"totp": "", "recovery_codes": ""}})
    passkeys = await db.passkeys.delete_many({"user_id": user_id})
    return bool(user and (user.get("totp") or user.get("recovery_codes"))
                or passkeys.deleted_count)
