"""Keyset pagination over (created desc, _id desc): no `skip`, so page N costs the same as
page 1 and a new upload never shifts or repeats items between pages.

A cursor is the position of the last item shown, `<created ms>.<id>` in URL-safe base64.
"""

import base64
import binascii
import datetime

from pymongo.asynchronous.collection import AsyncCollection

from app.errors import Invalid

NEWEST_FIRST = [("created", -1), ("_id", -1)]  # the one order of every listing
PAGE_SIZE = 30  # items on an HTML page
MAX_LIMIT = 100  # items per API page at most
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MILLISECOND = datetime.timedelta(milliseconds=1)


def encode_cursor(doc: dict) -> str:
    """The cursor that continues after `doc`."""
    # Integer arithmetic: through float seconds, about 1 time in 150 lands a millisecond
    # early, and the next page then skips items stamped within a millisecond of `doc`.
    millis = (doc["created"] - _EPOCH) // _MILLISECOND
    return base64.urlsafe_b64encode(f"{millis}.{doc['_id']}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    """A query filter selecting the items after `cursor`; `Invalid` for a malformed one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        millis, item_id = raw.split(".", 1)
        created = _EPOCH + int(millis) * _MILLISECOND
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise Invalid("That page cursor is not valid.") from None
    return {"$or": [{"created": {"$lt": created}}, {"created": created, "_id": {"$lt": item_id}}]}


async def page(
    collection: AsyncCollection,
    query: dict,
    cursor: str | None,
    limit: int,
    index: list[tuple[str, int]],
) -> tuple[list[dict], str | None]:
    """Up to `limit` documents matching `query` after `cursor`, and the next cursor (or None).

    `index` is the compound index (equality fields, then created and _id descending) that
    answers the query in order. Reads one extra document to know whether another page exists.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor:
        # Flat rather than nested in $and, so the planner bounds the compound index directly.
        query = {**query, **decode_cursor(cursor)}
    docs = await collection.find(query).sort(NEWEST_FIRST).hint(index).limit(limit + 1).to_list()
    if len(docs) > limit:
        return docs[:limit], encode_cursor(docs[limit - 1])
    return docs, None
