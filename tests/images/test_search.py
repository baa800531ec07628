"""Searching an owner's images: stored terms, the search filter, the gallery's orders, the
indexes that answer them, and images stored before terms existed."""

import pymongo
import pytest
from pymongo.errors import ExecutionTimeout

from app.db import OWNER_LARGEST, OWNER_TERMS, OWNER_TITLE, utcnow
from app.errors import Invalid
from app.images import access, search
from app.images.pagination import encode_cursor, following
from tests.images.test_query_indexes import answers, equality_fields


@pytest.mark.parametrize("text", ["", "   ", "!!! ---"])
def test_blank_search_filters_nothing(text):
    assert search.terms_filter(text) == {}


def test_search_refuses_too_much():
    with pytest.raises(Invalid):
        search.terms_filter("a b c d e f g")
    with pytest.raises(Invalid):
        search.terms_filter("x" * (search.MAX_QUERY + 1))


def test_regex_characters_are_plain_text():
    # Only letters and digits reach the filter: "." or "*" cannot widen a search.
    assert search.terms_filter("a.* (b)")["terms"]["$all"] == ["a", "b"]
    long_word = search.terms_filter("photographically")["terms"]["$all"]
    assert long_word[0] == "photograph"
    assert long_word[1].pattern == "^photographically"


@pytest.mark.parametrize(("sort", "visibility"), [("color", ""), ("newest", "friends")])
def test_unknown_sort_or_visibility_is_invalid(sort, visibility):
    with pytest.raises(Invalid):
        search.gallery_listing(access.owned("u1"), search.Search(sort=sort,
                                                                 visibility=visibility))


@pytest.mark.parametrize(("sort", "text", "index"), [
    ("title", "", OWNER_TITLE), ("size", "", OWNER_LARGEST), ("newest", "harb", OWNER_TERMS)])
def test_each_query_of_a_next_page_has_a_declared_index(sort, text, index):
    query, order = search.gallery_listing(access.owned("u1"), search.Search(q=text, sort=sort))
    cursor = encode_cursor({"_id": "x", "created": utcnow(), "title": "t.1",
                            "bytes": 10}, order)
    for part in following(query, cursor, order):
        assert answers(tuple(index), equality_fields(part), tuple(order.sort()))


async def test_a_search_stopped_at_the_time_limit_asks_for_a_narrower_one(db):
    owned = access.owned("u1")
    # Past its time limit before it is even sent: pymongo answers as the server would.
    with pymongo.timeout(1e-6), pytest.raises(Invalid, match="type more of a word"):
        await search.gallery_page(db, owned, search.Search(q="harbour"))
    with pymongo.timeout(1e-6), pytest.raises(ExecutionTimeout):
        await search.gallery_page(db, owned)  # a plain listing: the database's trouble
