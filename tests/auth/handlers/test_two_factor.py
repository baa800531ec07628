"""Two-factor sign-in on /account: setting up an authenticator app, the recovery codes
shown once, making new ones, turning it off; and what it leaves alone (API tokens)."""

import datetime
import re

import pyotp

from app.auth import recovery
from tests.api.conftest import create_token
from tests.client import PASSWORD, text, visible_text


def totp_of(secret: str, when: datetime.datetime, seconds: int = 0) -> str:
    return pyotp.TOTP(secret).at(when + datetime.timedelta(seconds=seconds))


async def setup_secret(browser) -> str:
    page = await browser.get("/account/two-factor")
    assert page.code == 200
    return re.search(r'name="secret" value="([A-Z2-7]{32})"', text(page)).group(1)


async def enrol(browser, clock, password: str = PASSWORD) -> tuple[str, list[str]]:
    """Turn TOTP on through the pages; the secret and the recovery codes shown."""
    secret = await setup_secret(browser)
    response = await browser.post("/account/two-factor", {
        "secret": secret, "code": totp_of(secret, clock.now), "current_password": password})
    assert response.code == 303, response.body
    assert response.headers["Location"] == "/account#recovery-codes"
    page = text(await browser.get("/account"))
    return secret, re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", page)


async def test_setup_page_shows_the_secret_as_text_and_qr_code(alice):
    page = await alice.get("/account/two-factor")
    body = text(page)
    secret = await setup_secret(alice)
    assert re.search(r'<figure class="qr"><svg viewBox="[0-9 ]+" class="segno">', body)
    assert "style=" not in body and "<script>" not in body  # the CSP allows neither inline
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', text(await alice.get(
        "/account/two-factor"))).group(1)
    assert len(shown.replace(" ", "")) == 32 and shown.replace(" ", "") != secret  # fresh


async def test_enrolment_shows_recovery_codes_once(alice, clock, db):
    secret, codes = await enrol(alice, clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    user = await db.users.find_one({"username": "alice"})
    assert user["totp"]["secret"] == secret and user["totp"]["since"] == clock.now
    assert sorted(user["recovery_codes"]) == sorted(recovery.digest(c) for c in codes)
    again = text(await alice.get("/account"))
    assert codes[0] not in again
    assert "You have 10 unused recovery codes" in " ".join(visible_text(
        await alice.get("/account")).split())
    entry = await db.audit.find_one({"action": "2fa.enabled"})
    assert entry["actor"] == entry["target"] == user["_id"]
    assert entry["address"] == "127.0.0.1" and entry["at"] == clock.now
    # Enabled: the setup page leads back to the account page.
    assert (await alice.get("/account/two-factor")).headers["Location"] == "/account#two-factor"


async def test_enrolment_needs_a_right_code_and_password(alice, clock, db):
    secret = await setup_secret(alice)
    wrong_code = await alice.post("/account/two-factor", {
        "secret": secret, "code": totp_of(secret, clock.now, 120),
        "current_password": PASSWORD})
    assert wrong_code.code == 400
    assert "not right" in visible_text(wrong_code)
    assert secret in text(wrong_code)  # the same key again: the app stays valid
    wrong_password = await alice.post("/account/two-factor", {
        "secret": secret, "code": totp_of(secret, clock.now), "current_password": "nope nope"})
    assert wrong_password.code == 400
    damaged = await alice.post("/account/two-factor", {
        "secret": "short", "code": "123456", "current_password": PASSWORD})
    assert damaged.code == 400
    user = await db.users.find_one({"username": "alice"})
    assert "totp" not in user and "recovery_codes" not in user
    assert await db.audit.count_documents({}) == 0


async def test_enrolment_code_cannot_sign_in_again(alice, make_client, clock):
    secret, _ = await enrol(alice, clock)
    other = make_client()
    await other.login("alice")
    response = await other.post("/auth/second-factor", {"code": totp_of(secret, clock.now)})
    assert response.code == 400
    clock.advance(seconds=30)
    response = await other.post("/auth/second-factor", {"code": totp_of(secret, clock.now)})
    assert response.code == 302


async def test_new_recovery_codes_void_the_old_ones(alice, make_client, clock, db):
    secret, old = await enrol(alice, clock)
    clock.advance(seconds=30)
    response = await alice.post("/account/two-factor/recovery-codes",
                                {"code": totp_of(secret, clock.now)})
    assert response.code == 303
    new = re.findall(r"<li><code>([a-z0-9-]{11})</code></li>", text(await alice.get("/account")))
    assert len(new) == 10 and not set(new) & set(old)
    for code, expected in ((old[0], 400), (new[0], 302)):
        other = make_client()
        await other.login("alice")
        assert (await other.post("/auth/second-factor", {"code": code})).code == expected
    assert await db.audit.count_documents({"action": "recovery_codes.regenerated"}) == 1


async def test_changes_need_password_or_code(alice, clock, db):
    await enrol(alice, clock)
    for path in ("/account/two-factor/recovery-codes", "/account/two-factor/totp/remove"):
        for form in ({}, {"current_password": "wrong password"}, {"code": "000000"}):
            response = await alice.post(path, form)
            assert response.code == 400, (path, form)
    assert "totp" in await db.users.find_one({"username": "alice"})


async def test_turning_off_with_the_password(alice, make_client, clock, db):
    await enrol(alice, clock)
    response = await alice.post("/account/two-factor/totp/remove",
                                {"current_password": PASSWORD})
    assert response.code == 302
    user = await db.users.find_one({"username": "alice"})
    assert "totp" not in user and "recovery_codes" not in user
    assert await db.audit.count_documents({"action": "2fa.disabled"}) == 1
    other = make_client()
    assert (await other.login("alice")).headers["Location"] == "/gallery"
    assert "Set up an authenticator app" in text(await alice.get("/account"))


async def test_turning_off_with_a_recovery_code(alice, clock, db):
    _, codes = await enrol(alice, clock)
    response = await alice.post("/account/two-factor/totp/remove", {"code": codes[0]})
    assert response.code == 302
    assert "totp" not in await db.users.find_one({"username": "alice"})
    assert await db.audit.count_documents({"action": "recovery_codes.used"}) == 1


async def test_codes_typed_on_the_account_page_are_throttled(alice, clock, db):
    await enrol(alice, clock)
    for _ in range(10):
        assert (await alice.post("/account/two-factor/totp/remove",
                                 {"code": "000000"})).code == 400
    blocked = await alice.post("/account/two-factor/totp/remove", {"code": "000000"})
    assert blocked.code == 429
    assert int(blocked.headers["Retry-After"]) > 0


async def test_api_tokens_ignore_two_factor(alice, make_client, clock):
    token = (await create_token(alice))["token"]
    await enrol(alice, clock)
    script = make_client()
    response = await script.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.code == 200


async def test_with_a_passkey_only_two_factor_is_on_and_codes_can_be_renewed(alice, db, clock):
    user = await db.users.find_one({"username": "alice"})
    await db.passkeys.insert_one({"_id": "cred", "user_id": user["_id"], "public_key": b"k",
                                  "sign_count": 0, "transports": [], "name": "Laptop",
                                  "created": clock.now, "last_used": None})
    section = " ".join(visible_text(await alice.get("/account")).split())
    assert "On: after your password, you are asked for one of your passkeys" in section
    assert "Make new recovery codes" in section
    assert "Turn off the authenticator app" not in section  # there is none to turn off
    renewed = await alice.post("/account/two-factor/recovery-codes",
                               {"current_password": PASSWORD})
    assert renewed.code == 303, renewed.body
    assert len((await db.users.find_one({"_id": user["_id"]}))["recovery_codes"]) == 10
