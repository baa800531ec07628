"""The /account page: password, sessions, tokens, settings, ShareX, deleting the account."""

import datetime
import hashlib
import re

import pytest

from app.text import size_text
from tests.api.conftest import Api, create_token
from tests.client import PASSWORD, json_body, multipart, text, upload_one, visible_text
from tests.images.images import jpeg, png

NEW_PASSWORD = "a brand new passphrase"


async def test_page_needs_sign_in(client):
    response = await client.get("/account")
    assert response.code == 302
    assert response.headers["Location"].startswith("/auth/login?next=%2Faccount")


async def test_page_lists_sessions_and_tokens(alice, make_client):
    other = make_client()
    await other.post("/auth/login", {"username": "alice", "password": PASSWORD},
                     headers={"User-Agent": "OtherBrowser/1.0"})
    await create_token(alice, "backup script")
    page = visible_text(await alice.get("/account"))
    assert "OtherBrowser/1.0" in page
    assert "this one" in page
    assert "backup script" in page
    assert "never" in page  # last used


async def test_page_shows_storage_used_and_the_quota(app, alice, db):
    assert " ".join(visible_text(await alice.get("/account")).split()).count(
        "Storage: 0 bytes used (no limit)") == 1
    await upload_one(alice, jpeg())
    used = (await db.users.find_one({"username": "alice"}))["used_bytes"]
    app.settings["default_quota_mb"] = 2
    page = " ".join(visible_text(await alice.get("/account")).split())
    assert f"Storage: {size_text(used)} used of 2 MB, {size_text(2 * 1024 * 1024 - used)} free" \
        in page
    assert f'<meter min="0" max="{2 * 1024 * 1024}" value="{used}"' in text(
        await alice.get("/account"))


async def test_change_password_ends_other_sessions(alice, make_client, db):
    other = make_client()
    await other.login("alice")
    response = await alice.post("/account/password", {"current_password": PASSWORD,
                                                      "new_password": NEW_PASSWORD})
    assert response.code == 302
    assert response.headers["Location"] == "/account#password"
    assert (await alice.get("/account")).code == 200  # this session stays
    assert (await other.get("/account")).code == 302  # the other one is signed out
    assert await db.sessions.count_documents({}) == 1
    fresh = make_client()
    assert (await fresh.login("alice", NEW_PASSWORD)).code == 302
    assert (await make_client().login("alice", PASSWORD)).code == 400


async def test_wrong_current_password_is_400(alice, db):
    before = (await db.users.find_one({}))["password_hash"]
    response = await alice.post("/account/password", {"current_password": "wrong password",
                                                      "new_password": NEW_PASSWORD})
    assert response.code == 400
    assert "current password is not correct" in visible_text(response)
    short = await alice.post("/account/password", {"current_password": PASSWORD,
                                                   "new_password": "short"})
    assert short.code == 400
    assert (await db.users.find_one({}))["password_hash"] == before


async def test_sign_out_other_sessions(alice, make_client):
    others = [make_client() for _ in range(2)]
    for other in others:
        await other.login("alice")
    response = await alice.post("/account/sessions/end-others")
    assert response.code == 302
    assert "Signed out 2 other sessions." in text(await alice.get("/account"))
    for other in others:
        assert (await other.get("/account")).code == 302


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.77", "203.0.113.0/24"),
    ("::ffff:198.51.100.9", "198.51.100.0/24"),
    ("2001:db8:1:2::5", "2001:db8:1::/48"),
])
async def test_sessions_show_device_and_network(alice, proxied, db, address, network):
    phone = proxied(address)
    await phone.post("/auth/login", {"username": "alice", "password": PASSWORD},
                     headers={"User-Agent": IPHONE})
    assert (await db.sessions.find_one({"user_agent": IPHONE}))["address"] == network
    page = visible_text(await alice.get("/account"))
    assert "Mobile Safari 17 on iOS 17 (iPhone)" in page
    assert network in page
    assert address not in page


async def test_sign_out_one_other_session(alice, make_client, db):
    laptop, phone = make_client(), make_client()
    await laptop.post("/auth/login", {"username": "alice", "password": PASSWORD},
                      headers={"User-Agent": FIREFOX})
    await phone.post("/auth/login", {"username": "alice", "password": PASSWORD},
                     headers={"User-Agent": IPHONE})
    page = text(await alice.get("/account"))
    assert "Firefox 128 on Linux" in page
    laptop_id = (await db.sessions.find_one({"user_agent": FIREFOX}))["_id"]
    assert f"/account/sessions/{laptop_id}/end" in page
    response = await alice.post(f"/account/sessions/{laptop_id}/end")
    assert response.code == 302
    assert response.headers["Location"] == "/account#sessions"
    assert "Session ended." in text(await alice.get("/account"))
    assert (await laptop.get("/account")).code == 302
    assert (await phone.get("/account")).code == 200
    assert (await alice.get("/account")).code == 200


async def test_cannot_end_another_users_session(alice, make_client, db):
    bob = make_client()
    await bob.register("bob")
    bob_id = (await db.users.find_one({"username": "bob"}))["_id"]
    bobs = await db.sessions.find_one({"user_id": bob_id})
    assert (await alice.post(f"/account/sessions/{bobs['_id']}/end")).code == 404
    assert (await alice.post(f"/account/sessions/{'0' * 64}/end")).code == 404
    assert (await alice.post("/account/sessions/not-an-id/end")).code == 404
    assert (await bob.get("/account")).code == 200


async def test_create_token_shows_it_once_after_a_redirect(alice, make_client, db, clock):
    response = await alice.post("/account/tokens", {"name": "phone"})
    assert response.code == 303
    assert response.headers["Location"] == "/account#new-token"
    assert "Location" in response.headers and "token=" not in response.headers["Location"]
    page = await alice.get("/account")
    assert page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token" class="secret" readonly value="([^"]+)"',
                       text(page)).group(1)
    stored = await db.api_tokens.find_one({})
    assert stored["_id"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(stored)
    assert (await Api(make_client(), secret).get("/api/v1/me")).code == 200
    reloaded = text(await alice.get("/account"))
    assert secret not in reloaded and "New API token" not in reloaded
    assert await db.api_tokens.count_documents({}) == 1
    blank = await alice.post("/account/tokens", {"name": " "})
    assert blank.code == 400


async def test_create_token_with_a_scope_and_an_expiry(alice, db, clock):
    response = await alice.post("/account/tokens", {"name": "backup", "scope": "read",
                                                    "expires_days": "30"})
    assert response.code == 303
    stored = await db.api_tokens.find_one({})
    assert (stored["scope"], stored["expires"]) == ("read",
                                                    clock.now + datetime.timedelta(days=30))
    page = text(await alice.get("/account"))
    expires = stored["expires"].strftime("%Y-%m-%d %H:%M UTC")
    assert f"Scope: <strong>read</strong>; expires: {expires}." in page  # the new token
    row = re.search(r">backup</td>(.*?)</tr>", page, re.S).group(1)
    assert '<td data-label="Scope">read</td>' in row
    assert expires in row
    for bad in ({"scope": "admin"}, {"expires_days": "10"}, {"expires_days": "-7"}):
        refused = await alice.post("/account/tokens", {"name": "x", **bad})
        assert refused.code == 400
    assert await db.api_tokens.count_documents({}) == 1


async def test_a_new_token_is_shown_only_to_its_owner(alice, make_client, db):
    await alice.post("/account/tokens", {"name": "phone"})
    carried = dict(alice.cookies)
    bob = make_client()
    await bob.register("bob")
    bob.cookies["new_token"] = carried["new_token"]  # a stolen or mixed-up cookie
    assert "New API token" not in text(await bob.get("/account"))
    await alice.post("/account/tokens", {"name": "moved"})
    await db.api_tokens.update_many({}, {"$set": {"user_id": "someone else"}})
    assert "New API token" not in text(await alice.get("/account"))


async def test_revoke_token_from_the_page(alice, make_client, db):
    created = await create_token(alice)
    response = await alice.post(f"/account/tokens/{created['id']}/revoke", {"confirm": "1"})
    assert response.code == 302
    assert await db.api_tokens.count_documents({}) == 0
    assert (await Api(make_client(), created["token"]).get("/api/v1/me")).code == 401


async def test_cannot_revoke_another_users_token(alice, make_client, db):
    bob = make_client()
    await bob.register("bob")
    created = await create_token(bob)
    for confirm in ("1", ""):
        response = await alice.post(f"/account/tokens/{created['id']}/revoke",
                                    {"confirm": confirm})
        assert response.code == 404
    assert (await alice.get(f"/account/tokens/{created['id']}/revoke")).code == 404
    assert await db.api_tokens.count_documents({}) == 1


async def test_revoking_a_token_asks_first_without_javascript(alice, db):
    created = await create_token(alice)
    path = f"/account/tokens/{created['id']}/revoke"
    response = await alice.post(path)
    assert response.code == 303 and response.headers["Location"] == path
    assert await db.api_tokens.count_documents({}) == 1
    page = text(await alice.get(path))
    assert f"<h1>Revoke the token {created['name']}?</h1>" in page
    assert '<input type="hidden" name="confirm" value="1">' in page
    assert 'href="/account#tokens">Cancel</a>' in page
    assert 'data-confirm="Revoke the token' in text(await alice.get("/account"))


async def test_default_visibility_setting(alice, db):
    response = await alice.post("/account/settings", {"visibility": "public"})
    assert response.code == 302
    assert (await upload_one(alice, jpeg()))["visibility"] == "public"
    assert (await alice.post("/account/settings", {"visibility": "x"})).code == 400
    user = await db.users.find_one({})
    assert user["settings"]["default_visibility"] == "public"


async def test_sharex_config_download(alice, make_client, db):
    assert (await alice.get("/account/sharex.sxcu")).code == 302  # no token minted by a GET
    assert await db.api_tokens.count_documents({}) == 0
    response = await alice.post("/account/sharex.sxcu", {"link": "direct"})
    assert response.code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="pixvault.sxcu"'
    config = json_body(response)
    base = alice.base_url
    assert config["DestinationType"] == "ImageUploader"
    assert (config["RequestMethod"], config["RequestURL"]) == ("POST", f"{base}/api/v1/images")
    assert (config["Body"], config["FileFormName"]) == ("MultipartFormData", "file")
    assert config["Arguments"] == {"visibility": "unlisted"}
    assert (config["URL"], config["ThumbnailURL"]) == ("{json:urls.full}", "{json:urls.thumb}")
    secret = config["Headers"]["Authorization"].removeprefix("Bearer ")
    # ShareX's request, as it sends it: the token works and the image is unlisted.
    api = Api(make_client(), secret)
    content_type, body = multipart([("Screenshot.png", png())], config["Arguments"])
    uploaded = await api.post("/api/v1/images", body=body, headers={"Content-Type": content_type})
    assert uploaded.code == 201
    image = json_body(uploaded)
    assert image["visibility"] == "unlisted"
    # Upload only: a leaked config can neither read nor delete the gallery.
    assert (await db.api_tokens.find_one({}))["scope"] == "upload"
    for method, path in (("GET", "/api/v1/images"), ("GET", f"/api/v1/images/{image['id']}"),
                         ("DELETE", f"/api/v1/images/{image['id']}"),
                         ("GET", image["urls"]["original"].removeprefix(base))):
        assert (await api.call(method, path)).code == 403, path
    assert "can only upload" in text(await alice.get("/account"))
    again = json_body(await alice.post("/account/sharex.sxcu", {"link": "page"}))
    assert again["URL"] == "{json:page_url}"
    assert [t["name"] for t in await db.api_tokens.find({}).to_list()] == ["ShareX"]
    assert (await api.get("/api/v1/me")).code == 401  # the previous ShareX token is replaced


async def test_sharex_download_keeps_a_token_the_user_named_sharex(alice, db):
    await alice.post("/account/tokens", {"name": "ShareX"})
    await alice.post("/account/sharex.sxcu", {"link": "page"})
    await alice.post("/account/sharex.sxcu", {"link": "page"})
    assert await db.api_tokens.count_documents({"name": "ShareX"}) == 2  # theirs and ours


async def test_sharex_download_needs_xsrf(alice, db):
    response = await alice.post("/account/sharex.sxcu", {"link": "page"}, xsrf=False)
    assert response.code == 403
    assert await db.api_tokens.count_documents({}) == 0


async def test_delete_account_removes_everything(alice, make_client, db):
    image = await upload_one(alice, jpeg())
    await upload_one(alice, png())
    api = Api(make_client(), (await create_token(alice))["token"])
    album = json_body(await api.post("/api/v1/albums", json_data={"title": "Gone"}))
    await api.put(f"/api/v1/albums/{album['id']}/images/{image['id']}")
    await api.post(f"/api/v1/images/{image['id']}/shares", json_data={})
    await api.post(f"/api/v1/albums/{album['id']}/shares", json_data={})
    bob = make_client()
    await bob.register("bob")
    await upload_one(bob, jpeg(color=(9, 9, 9)))

    wrong = await alice.post("/account/delete", {"password": "not my password"})
    assert wrong.code == 400
    assert await db.users.count_documents({}) == 2

    response = await alice.post("/account/delete", {"password": PASSWORD})
    assert response.code == 302
    assert response.headers["Location"] == "/"
    bob_id = (await db.users.find_one({"username": "bob"}))["_id"]
    assert await db.users.count_documents({}) == 1
    for collection, field in (("images", "owner_id"), ("albums", "owner_id"),
                              ("shares", "owner_id"), ("api_tokens", "user_id"),
                              ("sessions", "user_id")):
        assert await db[collection].count_documents({field: {"$ne": bob_id}}) == 0, collection
    bob_image = await db.images.find_one({})
    assert await db["images.files"].count_documents(
        {"metadata.image_id": {"$ne": bob_image["_id"]}}) == 0
    bob_files = [f["_id"] for f in await db["images.files"].find({}).to_list()]
    assert await db["images.chunks"].count_documents({"files_id": {"$nin": bob_files}}) == 0
    assert (await alice.get("/account")).code == 302
    assert (await api.get("/api/v1/me")).code == 401
    assert (await make_client().login("alice")).code == 400


async def test_delete_account_of_a_lone_user_leaves_an_empty_database(alice, db):
    await upload_one(alice, jpeg())
    await alice.post("/account/tokens", {"name": "t"})
    assert (await alice.post("/account/delete", {"password": PASSWORD})).code == 302
    for collection in ("users", "images", "albums", "shares", "api_tokens", "sessions",
                       "images.files", "images.chunks"):
        assert await db[collection].count_documents({}) == 0, collection


def test_forms_carry_xsrf_and_page_has_no_inline_script():
    from app.application import ROOT
    page = (ROOT / "templates" / "account.html").read_text()
    assert page.count("<form") == page.count("xsrf_form_html()")
    assert "style=" not in page
    assert all("src=" in tag.split(">")[0] for tag in page.split("<script")[1:])
