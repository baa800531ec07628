"""Signing in and out: generic failures, safe `next`, session rotation."""

import asyncio
import threading

import bcrypt
import pytest

from app.pools import BoundedExecutor
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


def bcrypt_work(calls: list[tuple[str, int]]) -> int:
    """bcrypt's work in the checks made: a check at cost c runs 2**c key expansions."""
    return sum(2**cost for name, cost in calls if name == "checkpw")


@pytest.mark.parametrize("current", [4, 6])  # alice's hash has cost 4
async def test_sign_in_work_is_the_same_for_every_outcome(registered, make_client, app,
                                                          bcrypt_calls, current):
    """Unknown name, wrong password and right password: the same bcrypt work, one check at
    the current cost, also for an account whose hash is older and cheaper."""
    app.settings["bcrypt_rounds"] = current
    work = {}
    for case, username, password in [("unknown", "nobody", PASSWORD),
                                      ("wrong", "alice", "wrong password"),
                                      ("right", "alice", PASSWORD)]:
        bcrypt_calls.clear()
        response = await make_client().login(username, password)
        assert response.code == (302 if case == "right" else 400)
        work[case] = bcrypt_work(bcrypt_calls)
    assert work == {"unknown": 2**current, "wrong": 2**current, "right": 2**current}


async def test_hash_of_another_cost_is_upgraded_after_the_answer(registered, client, app,
                                                                 make_client, db,
                                                                 monkeypatch):
    """The upgrade is one more hash; the answer does not wait for it, so a right password
    on an old hash takes no longer than any other sign-in."""
    app.settings["bcrypt_rounds"] = 5
    hashing, carry_on, hashed = threading.Event(), threading.Event(), threading.Event()
    real = bcrypt.hashpw

    def held(password: bytes, salt: bytes) -> bytes:
        if password != PASSWORD.encode():  # a dummy hash for padding
            return real(password, salt)
        hashing.set()
        carry_on.wait(5)
        hashed.set()
        return real(password, salt)

    monkeypatch.setattr(bcrypt, "hashpw", held)
    assert (await client.login("alice")).code == 302
    assert not hashed.is_set(), "the answer waited for the new hash"
    assert await asyncio.to_thread(hashing.wait, 10)
    carry_on.set()
    for _ in range(200):  # the upgrade finishes after the answer: wait for it, bounded
        user = await db.users.find_one({"username": "alice"})
        if user["password_hash"].startswith("$2b$05$"):
            break
        await asyncio.sleep(0.05)
    assert user["password_hash"].startswith("$2b$05$")
    assert (await make_client().login("alice")).code == 302  # and the new hash works


async def test_sign_ins_beyond_the_hashing_queue_are_refused_at_once(registered, make_client,
                                                                     app):
    """A flood of password checks fills the line; the next sign-in or registration is told
    to come back instead of waiting behind the flood."""
    app.password_executor.shutdown()
    app.password_executor = BoundedExecutor(1, 0, "test-bcrypt")
    release = threading.Event()
    app.password_executor.submit(release.wait, 10)  # the one thread is busy
    try:
        refused = [await make_client().login("alice"),
                   await make_client().post("/auth/register", {
                       "username": "bob", "password": PASSWORD,
                       "password_confirm": PASSWORD})]
    finally:
        release.set()
    for response in refused:
        assert response.code == 503
        assert int(response.headers["Retry-After"]) >= 1
        assert "Too many requests at once. Try again in" in text(response)
    assert (await make_client().login("alice")).code == 302
