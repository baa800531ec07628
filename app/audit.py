"""The audit log: security events and admin actions, one document each in `audit`.

`{_id, at, action, actor, target, address, details}`: `actor` is the id of the user who
acted (None when nobody was signed in yet, e.g. a recovery code used at sign-in, where
`target` names the account), `address` the client's address as the request gave it. Entries
are kept `audit_days` (a TTL index on `at`, see `app.db.ensure_indexes`); the index on
(action, at) lists one kind of event newest first.

Actions recorded: "2fa.enabled", "2fa.disabled", "recovery_codes.regenerated",
"recovery_codes.used", "admin.second_factors_removed", "admin.user_disabled",
"admin.user_enabled", "admin.user_deleted".
"""

import datetime

from pymongo.asynchronous.database import AsyncDatabase

from app.ids import new_id


async def record(db: AsyncDatabase, *, action: str, actor: str | None, target: str | None,
                 address: str, now: datetime.datetime, details: dict | None = None) -> None:
    """Append one entry to the audit log."""
    await db.audit.insert_one({"_id": new_id(), "at": now, "action": action, "actor": actor,
                               "target": target, "address": address, "details": details})
