"""Fixtures for the JSON API: tokens made through the API itself, and a cookie-less client
that calls it the way a script does."""

import json

import pytest

from tests.client import Client, json_body


async def create_token(browser: Client, name: str = "script", **fields) -> dict:
    """Create a token from a signed-in browser (session + X-XSRFToken), as the site would;
    `fields` may give its `scope` and `expires_in_days`."""
    response = await browser.request(
        "POST", "/api/v1/tokens", body=json.dumps({"name": name, **fields}),
        headers={"Content-Type": "application/json", "X-XSRFToken": await browser.xsrf_token()})
    assert response.code == 201, response.body
    return json_body(response)


class Api:
    """A script with a bearer token and no cookies."""

    def __init__(self, client: Client, token: str):
        self.client = client
        self.token = token
        self.base_url = client.base_url

    async def call(self, method: str, path: str, *, json_data=None, body: bytes | None = None,
                   headers: dict | None = None):
        headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if json_data is not None:
            body = json.dumps(json_data).encode()
            headers.setdefault("Content-Type", "application/json")
        return await self.client.request(method, path, body=body, headers=headers)

    async def get(self, path: str, **kwargs):
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs):
        return await self.call("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs):
        return await self.call("PATCH", path, **kwargs)

    async def put(self, path: str, **kwargs):
        return await self.call("PUT", path, **kwargs)

    async def delete(self, path: str, **kwargs):
        return await self.call("DELETE", path, **kwargs)


async def api_for(browser: Client, make_client) -> Api:
    """An `Api` acting for the user signed in on `browser`."""
    return Api(make_client(), (await create_token(browser))["token"])


@pytest.fixture
async def api(alice, make_client) -> Api:
    """Alice's script."""
    return await api_for(alice, make_client)


@pytest.fixture
async def bob(make_client) -> Client:
    browser = make_client()
    await browser.register("bob")
    return browser


@pytest.fixture
async def bob_api(bob, make_client) -> Api:
    return await api_for(bob, make_client)
