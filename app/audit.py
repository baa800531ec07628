"""The audit log: security events and owner or admin actions, one document each in the
`audit` collection (what, who, on what, from where, when)."""

import datetime

from pymongo.asynchronous.database import AsyncDatabase


async def record(db: AsyncDatabase, *, action: str, actor: str | None, target: str | None,
                 address: str, now: datetime.datetime, details: dict | None = None) -> None:
    """Append one event: `action` (e.g. "share.create") by user `actor` (None: nobody
    signed in) on `target`, from `address`."""
    await db.audit.insert_one({"action": action, "actor": actor, "target": target,
                               "address": address, "at": now, "details": details or {}})
