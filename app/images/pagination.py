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


def decode_cursor(cursor: str, order: Order = NEWEST, backward: bool = False) -> list[dict]:
    """Filters selecting the items after `cursor` in `order` (before it when `backward`),
    in that order: those sharing the cursor's value with an `_id` beyond its, then those
    with a value beyond it. `Invalid` for a malformed cursor.

    Two flat filters rather than one `$or`: each is a range of the listing's index (its
    equality fields, then the value, then `_id`), which every server reads from the cursor
    on, where an `$or` is planned apart (the embedded database then reads every document).
    """
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
    return [{order.field: value, "_id": {beyond: item_id}}, {order.field: {beyond: value}}]


def following(query: dict, cursor: str | None, order: Order = NEWEST,
              backward: bool = False) -> list[dict]:
    """The filters (see `decode_cursor`) of the items of `query` after `cursor`, or just
    `query` without one. Flat: a condition on a field `query` already bounds joins it (of
    two bounds of one kind, the tighter stays), so each stays one index range.

    The cursor's ties lead with the order's field. Order means nothing to MongoDB; the
    embedded database, given equality fields that no compound index covers whole, reads
    the index of the first field it has one for: then the few items of the cursor's value
    (where the order's field has its own index), not all those of the query's first field.
    """
    if not cursor:
        return [query]
    ties, beyond = decode_cursor(cursor, order, backward)
    return [_both(ties, query), _both(query, beyond)]


def _both(first: dict, then: dict) -> dict:
    """One flat filter of both, `first`'s fields first."""
    both = dict(first)
    for field, condition in then.items():
        if field in both:
            mine = _operators(both[field])
            condition = {**mine, **{op: _TIGHTER[op](mine[op], value) if op in mine else value
                                    for op, value in _operators(condition).items()}}
        both[field] = condition
    return both


def _operators(condition) -> dict:
    """`condition` on a field as operators: a plain value is `$eq` to it."""
    if isinstance(condition, dict) and condition and all(key.startswith("$")
                                                         for key in condition):
        return condition
    return {"$eq": condition}


# Two bounds of one kind on a field: the tighter holds. A cursor's `$eq` never meets one: no
# listing fixes the field it is sorted by.
_TIGHTER = {"$lt": min, "$gt": max}


async def read(collection: AsyncCollection, queries: list[dict], sort: list, limit: int,
               projection: dict | None = None) -> list[dict]:
    """Up to `limit` documents of `queries` in `sort` order, each query's after the one
    before's (as `following` makes them): later queries are read only while short."""
    docs: list[dict] = []
    for query in queries:
        if len(docs) >= limit:
            break
        found = collection.find(query, projection).sort(sort).limit(limit - len(docs))
        docs += await found.to_list()
    return docs


def _parse_value(order: Order, text: str):
    if order.kind == "date":
        return _EPOCH + int(text) * _MILLISECOND
    return int(text) if order.kind == "number" else text


async def page(
    collection: AsyncCollection,
    query: dict,
    cursor: str | None,
    limit: int,
    *,
    order: Order = NEWEST,
    backward: bool = False,
    projection: dict | None = None,
) -> Page:
    """Up to `limit` documents matching `query` after `cursor` in `order` (or, `backward`,
    the ones just before it), with the cursors of the neighbouring pages.

    Each listing has a compound index that answers it in order (`app.db`; checked by
    tests/images/test_query_indexes.py), which the server picks itself: a named index
    (a hint) makes the embedded database read every entry of it, the whole collection,
    where MongoDB picks the index that yields the sorted page first. One extra document is
    read to know whether the listing goes on. `projection` leaves fields out (never the
    order's field).
    """
    limit = max(1, min(limit, MAX_LIMIT))
    docs = await read(collection, following(query, cursor, order, backward),
                      order.sort(backward), limit + 1, projection)
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
