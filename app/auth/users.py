"""The `users` collection: creating accounts, signing in, looking users up.

Usernames are unique case-insensitively through a unique index on a casefolded key; a
duplicate is detected by catching `DuplicateKeyError`, never by check-then-insert.
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
    loop = asyncio.get_running_loop()
    password_hash = await loop.run_in_executor(executor, passwords.hash_password, password,
                                               rounds)
    user = {
        "_id": new_id(), "username": username, "username_key": username_key(username),
        "password_hash": password_hash, "role": role, "created": now,
        "settings": {"default_visibility": "private"}, "quota_bytes": None, "used_bytes": 0,
        "disabled": False,
    }
    try:
        await db.users.insert_one(user)
    except DuplicateKeyError:
        raise Conflict("That username is taken.") from None
    return user


async def authenticate(db: AsyncDatabase, username: str, password: str, *, rounds: int,
                       executor: Executor) -> dict | None:
    """The user if the credentials match and the account is enabled, else None.

    An unknown user still costs one bcrypt check, so timing does not reveal which names exist.
    """
    user = await find_by_username(db, username) if len(username) <= 64 else None
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(executor, passwords.check_password, password,
                                    user["password_hash"] if user else None, rounds)
    if not ok or not is_active(user):
        return None
    if passwords.rounds_of(user["password_hash"]) != rounds:
        # The configured cost changed: upgrade the hash now that we know the password.
        new_hash = await loop.run_in_executor(executor, passwords.hash_password, password,
                                              rounds)
        await db.users.update_one({"_id": user["_id"]}, {"$set": {"password_hash": new_hash}})
    return user


async def find_by_username(db: AsyncDatabase, username: str) -> dict | None:
    """The user with this name in any letter case, or None."""
    return await db.users.find_one({"username_key": username_key(username)})

