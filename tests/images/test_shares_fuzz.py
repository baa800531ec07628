"""Fuzzing share tokens: no string but a live link's token opens anything, directly through
`live_share` or as `/s/<token>` over APP, and none makes the server fail."""

import json
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import NotFound
from app.images.shares import live_share
from tests.client import json_body, upload_one
from tests.fuzzing import APP, ok_status
from tests.images.images import jpeg

TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
TOKENS = st.one_of(st.text(), st.text(TOKEN_CHARS, min_size=40, max_size=46),
                   st.text(TOKEN_CHARS + "/.%?#=", max_size=120))
# What a visitor can do to a real link: change a character, cut it, extend it, add a path.
EDITS = st.one_of(
    st.tuples(st.integers(0, 42), st.sampled_from(TOKEN_CHARS)).map(
        lambda edit: lambda token: token[: edit[0]] + edit[1] + token[edit[0] + 1 :]),
    st.integers(0, 42).map(lambda cut: lambda token: token[:cut]),
    TOKENS.map(lambda tail: lambda token: token + tail),
)
SUFFIXES = st.sampled_from(["", "/full", "/large", "/thumb", "/original", "/i/x/full", "/i/"])


@APP
@given(token=TOKENS)
async def test_live_share_knows_no_made_up_token(db, clock, token):
    with pytest.raises(NotFound):
        await live_share(db, token, clock())


@pytest.fixture
async def link(alice) -> str:
    """The token of a live link to one of alice's private images."""
    image = await upload_one(alice, jpeg())
    response = await alice.request(
        "POST", f"/api/v1/images/{image['id']}/shares", body=json.dumps({}),
        headers={"Content-Type": "application/json", "X-XSRFToken": await alice.xsrf_token()})
    assert response.code == 201, response.body
    return urlsplit(json_body(response)["url"]).path.rsplit("/", 1)[1]


@APP
@given(token=TOKENS, edit=EDITS, suffix=SUFFIXES)
async def test_only_the_exact_token_opens_the_link(client, link, token, edit, suffix):
    assert (await client.get(f"/s/{link}")).code == 200
    for candidate in (token, edit(link)):
        response = await client.get(f"/s/{quote(candidate, safe='')}{suffix}")
        ok_status(response)
        expected = 200 if candidate == link and suffix in ("", "/full", "/large", "/thumb") \
            else 404
        assert response.code == expected, (candidate, suffix, response.code)
