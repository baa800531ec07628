"""Signing in and out: generic failures, safe `next`, session rotation."""

import pytest

from tests.client import PASSWORD, text


@pytest.fixture
async def registered(make_client):
    await make_client().register("alice")


async def test_login_and_logout(registered, client):
    response = await client.login("alice")
    assert response.code == 302
    assert response.headers["Location"] == "/gallery"
    assert (await client.get("/gallery")).code == 200
    response = await client.logout()
    assert response.code == 302
    assert response.headers["Location"] == "/"
    gallery = await client.get("/gallery")
    assert gallery.code == 302
    assert gallery.headers["Location"].startswith("/auth/login?next=%2Fgallery")


async def test_login_is_case_insensitive(registered, client):
    assert (await client.login("ALICE")).code == 302


@pytest.mark.parametrize(("username", "password"), [
    ("alice", "wrong password"),
    ("nobody", PASSWORD),
    ("alice", "x" * 73),            # over bcrypt's limit: a normal failure, never a 500
    ("alice", "é" * 40),
    ("x" * 500, PASSWORD),
    ("", ""),
])
async def test_failed_login_has_one_generic_message(registered, client, username, password):
    response = await client.login(username, password)
    assert response.code == 400
    assert "Invalid username or password." in text(response)
    assert "session" not in client.cookies


async def test_login_without_xsrf_is_403(registered, client):
    response = await client.post("/auth/login", {"username": "alice", "password": PASSWORD},
                                 xsrf=False)
    assert response.code == 403
    assert "session" not in client.cookies


@pytest.mark.parametrize("target", ["/i/abc?x=1", "/u/alice", "/gallery?before=xyz"])
async def test_same_origin_next_is_honoured(registered, client, target):
    response = await client.login("alice", next=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", [
    "//evil.com", "/\\evil.com", "/%5Cevil.com", "/%5cevil.com", "%2F%2Fevil.com",
    "/%2F/evil.com", "https://evil.com", "http:evil.com", "javascript:alert(1)",
    "evil.com", "\\\\evil.com", " //evil.com",
])
async def test_unsafe_next_falls_back_to_gallery(registered, client, target):
    response = await client.login("alice", next=target)
    assert response.code == 302
    assert response.headers["Location"] == "/gallery"


async def test_login_page_drops_unsafe_next_from_form(client):
    page = text(await client.get("/auth/login?next=//evil.com"))
    assert "evil.com" not in page
    page = text(await client.get("/auth/login?next=/u/bob"))
    assert 'value="/u/bob"' in page


async def test_login_issues_a_new_session_and_ends_the_old(registered, client, db):
    await client.login("alice")
    first = client.cookies["session"]
    await client.login("alice")
    assert client.cookies["session"] != first
    assert await db.sessions.count_documents({}) == 1 + 1  # the registering browser's too


async def test_logout_without_xsrf_is_403_and_keeps_session(registered, client):
    await client.login("alice")
    assert (await client.post("/auth/logout", xsrf=False)).code == 403
    assert (await client.get("/gallery")).code == 200


async def test_repeated_failures_are_rate_limited(registered, client, clock):
    for _ in range(10):
        assert (await client.login("alice", "wrong password")).code == 400
    blocked = await client.login("alice")  # even the right password waits now
    assert blocked.code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in text(blocked)
    assert blocked.headers["Retry-After"] == "900"
    assert "session" not in client.cookies
    clock.advance(minutes=16)
    assert (await client.login("alice")).code == 302


async def test_success_clears_the_failure_count(registered, client):
    for _ in range(9):
        await client.login("alice", "wrong password")
    assert (await client.login("alice")).code == 302
    for _ in range(9):
        assert (await client.login("alice", "wrong password")).code == 400
    assert (await client.login("alice")).code == 302


async def test_one_address_cannot_guess_across_many_accounts(registered, client,
                                                             monkeypatch):
    from app.auth import throttle
    monkeypatch.setattr(throttle, "PER_ADDRESS", 5)
    for i in range(5):
        await client.login(f"user{i}", "guess")
    assert (await client.login("alice")).code == 429


async def test_sign_in_upgrades_a_hash_of_another_cost(registered, client, app, db):
    app.settings["bcrypt_rounds"] = 5
    assert (await client.login("alice")).code == 302
    user = await db.users.find_one({"username": "alice"})
    assert user["password_hash"].startswith("$2b$05$")
    assert (await client.login("alice")).code == 302  # and the new hash works
