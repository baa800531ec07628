"""Reading the audit log (`app.audit` writes it) for `/admin/audit`."""

import datetime

from pymongo.asynchronous.database import AsyncDatabase

from app.images import pagination

PER_PAGE = 50
NEWEST = pagination.Order("newest", "at", -1)


async def entries(db: AsyncDatabase, *, action: str = "", actor: str | None = None,
                  target: str = "", since: datetime.datetime | None = None,
                  until: datetime.datetime | None = None, cursor: str | None = None,
                  backward: bool = False) -> pagination.Page:
    """A page of `PER_PAGE` entries, newest first, matching every filter given: `action`,
    `actor` (a user id), `target`, and `at` from `since` up to before `until`.

    Each equality filter has an index (`app.db`: AUDIT_BY_ACTION, _BY_TARGET, _BY_ACTOR,
    else AUDIT_NEWEST) whose `at` then serves the time range and the order: a page costs
    the same anywhere in a log of millions on MongoDB. The most selective filter comes
    first, the one a planner that takes the first usable field (the embedded database's)
    then reads.
    """
    query: dict = {}
    for field, value in (("actor", actor), ("target", target), ("action", action)):
        if value:
            query[field] = value
    if since or until:
        query["at"] = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
    return await pagination.page(db.audit, query, cursor, PER_PAGE, order=NEWEST,
                                 backward=backward)
