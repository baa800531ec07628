"""Share links people can trust: passwords, view limits, the view log, link previewers."""

import asyncio
import re

import pytest
from tornado.web import create_signed_value

from app.ids import token_digest
from app.images.share_passes import unlock_value
from tests.client import Client, text, upload_one
from tests.images.handlers.test_shares import create_link
from tests.images.images import jpeg

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SLACK = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
PASSWORD = "open sesame"


@pytest.fixture
async def photo(alice):
    return await upload_one(alice, jpeg(), title="Harbour at dawn")


async def share_of(db, link: str) -> dict:
    shares = await db.shares.find({}).to_list(None)
    token = link.rsplit("/", 1)[1]
    return next(share for share in shares if share["_id"] == token_digest(token))


async def unlock(visitor: Client, path: str, password: str = PASSWORD):
    return await visitor.post(path, {"password": password})


def set_cookie(response, name: str) -> str:
    """The Set-Cookie header that sets `name`."""
    return next(header for header in response.headers.get_list("Set-Cookie")
                if header.startswith(f"{name}="))


# ----- passwords -----

async def test_password_page_then_the_link_opens_with_a_cookie_scoped_to_it(
        alice, client, photo, db):
    link = await create_link(alice, f"/i/{photo['id']}", password=PASSWORD)
    page = await client.get(link)
    assert page.code == 200
    body = text(page)
    assert f'<form method="post" action="{link}"' in body and 'name="_xsrf"' in body
    assert 'type="password" name="password"' in body
    assert "Harbour" not in body and "og:image" not in body
    for path in (f"{link}/large", f"{link}/full.jpg", f"{link}/thumb"):
        assert (await client.get(path)).code == 404, path
    in_query = await client.get(f"{link}?password=open+sesame")
    assert in_query.code == 200 and "Harbour" not in text(in_query)  # still the form

    wrong = await unlock(client, link, "not the password")
    assert wrong.code == 400
    assert "not the password of this link" in text(wrong)
    assert 'type="password" name="password"' in text(wrong)
    assert "share_unlock" not in client.cookies

    right = await unlock(client, link)
    assert right.code == 303 and right.headers["Location"] == link
    cookie = set_cookie(right, "share_unlock")
    assert f"Path={link}" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    opened = await client.get(link)
    assert opened.code == 200 and "Harbour at dawn" in text(opened)
    assert (await client.get(f"{link}/large")).code == 200
    assert (await share_of(db, link))["views"] == 1  # the password page was no view
    stored = await share_of(db, link)
    assert stored["password_hash"].startswith("$2b$") and PASSWORD not in str(stored)


async def test_an_unlock_cookie_opens_only_its_own_link(alice, client, photo, db, clock):
    first = await create_link(alice, f"/i/{photo['id']}", password=PASSWORD)
    clock.advance(seconds=1)  # the page lists the newest link first
    second = await create_link(alice, f"/i/{photo['id']}", password=PASSWORD)
    assert first != second
    assert (await unlock(client, first)).code == 303
    # This test client sends every cookie everywhere, unlike a browser: the value itself
    # must not open another link with the same password.
    assert "share_unlock" in client.cookies
    assert "Harbour" not in text(await client.get(second))
    assert (await client.get(f"{second}/large")).code == 404


async def test_a_tampered_unlock_cookie_opens_nothing(alice, client, photo, db):
    link = await create_link(alice, f"/i/{photo['id']}", password=PASSWORD)
    await unlock(client, link)
    value = client.cookies["share_unlock"]
    client.cookies["share_unlock"] = value[:-2] + ("00" if not value.endswith("00") else "11")
    assert "Harbour" not in text(await client.get(link))
    assert (await client.get(f"{link}/large")).code == 404
    # The right value, signed with another secret.
    right = unlock_value(await share_of(db, link))
    client.cookies["share_unlock"] = create_signed_value("guessed", "share_unlock",
                                                         right).decode()
    assert (await client.get(f"{link}/large")).code == 404
    client.cookies["share_unlock"] = create_signed_value("test-cookie-secret", "share_unlock",
                                                         right).decode()
    assert (await client.get(f"{link}/large")).code == 200  # the control: that one works


async def test_changing_or_removing_the_password(alice, client, photo, db):
    link = await create_link(alice, f"/i/{photo['id']}", password=PASSWORD)
    await unlock(client, link)
    share = await share_of(db, link)
    here = f"/i/{photo['id']}"
    response = await alice.post(f"/shares/{share['_id']}/password",
                                {"password": "a new secret", "return": here})
    assert response.code == 303 and response.headers["Location"].startswith(here + "#share-")
    assert "Harbour" not in text(await client.get(link))  # the old cookie died
    assert (await client.get(f"{link}/large")).code == 404
    assert (await unlock(client, link, PASSWORD)).code == 400
    assert (await unlock(client, link, "a new secret")).code == 303
    assert "Harbour" in text(await client.get(link))
    assert (await alice.post(f"/shares/{share['_id']}/password", {"password": "short"})
            ).code == 400
    await alice.post(f"/shares/{share['_id']}/password", {"remove": "1", "return": here})
    stranger = Client(client.base_url)
    try:
        assert "Harbour" in text(await stranger.get(link))
    finally:
        stranger.close()
    audit = await db.audit.find({"action": "share.password"}).sort("_id").to_list(None)
    assert [entry["details"]["password"] for entry in audit] == [True, False]


async def test_others_cannot_change_a_links_password(alice, make_client, photo, db):
    link = await create_link(alice, f"/i/{photo['id']}", password=PASSWORD)
    share = await share_of(db, link)
    bob = make_client()
    await bob.register("bob")
    response = await bob.post(f"/shares/{share['_id']}/password", {"remove": "1"})
    assert response.code == 404
    assert (await share_of(db, link))["password_hash"] == share["password_hash"]


async def test_a_revoked_password_link_is_404_even_unlocked(alice, client, photo, db):
    link = await create_link(alice, f"/i/{photo['id']}", password=PASSWORD)
    await unlock(client, link)
    share = await share_of(db, link)
    await alice.post(f"/shares/{share['_id']}/revoke", {"confirm": "1"})
    for path in (link, f"{link}/large"):
        assert (await client.get(path)).code == 404
    assert (await unlock(client, link)).code == 404


async def test_password_guesses_are_throttled_per_link_and_address(alice, make_client, photo,
                                                                   clock):
    link = await create_link(alice, f"/i/{photo['id']}", password=PASSWORD)
    guesser = make_client()
    for attempt in range(10):
        assert (await unlock(guesser, link, f"guess number {attempt}")).code == 400
    refused = await unlock(guesser, link)  # even the right one, now
    assert refused.code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "share_unlock" not in guesser.cookies
    clock.advance(seconds=1)
    other = await create_link(alice, f"/i/{photo['id']}", password=PASSWORD)
    assert other != link
    assert (await unlock(guesser, other)).code == 303  # another link has its own count


async def test_album_password_guards_image_pages_and_bytes(alice, client, db):
    image = await upload_one(alice, jpeg(), title="In the album")
    album = (await alice.post("/albums", {"title": "Trip", "visibility": "private"})
             ).headers["Location"]
    await alice.post("/albums/add", {"album_id": album.rsplit("/", 1)[1],
                                     "image_id": image["id"]})
    link = await create_link(alice, album, password=PASSWORD)
    image_page = f"{link}/i/{image['id']}"
    page = text(await client.get(image_page))
    assert f'action="{image_page}"' in page and "In the album" not in page
    assert (await client.get(f"{image_page}/thumb")).code == 404
    response = await unlock(client, image_page)
    assert response.code == 303 and response.headers["Location"] == image_page
    assert "In the album" in text(await client.get(image_page))
    assert (await client.get(f"{image_page}/thumb")).code == 200


# ----- view limits -----

async def test_a_used_up_link_is_404_but_its_last_visitor_gets_the_images(
        alice, make_client, photo, db, clock):
    link = await create_link(alice, f"/i/{photo['id']}", max_views="2")
    first, second, third = make_client(), make_client(), make_client()
    assert (await first.get(link)).code == 200
    page = await second.get(link)
    assert page.code == 200
    assert f"Path={link}" in set_cookie(page, "share_grant")
    assert (await second.get(f"{link}/large")).code == 200  # the last view's own images
    assert (await second.get(f"{link}/full.jpg")).code == 200
    for visitor in (third, first, second):
        assert (await visitor.get(link)).code == 404
    for path in (f"{link}/large", f"{link}/thumb"):
        assert (await third.get(path)).code == 404
    clock.advance(hours=1, seconds=1)
    assert (await second.get(f"{link}/large")).code == 404  # the grant is short-lived
    assert (await share_of(db, link))["views"] == 2
    owner_page = text(await alice.get(f"/i/{photo['id']}"))
    assert "2 of 2 views" in owner_page and "used up" in owner_page


async def test_bytes_of_a_limited_link_need_a_counted_view(alice, client, photo, db):
    link = await create_link(alice, f"/i/{photo['id']}", max_views="5")
    assert (await client.get(f"{link}/large")).code == 404
    assert (await share_of(db, link))["views"] == 0
    assert (await client.get(link)).code == 200
    assert (await client.get(f"{link}/large")).code == 200


async def test_concurrent_visitors_never_overshoot_the_limit(alice, make_client, photo, db):
    link = await create_link(alice, f"/i/{photo['id']}", max_views="5")
    visitors = [make_client() for _ in range(16)]
    answers = await asyncio.wait_for(
        asyncio.gather(*(visitor.get(link) for visitor in visitors)), timeout=120)
    assert sorted(answer.code for answer in answers) == [200] * 5 + [404] * 11
    share = await share_of(db, link)
    assert share["views"] == 5 and len(share["log"]) == 5


async def test_paging_through_a_limited_album_spends_one_view(alice, client, make_client,
                                                              db, monkeypatch, clock):
    monkeypatch.setattr("app.images.pagination.PAGE_SIZE", 1)
    album = (await alice.post("/albums", {"title": "Trip", "visibility": "private"})
             ).headers["Location"]
    images = []
    for shade in (40, 200):
        clock.advance(seconds=1)  # newest first: the second upload is on the first page
        images.append(await upload_one(alice, jpeg(color=(shade, 0, 0))))
        await alice.post("/albums/add", {"album_id": album.rsplit("/", 1)[1],
                                         "image_id": images[-1]["id"]})
    link = await create_link(alice, album, max_views="1")
    first = text(await client.get(link))
    assert images[1]["id"] in first and images[0]["id"] not in first
    older = re.search(r'href="(\?after=[^"]+)"', first).group(1).replace("&amp;", "&")
    page_two = await client.get(link + older)
    assert page_two.code == 200 and images[0]["id"] in text(page_two)
    assert (await share_of(db, link))["views"] == 1
    assert (await make_client().get(link + older)).code == 404  # no grant


@pytest.mark.parametrize("value", ["0", "abc", "-1", "1000001", "1.5"])
async def test_a_bad_view_limit_is_400(alice, photo, db, value):
    response = await alice.post(f"/i/{photo['id']}/shares", {"max_views": value})
    assert response.code == 400
    assert await db.shares.count_documents({}) == 0


async def test_a_too_short_password_is_400(alice, photo, db):
    response = await alice.post(f"/i/{photo['id']}/shares", {"password": "short"})
    assert response.code == 400 and "at least 8" in text(response)
    assert await db.shares.count_documents({}) == 0


# ----- the view log -----

async def test_views_are_logged_with_a_device_and_no_address(alice, client, photo, db, clock):
    link = await create_link(alice, f"/i/{photo['id']}")
    await client.get(link, headers={"User-Agent": FIREFOX})
    await client.get(f"{link}/large", headers={"User-Agent": FIREFOX})  # not a view
    share = await share_of(db, link)
    assert share["log"] == [{"at": clock.now, "device": "Firefox 128 on Linux"}]
    assert "127.0.0.1" not in str(share)
    page = text(await alice.get(f"/i/{photo['id']}"))
    assert "View log (1)" in page and "Firefox 128 on Linux" in page
    await client.get(link, headers={"User-Agent": "<i>odd</i>"})  # shown as sent, escaped
    page = text(await alice.get(f"/i/{photo['id']}"))
    assert "&lt;i&gt;odd&lt;/i&gt;" in page and "<i>odd" not in page


async def test_the_log_keeps_the_newest_200_views(alice, client, photo, db, clock):
    link = await create_link(alice, f"/i/{photo['id']}")
    share = await share_of(db, link)
    old = [{"at": clock.now, "device": f"old {n}"} for n in range(200)]
    await db.shares.update_one({"_id": share["_id"]}, {"$set": {"log": old}})
    for _ in range(3):
        await client.get(link, headers={"User-Agent": FIREFOX})
    log = (await share_of(db, link))["log"]
    assert len(log) == 200
    assert log[0]["device"] == "old 3" and log[-1]["device"] == "Firefox 128 on Linux"


async def test_links_stored_before_locks_existed_open_and_log(alice, client, photo, db):
    link = await create_link(alice, f"/i/{photo['id']}")
    share = await share_of(db, link)
    await db.shares.update_one({"_id": share["_id"]},
                               {"$unset": {"password_hash": "", "max_views": "", "log": ""}})
    assert (await client.get(link)).code == 200
    assert (await client.get(f"{link}/large")).code == 200
    assert len((await share_of(db, link))["log"]) == 1
    assert "· 1 view" in text(await alice.get(f"/i/{photo['id']}"))


# ----- link previewers -----

async def test_previewers_keep_their_preview_of_an_ordinary_link_but_are_not_views(
        alice, client, photo, db):
    link = await create_link(alice, f"/i/{photo['id']}")
    page = text(await client.get(link, headers={"User-Agent": SLACK}))
    assert f'<meta property="og:image" content="{client.base_url}{link}/large">' in page
    assert '<meta property="og:title" content="Harbour at dawn">' in page
    share = await share_of(db, link)
    assert share["views"] == 0 and share["log"] == []


@pytest.mark.parametrize("form", [{"password": PASSWORD}, {"max_views": "3"}])
async def test_protected_links_give_previews_nothing(alice, make_client, photo, db, form):
    link = await create_link(alice, f"/i/{photo['id']}", **form)
    for agent in (SLACK, "Twitterbot/1.0", "facebookexternalhit/1.1", "Discordbot/2.0",
                  "WhatsApp/2.23.20.0", "TelegramBot (like TwitterBot)", "LinkedInBot/1.0"):
        page = await make_client().get(link, headers={"User-Agent": agent})
        assert page.code == 200
        assert "og:image" not in text(page) and "Harbour" not in text(page), agent
    assert (await make_client().request("HEAD", link)).code == 200
    assert (await share_of(db, link))["views"] == 0
    if "password" in form:
        return
    page = text(await make_client().get(link, headers={"User-Agent": FIREFOX}))
    assert "Harbour at dawn" in page  # a person sees it, and so does their page's title...
    assert "og:image" not in page  # ...but no preview card names or shows it
    assert '<meta property="og:title" content="Shared on Pixvault">' in page


# ----- audit -----

async def test_creating_and_revoking_are_audited(alice, photo, db):
    link = await create_link(alice, f"/i/{photo['id']}", max_views="3", password=PASSWORD)
    share = await share_of(db, link)
    await alice.post(f"/shares/{share['_id']}/revoke", {"confirm": "1"})
    alice_id = (await db.users.find_one({"username": "alice"}))["_id"]
    entries = await db.audit.find({}, {"_id": 0, "at": 0}).sort("_id").to_list(None)
    assert entries == [
        {"action": "share.create", "actor": alice_id, "target": share["_id"],
         "address": "127.0.0.1", "details": {"kind": "image", "target_id": photo["id"],
                                             "max_views": 3, "password": True}},
        {"action": "share.revoke", "actor": alice_id, "target": share["_id"],
         "address": "127.0.0.1", "details": {}},
    ]
