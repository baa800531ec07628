"""Share-link passwords: hashed like account passwords (bcrypt at the configured cost, in
the bounded password pool) and guessed no faster than the throttle allows, per link and per
address, counted before the check so parallel guesses cannot slip past."""

import asyncio
import datetime
from concurrent.futures import Executor

from pymongo.asynchronous.database import AsyncDatabase

from app.auth import passwords, throttle
from app.errors import Invalid


async def hash_link_password(password: str, *, rounds: int, executor: Executor) -> str:
    """The bcrypt hash of a new link password; `Invalid` unless it is 8 to 72 bytes."""
    passwords.validate_new_password(password)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, passwords.hash_password, password, rounds)


async def check_link_password(db: AsyncDatabase, share: dict, password: str, *,
                              address: str, rounds: int, executor: Executor,
                              now: datetime.datetime) -> None:
    """`Invalid` unless `password` is the link's; `RateLimited` after too many attempts."""
    limits = throttle.link_password_limits(share["_id"], address)
    await throttle.attempt(db, limits, now, "Too many wrong passwords for this link.")
    loop = asyncio.get_running_loop()
    if not await loop.run_in_executor(executor, passwords.check_password, password,
                                      share.get("password_hash"), rounds):
        raise Invalid("That is not the password of this link.")
    await throttle.succeeded(db, limits)
