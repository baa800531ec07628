"""The `users` collection: creating accounts, signing in, looking users up.

Usernames are unique case-insensitively through a unique index on a casefolded key. A taken
name is refused by a cheap lookup before paying for a bcrypt hash; the index stays the guard
against two registrations racing for one name (`DuplicateKeyError`, the same `Conflict`).
"""

import asyncio
import datetime
import re
from concurrent.futures import Executor

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from app.auth import passwords
from app.errors import Conflict, Invalid
from app.ids import new_id

# ASCII only: usernames appear in URLs and must not be confusable across scripts. At least
# one letter or digit, so a name like ".." cannot collapse a URL path.
USERNAME_RE = re.compile(r"(?=.*[A-Za-z0-9])[A-Za-z0-9_.-]{3,32}")
TAKEN = "That username is taken."


def is_active(user: dict | None) -> bool:
    """True for an account that may sign in and be seen: neither disabled by an admin nor
    being deleted (`deleted_at` is set from the start of the deletion until its purge
    ends)."""
    return user is not None and not user.get("disabled") and user.get("deleted_at") is None


def username_key(username: str) -> str:
    """The unique, case-insensitive form of a username."""
    return username.casefold()


def validate_username(username: str) -> str:
    """The username if acceptable, else `Invalid` with the rule spelled out."""
    if not USERNAME_RE.fullmatch(username):
        raise Invalid("Username must be 3 to 32 characters: letters, digits, '_', '-' or '.'.")
    return username


async def create_user(db: AsyncDatabase, username: str, password: str, *, rounds: int,
                      executor: Executor, now: datetime.datetime, role: str = "user") -> dict:
    """Insert a new user; `Invalid` for bad input, `Conflict` if the name is taken."""
    validate_username(username)
    passwords.validate_new_password(password)
    if await db.users.find_one({"username_key": username_key(username)}, {"_id": 1}):
        raise Conflict(TAKEN)
    loop = asyncio.get_running_loop()
    password_hash = await loop.run_in_executor(executor, passwords.hash_password, password,
                                               rounds)
    user = {
        "_id": new_id(), "username": username, "username_key": username_key(username),
        "password_hash": password_hash, "role": role, "created": now,
        "settings": {"default_visibility": "private"}, "quota_bytes": None, "used_bytes": 0,
        "disabled": False, "last_sign_in": now,  # until the first sign-in: its creation
    }
    try:
        await db.users.insert_one(user)
    except DuplicateKeyError:
        raise Conflict(TAKEN) from None
    return user


async def authenticate(db: AsyncDatabase, username: str, password: str, *, rounds: int,
                       executor: Executor) -> dict | None:
    """The user if the credentials match and the account is enabled, else None.

    Unknown user, wrong password and right password cost the same bcrypt work, whatever the
    cost of the stored hash (`passwords.check_password`). Upgrading a hash of another cost
    is left to `upgrade_hash`, for the caller to run once it has answered.
    """
    user = await find_by_username(db, username) if len(username) <= 64 else None
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(executor, passwords.check_password, password,
                                    user["password_hash"] if user else None, rounds)
    if not ok or not is_active(user):
        return None
    return user


async def upgrade_hash(db: AsyncDatabase, user: dict, password: str, *, rounds: int,
                       executor: Executor) -> None:
    """Rehash the password of a user just authenticated if its hash has another cost than
    `rounds` (the configured cost changed). Run it after answering the sign-in, so that
    its time is no part of the answer's."""
    if passwords.rounds_of(user["password_hash"]) == rounds:
        return
    loop = asyncio.get_running_loop()
    new_hash = await loop.run_in_executor(executor, passwords.hash_password, password, rounds)
    # Only the hash that was checked is replaced: a password changed meanwhile stays.
    await db.users.update_one({"_id": user["_id"], "password_hash": user["password_hash"]},
                              {"$set": {"password_hash": new_hash}})


async def find_by_username(db: AsyncDatabase, username: str) -> dict | None:
    """The user with this name in any letter case, or None."""
    return await db.users.find_one({"username_key": username_key(username)})

