"""Registration modes, invitation links and password reset links, as visitors see them."""

import asyncio
import re

import pyotp
import pytest
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from app.application import make_app
from app.auth import throttle
from tests.admin.test_handlers import make_admin
from tests.api.conftest import create_token
from tests.client import PASSWORD, Client, text, visible_text

NEW_PASSWORD = "a brand new password"


def link_in(response) -> str:
    """The path of the single-use link a page shows (in its copy field)."""
    return re.search(r'value="https?://[^/]+(/auth/(?:invite|reset)/[A-Za-z0-9_-]+)"',
                     text(response)).group(1)


def words(response) -> str:
    """The page's visible text with every run of white space made one space."""
    return " ".join(visible_text(response).split())


def form(username: str, password: str = PASSWORD) -> dict:
    return {"username": username, "password": password, "password_confirm": password}


async def set_mode(admin: Client, mode: str) -> None:
    response = await admin.post("/admin/registration", {"mode": mode})
    assert response.code == 302, text(response)


async def shown_once(admin: Client, response) -> str:
    """The link the page after `response` (a 303 from the POST making it) shows, checking
    that it is shown there only once."""
    assert response.code == 303, text(response)
    page = await admin.get(response.headers["Location"])
    assert page.code == 200
    assert "no-store" in page.headers["Cache-Control"]
    again = await admin.get(response.headers["Location"])
    assert not re.search(r"/auth/(invite|reset)/", text(again))  # a reload shows it no more
    return link_in(page)


async def invite(admin: Client, days: str = "7") -> str:
    return await shown_once(admin, await admin.post("/admin/invites",
                                                    {"days": days, "note": "for Sam"}))


@pytest.fixture
async def root(make_client, db):
    return await make_admin(make_client, db)


async def test_closed_registration_is_403_with_a_clear_page(root, client, db):
    await set_mode(root, "closed")
    page = await client.get("/auth/register")
    assert page.code == 403
    assert "Registration is closed on this site." in visible_text(page)
    refused = await client.post("/auth/register", form("sam"))
    assert refused.code == 403
    assert await db.users.count_documents({"username": "sam"}) == 0


async def test_option_sets_the_default_and_the_admin_choice_wins(app, root, client, db):
    app.settings["registration"] = "invite"
    page = await client.get("/auth/register")
    assert page.code == 403
    assert "by invitation only" in visible_text(page)
    home = await client.get("/")
    assert "/auth/register" not in home.body.decode().split("<main", 1)[1]
    assert "New accounts are by invitation" in visible_text(home)
    await set_mode(root, "open")
    assert (await client.post("/auth/register", form("sam"))).code == 302
    assert await db.site_settings.find_one({"_id": "registration"}) is not None


async def test_invite_mode_needs_an_invitation_and_one_registers_once(root, make_client, db):
    await set_mode(root, "invite")
    assert (await make_client().post("/auth/register", form("nobody"))).code == 403
    path = await invite(root)
    guest = make_client()
    page = await guest.get(path)
    assert page.code == 200
    assert "You have been invited" in visible_text(page)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page.headers["Cache-Control"]
    created = await guest.post(path, form("sam"))
    assert created.code == 302 and created.headers["Location"] == "/gallery"
    assert (await guest.get("/gallery")).code == 200
    assert (await db.users.find_one({"username": "sam"}))["role"] == "user"
    again = await make_client().post(path, form("other"))
    assert again.code == 404
    assert "already used" in visible_text(again)
    assert await db.users.count_documents({"username": "other"}) == 0
    assert await db.audit.count_documents({"action": "invite.used"}) == 1


async def test_invitation_used_twice_at_once_makes_one_account(root, make_client, db):
    await set_mode(root, "invite")
    path = await invite(root)
    guests = [make_client() for _ in range(4)]
    for guest in guests:
        await guest.xsrf_token()
    answers = await asyncio.gather(*(guest.post(path, form(f"guest{n}"))
                                     for n, guest in enumerate(guests)))
    assert sorted(answer.code for answer in answers) == [302, 404, 404, 404]
    assert await db.users.count_documents({"username": {"$regex": "^guest"}}) == 1


async def test_invitation_given_back_when_the_name_is_taken(root, make_client, db):
    await set_mode(root, "invite")
    path = await invite(root)
    guest = make_client()
    taken = await guest.post(path, form("root"))
    assert taken.code == 409
    assert (await guest.post(path, form("sam"))).code == 302


async def test_unknown_expired_and_revoked_invitations_are_404(root, client, clock, db):
    await set_mode(root, "invite")
    assert (await client.get("/auth/invite/" + "x" * 43)).code == 404
    path = await invite(root, days="1")
    clock.advance(days=1, seconds=1)
    expired = await client.post(path, form("late"))
    assert expired.code == 404 and "expired" in visible_text(expired)
    path = await invite(root)
    invite_id = (await db.account_links.find_one({"kind": "invite", "expires": {
        "$gt": clock.now}}))["_id"]
    revoked = await root.post(f"/admin/invites/{invite_id}/revoke")
    assert revoked.code == 302
    assert (await client.get(path)).code == 404
    await set_mode(root, "closed")
    live = await invite(root)
    assert (await client.get(live)).code == 403  # closed means closed, invitations too
    assert await db.users.count_documents({}) == 1


async def test_guessing_link_tokens_is_throttled_per_address(client):
    for _ in range(throttle.ACCOUNT_LINK_GUESSES):
        assert (await client.get("/auth/reset/" + "y" * 43)).code == 404
    limited = await client.get("/auth/invite/" + "z" * 43)
    assert limited.code == 429
    assert int(limited.headers["Retry-After"]) > 0


async def test_mode_changed_on_one_app_is_seen_by_another_on_the_same_database(
        root, db, clock, make_client):
    other = make_app({"cookie_secret": "test-cookie-secret", "share_key": "test-share-key",
                      "bcrypt_rounds": 4}, db=db, clock=clock)
    sock, port = bind_unused_port()
    server = HTTPServer(other)
    server.add_sockets([sock])
    visitor = Client(f"http://127.0.0.1:{port}")
    try:
        assert (await visitor.get("/auth/register")).code == 200
        await set_mode(root, "closed")
        assert (await visitor.get("/auth/register")).code == 403
    finally:
        visitor.close()
        server.stop()
        other.close()


async def reset_link(root: Client, db, name: str = "alice") -> str:
    user_id = (await db.users.find_one({"username": name}))["_id"]
    return await shown_once(root, await root.post(f"/admin/users/{user_id}/reset-link"))


async def test_reset_link_sets_the_password_once_and_signs_out_everywhere(
        root, alice, make_client, db, app):
    await create_token(alice)
    path = await reset_link(root, db)
    holder = make_client()
    page = await holder.get(path)
    assert page.code == 200 and "alice" in visible_text(page)
    mismatch = await holder.post(path, {"password": NEW_PASSWORD, "password_confirm": "no"})
    assert mismatch.code == 400
    done = await holder.post(path, {"password": NEW_PASSWORD,
                                    "password_confirm": NEW_PASSWORD})
    assert done.code == 302 and done.headers["Location"] == "/auth/login"
    # Every session ended, every token revoked, and the old password no longer works.
    assert (await alice.get("/gallery")).code == 302
    assert await db.sessions.count_documents({"user_id": (await db.users.find_one(
        {"username": "alice"}))["_id"]}) == 0
    assert await db.api_tokens.count_documents({}) == 0
    assert (await make_client().login("alice")).code == 400
    assert (await make_client().login("alice", NEW_PASSWORD)).code == 302
    again = await make_client().post(path, {"password": "another password!",
                                            "password_confirm": "another password!"})
    assert again.code == 404
    actions = [entry["action"] async for entry in db.audit.find({}).sort([("at", 1), ("_id", 1)])]
    assert "reset_link.created" in actions and "reset_link.used" in actions


async def test_reset_link_expires_and_a_newer_one_replaces_it(root, alice, client, clock, db):
    first = await reset_link(root, db)
    second = await reset_link(root, db)
    assert (await client.get(first)).code == 404
    clock.advance(days=1, seconds=1)
    assert (await client.get(second)).code == 404
    assert (await client.login("alice")).code == 302  # the password never changed


async def test_reset_keeps_second_factors(root, alice, make_client, db, clock):
    totp = {"secret": pyotp.random_base32(), "since": clock.now, "last_step": 0}
    await db.users.update_one({"username": "alice"}, {"$set": {"totp": totp}})
    path = await reset_link(root, db)
    await make_client().post(path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert (await db.users.find_one({"username": "alice"}))["totp"] == totp
    browser = make_client()
    signing_in = await browser.login("alice", NEW_PASSWORD)
    assert signing_in.headers["Location"] == "/auth/second-factor"  # still asked for
    assert "session" not in browser.cookies


async def test_only_admins_see_the_account_link_pages(alice, db):
    alice_id = (await db.users.find_one({"username": "alice"}))["_id"]
    assert (await alice.get("/admin/invites")).code == 404
    assert (await alice.post("/admin/invites", {"days": "7"})).code == 404
    assert (await alice.post(f"/admin/users/{alice_id}/reset-link")).code == 404
    assert (await alice.post("/admin/registration", {"mode": "open"})).code == 404
    assert await db.account_links.count_documents({}) == 0


async def test_admin_page_shows_the_mode_in_force_and_audits_changes(root, app, db):
    app.settings["registration"] = "invite"
    page = await root.get("/admin")
    assert "In force: Invitation only" in words(page)
    await set_mode(root, "closed")
    assert "In force: Closed" in words(await root.get("/admin"))
    bad = await root.post("/admin/registration", {"mode": "everyone"})
    assert bad.code == 400
    entries = await db.audit.find({"action": "registration.mode_changed"}).to_list()
    assert [entry["details"] for entry in entries] == [{"mode": "closed"}]


async def test_first_admin_hint_on_an_empty_site_only(client, db):
    empty = await client.get("/")
    assert "python manage.py createuser NAME --admin" in visible_text(empty)
    await client.register("sam")  # an ordinary account does not make an admin
    assert "createuser NAME --admin" in visible_text(await client.get("/"))
    await db.users.update_one({"username": "sam"}, {"$set": {"role": "admin"}})
    assert "createuser" not in visible_text(await client.get("/"))
