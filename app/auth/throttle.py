"""Slowing down password guessing. Every password check first counts an attempt against its
limits, in MongoDB, so every worker and host shares the counts and a TTL index forgets them.

Counting before checking (rather than recording failures afterwards) keeps the limit exact
under parallel guesses: each attempt takes its number atomically. A success gives it back.

Sign-in is counted per (username, address) and per address: per username alone, an attacker
elsewhere could lock the real owner out by failing on purpose. IPv6 addresses count per /64,
the block one subscriber usually holds.
"""

import datetime
import ipaddress

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from app.auth.users import username_key
from app.errors import RateLimited
from app.text import plural

WINDOW = datetime.timedelta(minutes=15)
PER_ACCOUNT = 10  # sign-in attempts for one username from one address
PER_ADDRESS = 100  # sign-in attempts from one address, any usernames
PER_USER = 10  # current-password checks on the account pages, per user


def sign_in_limits(username: str, address: str) -> list[tuple[str, int]]:
    """The counters a sign-in attempt for `username` from `address` draws on."""
    try:
        ip = ipaddress.ip_address(address)
        if ip.version == 6 and ip.ipv4_mapped:  # "::ffff:a.b.c.d" is an IPv4 client
            address = str(ip.ipv4_mapped)
        elif ip.version == 6:
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    except ValueError:
        pass
    return [(f"account:{username_key(username)[:64]}:{address}", PER_ACCOUNT),
            (f"address:{address}", PER_ADDRESS)]


def password_check_limits(user_id: str) -> list[tuple[str, int]]:
    """The counter a signed-in user's current-password check draws on."""
    return [(f"user:{user_id}", PER_USER)]


async def attempt(db: AsyncDatabase, limits: list[tuple[str, int]],
                  now: datetime.datetime) -> None:
    """Count one attempt on each counter; `RateLimited` if any is over its limit."""
    for key, limit in limits:
        counter = await _increment(db, key, now)
        if counter["count"] > limit:
            seconds = (counter["expires"] - now).total_seconds()
            minutes = max(1, round(seconds / 60))
            raise RateLimited(f"Too many failed attempts. Try again in "
                              f"{plural(minutes, 'minute')}.", retry_after=seconds)


async def succeeded(db: AsyncDatabase, limits: list[tuple[str, int]]) -> None:
    """A correct password: forget the first counter (this account's failures) and give the
    attempt back to the others (an address shared by many honest users)."""
    (first, _), *others = limits
    await db.login_failures.delete_one({"_id": first})
    for key, _ in others:
        await db.login_failures.update_one({"_id": key, "count": {"$gt": 0}},
                                           {"$inc": {"count": -1}})


async def _increment(db: AsyncDatabase, key: str, now: datetime.datetime) -> dict:
    for _ in range(3):
        counter = await db.login_failures.find_one_and_update(
            {"_id": key, "expires": {"$gt": now}}, {"$inc": {"count": 1}},
            return_document=ReturnDocument.AFTER)
        if counter:
            return counter
        # None live: restart an expired one the TTL monitor has not removed yet, or start
        # one; a concurrent attempt may win either race, and then we count on its counter.
        fresh = {"count": 1, "expires": now + WINDOW}
        restarted = await db.login_failures.find_one_and_update(
            {"_id": key, "expires": {"$lte": now}}, {"$set": fresh},
            return_document=ReturnDocument.AFTER)
        if restarted:
            return restarted
        try:
            await db.login_failures.insert_one({"_id": key, **fresh})
            return {"_id": key, **fresh}
        except DuplicateKeyError:
            continue
    raise RateLimited("Too many attempts at once. Try again in a moment.", retry_after=1)
