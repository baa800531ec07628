"""Fuzzing page cursors: any string is a valid position or a 400, and a cursor the server
made leads exactly after the item it was made from."""

import base64
import datetime
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.errors import Invalid
from app.images.pagination import decode_cursor, encode_cursor
from tests.client import json_body, upload_one
from tests.fuzzing import APP, PURE, numbers, ok_status
from tests.images.images import jpeg


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


_MILLIS = st.one_of(numbers(), st.integers().map(str), st.sampled_from(["-", "+1", " 1", "1e3",
                                                                      "nan", "١٢"]))
CURSORS = st.one_of(
    st.text(),
    st.binary().map(lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("=")),
    st.builds("{}.{}".format, _MILLIS, st.text()).map(b64),
)
MOMENTS = st.datetimes(min_value=datetime.datetime(1900, 1, 1),
                       max_value=datetime.datetime(3000, 1, 1),
                       timezones=st.just(datetime.UTC))


@PURE
@given(cursor=CURSORS)
def test_any_cursor_is_a_query_or_invalid(cursor):
    try:
        query = decode_cursor(cursor)
    except Invalid:
        return
    same, older = query
    assert isinstance(older["created"]["$lt"], datetime.datetime)
    assert same["created"] == older["created"]["$lt"]
    assert isinstance(same["_id"]["$lt"], str)


# Through float seconds this millisecond became the one before (so did ~20% of 2038's).
SLIPPERY = datetime.datetime(2038, 6, 1, 12, 0, 0, 2000, tzinfo=datetime.UTC)


@PURE
@given(created=MOMENTS, item_id=st.text())
@example(created=SLIPPERY, item_id="x")
def test_a_cursor_continues_right_after_its_item(created, item_id):
    created = created.replace(microsecond=created.microsecond // 1000 * 1000)  # as stored
    query = decode_cursor(encode_cursor({"created": created, "_id": item_id}))
    assert query[0] == {"created": created, "_id": {"$lt": item_id}}


async def test_paging_one_by_one_misses_no_image_a_millisecond_apart(alice, db):
    first, second = sorted([await upload_one(alice, jpeg((10, 20, 30))),
                            await upload_one(alice, jpeg((40, 50, 60)))], key=lambda i: i["id"])
    # Newest first: `first` (the smaller id) is page 1; `second`, a millisecond older but
    # with the larger id, is only reached through the cursor's exact millisecond.
    await db.images.update_one({"_id": first["id"]}, {"$set": {"created": SLIPPERY}})
    await db.images.update_one({"_id": second["id"]},
                               {"$set": {"created": SLIPPERY - datetime.timedelta(
                                   milliseconds=1)}})
    seen, cursor = [], ""
    for _ in range(3):
        page = json_body(await alice.get(f"/api/v1/images?limit=1&cursor={cursor}"))
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [first["id"], second["id"]]


@pytest.fixture
async def publisher(alice):
    """Alice, with a public image in every listing."""
    await upload_one(alice, jpeg(), visibility="public")
    return alice


@APP
@given(cursor=CURSORS)
async def test_listings_answer_a_page_or_400_for_any_cursor(publisher, cursor):
    for path in ("/gallery?before=", "/?before=", "/u/alice?before=",
                 "/api/v1/images?cursor="):
        response = await publisher.get(path + quote(cursor, safe=""))
        ok_status(response)
        assert response.code in (200, 400), (path, response.code)
