"""The audit log: security events and owner or admin actions, one document each in the
`audit` collection (what, who, on what, from where, when).

`{_id, at, action, actor, target, address, details}`: `actor` is the id of the user who
acted, None if nobody known did (a recovery code used at sign-in counts as its owner's, who
had passed the password); `target` the id of what was acted on (an account, a token, a
share link); `address` the client's address as the request gave it (None when not made
through a request). `_id` is an ObjectId, so sorting by it lists entries in the order they
were written. Entries are kept `audit_days` (a TTL index on `at`, see
`app.db.ensure_indexes`); the index on (action, at) lists one kind of event newest first.

The actions are `ACTIONS`; the admin page `/admin/audit` lists entries newest first,
filtered by action, by who acted, by target and by time (`app.admin.audit_log`).
"""

import datetime

from pymongo.asynchronous.database import AsyncDatabase

# Every action recorded, by area: the admin page offers them as a filter.
ACTIONS = (
    "sign_in.throttled", "password.changed", "password.set_by_operator",
    "2fa.enabled", "2fa.disabled", "recovery_codes.regenerated", "recovery_codes.used",
    "passkey.added", "passkey.removed", "passkey.sign_in_failed",
    "token.create", "token.revoke", "share.create", "share.revoke", "share.password",
    "drop.create", "drop.revoke",
    "registration.mode_changed", "invite.created", "invite.revoked", "invite.used",
    "reset_link.created", "reset_link.used",
    "admin.user_disabled", "admin.user_enabled", "admin.user_deleted", "admin.role_changed",
    "admin.quota_changed", "admin.second_factors_removed",
)


async def record(db: AsyncDatabase, *, action: str, actor: str | None, target: str | None,
                 address: str | None, now: datetime.datetime,
                 details: dict | None = None) -> None:
    """Append one event: `action` (e.g. "share.create") by user `actor` (None: nobody
    signed in) on `target`, from `address`."""
    await db.audit.insert_one({"action": action, "actor": actor, "target": target,
                               "address": address, "at": now, "details": details or {}})

