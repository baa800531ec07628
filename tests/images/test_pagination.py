"""Keyset pages in both directions, over every order the gallery offers."""

import datetime

import pytest

from app.errors import Invalid
from app.images import pagination
from app.images.pagination import LARGEST, NEWEST, OLDEST, TITLE, decode_cursor

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
INDEX = {"created": [("created", -1), ("_id", -1)], "title": [("title", 1), ("_id", 1)],
         "bytes": [("bytes", -1), ("_id", -1)]}


@pytest.fixture
async def items(db):
    for name, field, keys in (("c", "created", INDEX["created"]), ("t", "title", INDEX["title"]),
                              ("b", "bytes", INDEX["bytes"])):
        await db.items.create_index(keys, name=f"{name}_{field}")
    # Ties on every field (same second, same title, same size) and a title with dots.
    docs = [{"_id": f"id{i:02}", "created": T0 + datetime.timedelta(seconds=i // 2),
             "title": ["a.b", "B", "a.b", "c"][i % 4], "bytes": (i % 3) * 100}
            for i in range(11)]
    await db.items.insert_many(docs)
    return docs


def expected(docs, order):
    ordered = sorted(docs, key=lambda doc: (doc[order.field], doc["_id"]))
    return [doc["_id"] for doc in (ordered if order.direction == 1 else ordered[::-1])]


@pytest.mark.parametrize("order", [NEWEST, OLDEST, TITLE, LARGEST])
async def test_forward_then_back_visits_every_item_once(db, items, order):
    pages, cursor = [], None
    while True:
        page = await pagination.page(db.items, {}, cursor, 3, order=order)
        pages.append([doc["_id"] for doc in page.items])
        assert (page.prev_cursor is None) == (cursor is None)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert [i for chunk in pages for i in chunk] == expected(items, order)
    assert [len(chunk) for chunk in pages] == [3, 3, 3, 2]
    # Back from the last page: the same pages, in reverse, to the first (which has no
    # previous page).
    cursor, back = page.prev_cursor, []
    while cursor:
        page = await pagination.page(db.items, {}, cursor, 3, order=order,
                                     backward=True)
        back.append([doc["_id"] for doc in page.items])
        assert page.next_cursor
        cursor = page.prev_cursor
    assert back == pages[-2::-1]


async def test_a_range_on_the_order_field_holds_on_every_page(db, items):
    # The cursor's bounds join the query's own on the same field (the tighter stays): from
    # a cursor inside the range or outside it, ties included, nothing outside is listed.
    since, until = T0 + datetime.timedelta(seconds=1), T0 + datetime.timedelta(seconds=4)
    query = {"created": {"$gte": since, "$lt": until}}
    inside = [i for i in expected(items, NEWEST)
              if since <= next(d for d in items if d["_id"] == i)["created"] < until]
    outside = max(items, key=lambda doc: (doc["created"], doc["_id"]))
    for start in (None, pagination.encode_cursor(outside)):
        listed, cursor = [], start
        while True:
            page = await pagination.page(db.items, query, cursor, 2)
            listed += [doc["_id"] for doc in page.items]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert listed == inside
    late = pagination.encode_cursor({"_id": "id00", "created": until})  # ties at `until`
    page = await pagination.page(db.items, query, late, 2, backward=True)
    assert page.items == []


async def test_a_page_past_either_end_leads_nowhere(db, items):
    last = max(items, key=lambda doc: (doc["created"], doc["_id"]))
    cursor = pagination.encode_cursor(last)
    page = await pagination.page(db.items, {}, cursor, 3, backward=True)
    assert page.items == [] and page.next_cursor is None and page.prev_cursor is None


@pytest.mark.parametrize("cursor", ["%%%", "bm90LWEtY3Vyc29y", "eC5pZA"])
def test_bad_cursor_is_invalid(cursor):
    with pytest.raises(Invalid):
        decode_cursor(cursor, NEWEST)


def test_text_cursor_keeps_dots_in_the_value():
    cursor = pagination.encode_cursor({"_id": "abc", "title": "v1.2.final"}, TITLE)
    assert decode_cursor(cursor, TITLE) == [
        {"title": "v1.2.final", "_id": {"$gt": "abc"}}, {"title": {"$gt": "v1.2.final"}}]
    assert decode_cursor(cursor, TITLE, backward=True)[1] == {"title": {"$lt": "v1.2.final"}}
