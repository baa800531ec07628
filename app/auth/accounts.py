"""Account management: password changes, sessions, settings and deleting an account with
everything it owns. The `/account` pages call these; so could an admin tool."""

import asyncio
import datetime
from concurrent.futures import Executor

from gridfs import AsyncGridFSBucket
from pymongo.asynchronous.database import AsyncDatabase

from app.auth import passwords, sessions, throttle, tokens
from app.errors import Invalid
from app.images import fields, gc


async def check_password(db: AsyncDatabase, user: dict, password: str, *, rounds: int,
                         executor: Executor, now: datetime.datetime) -> None:
    """`Invalid` unless `password` is the user's current password (bcrypt in `executor`);
    `RateLimited` after too many wrong ones (a borrowed session must not allow guessing)."""
    limits = throttle.password_check_limits(user["_id"])
    await throttle.attempt(db, limits, now)
    loop = asyncio.get_running_loop()
    if not await loop.run_in_executor(executor, passwords.check_password, password,
                                      user["password_hash"], rounds):
        raise Invalid("Your current password is not correct.")
    await throttle.succeeded(db, limits)


async def change_password(db: AsyncDatabase, user: dict, current: str, new: str, *,
                          rounds: int, executor: Executor, keep_session: str | None,
                          now: datetime.datetime) -> None:
    """Replace the password after checking the current one (see `set_password`): whoever
    else was signed in, perhaps with a stolen password, is shut out, and so is any token
    they made meanwhile."""
    await check_password(db, user, current, rounds=rounds, executor=executor, now=now)
    await set_password(db, user["_id"], new, rounds=rounds, executor=executor,
                       keep_session=keep_session)


async def set_password(db: AsyncDatabase, user_id: str, new: str, *, rounds: int,
                       executor: Executor, keep_session: str | None = None) -> None:
    """Give the user the password `new` (`Invalid` unless it meets the rules), then end
    every session but `keep_session` and revoke every API token. Second factors stay:
    removing them is its own admin action. Used by the account page, reset links and
    `manage.py setpassword`."""
    passwords.validate_new_password(new)
    loop = asyncio.get_running_loop()
    hashed = await loop.run_in_executor(executor, passwords.hash_password, new, rounds)
    await db.users.update_one({"_id": user_id}, {"$set": {"password_hash": hashed}})
    await sessions.end_other_sessions(db, user_id, keep_session)
    await tokens.revoke_all(db, user_id)


async def set_default_visibility(db: AsyncDatabase, user_id: str, visibility: str) -> None:
    """The visibility new uploads get when the uploader does not choose one."""
    visibility = fields.check_visibility(visibility)
    await db.users.update_one({"_id": user_id},
                              {"$set": {"settings.default_visibility": visibility}})


async def delete_account(db: AsyncDatabase, bucket: AsyncGridFSBucket, user: dict, *,
                         now: datetime.datetime) -> None:
    """Remove the user and everything they own: images (with their GridFS files), albums,
    share links, API tokens and sessions.

    Hide first, purge after, so that an interruption never leaves anything more visible
    than before: the account is marked deleted (every session and token stops working at
    once, sign-in is refused and the profile is gone), then its images and albums are
    marked deleted (every page, byte URL, share link and listing treats them as missing),
    and only then purged, the user document last. `manage.py gc` finishes an interrupted
    purge, and so does deleting the account again from the admin page.
    """
    await db.users.update_one({"_id": user["_id"]}, {"$set": {"deleted_at": now}})
    await gc.purge_account(db, bucket, user["_id"], now=now)
