"""Slowing down password guessing and mass registration. Every password check or
registration first counts an attempt against its limits, in MongoDB, so every worker and
host shares the counts and a TTL index forgets them.

Counting before checking (rather than recording failures afterwards) keeps the limit exact
under parallel guesses: each attempt takes its number atomically. A correct password gives
it back; a registration never does (each one costs a bcrypt hash and makes an account).

Share-link passwords are counted likewise, per (link, address), per link and per address;
uploads through drop links per address and per link.

Sign-in is counted per (username, address) and per address: per username alone, an attacker
elsewhere could lock the real owner out by failing on purpose. IPv6 addresses count per /64,
the block one subscriber usually holds.
"""

import datetime
import math
from typing import NamedTuple

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from app.auth import addresses
from app.auth.users import username_key
from app.errors import RateLimited
from app.text import plural

WINDOW = datetime.timedelta(minutes=15)
PER_ACCOUNT = 10  # sign-in attempts for one username from one address
PER_ADDRESS = 100  # sign-in attempts from one address, any usernames
PER_USER = 10  # current-password checks on the account pages, per user
REGISTRATION_WINDOW = datetime.timedelta(hours=1)
PER_LINK_ADDRESS = 10  # share-link password attempts for one link from one address
PER_LINK = 100  # share-link password attempts for one link, from anywhere
PER_ADDRESS_LINKS = 100  # share-link password attempts from one address, any links
ACCOUNT_LINK_GUESSES = 30  # invitation and reset links looked up from one address
DROP_PER_ADDRESS = 100  # upload requests through drop links from one address, any links
DROP_PER_LINK = 300  # upload requests through one drop link, from anywhere


class Limit(NamedTuple):
    """At most `most` attempts counted under `key` in a window of `window` from the first."""

    key: str
    most: int
    window: datetime.timedelta = WINDOW


def client_block(address: str) -> str:
    """The addresses one client holds: an IPv4 address (also when written IPv4-mapped,
    '::ffff:a.b.c.d'), or an IPv6 /64."""
    return addresses.network(address, 32, 64) or address


def sign_in_limits(username: str, address: str) -> list[Limit]:
    """The counters a sign-in attempt for `username` from `address` draws on."""
    block = client_block(address)
    return [Limit(f"account:{username_key(username)[:64]}:{block}", PER_ACCOUNT),
            Limit(f"address:{block}", PER_ADDRESS)]


def second_factor_limits(user_id: str, address: str) -> list[Limit]:
    """The counters a second-factor code for `user_id` from `address` draws on: per user,
    from anywhere (codes are short, and only someone past the password can try them, so
    the owner is the only one such a limit can lock out), and per address."""
    return [Limit(f"second-factor:{user_id}", PER_ACCOUNT),
            Limit(f"address:{client_block(address)}", PER_ADDRESS)]


def password_check_limits(user_id: str) -> list[Limit]:
    """The counter a signed-in user's current-password check draws on."""
    return [Limit(f"user:{user_id}", PER_USER)]


def passkey_limits(address: str) -> list[Limit]:
    """The counter a passkey sign-in from `address` draws on (its own: a success with one's
    own passkey must not wipe the address's count of password guesses)."""
    return [Limit(f"passkey:{client_block(address)}", PER_ADDRESS)]


def link_password_limits(share_id: str, address: str) -> list[Limit]:
    """The counters a share-link password attempt from `address` draws on: per link and
    address, per link (many addresses guessing together), per address (many links)."""
    block = client_block(address)
    return [Limit(f"link:{share_id[:32]}:{block}", PER_LINK_ADDRESS),
            Limit(f"link:{share_id[:32]}", PER_LINK), Limit(f"link-address:{block}",
                                                             PER_ADDRESS_LINKS)]


def account_link_limits(address: str) -> list[Limit]:
    """The counter each look-up of an invitation or reset link from `address` draws on,
    found or not: a valid link must not buy more guesses."""
    return [Limit(f"account-links:{client_block(address)}", ACCOUNT_LINK_GUESSES)]


def drop_limits(drop_id: str, address: str) -> list[Limit]:
    """The counters an upload request through a drop link from `address` draws on: per
    address (one guest flooding) and per link (a link posted where many flood it). Each
    file also counts against the link's own limits (`app.images.drops`)."""
    return [Limit(f"drop-address:{client_block(address)}", DROP_PER_ADDRESS),
            Limit(f"drop:{drop_id[:32]}", DROP_PER_LINK)]


def registration_limits(address: str, per_hour: int) -> list[Limit]:
    """The counter a registration from `address` draws on: `per_hour` in an hour."""
    return [Limit(f"register:{client_block(address)}", per_hour, REGISTRATION_WINDOW)]


async def attempt(db: AsyncDatabase, limits: list[Limit], now: datetime.datetime,
                  message: str = "Too many failed attempts.") -> None:
    """Count one attempt on each counter; `RateLimited` (with `message` and when to try
    again) if any is over its limit."""
    for limit in limits:
        counter = await _increment(db, limit, now)
        if counter["count"] > limit.most:
            # The counter restarts when it expires: that is when the next attempt counts.
            seconds = (counter["expires"] - now).total_seconds()
            minutes = max(1, math.ceil(seconds / 60))
            raise RateLimited(f"{message} Try again in {plural(minutes, 'minute')}.",
                              retry_after=seconds, first=counter["count"] == limit.most + 1)


async def succeeded(db: AsyncDatabase, limits: list[Limit]) -> None:
    """A correct password: forget the first counter (this account's failures) and give the
    attempt back to the others (an address shared by many honest users)."""
    first, *others = limits
    await db.login_failures.delete_one({"_id": first.key})
    for limit in others:
        await db.login_failures.update_one({"_id": limit.key, "count": {"$gt": 0}},
                                           {"$inc": {"count": -1}})


async def _increment(db: AsyncDatabase, limit: Limit, now: datetime.datetime) -> dict:
    key = limit.key
    for _ in range(3):
        counter = await db.login_failures.find_one_and_update(
            {"_id": key, "expires": {"$gt": now}}, {"$inc": {"count": 1}},
            return_document=ReturnDocument.AFTER)
        if counter:
            return counter
        # None live: restart an expired one the TTL monitor has not removed yet, or start
        # one; a concurrent attempt may win either race, and then we count on its counter.
        fresh = {"count": 1, "expires": now + limit.window}
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
