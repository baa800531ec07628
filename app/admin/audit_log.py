"""Reading the audit log (`app.audit` writes it) for `/admin/audit`."""

import datetime

from pymongo.asynchronous.database import AsyncDatabase

from app.db import AUDIT_BY_ACTION, AUDIT_BY_ACTOR, AUDIT_BY_TARGET, AUDIT_NEWEST
from app.images import pagination

PER_PAGE = 50
NEWEST = pagination.Order("newest", "at", -1)


async def entries(db: AsyncDatabase, *, action: str = "", actor: str | None = None,
                  target: str = "", since: datetime.datetime | None = None,
                  until: datetime.datetime | None = None, cursor: str | None = None,
                  backward: bool = False) -> pagination.Page:
    """A page of `PER_PAGE` entries, newest first, matching every filter given: `action`,
    `actor` (a user id), `target`, and `at` from `since` up to before `until`.

    The most selective equality filter picks the index, whose `at` then serves the time
    range and the order: a page costs the same anywhere in a log of millions.
    """
    query: dict = {}
    index = AUDIT_NEWEST
    for field, value, by_field in (("action", action, AUDIT_BY_ACTION),
                                   ("target", target, AUDIT_BY_TARGET),
                                   ("actor", actor, AUDIT_BY_ACTOR)):
        if value:
            query[field], index = value, by_field
    if since or until:
        query["at"] = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
    return await pagination.page(db.audit, query, cursor, PER_PAGE, index, order=NEWEST,
                                 backward=backward)
