"""/admin and second factors: removing a user's (confirmed, audited), the option that makes
admins enrol, and the audit entries of the other admin actions."""

import pyotp
import pytest

from app.auth import recovery
from tests.admin.test_handlers import make_admin, user_id
from tests.client import text, visible_text


async def give_totp(db, name: str, clock) -> str:
    """Turn TOTP on for `name` directly (as enrolment leaves it); returns the secret."""
    secret = pyotp.random_base32()
    await db.users.update_one({"username": name}, {"$set": {
        "totp": {"secret": secret, "since": clock.now,
                 "last_step": pyotp.TOTP(secret).timecode(clock.now) - 1},
        "recovery_codes": [recovery.digest(code) for code in recovery.new_codes()]}})
    return secret


@pytest.fixture
async def root(make_client, db):
    return await make_admin(make_client, db)


async def test_admin_removes_a_users_second_factors(root, alice, make_client, db, clock):
    secret = await give_totp(db, "alice", clock)
    alice_id = await user_id(db, "alice")
    await db.passkeys.insert_one({"_id": "cred-1", "user_id": alice_id, "public_key": b"k",
                                  "sign_count": 0, "transports": [], "name": "Phone",
                                  "created": clock.now, "last_used": None})
    page = text(await root.get("/admin"))
    assert 'data-confirm="Remove the second factors of alice?' in page
    assert secret not in page
    path = f"/admin/users/{alice_id}/second-factors/remove"

    # Without confirmation: the page that asks, and nothing changed yet.
    asked = await root.post(path, {"after": ""})
    assert asked.code == 303
    question = await root.get(asked.headers["Location"])
    assert "Remove the second factors of alice?" in visible_text(question)
    assert "totp" in await db.users.find_one({"_id": alice_id})

    done = await root.post(path, {"confirm": "1"})
    assert done.code == 302 and done.headers["Location"] == "/admin"
    user = await db.users.find_one({"_id": alice_id})
    assert "totp" not in user and "recovery_codes" not in user
    assert await db.passkeys.count_documents({"user_id": alice_id}) == 0
    entry = await db.audit.find_one({"action": "admin.second_factors_removed"})
    assert entry["actor"] == await user_id(db, "root")
    assert entry["target"] == alice_id and entry["details"] == {"username": "alice"}
    # Alice signs in with her password alone again.
    assert (await make_client().login("alice")).headers["Location"] == "/gallery"


async def test_removal_is_for_admins_and_not_for_themselves(root, alice, db, clock):
    await give_totp(db, "root", clock)
    root_path = f"/admin/users/{await user_id(db, 'root')}/second-factors/remove"
    assert (await root.post(root_path, {"confirm": "1"})).code == 400
    assert "totp" in await db.users.find_one({"username": "root"})
    await give_totp(db, "alice", clock)
    # Alice is no admin: the ordinary 404 (as for every /admin page).
    assert (await alice.post(root_path, {"confirm": "1"})).code == 404
    assert "totp" in await db.users.find_one({"username": "root"})


async def test_admin_actions_are_audited(root, alice, make_client, db):
    bob = make_client()
    await bob.register("bob")
    alice_id, bob_id = await user_id(db, "alice"), await user_id(db, "bob")
    await root.post(f"/admin/users/{alice_id}/disable")
    await root.post(f"/admin/users/{alice_id}/enable")
    await root.post(f"/admin/users/{bob_id}/delete")
    entries = await db.audit.find({}, {"at": 0}).sort("_id", 1).to_list()
    root_id = await user_id(db, "root")
    assert [(e["action"], e["target"], e["actor"]) for e in entries] == [
        ("admin.user_disabled", alice_id, root_id), ("admin.user_enabled", alice_id, root_id),
        ("admin.user_deleted", bob_id, root_id)]
    assert all(e["address"] == "127.0.0.1" for e in entries)


async def test_admins_must_enrol_when_the_option_is_on(app, root, make_client, db, clock):
    app.settings["admins_require_2fa"] = True
    # Signing in again: straight to the setup page.
    fresh = make_client()
    response = await fresh.login("root", next="/admin")
    assert response.headers["Location"] == "/account/two-factor"
    assert "session" in fresh.cookies  # signed in: they can enrol
    # /admin stays closed until then, to the session from before too.
    for browser in (fresh, root):
        blocked = await browser.get("/admin")
        assert blocked.code == 302 and blocked.headers["Location"] == "/account/two-factor"
    assert (await fresh.get("/account/two-factor")).code == 200
    secret = await give_totp(db, "root", clock)
    assert (await root.get("/admin")).code == 200
    # With a second factor, sign-in asks for it and then goes where it was going.
    again = make_client()
    assert (await again.login("root", next="/admin")).headers["Location"] == \
        "/auth/second-factor"
    done = await again.post("/auth/second-factor", {"code": pyotp.TOTP(secret).at(clock.now)})
    assert done.headers["Location"] == "/admin"


async def test_the_option_leaves_other_users_alone(app, alice, make_client):
    app.settings["admins_require_2fa"] = True
    response = await make_client().login("alice")
    assert response.headers["Location"] == "/gallery"
    assert (await alice.get("/admin")).code == 404
