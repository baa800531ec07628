"""API token scopes: which operation each scope may call, walked over every route that takes
tokens; expiry; tokens made with tokens; the ShareX token; the OpenAPI document."""

import datetime
import html
import re

import pytest

from app import migrations
from app.api.handlers.base import ApiHandler
from app.auth.scopes import UNDECLARED, scopes_of
from app.ids import new_token, token_digest
from app.web import BaseHandler
from tests.api.conftest import Api, create_token
from tests.client import json_body, multipart, text, visible_text
from tests.images.images import png

# What the scopes mean, written independently of the handlers' declarations: `upload`
# uploads and reads the account summary, `read` makes every GET, anything else needs `full`.
EXCEPTIONS = {("/api/v1/images", "post"): ("upload",),
              ("/api/v1/me", "get"): ("read", "upload")}


def expected_scopes(pattern: str, method: str) -> tuple[str, ...]:
    return EXCEPTIONS.get((pattern, method), ("read",) if method == "get" else ("full",))


def bearer_operations(app) -> list[tuple[str, type, str]]:
    """(route pattern, handler, method) of every route that takes API tokens."""
    found = []
    for rule in app.wildcard_router.rules:
        handler = rule.target
        if isinstance(handler, type) and issubclass(handler, BaseHandler) \
                and handler.accepts_bearer:
            pattern = rule.matcher.regex.pattern.removesuffix("$")
            methods = (handler.allowed_methods() if issubclass(handler, ApiHandler)
                       else ["get"])
            found += [(pattern, handler, method.lower()) for method in methods]
    return found


def sample_path(pattern: str) -> str:
    """A concrete path the route `pattern` serves: every id made up, the first variant."""
    path = re.sub(r"\(\?:[^)]*\)\?", "", pattern)
    path = re.sub(r"\((\w+)\|[^)]*\)", r"\1", path)
    return re.sub(r"\(\[\^/\]\+\)", "A" * 22, path).replace("\\", "")


def error_message(response) -> str:
    """The error's message: JSON from the API, a page from the image bytes' route."""
    if response.headers["Content-Type"].startswith("application/json"):
        return json_body(response)["error"]["message"]
    return html.unescape(" ".join(visible_text(response).split()))


async def scoped_api(browser, make_client, scope: str) -> Api:
    created = await create_token(browser, f"{scope} token", scope=scope)
    return Api(make_client(), created["token"])


def test_every_method_taking_tokens_declares_the_scopes_its_meaning_needs(app):
    operations = bearer_operations(app)
    assert len(operations) > 20
    for pattern, handler, method in operations:
        declared = getattr(getattr(handler, method), "scopes", None)
        assert declared is not None, f"{method.upper()} {pattern} declares no scope"
        assert declared == expected_scopes(pattern, method), (pattern, method)
    undeclared = type("New", (ApiHandler,), {"get": lambda self: None})
    assert scopes_of(undeclared, "GET") == UNDECLARED == ("full",)  # full tokens only


@pytest.mark.parametrize("scope", ["upload", "read", "full"])
async def test_walking_every_route_a_token_is_refused_what_its_scope_does_not_cover(
        app, alice, make_client, scope):
    api = await scoped_api(alice, make_client, scope)
    walked = 0
    for pattern, _, method in bearer_operations(app):
        if pattern == "/metrics":
            continue  # answers 404 to everyone but admins, whatever the token
        response = await api.call(method.upper(), sample_path(pattern), json_data={}
                                  if method in ("post", "put", "patch") else None)
        message = error_message(response) if response.code >= 400 else ""
        if scope == "full" or scope in expected_scopes(pattern, method):
            assert "scope" not in message, (method, pattern, response.code, message)
        else:
            assert response.code == 403, (method, pattern, response.code)
            assert f"has the scope '{scope}'" in message
            needed = " or ".join(f"'{name}'" for name in
                                 dict.fromkeys((*expected_scopes(pattern, method), "full")))
            assert f"needs a token with the scope {needed}." in message
        walked += 1
    assert walked > 20


async def test_read_token_reads_but_changes_nothing(alice, make_client, db):
    content_type, body = multipart([("a.png", png())], {"visibility": "private"})
    full = Api(make_client(), (await create_token(alice))["token"])
    uploaded = json_body(await full.post("/api/v1/images", body=body,
                                         headers={"Content-Type": content_type}))
    reader = await scoped_api(alice, make_client, "read")
    assert (await reader.get(f"/api/v1/images/{uploaded['id']}")).code == 200
    original = uploaded["urls"]["original"].removeprefix(reader.base_url)
    assert (await reader.get(original)).code == 200
    refused = await reader.delete(f"/api/v1/images/{uploaded['id']}")
    assert refused.code == 403
    assert await db.images.count_documents({"_id": uploaded["id"]}) == 1


async def test_upload_token_uploads_but_cannot_read_or_delete(alice, make_client, db):
    uploader = await scoped_api(alice, make_client, "upload")
    content_type, body = multipart([("a.png", png())], {"visibility": "private"})
    response = await uploader.post("/api/v1/images", body=body,
                                   headers={"Content-Type": content_type})
    assert response.code == 201
    image = json_body(response)
    assert (await uploader.get("/api/v1/me")).code == 200
    for path in (f"/api/v1/images/{image['id']}", "/api/v1/images",
                 image["urls"]["original"].removeprefix(uploader.base_url),
                 image["urls"]["thumb"].removeprefix(uploader.base_url)):
        assert (await uploader.get(path)).code == 403, path
    assert (await uploader.delete(f"/api/v1/images/{image['id']}")).code == 403
    assert await db.images.count_documents({"_id": image["id"]}) == 1


async def test_an_expired_token_is_401_and_a_ttl_index_removes_it(alice, make_client, db,
                                                                   clock):
    created = await create_token(alice, expires_in_days=7)
    stored = await db.api_tokens.find_one({"_id": created["id"]})
    assert stored["expires"] == clock.now + datetime.timedelta(days=7)
    listed = json_body(await alice.get("/api/v1/tokens"))["items"]
    assert listed[0]["expires"] == created["expires"] is not None
    api = Api(make_client(), created["token"])
    assert (await api.get("/api/v1/me")).code == 200
    assert '<td data-label="Name">script</td>' in text(await alice.get("/account"))
    clock.advance(days=7, seconds=-1)
    assert (await api.get("/api/v1/me")).code == 200
    clock.advance(seconds=1)
    expired = await api.get("/api/v1/me")
    assert expired.code == 401
    assert expired.headers["WWW-Authenticate"] == \
        'Bearer realm="pixvault", error="invalid_token"'
    # Until the TTL monitor deletes it, it is no longer listed either.
    assert json_body(await alice.get("/api/v1/tokens"))["items"] == []
    assert '<td data-label="Name">script</td>' not in text(await alice.get("/account"))
    indexes = await db.api_tokens.index_information()
    assert any(index["key"] == [("expires", 1)] and index.get("expireAfterSeconds") == 0
               for index in indexes.values())


@pytest.mark.parametrize("scope", ["upload", "read"])
async def test_only_full_tokens_create_tokens(alice, make_client, db, scope):
    api = await scoped_api(alice, make_client, scope)
    for asked in ("full", scope):
        response = await api.post("/api/v1/tokens", json_data={"name": "more",
                                                                "scope": asked})
        assert response.code == 403
        assert "'full'" in json_body(response)["error"]["message"]
    assert await db.api_tokens.count_documents({}) == 1


async def test_a_token_made_with_a_token_never_outlives_it(alice, make_client, db, clock):
    parent = await create_token(alice, "parent", expires_in_days=30)
    api = Api(make_client(), parent["token"])
    made = {}
    for asked in (None, 90, 365):
        response = await api.post("/api/v1/tokens", json_data={
            "name": f"child {asked}", "expires_in_days": asked})
        assert response.code == 201
        made[asked] = json_body(response)
    stored = {doc["_id"]: doc async for doc in db.api_tokens.find({})}
    parent_expires = stored[parent["id"]]["expires"]
    assert all(stored[child["id"]]["expires"] == parent_expires for child in made.values())
    shorter = json_body(await api.post("/api/v1/tokens", json_data={
        "name": "shorter", "expires_in_days": 7, "scope": "upload"}))
    shorter = await db.api_tokens.find_one({"_id": shorter["id"]})
    assert (shorter["expires"], shorter["scope"]) == (
        clock.now + datetime.timedelta(days=7), "upload")

    # Revoking the parent revokes what it made, and what that made.
    child = Api(make_client(), made[None]["token"])
    grandchild = json_body(await child.post("/api/v1/tokens", json_data={"name": "grand"}))
    xsrf = await alice.xsrf_token()
    revoked = await alice.request("DELETE", f"/api/v1/tokens/{parent['id']}",
                                  headers={"X-XSRFToken": xsrf})
    assert revoked.code == 204
    assert await db.api_tokens.count_documents({}) == 0
    assert (await Api(make_client(), grandchild["token"]).get("/api/v1/me")).code == 401


async def test_token_creation_and_revocation_are_audited(alice, make_client, db):
    created = await create_token(alice, scope="read", expires_in_days=30)
    api = Api(make_client(), created["token"])
    full = Api(make_client(), (await create_token(alice))["token"])
    assert (await full.delete(f"/api/v1/tokens/{created['id']}")).code == 204
    assert (await api.get("/api/v1/me")).code == 401
    # Written in the same frozen millisecond: `_id` keeps their order.
    events = await (db.audit.find({"target": created["id"]})
                    .sort([("at", 1), ("_id", 1)]).to_list())
    user = await db.users.find_one({"username": "alice"})
    assert [(e["action"], e["actor"]) for e in events] == [
        ("token.create", user["_id"]), ("token.revoke", user["_id"])]
    assert events[0]["details"]["scope"] == "read"
    assert events[0]["address"] == "127.0.0.1"


async def test_openapi_lists_the_scopes_of_each_operation(client):
    spec = json_body(await client.get("/api/v1/openapi.json"))
    paths = spec["paths"]
    session = {"session": []}
    assert paths["/images"]["post"]["security"] == [
        {"bearer": ["upload"]}, {"bearer": ["full"]}, session]
    assert paths["/images/{image_id}"]["get"]["security"] == [
        {"bearer": ["read"]}, {"bearer": ["full"]}, session]
    assert paths["/images/{image_id}"]["delete"]["security"] == [{"bearer": ["full"]}, session]
    assert paths["/me"]["get"]["security"] == [
        {"bearer": ["read"]}, {"bearer": ["upload"]}, {"bearer": ["full"]}, session]
    assert "Token scope: `read` or `full`" in paths["/albums"]["get"]["description"]
    assert paths["/openapi.json"]["get"]["security"] == []
    token = spec["components"]["schemas"]["Token"]["properties"]
    assert token["scope"]["enum"] == ["upload", "read", "full"]
    assert "expires" in token


async def test_a_token_made_before_scopes_is_full_once_migrated(alice, make_client, db, clock):
    user = await db.users.find_one({"username": "alice"})
    secret = new_token()
    await db.api_tokens.insert_one({"_id": token_digest(secret), "user_id": user["_id"],
                                    "name": "old script", "created": clock.now,
                                    "last_used": None, "purpose": None})
    await migrations.migrate(db, now=clock.now)
    api = Api(make_client(), secret)
    album = json_body(await api.post("/api/v1/albums", json_data={"title": "Old"}))
    assert (await api.delete(f"/api/v1/albums/{album['id']}")).code == 204
    assert json_body(await api.get("/api/v1/tokens"))["items"][0]["scope"] == "full"
