"""Storage quotas: what a user may store, and reserving it for an upload.

`users.used_bytes` counts every stored byte of the user's images, originals and
derivatives. A user's quota is `users.quota_bytes`, or when that is None the site's
`default_quota_mb` (0: unlimited). An upload reserves its bytes with one conditional update
on the user's document before storing them, so concurrent uploads can never together pass
the quota; a failed or duplicate upload gives its reservation back.

`recount` checks those counts against the images themselves (`manage.py check`), and sets
them right with `--fix`.
"""

import datetime
from typing import NamedTuple

from pymongo.asynchronous.database import AsyncDatabase

from app.errors import TooLarge
from app.images import slots
from app.images.store import stored_bytes
from app.text import size_text

MIB = 1024 * 1024


def quota_of(user: dict, settings) -> int | None:
    """The user's quota in bytes, or None for unlimited."""
    own = user.get("quota_bytes")
    if own is not None:
        return own
    return settings["default_quota_mb"] * MIB or None


class NoRoom(TooLarge):
    """The upload does not fit its owner's quota (413); the message gives the numbers."""


class Reservation:
    """Bytes of `user`'s quota set aside for one upload in progress. `add` more as the
    upload grows; `give_back` what was reserved unless the upload was stored."""

    def __init__(self, db: AsyncDatabase, user: dict, quota: int | None):
        self.db, self.user_id, self.quota = db, user["_id"], quota
        self.bytes = 0

    async def add(self, amount: int) -> None:
        """Reserve `amount` more bytes; `NoRoom` (413) with the space left if they do not
        fit the quota."""
        query: dict = {"_id": self.user_id}
        if self.quota is not None:
            if amount > self.quota:
                raise NoRoom(await self._no_room(self.bytes + amount))
            # Accounts from before `used_bytes` existed have used nothing.
            query["$or"] = [{"used_bytes": {"$lte": self.quota - amount}},
                            {"used_bytes": {"$exists": False}}]
        result = await self.db.users.update_one(query, {"$inc": {"used_bytes": amount}})
        if not result.matched_count:
            raise NoRoom(await self._no_room(self.bytes + amount))
        self.bytes += amount

    async def give_back(self) -> None:
        """Return everything reserved so far (the upload was not stored)."""
        if self.bytes:
            await self.db.users.update_one({"_id": self.user_id},
                                           {"$inc": {"used_bytes": -self.bytes}})
            self.bytes = 0

    async def _no_room(self, needed: int) -> str:
        user = await self.db.users.find_one({"_id": self.user_id}, {"used_bytes": 1}) or {}
        left = max(0, self.quota - user.get("used_bytes", 0) + self.bytes)
        return (f"Not enough storage left: {size_text(left)} of your "
                f"{size_text(self.quota)} is free, and this image needs {size_text(needed)}.")


class Drift(NamedTuple):
    """A user whose recorded storage use differs from their images' bytes."""

    username: str
    recorded: int
    counted: int
    state: str  # "found", "fixed", "busy" (uploads in flight) or "changed" (meanwhile)


async def recount(db: AsyncDatabase, *, now: datetime.datetime, fix: bool) -> list[Drift]:
    """Every user whose `used_bytes` differs from the bytes of the images they have (deleted
    ones still count until purged); with `fix`, set it to those bytes.

    A user with uploads in flight is left alone: their reservations are in `used_bytes`
    before their images exist. The fix only applies if `used_bytes` is still what was read,
    so an upload or deletion that lands meanwhile is never overwritten (run it again).
    """
    counted: dict[str, int] = {}
    async for image in db.images.find({}, {"owner_id": 1, "files": 1}):
        counted[image["owner_id"]] = counted.get(image["owner_id"], 0) + stored_bytes(image)
    uploading = await slots.users_uploading(db, now)
    drifts = []
    async for user in db.users.find({}, {"username": 1, "used_bytes": 1}):
        recorded, actual = user.get("used_bytes"), counted.get(user["_id"], 0)
        if (recorded or 0) == actual:
            continue
        state = "busy" if user["_id"] in uploading else "found"
        if fix and state == "found":
            result = await db.users.update_one({"_id": user["_id"], "used_bytes": recorded},
                                               {"$set": {"used_bytes": actual}})
            state = "fixed" if result.modified_count else "changed"
        drifts.append(Drift(user["username"], recorded or 0, actual, state))
    return drifts
