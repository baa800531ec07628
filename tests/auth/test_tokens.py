"""API tokens: shown once, stored hashed, revocable; bearer auth and its XSRF rules."""

import datetime
import hashlib
import json
import subprocess
import sys
import uuid

import pytest
from pymongo import MongoClient

from tests.api.conftest import Api, create_token
from tests.client import json_body
from tests.test_manage import ROOT


async def test_token_is_shown_once_and_only_its_hash_is_stored(alice, db):
    created = await create_token(alice, "laptop")
    secret = created["token"]
    assert len(secret) >= 43
    assert created["id"] == hashlib.sha256(secret.encode()).hexdigest()
    assert (created["name"], created["last_used"]) == ("laptop", None)
    stored = await db.api_tokens.find_one({})
    assert stored["_id"] == created["id"]
    assert secret not in json.dumps(stored, default=str)
    listed = json_body(await alice.get("/api/v1/tokens"))["items"]
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0]
    assert secret not in (await alice.get("/account")).body.decode()


async def test_bearer_token_authenticates_and_records_last_use(alice, make_client, db, clock):
    secret = (await create_token(alice))["token"]
    api = Api(make_client(), secret)
    me = await api.get("/api/v1/me")
    assert me.code == 200
    assert json_body(me)["username"] == "alice"
    first_use = (await db.api_tokens.find_one({}))["last_used"]
    assert first_use == clock.now
    clock.advance(seconds=30)
    await api.get("/api/v1/me")
    assert (await db.api_tokens.find_one({}))["last_used"] == first_use  # once a minute
    clock.advance(seconds=31)
    await api.get("/api/v1/me")
    assert (await db.api_tokens.find_one({}))["last_used"] == clock.now


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic YTpi",
                                    "Bearer " + "x" * 300])
async def test_bad_token_is_401_even_with_a_session_cookie(alice, header):
    response = await alice.get("/api/v1/me", headers={"Authorization": header})
    assert response.code == 401
    assert json_body(response)["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == \
        'Bearer realm="pixvault", error="invalid_token"'


async def test_no_credentials_is_401_with_challenge(client):
    response = await client.get("/api/v1/me")
    assert response.code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="pixvault"'


async def test_revoked_token_is_401(alice, make_client):
    created = await create_token(alice)
    api = Api(make_client(), created["token"])
    assert (await api.delete(f"/api/v1/tokens/{created['id']}")).code == 204
    assert (await api.get("/api/v1/me")).code == 401


async def test_cannot_revoke_someone_elses_token(alice, make_client):
    bob = make_client()
    await bob.register("bob")
    bob_token = await create_token(bob)
    alice_api = Api(make_client(), (await create_token(alice))["token"])
    assert (await alice_api.delete(f"/api/v1/tokens/{bob_token['id']}")).code == 404
    assert (await Api(make_client(), bob_token["token"]).get("/api/v1/me")).code == 200


async def test_bearer_writes_need_no_xsrf(alice, make_client):
    api = Api(make_client(), (await create_token(alice))["token"])
    response = await api.post("/api/v1/albums", json_data={"title": "No XSRF needed"})
    assert response.code == 201


async def test_cookie_writes_need_the_xsrf_header(alice):
    body = json.dumps({"title": "Holiday"})
    headers = {"Content-Type": "application/json"}
    refused = await alice.request("POST", "/api/v1/albums", body=body, headers=headers)
    assert refused.code == 403
    assert "_xsrf" in json_body(refused)["error"]["message"]
    headers["X-XSRFToken"] = await alice.xsrf_token()
    assert (await alice.request("POST", "/api/v1/albums", body=body,
                                headers=headers)).code == 201


@pytest.mark.parametrize(("payload", "words"), [
    ({}, "'name' is required"), ({"name": "   "}, "must not be blank"),
    ({"name": "x" * 101}, "at most 100"), ({"name": "a", "scopes": "all"}, "Unknown field"),
    ({"name": "a", "scope": "all"}, "scope"),
    ({"name": "a", "expires_in_days": 10}, "expires_in_days")])
async def test_token_name_is_validated(alice, payload, words):
    response = await alice.request(
        "POST", "/api/v1/tokens", body=json.dumps(payload),
        headers={"Content-Type": "application/json", "X-XSRFToken": await alice.xsrf_token()})
    assert response.code == 400
    assert words in json_body(response)["error"]["message"]


async def test_disabled_user_token_is_401(alice, make_client, db):
    api = Api(make_client(), (await create_token(alice))["token"])
    await db.users.update_one({"username": "alice"}, {"$set": {"disabled": True}})
    assert (await api.get("/api/v1/me")).code == 401


def test_manage_createtoken_prints_a_working_token(mongodb_uri):
    name = f"cli_{uuid.uuid4().hex[:12]}"
    args = ["--mongodb-uri", mongodb_uri, "--database", name, "--bcrypt-rounds", "4"]

    def manage(*extra, stdin=""):
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *extra, *args],
                              input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT)

    client = MongoClient(mongodb_uri)
    try:
        assert manage("createuser", "carol", "--password-stdin",
                      stdin="a long password\n").returncode == 0
        result = manage("createtoken", "Carol", "deploy")
        assert result.returncode == 0, result.stderr
        secret = result.stdout.strip()
        stored = client[name].api_tokens.find_one({})
        assert stored["_id"] == hashlib.sha256(secret.encode()).hexdigest()
        assert (stored["name"], stored["scope"], stored["expires"]) == ("deploy", "full", None)
        result = manage("createtoken", "carol", "uploads", "--scope", "upload",
                        "--expires-days", "30")
        assert result.returncode == 0, result.stderr
        stored = client[name].api_tokens.find_one({"name": "uploads"})
        assert stored["scope"] == "upload"
        assert stored["expires"] - stored["created"] == datetime.timedelta(days=30)
        missing = manage("createtoken", "nobody", "deploy")
        assert missing.returncode == 1
        assert "no user named 'nobody'" in missing.stderr
    finally:
        client.drop_database(name)
        client.close()
