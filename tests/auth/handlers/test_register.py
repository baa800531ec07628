"""Registration: the form, username rules, password length edges, XSRF."""

import asyncio
import threading

import bcrypt
import pytest

from tests.client import PASSWORD, text, visible_text


async def test_register_signs_in_and_shows_empty_gallery(client, db):
    response = await client.register("alice")
    assert response.headers["Location"] == "/gallery"
    gallery = await client.get("/gallery")
    assert gallery.code == 200
    assert "alice" in visible_text(gallery)
    assert "Upload your first image" in visible_text(gallery)
    assert "Welcome to Pixvault, alice!" in visible_text(gallery)
    user = await db.users.find_one({"username": "alice"})
    assert user["username_key"] == "alice"
    assert user["password_hash"].startswith("$2b$04$")
    assert PASSWORD not in str(user)


async def test_flash_message_shows_once(client):
    await client.register("alice")
    assert "Welcome" in text(await client.get("/gallery"))
    assert "Welcome" not in text(await client.get("/gallery"))


@pytest.mark.parametrize("second", ["alice", "ALICE", "Alice", "aLiCe"])
async def test_duplicate_username_in_any_case_is_409(make_client, db, second):
    await make_client().register("alice")
    response = await make_client().post("/auth/register", {
        "username": second, "password": PASSWORD, "password_confirm": PASSWORD})
    assert response.code == 409
    assert "That username is taken." in text(response)
    assert await db.users.count_documents({}) == 1


@pytest.mark.parametrize("username", ["ab", "x" * 33, "bad name", "..", "---", "café",
                                      "<script>", "a/b", ""])
async def test_invalid_usernames_are_400(client, db, username):
    response = await client.post("/auth/register", {
        "username": username, "password": PASSWORD, "password_confirm": PASSWORD})
    assert response.code == 400
    assert "3 to 32 characters" in text(response)
    assert "<script>" not in text(response)  # echoed input is escaped
    assert await db.users.count_documents({}) == 0


@pytest.mark.parametrize("username", ["abc", "x" * 32, "a.b-c_d", "Zoe99"])
async def test_valid_username_edges(client, username):
    await client.register(username)


@pytest.mark.parametrize(("password", "ok"), [
    ("x" * 7, False),           # 7 bytes
    ("x" * 8, True),            # 8 bytes
    ("x" * 72, True),           # 72 bytes: bcrypt's limit
    ("x" * 73, False),          # 73 bytes
    ("é" * 36, True),           # 36 characters, 72 bytes
    ("é" * 37, False),          # 37 characters but 74 bytes
    ("😀" * 18, True),          # 72 bytes of emoji
    ("😀" * 19, False),         # 76 bytes
    ("  spaced  ", True),       # spaces are kept, not stripped
])
async def test_password_length_is_counted_in_utf8_bytes(make_client, db, password, ok):
    client = make_client()
    response = await client.post("/auth/register", {
        "username": "alice", "password": password, "password_confirm": password})
    if ok:
        assert response.code == 302
        login = await make_client().login("alice", password)
        assert login.code == 302
    else:
        assert response.code == 400
        assert "Password must be" in text(response)
        assert await db.users.count_documents({}) == 0


async def test_mismatched_confirmation_is_400(client, db):
    response = await client.post("/auth/register", {
        "username": "alice", "password": PASSWORD, "password_confirm": PASSWORD + "x"})
    assert response.code == 400
    assert "do not match" in text(response)
    assert await db.users.count_documents({}) == 0


async def test_register_without_xsrf_is_403(client, db):
    response = await client.post("/auth/register", {
        "username": "alice", "password": PASSWORD, "password_confirm": PASSWORD}, xsrf=False)
    assert response.code == 403
    assert await db.users.count_documents({}) == 0


async def test_signed_in_user_visiting_register_goes_to_gallery(alice):
    response = await alice.get("/auth/register")
    assert response.code == 302
    assert response.headers["Location"] == "/gallery"


async def register_as(client, username: str, password: str = PASSWORD):
    return await client.post("/auth/register", {
        "username": username, "password": password, "password_confirm": password})


async def test_registrations_per_address_are_limited_and_say_when_to_return(
        make_client, app, clock, db):
    app.settings["registrations_per_hour"] = 3
    browser = make_client()
    assert (await register_as(browser, "first")).code == 302
    for _ in range(2):  # taken names and typos count too: each attempt is one
        assert (await register_as(make_client(), "first")).code == 409
    blocked = await register_as(make_client(), "second")
    assert blocked.code == 429
    assert blocked.headers["Retry-After"] == "3600"
    assert "Too many new accounts from your address. Try again in 60 minutes." in text(blocked)
    clock.advance(minutes=40, milliseconds=500)
    blocked = await register_as(make_client(), "second")
    assert blocked.headers["Retry-After"] == "1200"  # 1199.5 s, rounded up
    clock.advance(seconds=int(blocked.headers["Retry-After"]))
    assert (await register_as(make_client(), "second")).code == 302
    assert await db.users.count_documents({}) == 2


async def test_registration_limit_counts_per_client_address(proxied, app):
    app.settings["registrations_per_hour"] = 1
    assert (await register_as(proxied("2001:db8:1:2::10"), "first")).code == 302
    # the same /64, and an IPv4 address as such and written IPv4-mapped: one client each
    assert (await register_as(proxied("2001:db8:1:2:ffff::99"), "second")).code == 429
    assert (await register_as(proxied("198.51.100.7"), "third")).code == 302
    assert (await register_as(proxied("::ffff:198.51.100.7"), "fourth")).code == 429
    # other clients are not held up
    assert (await register_as(proxied("2001:db8:1:3::10"), "fifth")).code == 302
    assert (await register_as(proxied("198.51.100.8"), "sixth")).code == 302


async def test_taken_name_is_refused_before_any_hashing(make_client, bcrypt_calls):
    await make_client().register("alice")
    assert [name for name, _ in bcrypt_calls] == ["hashpw"]
    response = await register_as(make_client(), "ALICE")
    assert response.code == 409
    assert [name for name, _ in bcrypt_calls] == ["hashpw"]


async def test_name_taken_while_hashing_is_still_409(make_client, db, monkeypatch):
    """Two registrations racing for one name both find it free; the unique index decides."""
    hashing, carry_on = threading.Event(), threading.Event()
    real = bcrypt.hashpw

    def slow(password: bytes, salt: bytes) -> bytes:
        hashing.set()
        carry_on.wait(10)
        return real(password, salt)

    monkeypatch.setattr(bcrypt, "hashpw", slow)
    pending = asyncio.ensure_future(register_as(make_client(), "alice"))
    assert await asyncio.to_thread(hashing.wait, 10)
    await db.users.insert_one({"_id": "winner", "username": "Alice", "username_key": "alice"})
    carry_on.set()
    response = await pending
    assert response.code == 409
    assert "That username is taken." in text(response)
    assert await db.users.count_documents({}) == 1
