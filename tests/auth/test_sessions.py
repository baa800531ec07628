"""Server-side sessions: what the cookie carries, tampering, replay, expiry."""

import datetime
import hashlib
import re

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from app.web import SESSION_COOKIE
from tests.client import PASSWORD, Client, text


def signed(value: str, secret: str = "test-cookie-secret", version: int = 2) -> str:
    return tornado.web.create_signed_value(secret, SESSION_COOKIE, value,
                                           version=version).decode()


async def signed_in(client) -> bool:
    return (await client.get("/gallery")).code == 200


async def test_cookie_carries_only_a_token_whose_hash_is_stored(alice, db):
    session = await db.sessions.find_one({})
    raw = tornado.web.decode_signed_value("test-cookie-secret", SESSION_COOKIE,
                                          alice.cookies[SESSION_COOKIE]).decode()
    assert len(raw) >= 43  # 256 bits, URL-safe base64
    assert session["_id"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(session)
    assert session["expires"] > session["created"]


async def test_session_cookie_flags(client):
    response = await client.register("alice")
    header = next(h for h in response.headers.get_list("Set-Cookie")
                  if h.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # plain HTTP in tests; HTTPS adds it


async def test_secure_flag_over_https_behind_proxy(app):
    # Behind a TLS-terminating proxy (xheaders on), the cookie must be Secure.
    sock, port = bind_unused_port()
    server = HTTPServer(app, xheaders=True)
    server.add_sockets([sock])
    browser = Client(f"http://127.0.0.1:{port}")
    try:
        response = await browser.post("/auth/register", {
            "username": "alice", "password": PASSWORD, "password_confirm": PASSWORD},
            headers={"X-Forwarded-Proto": "https"})
        header = next(h for h in response.headers.get_list("Set-Cookie")
                      if h.startswith(SESSION_COOKIE + "="))
        assert "Secure" in header
    finally:
        browser.close()
        server.stop()


async def test_tampered_cookie_is_anonymous(alice):
    value = alice.cookies[SESSION_COOKIE]
    alice.cookies[SESSION_COOKIE] = value[:-2] + ("00" if not value.endswith("00") else "11")
    assert not await signed_in(alice)


async def test_cookie_signed_with_another_secret_is_anonymous(alice):
    token = tornado.web.decode_signed_value("test-cookie-secret", SESSION_COOKIE,
                                            alice.cookies[SESSION_COOKIE]).decode()
    alice.cookies[SESSION_COOKIE] = signed(token, secret="another secret")
    assert not await signed_in(alice)


async def test_version_1_signed_cookie_is_refused(alice):
    token = tornado.web.decode_signed_value("test-cookie-secret", SESSION_COOKIE,
                                            alice.cookies[SESSION_COOKIE]).decode()
    alice.cookies[SESSION_COOKIE] = signed(token, version=1)
    assert not await signed_in(alice)


async def test_validly_signed_unknown_token_is_anonymous(alice):
    alice.cookies[SESSION_COOKIE] = signed("made-up-token")
    assert not await signed_in(alice)


async def test_replayed_cookie_after_logout_is_anonymous(alice, make_client, db):
    stolen = alice.cookies[SESSION_COOKIE]
    await alice.logout()
    assert await db.sessions.count_documents({}) == 0
    attacker = make_client()
    attacker.cookies[SESSION_COOKIE] = stolen
    assert not await signed_in(attacker)


async def test_session_ends_after_its_lifetime_however_active(alice, clock):
    for _ in range(4):
        clock.advance(days=7)
        assert await signed_in(alice)
    clock.advance(days=1, hours=23)  # 29 days 23 hours after signing in
    assert await signed_in(alice)
    clock.advance(hours=2)
    assert not await signed_in(alice)


async def test_session_unused_too_long_ends(client, app, clock, db):
    app.settings["session_days"] = 90  # far away: only the idle timeout can end it
    await client.register("alice")
    clock.advance(days=13, hours=23)
    assert await signed_in(client)  # and that counts as use
    clock.advance(days=13, hours=23)
    assert await signed_in(client)
    clock.advance(days=14, minutes=1)
    assert not await signed_in(client)
    # the database may forget it: its expiry followed the last use
    assert (await db.sessions.find_one({}))["expires"] < clock.now


async def test_changed_lifetimes_apply_to_existing_sessions(alice, app, clock):
    clock.advance(hours=30)
    assert await signed_in(alice)
    app.settings["session_idle_days"] = 1
    clock.advance(hours=25)
    assert not await signed_in(alice)
    fresh = await signed_in_again(alice)
    app.settings["session_days"] = 2
    clock.advance(hours=20)
    assert await signed_in(fresh)
    clock.advance(hours=20)
    assert await signed_in(fresh)
    clock.advance(hours=9)  # 49 hours after signing in, 9 since the last request
    assert not await signed_in(fresh)


async def signed_in_again(browser):
    assert (await browser.login("alice")).code == 302
    return browser


async def test_disabled_user_is_signed_out(alice, db):
    await db.users.update_one({"username": "alice"}, {"$set": {"disabled": True}})
    assert not await signed_in(alice)


async def test_last_seen_is_refreshed_at_most_once_a_minute(alice, db, clock):
    created = (await db.sessions.find_one({}))["last_seen"]
    clock.advance(seconds=30)
    await alice.get("/gallery")
    assert (await db.sessions.find_one({}))["last_seen"] == created
    clock.advance(seconds=60)
    await alice.get("/gallery")
    assert (await db.sessions.find_one({}))["last_seen"] == clock.now


async def test_session_stored_before_addresses_and_devices_still_works(alice, db, clock):
    """A session document of the shape written before the idle timeout, the address and the
    device existed signs in, and the account page lists it as unknown."""
    token = "an-old-session-token-of-43-characters-xxxxx"
    user = await db.users.find_one({"username": "alice"})
    await db.sessions.insert_one({
        "_id": hashlib.sha256(token.encode()).hexdigest(), "user_id": user["_id"],
        "created": clock.now, "last_seen": clock.now,
        "expires": clock.now + datetime.timedelta(days=30), "user_agent": "OldBrowser/2.0"})
    alice.cookies[SESSION_COOKIE] = signed(token)
    page = await alice.get("/account")
    assert page.code == 200
    row = next(row for row in re.findall(r"<tr>.*?</tr>", text(page), re.S) if "this one" in row)
    assert "Unknown device" in row
    assert 'title="OldBrowser/2.0"' in row
    assert '<td data-label="Network">unknown</td>' in row
