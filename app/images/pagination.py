"""Keyset pagination, both ways: no `skip`, so page N costs the same as page 1 and a new
upload never shifts or repeats items between pages.

A listing is sorted by one field (`Order`), with `_id` breaking ties in the same direction,
and each such listing has a compound index (equality fields, then the field and `_id`) that
a server walks either way. A cursor is the position of one item, `<value>.<id>` in URL-safe
base64, where the value is milliseconds for dates, else the number or the text itself.
A page continues after a cursor (the next page) or ends before one (the previous page).
"""

import base64
import binascii
import datetime
from dataclasses import dataclass

from pymongo.asynchronous.collection import AsyncCollection

from app.errors import Invalid

PAGE_SIZE = 30  # items on an HTML page
MAX_LIMIT = 100  # items per API page at most
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MILLISECOND = datetime.timedelta(milliseconds=1)


@dataclass(frozen=True)
class Order:
    """A listing's order: `field` (holding `kind` values: date, number or text) ascending
    (1) or descending (-1), then `_id` alike."""

    name: str
    field: str
    direction: int
    kind: str = "date"

    def sort(self, backward: bool = False) -> list[tuple[str, int]]:
        """The sort specification, reversed when reading `backward` (a previous page)."""
        direction = -self.direction if backward else self.direction
        return [(self.field, direction), ("_id", direction)]


NEWEST = Order("newest", "created", -1)
OLDEST = Order("oldest", "created", 1)
TITLE = Order("title", "title", 1, "text")
LARGEST = Order("size", "bytes", -1, "number")
NEWEST_FIRST = NEWEST.sort()  # the order of every listing that offers no other


@dataclass(frozen=True)
class Page:
    """One page of a listing: its items, the cursor of the page after it and of the page
    before it (None where the listing ends)."""

    items: list[dict]
    next_cursor: str | None
    prev_cursor: str | None


def encode_cursor(doc: dict, order: Order = NEWEST) -> str:
    """The cursor of `doc`'s position in a listing sorted by `order`."""
    value = doc[order.field]
    if isinstance(value, datetime.datetime):
        # Integer arithmetic: through float seconds, about 1 time in 150 lands a millisecond
        # early, and the next page then skips items stamped within a millisecond of `doc`.
        value = (value - _EPOCH) // _MILLISECOND
    raw = f"{value}.{doc['_id']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: Order = NEWEST, backward: bool = False) -> dict:
    """A query filter selecting the items after `cursor` in `order` (before it when
    `backward`); `Invalid` for a malformed cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        # Dates and numbers have no dots, so the id is all after the first; a title may
        # hold dots, and the ids the site makes never do.
        text, item_id = raw.rsplit(".", 1) if order.kind == "text" else raw.split(".", 1)
        value = _parse_value(order, text)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise Invalid("That page cursor is not valid.") from None
    direction = -order.direction if backward else order.direction
    beyond = "$gt" if direction == 1 else "$lt"
    return {"$or": [{order.field: {beyond: value}},
                    {order.field: value, "_id": {beyond: item_id}}]}


def _parse_value(order: Order, text: str):
    if order.kind == "date":
        return _EPOCH + int(text) * _MILLISECOND
    return int(text) if order.kind == "number" else text


async def page(
    collection: AsyncCollection,
    query: dict,
    cursor: str | None,
    limit: int,
    index: list[tuple[str, int]],
    *,
    order: Order = NEWEST,
    backward: bool = False,
    projection: dict | None = None,
) -> Page:
    """Up to `limit` documents matching `query` after `cursor` in `order` (or, `backward`,
    the ones just before it), with the cursors of the neighbouring pages.

    `index` is the compound index that answers the query in order; it is named as a hint
    so every server plans the query alike. One extra document is read to know whether the
    listing goes on. `projection` leaves fields out (never the order's field).
    """
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor:
        # Flat rather than nested in $and, so the planner bounds the compound index directly.
        query = {**query, **decode_cursor(cursor, order, backward)}
    found = collection.find(query, projection).sort(order.sort(backward)).hint(index)
    docs = await found.limit(limit + 1).to_list()
    more, docs = len(docs) > limit, docs[:limit]
    if not docs:
        return Page([], None, None)  # past either end (a stale cursor): nowhere to go
    if backward:
        docs.reverse()
    first, last = encode_cursor(docs[0], order), encode_cursor(docs[-1], order)
    if backward:
        # The cursor's own item follows this page; more before it means a page before.
        return Page(docs, last, first if more else None)
    return Page(docs, last if more else None, first if cursor else None)
