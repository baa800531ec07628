"""Searching an owner's images: stored terms, the search filter, the gallery's orders, the
indexes that answer them, and images stored before terms existed."""

import pymongo
import pytest
from pymongo.errors import ExecutionTimeout

from app.db import OWNER_LARGEST, OWNER_TERMS, OWNER_TITLE, utcnow
from app.errors import Invalid
from app.images import access, search
from app.images.pagination import decode_cursor, encode_cursor
from tests.client import upload_one
from tests.images.images import jpeg


def test_terms_are_folded_words_of_title_description_and_file_name():
    image = {"title": "Café at NIGHT", "description": "rain, rain; Straße",
             "filename": "IMG_2041.JPG"}
    assert search.image_terms(image) == ["cafe", "at", "night", "rain", "strasse", "img",
                                         "2041", "jpg"]


def test_terms_are_bounded():
    image = {"title": "x" * 500, "description": " ".join(f"w{i}" for i in range(1000)),
             "filename": ""}
    terms = search.image_terms(image)
    assert len(terms) == search.MAX_TERMS
    assert terms[0] == "x" * search.MAX_TERM


@pytest.mark.parametrize("text", ["", "   ", "!!! ---"])
def test_blank_search_filters_nothing(text):
    assert search.terms_filter(text) == {}


def test_search_refuses_too_much():
    with pytest.raises(Invalid):
        search.terms_filter("a b c d e f g")
    with pytest.raises(Invalid):
        search.terms_filter("x" * (search.MAX_QUERY + 1))


def test_regex_characters_are_plain_text():
    # Only letters and digits reach the pattern: "." or "*" cannot widen a search.
    patterns = search.terms_filter("a.* (b)")["terms"]["$all"]
    assert sorted(pattern.pattern for pattern in patterns) == ["^a", "^b"]


@pytest.mark.parametrize(("sort", "visibility"), [("color", ""), ("newest", "friends")])
def test_unknown_sort_or_visibility_is_invalid(sort, visibility):
    with pytest.raises(Invalid):
        search.gallery_listing(access.owned("u1"), "", sort, visibility)


async def plan_of(db, sort: str, text: str = "") -> str:
    query, order, index = search.gallery_listing(access.owned("u1"), text, sort)
    cursor = encode_cursor({"_id": "x", "created": utcnow(), "title": "t.1",
                            "bytes": 10}, order)
    query = {**query, **decode_cursor(cursor, order)}
    plan = await db.images.find(query).sort(order.sort()).hint(index).limit(31).explain()
    return str(plan["queryPlanner"]["winningPlan"])


@pytest.mark.parametrize(("sort", "text", "index"), [
    ("title", "", OWNER_TITLE), ("size", "", OWNER_LARGEST), ("newest", "harb", OWNER_TERMS)])
async def test_each_listing_walks_a_declared_index(db, sort, text, index):
    winning = await plan_of(db, sort, text)
    assert "IXSCAN" in winning
    assert "_".join(f"{field}_{direction}" for field, direction in index) in winning


async def test_edits_keep_terms_current(alice, db):
    image = await upload_one(alice, jpeg(), "DSC_0001.jpg", title="Harbour")
    stored = await db.images.find_one({"_id": image["id"]})
    assert stored["terms"] == ["harbour", "dsc", "0001", "jpg"]
    await alice.post(f"/i/{image['id']}/edit", {"title": "Lighthouse",
                                               "description": "Evening"})
    stored = await db.images.find_one({"_id": image["id"]})
    assert stored["terms"] == ["lighthouse", "evening", "dsc", "0001", "jpg"]
    await alice.post(f"/i/{image['id']}/edit", {"visibility": "public"})
    assert (await db.images.find_one({"_id": image["id"]}))["terms"] == stored["terms"]


async def test_backfill_gives_old_images_terms_once(alice, db):
    old = await upload_one(alice, jpeg(), "beach.jpg", title="Sunny day")
    edited = await upload_one(alice, jpeg(color=(0, 90, 0)), "forest.jpg")
    # Documents as stored before search existed: no `terms` field.
    await db.images.update_many({}, {"$unset": {"terms": ""}})
    assert await db.images.count_documents({"terms": {"$exists": True}}) == 0
    owned = access.owned((await db.users.find_one({"username": "alice"}))["_id"])
    # Listed as before, but not found by a search until backfilled.
    assert len((await search.gallery_page(db, owned)).items) == 2
    assert (await search.gallery_page(db, owned, text="sunny")).items == []
    # An edit made meanwhile writes terms itself; the backfill leaves that image alone.
    await alice.post(f"/i/{edited['id']}/edit", {"title": "Pines"})
    assert await search.backfill_terms(db) == 1
    assert await search.backfill_terms(db) == 0
    stored = await db.images.find_one({"_id": old["id"]})
    assert stored["terms"] == ["sunny", "day", "beach", "jpg"]
    assert (await db.images.find_one({"_id": edited["id"]}))["terms"] == [
        "pines", "forest", "jpg"]
    found = await search.gallery_page(db, owned, text="sunny")
    assert [image["_id"] for image in found.items] == [old["id"]]


async def test_a_search_stopped_at_the_time_limit_asks_for_a_narrower_one(db):
    owned = access.owned("u1")
    # Past its time limit before it is even sent: pymongo answers as the server would.
    with pymongo.timeout(1e-6), pytest.raises(Invalid, match="type more of a word"):
        await search.gallery_page(db, owned, text="harbour")
    with pymongo.timeout(1e-6), pytest.raises(ExecutionTimeout):
        await search.gallery_page(db, owned)  # a plain listing: the database's trouble
