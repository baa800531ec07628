"""Fuzzing the id and token helpers: the id check accepts exactly the shape `new_id` makes,
any string has a stored digest, and no string in an id's place in a URL fails the server."""

import re
import string
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from app.ids import is_id, new_id, new_token, token_digest
from tests.fuzzing import APP, PURE, ok_status

ALPHABET = string.ascii_letters + string.digits + "_-"
NEAR_IDS = st.text(ALPHABET + "=/+.\n\x00é", min_size=20, max_size=24)


@PURE
@given(value=st.text() | NEAR_IDS)
def test_is_id_accepts_exactly_22_url_safe_characters(value):
    assert is_id(value) == (len(value) == 22 and all(ch in ALPHABET for ch in value))


@PURE
@given(value=st.text())
def test_any_token_has_a_hex_digest(value):
    assert re.fullmatch("[0-9a-f]{64}", token_digest(value))


def test_new_ids_and_tokens_have_their_documented_shape():
    assert all(is_id(new_id()) for _ in range(200))
    assert all(re.fullmatch(f"[{re.escape(ALPHABET)}]{{43}}", new_token()) for _ in range(200))


@APP
@given(value=st.text() | NEAR_IDS,
       where=st.sampled_from(["/i/{}", "/i/{}/full", "/i/{}/original.jpg", "/a/{}",
                              "/api/v1/images/{}", "/api/v1/albums/{}/images"]))
async def test_any_id_in_a_url_is_a_404_not_a_failure(alice, value, where):
    response = await alice.get(where.format(quote(value, safe="")))
    ok_status(response)
    assert response.code == 404, response.code
