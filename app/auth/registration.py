"""Who may create an account: the registration mode, and whether the site has an admin yet.

The `registration` option sets the default mode; an admin's choice on `/admin` is stored in
`site_settings` (`{_id: "registration", mode, changed_at, changed_by}`) and wins over it. It
is read from the database on every registration, never cached, so every worker and host
agrees the moment it changes.

- open: anyone may register;
- invite: only with an invitation link from an admin (`app.auth.links`);
- closed: nobody, invitations included.

Registration never makes an admin: the first one is made by the operator with
`manage.py createuser NAME --admin`, so no web visitor can claim a new site.
"""

import datetime

from pymongo.asynchronous.database import AsyncDatabase

from app.errors import Forbidden, Invalid

OPEN, INVITE, CLOSED = "open", "invite", "closed"
MODES = (OPEN, INVITE, CLOSED)
DESCRIPTIONS = {OPEN: "Open: anyone may create an account",
                INVITE: "Invitation only: an invitation link is needed to register",
                CLOSED: "Closed: nobody can register, not even with an invitation"}
FIRST_ADMIN_COMMAND = "python manage.py createuser NAME --admin"
_KEY = {"_id": "registration"}


async def mode(db: AsyncDatabase, default: str) -> str:
    """The mode in force: the one an admin chose, else `default` (the option)."""
    doc = await db.site_settings.find_one(_KEY)
    return doc["mode"] if doc and doc.get("mode") in MODES else default


async def set_mode(db: AsyncDatabase, new_mode: str, *, actor: str,
                   now: datetime.datetime) -> None:
    """Store the mode an admin chose; `Invalid` for anything but `MODES`."""
    if new_mode not in MODES:
        raise Invalid(f"Registration must be one of: {', '.join(MODES)}.")
    await db.site_settings.update_one(
        _KEY, {"$set": {"mode": new_mode, "changed_at": now, "changed_by": actor}},
        upsert=True)


def check_allowed(current: str, *, invited: bool) -> None:
    """`Forbidden` with the reason unless registering is allowed in mode `current`, with or
    without an invitation."""
    if current == CLOSED:
        raise Forbidden("Registration is closed on this site.")
    if current == INVITE and not invited:
        raise Forbidden("Registration is by invitation only: ask an admin of this site "
                        "for an invitation link.")


async def admin_exists(db: AsyncDatabase) -> bool:
    """True once any account has the admin role (answered by the index on `role`)."""
    return await db.users.find_one({"role": "admin"}, {"_id": 1}) is not None
