"""Slowing down password guessing: failed sign-ins are counted per (username, address) and per
address in MongoDB, so every worker and host shares the count, and a TTL index forgets them.

Per (username, address) rather than per username alone: an attacker elsewhere cannot lock
the real owner out of their account by failing on purpose.
"""

import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from app.auth.users import username_key
from app.errors import RateLimited

WINDOW = datetime.timedelta(minutes=15)
PER_ACCOUNT = 10  # failures for one username from one address
PER_ADDRESS = 100  # failures from one address, any usernames


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    return [(f"account:{username_key(username)[:64]}:{address}", PER_ACCOUNT),
            (f"address:{address}", PER_ADDRESS)]


async def check(db: AsyncDatabase, username: str, address: str,
                now: datetime.datetime) -> None:
    """`RateLimited` while too many recent failures stand against this sign-in."""
    keys = dict(_keys(username, address))
    async for counter in db.login_failures.find({"_id": {"$in": list(keys)},
                                                 "expires": {"$gt": now}}):
        if counter["count"] >= keys[counter["_id"]]:
            minutes = max(1, round((counter["expires"] - now).total_seconds() / 60))
            raise RateLimited(f"Too many failed sign-ins. Try again in {minutes} minute"
                              f"{'s' if minutes != 1 else ''}.")


async def record_failure(db: AsyncDatabase, username: str, address: str,
                         now: datetime.datetime) -> None:
    """Count one failed sign-in; each counter lasts `WINDOW` from its first failure."""
    for key, _ in _keys(username, address):
        counter = await db.login_failures.find_one_and_update(
            {"_id": key, "expires": {"$gt": now}}, {"$inc": {"count": 1}},
            return_document=ReturnDocument.AFTER)
        if counter is None:  # none yet, or an expired one the TTL monitor has not removed
            await db.login_failures.replace_one(
                {"_id": key}, {"count": 1, "expires": now + WINDOW}, upsert=True)


async def clear(db: AsyncDatabase, username: str, address: str) -> None:
    """Forget this account's failures from this address after a successful sign-in."""
    await db.login_failures.delete_one({"_id": _keys(username, address)[0][0]})
