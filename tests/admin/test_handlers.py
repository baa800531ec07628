"""/admin: totals and users for admins; the ordinary 404 for everyone else."""

import re

import pytest

from app.images.intake.spool import size_text
from tests.api.conftest import Api, create_token
from tests.client import text, upload_one, visible_text
from tests.images.images import jpeg, png


async def make_admin(make_client, db, name: str = "root"):
    """A browser signed in as a new admin (roles are granted outside the web: the CLI)."""
    browser = make_client()
    await browser.register(name)
    await db.users.update_one({"username": name}, {"$set": {"role": "admin"}})
    return browser


@pytest.fixture
async def root(make_client, db):
    return await make_admin(make_client, db)


async def user_id(db, name: str) -> str:
    return (await db.users.find_one({"username": name}))["_id"]


def totals(response) -> dict[str, str]:
    """The totals block of the admin page: {label: value as shown}."""
    return dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", text(response)))


def without_xsrf(body: str) -> str:
    """Tornado masks the XSRF token afresh on every page: compare pages without it."""
    return re.sub(r'name="_xsrf" value="[^"]*"', "", body)


def user_rows(response) -> dict[str, tuple[str, str]]:
    """{username: (role, images)} of the user list, the role as shown or as selected."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", text(response), re.S)[1:]:
        name = re.search(r'<a href="/u/([^"]+)">', row).group(1)
        role = re.search(r'data-label="Role">\s*(?:.*?<option value="(\w+)" selected>|(\w+))',
                         row, re.S)
        images = re.search(r'data-label="Images">(\d+)<', row).group(1)
        rows[name] = (role.group(1) or role.group(2), images)
    return rows


async def test_admin_sees_totals_and_users(root, alice, make_client, db, clock):
    bob = make_client()
    await bob.register("bob")
    first = await upload_one(alice, jpeg())
    await upload_one(alice, png())
    await upload_one(bob, jpeg(color=(0, 0, 200)))
    await alice.post("/albums", {"title": "Trips"})
    await alice.post(f"/i/{first['id']}/shares", {"expires_in": "", "label": "live"})
    await alice.post(f"/i/{first['id']}/shares", {"expires_in": "3600", "label": "expires"})
    await bob.post("/albums", {"title": "Bob's"})
    clock.advance(hours=2)  # the second link has expired
    stored = sum([user["used_bytes"] async for user in db.users.find({})])
    assert stored > 0

    response = await root.get("/admin")
    assert response.code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert totals(response) == {"Users": "3", "Images": "3",
                                "Stored": size_text(stored), "Albums": "2",
                                "Live share links": "1"}
    assert f'title="{stored} bytes"' in text(response)
    assert user_rows(response) == {"alice": ("user", "2"), "bob": ("user", "1"),
                                   "root": ("admin", "0")}
    assert 'href="/admin"' in text(response)  # the admin's navigation


async def test_everyone_else_gets_the_missing_page(root, alice, client, db):
    root_id = await user_id(db, "root")
    for browser in (client, alice):
        await browser.get("/")  # shows (and so drops) the welcome message
        missing = await browser.get("/no/such/page")
        assert 'href="/admin"' not in text(missing)
        for path in ("/admin", "/admin?after=a"):
            response = await browser.get(path)
            assert response.code == 404
            assert without_xsrf(text(response)) == without_xsrf(text(missing))
        for action in ("disable", "delete"):
            response = await browser.post(f"/admin/users/{root_id}/{action}")
            assert response.code == 404
    assert not (await db.users.find_one({"username": "root"}))["disabled"]


async def test_disable_ends_sessions_and_pauses_tokens(root, alice, make_client, db):
    token = (await create_token(alice))["token"]
    script = Api(make_client(), token)
    assert (await script.get("/api/v1/me")).code == 200
    target = await user_id(db, "alice")

    response = await root.post(f"/admin/users/{target}/disable")
    assert response.code == 302
    assert response.headers["Location"] == "/admin"
    assert "Disabled alice" in text(await root.get("/admin"))
    assert (await alice.get("/account")).code == 302  # signed out: sent to sign in
    assert await db.sessions.count_documents({"user_id": target}) == 0
    assert (await script.get("/api/v1/me")).code == 401
    assert (await make_client().login("alice")).code == 400
    assert "disabled" in text(await root.get("/admin"))

    response = await root.post(f"/admin/users/{target}/enable")
    assert response.code == 302
    assert "Enabled alice" in text(await root.get("/admin"))
    again = make_client()
    assert (await again.login("alice")).code == 302
    assert (await again.get("/account")).code == 200
    assert (await script.get("/api/v1/me")).code == 200  # the token was paused, not revoked


async def test_delete_user_removes_everything_they_own(root, alice, make_client, db):
    bob = make_client()
    await bob.register("bob")
    kept = await upload_one(bob, jpeg(color=(0, 0, 200)), visibility="public")
    image = await upload_one(alice, jpeg(), visibility="public")
    await alice.post(f"/i/{image['id']}/shares", {"expires_in": "", "label": ""})
    await alice.post("/albums", {"title": "Trips"})
    target = await user_id(db, "alice")

    response = await root.post(f"/admin/users/{target}/delete")
    assert response.code == 302
    assert "Deleted alice and everything they owned." in text(await root.get("/admin"))
    assert await db.users.count_documents({"_id": target}) == 0
    for collection, field in (("images", "owner_id"), ("albums", "owner_id"),
                              ("shares", "owner_id"), ("sessions", "user_id"),
                              ("images.files", "metadata.owner_id")):
        assert await db[collection].count_documents({field: target}) == 0, collection
    assert await db["images.chunks"].count_documents({}) > 0  # bob's files stay
    assert (await alice.get(f"/i/{image['id']}")).code == 404
    assert (await bob.get(f"/i/{kept['id']}")).code == 200
    assert (await make_client().login("alice")).code == 400


async def test_admin_cannot_disable_or_delete_themselves(root, db):
    own = await user_id(db, "root")
    for action in ("disable", "delete"):
        response = await root.post(f"/admin/users/{own}/{action}")
        assert response.code == 400
        assert "your own account" in visible_text(response)
    user = await db.users.find_one({"_id": own})
    assert user is not None and not user["disabled"]
    assert (await root.get("/admin")).code == 200


async def test_admin_may_act_on_another_admin(root, make_client, db):
    other = await make_admin(make_client, db, "root2")
    response = await root.post(f"/admin/users/{await user_id(db, 'root2')}/disable")
    assert response.code == 302
    assert (await other.get("/admin")).code == 404  # signed out


async def test_actions_need_xsrf(root, alice, db):
    target = await user_id(db, "alice")
    for action in ("disable", "delete"):
        response = await root.post(f"/admin/users/{target}/{action}", xsrf=False)
        assert response.code == 403
    assert (await alice.get("/account")).code == 200


async def test_unknown_user_is_404(root):
    response = await root.post("/admin/users/" + "A" * 22 + "/disable")
    assert response.code == 404
