"""Passkeys through the pages: adding, listing and removing them on /account, and signing
in with one without a password, against real signatures (tests/auth/authenticator.py)."""

import json

import pytest

from app.auth import throttle
from tests.auth.authenticator import SoftAuthenticator
from tests.client import PASSWORD, json_body, visible_text

SITE = "https://pixvault.test"  # public_url: the relying party is its host name


@pytest.fixture
def device(app) -> SoftAuthenticator:
    app.settings["public_url"] = SITE
    return SoftAuthenticator(SITE)


async def creation_options(browser, name="My phone", password=PASSWORD):
    """What the account page's script gets from `/account/passkeys/options`."""
    return await browser.post("/account/passkeys/options",
                              {"name": name, "current_password": password},
                              headers={"Accept": "application/json"})


async def add_passkey(browser, device, name="My phone") -> dict:
    """Add a passkey as the account page does; returns the answer of the final post."""
    options = json_body(await creation_options(browser, name))
    return await browser.post("/account/passkeys", {"credential": device.create(options)})


async def request_options(browser) -> dict:
    response = await browser.post("/auth/passkey/options",
                                  headers={"Accept": "application/json"})
    assert response.code == 200, response.body
    return json_body(response)


async def passkey_sign_in(browser, device, **signing) -> object:
    """Sign in as the login page's button does; `signing` goes to `device.get`."""
    options = await request_options(browser)
    return await browser.post("/auth/passkey", {"credential": device.get(options, **signing),
                                                "next": "/albums"})


async def audit_actions(db) -> list[str]:
    return [entry["action"] async for entry in db.audit.find().sort([("at", 1), ("_id", 1)])]


async def test_added_passkey_is_stored_listed_and_audited(alice, device, db, clock):
    options = json_body(await creation_options(alice))
    assert options["rp"]["id"] == "pixvault.test"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"

    response = await alice.post("/account/passkeys", {"credential": device.create(options)})
    # The first second factor comes with recovery codes, shown once on the account page.
    assert response.code == 303
    assert response.headers["Location"] == "/account#recovery-codes"
    user = await db.users.find_one({"username": "alice"})
    assert len(user["recovery_codes"]) == 10
    stored = await db.passkeys.find_one()
    assert set(stored) == {"_id", "user_id", "public_key", "sign_count", "transports", "name",
                           "created", "last_used"}
    assert (stored["user_id"], stored["name"], stored["sign_count"]) == (user["_id"],
                                                                         "My phone", 0)
    assert stored["transports"] == ["internal"] and stored["created"] == clock.now
    page = visible_text(await alice.get("/account"))
    assert "My phone" in page and "never" in page and "Your recovery codes" in page
    assert await audit_actions(db) == ["passkey.added"]
    second = await add_passkey(alice, SoftAuthenticator(SITE), name="Key")
    assert second.code == 302 and second.headers["Location"] == "/account#passkeys"
    assert (await db.users.find_one({"username": "alice"}))["recovery_codes"] == \
        user["recovery_codes"]


async def test_adding_needs_the_current_password(alice, device, db):
    response = await creation_options(alice, password="not my password")
    assert response.code == 400
    assert "current password" in json_body(response)["error"]["message"]
    assert await db.webauthn_challenges.count_documents({}) == 0


async def test_options_without_the_xsrf_header_or_field_are_refused(alice, device):
    response = await alice.post("/account/passkeys/options", {"name": "x"}, xsrf=False)
    assert response.code == 403


async def test_a_registration_answers_one_challenge_once(alice, device, db):
    options = json_body(await creation_options(alice))
    credential = device.create(options)
    assert (await alice.post("/account/passkeys", {"credential": credential})).code == 303
    again = await alice.post("/account/passkeys", {"credential": credential})
    assert again.code == 400 and "expired or was already used" in visible_text(again)
    assert await db.passkeys.count_documents({}) == 1


async def test_forged_registration_is_refused(alice, device, db):
    options = json_body(await creation_options(alice))
    options["challenge"] = "c29tZXRoaW5nIGVsc2U"  # signed for a challenge it was not given
    response = await alice.post("/account/passkeys", {"credential": device.create(options)})
    assert response.code == 400 and "could not be registered" in visible_text(response)
    assert await db.passkeys.count_documents({}) == 0


@pytest.mark.parametrize("credential", ["", "not json", "{}", "[1]", json.dumps(
    {"id": "!!", "rawId": "%%", "type": "public-key", "response": {}})])
async def test_malformed_answers_are_a_400(alice, device, make_client, credential):
    await creation_options(alice)
    assert (await alice.post("/account/passkeys", {"credential": credential})).code == 400
    stranger = make_client()
    await request_options(stranger)
    assert (await stranger.post("/auth/passkey", {"credential": credential})).code == 400


async def test_passwordless_sign_in(alice, device, make_client, db, clock):
    await add_passkey(alice, device)
    browser = make_client()
    response = await passkey_sign_in(browser, device)
    assert response.code == 302 and response.headers["Location"] == "/albums"
    assert "alice" in visible_text(await browser.get("/account"))
    stored = await db.passkeys.find_one()
    assert stored["sign_count"] == 1 and stored["last_used"] == clock.now


async def test_passkey_sign_ins_are_throttled_per_address(client, device):
    for _ in range(throttle.PER_ADDRESS):
        await request_options(client)
    response = await client.post("/auth/passkey/options",
                                 headers={"Accept": "application/json"})
    assert response.code == 429 and int(response.headers["Retry-After"]) > 0


async def test_options_ask_for_user_verification_and_any_passkey(client, device):
    options = await request_options(client)
    assert options["rpId"] == "pixvault.test"
    assert options["userVerification"] == "required"
    assert options.get("allowCredentials", []) == []


async def test_replayed_assertion_is_refused_and_audited(alice, device, make_client, db):
    await add_passkey(alice, device)
    browser = make_client()
    options = await request_options(browser)
    credential = device.get(options)
    assert (await browser.post("/auth/passkey", {"credential": credential})).code == 302
    thief = make_client()
    await request_options(thief)  # a fresh challenge of its own: the old answer is not for it
    response = await thief.post("/auth/passkey", {"credential": credential})
    assert response.code == 400 and "not accepted" in visible_text(response)
    assert "session" not in thief.cookies
    failure = await db.audit.find_one({"action": "passkey.sign_in_failed"})
    assert failure["target"] == (await db.passkeys.find_one())["_id"]
    assert "challenge" in failure["details"]["reason"]


async def test_a_challenge_answers_one_sign_in(alice, app, make_client):
    app.settings["public_url"] = SITE
    synced = SoftAuthenticator(SITE, count_step=0)  # no sign count to catch a replay
    await add_passkey(alice, synced)
    browser = make_client()
    options = await request_options(browser)
    cookie, credential = browser.cookies["webauthn"], synced.get(options)
    assert (await browser.post("/auth/passkey", {"credential": credential})).code == 302
    replay = make_client()
    replay.cookies["webauthn"] = cookie  # the same cookie and answer, copied
    response = await replay.post("/auth/passkey", {"credential": credential})
    assert response.code == 400 and "session" not in replay.cookies


async def test_assertion_for_a_wrong_challenge_is_refused(alice, device, make_client):
    await add_passkey(alice, device)
    browser = make_client()
    response = await passkey_sign_in(browser, device, challenge="d3JvbmcgY2hhbGxlbmdl")
    assert response.code == 400 and "session" not in browser.cookies


async def test_challenge_is_single_use_and_short_lived(alice, device, make_client, clock):
    await add_passkey(alice, device)
    browser = make_client()
    options = await request_options(browser)
    cookie = browser.cookies["webauthn"]
    clock.advance(minutes=6)
    late = await browser.post("/auth/passkey", {"credential": device.get(options)})
    assert late.code == 400 and "expired" in visible_text(late)
    # The cookie names a challenge that is gone now, whatever the browser sends again.
    browser.cookies["webauthn"] = cookie
    assert (await browser.post("/auth/passkey",
                               {"credential": device.get(options)})).code == 400


async def test_challenge_is_bound_to_the_browser_that_asked(alice, device, make_client):
    await add_passkey(alice, device)
    asked, other = make_client(), make_client()
    options = await request_options(asked)
    response = await other.post("/auth/passkey", {"credential": device.get(options)})
    assert response.code == 400 and "session" not in other.cookies


async def test_passkey_claimed_for_another_user_is_refused(alice, device, make_client, db):
    await add_passkey(alice, device)
    bob = make_client()
    await bob.register("bob")
    bob_id = (await db.users.find_one({"username": "bob"}))["_id"]
    stranger = make_client()
    response = await passkey_sign_in(stranger, device, user_handle=bob_id.encode())
    assert response.code == 400 and "session" not in stranger.cookies


async def test_sign_count_zero_keeps_working_and_a_clone_is_refused(alice, app, make_client,
                                                                   db):
    app.settings["public_url"] = SITE
    synced = SoftAuthenticator(SITE, count_step=0)
    await add_passkey(alice, synced)
    for _ in range(2):
        assert (await passkey_sign_in(make_client(), synced)).code == 302
    counting = SoftAuthenticator(SITE)
    await add_passkey(alice, counting, name="Key")
    assert (await passkey_sign_in(make_client(), counting)).code == 302
    counting.credentials[-1].count = 0  # a copy of the key, behind the original's count
    assert (await passkey_sign_in(make_client(), counting)).code == 400


async def test_disabled_account_cannot_sign_in_with_a_passkey(alice, device, make_client, db):
    await add_passkey(alice, device)
    await db.users.update_one({"username": "alice"}, {"$set": {"disabled": True}})
    assert (await passkey_sign_in(make_client(), device)).code == 400


async def test_remove_needs_the_password_and_is_audited(alice, device, db):
    await add_passkey(alice, device)
    passkey_id = (await db.passkeys.find_one())["_id"]
    wrong = await alice.post("/account/passkeys/remove",
                             {"passkey": passkey_id, "current_password": "nope nope"})
    assert wrong.code == 400 and await db.passkeys.count_documents({}) == 1
    response = await alice.post("/account/passkeys/remove",
                                {"passkey": passkey_id, "current_password": PASSWORD})
    assert response.code == 302 and await db.passkeys.count_documents({}) == 0
    assert await audit_actions(db) == ["passkey.added", "passkey.removed"]
    assert "No passkeys yet" in visible_text(await alice.get("/account"))
    # The last second factor went, and the recovery codes standing in for it with it.
    assert "recovery_codes" not in await db.users.find_one({"username": "alice"})


async def test_a_recovery_code_proves_it_is_you_instead_of_the_password(alice, device, db):
    await add_passkey(alice, device)
    codes = visible_text(await alice.get("/account")).split("Your recovery codes")[1].split()
    code = next(word for word in codes if "-" in word)
    await add_passkey(alice, SoftAuthenticator(SITE), name="Key")
    passkey_id = (await db.passkeys.find_one({"name": "Key"}))["_id"]
    response = await alice.post("/account/passkeys/remove", {"passkey": passkey_id,
                                                             "code": code})
    assert response.code == 302 and await db.passkeys.count_documents({}) == 1
    # A passkey remains: the other recovery codes stay.
    assert len((await db.users.find_one({"username": "alice"}))["recovery_codes"]) == 9


async def test_someone_elses_passkey_cannot_be_removed(alice, device, make_client, db):
    await add_passkey(alice, device)
    passkey_id = (await db.passkeys.find_one())["_id"]
    bob = make_client()
    await bob.register("bob")
    response = await bob.post("/account/passkeys/remove",
                              {"passkey": passkey_id, "current_password": PASSWORD})
    assert response.code == 404 and await db.passkeys.count_documents({}) == 1


async def test_deleting_the_account_removes_its_passkeys(alice, device, db):
    await add_passkey(alice, device)
    await alice.post("/account/delete", {"password": PASSWORD})
    assert await db.passkeys.count_documents({}) == 0


async def password_step(browser, username="alice", next_url="/albums"):
    """Sign in with the password of a user who has a passkey: on to the second step."""
    response = await browser.login(username, next=next_url)
    assert response.headers["Location"] == "/auth/second-factor"


async def second_step_options(browser) -> dict:
    response = await browser.post("/auth/second-factor/passkey/options",
                                  headers={"Accept": "application/json"})
    assert response.code == 200, response.body
    return json_body(response)


async def test_passkey_as_the_second_step(alice, device, make_client, db):
    await add_passkey(alice, device)
    browser = make_client()
    await password_step(browser)
    assert "Use a passkey" in visible_text(await browser.get("/auth/second-factor"))
    options = await second_step_options(browser)
    stored = await db.passkeys.find_one()
    assert options["allowCredentials"] == [{"id": stored["_id"], "type": "public-key",
                                            "transports": ["internal"]}]
    response = await browser.post("/auth/second-factor/passkey",
                                  {"credential": device.get(options)})
    assert response.code == 302 and response.headers["Location"] == "/albums"
    assert (await browser.get("/gallery")).code == 200


async def test_second_step_refuses_a_passkey_of_another_user(alice, device, app, make_client,
                                                             db):
    await add_passkey(alice, device)
    bob = make_client()
    await bob.register("bob")
    bobs_device = SoftAuthenticator(SITE)
    await add_passkey(bob, bobs_device)
    browser = make_client()
    await password_step(browser)  # alice's password, then bob's passkey
    options = await second_step_options(browser)
    response = await browser.post("/auth/second-factor/passkey",
                                  {"credential": bobs_device.get(options)})
    assert response.code == 400 and "not accepted" in visible_text(response)
    assert (await browser.get("/gallery")).code == 302
    alice_id = (await db.users.find_one({"username": "alice"}))["_id"]
    failure = await db.audit.find_one({"action": "passkey.sign_in_failed"})
    assert failure["actor"] == alice_id and failure["details"]["reason"] == "unknown passkey"


async def test_second_step_needs_the_password_step(client, device):
    response = await client.post("/auth/second-factor/passkey/options",
                                 headers={"Accept": "application/json"})
    assert response.code == 400 and "sign in again" in json_body(response)["error"]["message"]
    response = await client.post("/auth/second-factor/passkey", {"credential": "{}"})
    assert response.code == 302 and response.headers["Location"] == "/auth/login"


async def test_passwordless_challenge_does_not_pass_the_second_step(alice, device,
                                                                    make_client):
    await add_passkey(alice, device)
    browser = make_client()
    await password_step(browser)
    options = await request_options(browser)  # the sign-in ceremony's challenge
    response = await browser.post("/auth/second-factor/passkey",
                                  {"credential": device.get(options)})
    assert response.code == 400 and (await browser.get("/gallery")).code == 302
