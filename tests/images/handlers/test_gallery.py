"""The owner's gallery, the image page, editing and deleting."""

import html
import re
from urllib.parse import urlencode

import pytest

from app.db import utcnow
from app.images import pagination
from app.images.pagination import NEWEST_FIRST, encode_cursor, following
from tests.client import text, upload_one
from tests.images.images import jpeg


async def test_gallery_pages_newest_first_without_overlap(alice, monkeypatch, clock):
    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    uploaded = []
    for i in range(5):
        clock.advance(seconds=1)
        uploaded.append((await upload_one(alice, jpeg(color=(i * 40, 0, 0))))["id"])
    # Two uploads in the same millisecond: the id breaks the tie and nothing is skipped.
    twin = (await upload_one(alice, jpeg(color=(0, 0, 250))))["id"]
    expected = sorted([uploaded.pop(), twin], reverse=True) + uploaded[::-1]
    seen, url, pages_walked = [], "/gallery", 0
    while url:
        page = text(await alice.get(url))
        pages_walked += 1
        seen += sorted((i for i in expected if f'href="/i/{i}"' in page),
                       key=lambda i: page.index(f'href="/i/{i}"'))
        next_link = re.search(r'href="(\?after=[^"]+)" rel="next"', page)
        url = next_link and "/gallery" + next_link.group(1)
    assert seen == expected
    assert pages_walked == 3


async def test_gallery_thumbnails_are_lazy_with_dimensions(alice):
    await upload_one(alice, jpeg(size=(640, 480)))
    page = text(await alice.get("/gallery"))
    assert 'loading="lazy"' in page
    assert 'width="320" height="240"' in page


async def test_bad_cursor_is_400(alice):
    assert (await alice.get("/gallery?before=%%%")).code == 400
    assert (await alice.get("/gallery?before=bm90LWEtY3Vyc29y")).code == 400


async def test_gallery_query_uses_the_compound_index(db):
    cursor = encode_cursor({"created": utcnow(), "_id": "x"})
    for query in following({"owner_id": "u1"}, cursor):
        plan = await db.images.find(query).sort(NEWEST_FIRST).limit(31).explain()
        winning = str(plan["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in winning
        assert "owner_id_1_created_-1__id_-1" in winning


async def test_gallery_shows_only_my_images(alice, make_client):
    bob = make_client()
    await bob.register("bob")
    await upload_one(bob, jpeg(), title="bobs-photo", visibility="public")
    assert "bobs-photo" not in text(await alice.get("/gallery"))


async def test_image_page_for_owner(alice):
    image = await upload_one(alice, jpeg(size=(300, 200)), title="Sunset <3")
    page = text(await alice.get(f"/i/{image['id']}"))
    assert "Sunset &lt;3" in page
    assert "300 × 200" in page
    assert f'action="/i/{image["id"]}/delete"' in page
    assert f'/i/{image["id"]}/original.jpg?download=1' in page
    assert f'<meta property="og:image" content="{alice.base_url}/i/{image["id"]}/large">' in page


async def test_image_page_for_visitor_has_no_owner_controls(alice, client):
    image = await upload_one(alice, jpeg(), visibility="unlisted")
    page = text(await client.get(f"/i/{image['id']}"))
    assert "Delete image" not in page
    assert "/original" not in page
    assert "alice" in page


async def test_edit_title_description_visibility(alice, db):
    image = await upload_one(alice, jpeg())
    response = await alice.post(f"/i/{image['id']}/edit", {
        "title": "New title", "description": "Line one\nLine two", "visibility": "public"})
    assert response.code == 302
    assert response.headers["Location"] == f"/i/{image['id']}"
    stored = await db.images.find_one({"_id": image["id"]})
    assert (stored["title"], stored["description"], stored["visibility"]) == (
        "New title", "Line one\nLine two", "public")


async def test_edit_rejects_unknown_visibility(alice, db):
    image = await upload_one(alice, jpeg())
    response = await alice.post(f"/i/{image['id']}/edit", {"visibility": "world"})
    assert response.code == 400
    assert (await db.images.find_one({"_id": image["id"]}))["visibility"] == "private"


@pytest.mark.parametrize(("visibility", "status"), [("private", 404), ("public", 403)])
async def test_others_cannot_edit_or_delete(alice, make_client, db, visibility, status):
    image = await upload_one(alice, jpeg(), visibility=visibility)
    bob = make_client()
    await bob.register("bob")
    assert (await bob.post(f"/i/{image['id']}/edit", {"title": "pwned"})).code == status
    assert (await bob.post(f"/i/{image['id']}/delete")).code == status
    stored = await db.images.find_one({"_id": image["id"]})
    assert stored["title"] == ""


async def test_edit_and_delete_need_xsrf(alice, db):
    image = await upload_one(alice, jpeg())
    assert (await alice.post(f"/i/{image['id']}/edit", {"title": "x"}, xsrf=False)).code == 403
    assert (await alice.post(f"/i/{image['id']}/delete", xsrf=False)).code == 403
    assert await db.images.count_documents({}) == 1


async def test_delete_without_trash_removes_document_and_every_file(alice, db, app):
    app.settings["trash_days"] = 0  # deleting is for good, so it asks first
    image = await upload_one(alice, jpeg(size=(900, 700)))
    assert await db["images.chunks"].count_documents({}) > 0
    response = await alice.post(f"/i/{image['id']}/delete", {"confirm": "1"})
    assert response.code == 302
    assert response.headers["Location"] == "/gallery"
    assert await db.images.count_documents({}) == 0
    assert await db["images.files"].count_documents({}) == 0
    assert await db["images.chunks"].count_documents({}) == 0
    assert (await alice.get(f"/i/{image['id']}/full.jpg")).code == 404
    user = await db.users.find_one({"username": "alice"})
    assert user["used_bytes"] == 0


async def test_admin_may_delete_any_image(alice, make_client, db):
    image = await upload_one(alice, jpeg())
    admin = make_client()
    await admin.register("moderator")
    await db.users.update_one({"username": "moderator"}, {"$set": {"role": "admin"}})
    assert (await admin.get(f"/i/{image['id']}")).code == 404  # private stays private
    assert (await admin.post(f"/i/{image['id']}/delete", {"confirm": "1"})).code == 302
    assert await db.images.count_documents({}) == 0


def gallery_ids(page: str, ids: list[str]) -> list[str]:
    """The ids among `ids` whose thumbnails the page shows, in page order."""
    shown = [i for i in ids if f'href="/i/{i}"' in page]
    return sorted(shown, key=lambda i: page.index(f'href="/i/{i}"'))


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="(\?[^"]+)" rel="{rel}"', page)
    return found and "/gallery" + html.unescape(found.group(1))


async def test_newer_and_older_pages_keep_the_search(alice, clock, monkeypatch):
    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    ids = []
    for i in range(5):
        clock.advance(seconds=1)
        ids.append((await upload_one(alice, jpeg(color=(i * 50, 9, 9)),
                                     title=f"Boat {i}"))["id"])
    await upload_one(alice, jpeg(color=(9, 9, 99)), title="Car")
    pages, url = [], "/gallery?q=boa"
    while url:
        page = text(await alice.get(url))
        pages.append(gallery_ids(page, ids))
        last_url, url = url, link(page, "next")
    assert pages == [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]
    assert "q=boa" in last_url
    back, url = [], link(page, "prev")
    while url:
        page = text(await alice.get(url))
        back.append(gallery_ids(page, ids))
        assert link(page, "next")
        url = link(page, "prev")
    assert back == [[ids[2], ids[1]], [ids[4], ids[3]]]
    assert 'rel="prev">Newer</a>' in text(await alice.get(last_url))


@pytest.mark.parametrize(("sort", "expected"), [
    ("newest", ["small", "large", "medium"]),
    ("oldest", ["medium", "large", "small"]),
    ("title", ["large", "medium", "small"]),
    ("size", ["large", "medium", "small"]),
])
async def test_sorts(alice, clock, sort, expected):
    ids = {}
    for title, size in (("medium", (300, 200)), ("large", (900, 700)), ("small", (40, 30))):
        clock.advance(seconds=1)
        ids[title] = (await upload_one(alice, jpeg(size=size, quality=95), title=title))["id"]
    page = text(await alice.get(f"/gallery?sort={sort}"))
    assert gallery_ids(page, list(ids.values())) == [ids[title] for title in expected]
    assert f'<option value="{sort}" selected>' in page


async def test_search_by_title_description_and_file_name(alice):
    harbour = await upload_one(alice, jpeg(), "IMG_2041.jpg", title="Harbour at dusk")
    cafe = await upload_one(alice, jpeg(color=(1, 2, 3)), "c.jpg", title="Café",
                            description="Rainy evening in town")
    ids = [harbour["id"], cafe["id"]]

    async def found(query: str) -> list[str]:
        return gallery_ids(text(await alice.get(f"/gallery?{urlencode({'q': query})}")), ids)

    assert await found("harb") == [harbour["id"]]
    assert await found("DUSK harbour") == [harbour["id"]]
    assert await found("img_2041") == [harbour["id"]]
    assert await found("cafe") == [cafe["id"]]
    assert await found("rainy town") == [cafe["id"]]
    assert await found("harbour rainy") == []
    assert "No images match “zebra”." in text(await alice.get("/gallery?q=zebra"))


async def test_search_sees_only_my_images(alice, make_client):
    bob = make_client()
    await bob.register("bob")
    await upload_one(bob, jpeg(), title="Harbour", visibility="public")
    assert "/i/" not in text(await alice.get("/gallery?q=harbour")).split("</h1>", 1)[1]


async def test_visibility_filter(alice):
    private = await upload_one(alice, jpeg(), title="a")
    public = await upload_one(alice, jpeg(color=(5, 5, 5)), title="b", visibility="public")
    ids = [private["id"], public["id"]]
    assert gallery_ids(text(await alice.get("/gallery?visibility=public")), ids) == [
        public["id"]]
    assert gallery_ids(text(await alice.get("/gallery?visibility=private")), ids) == [
        private["id"]]


@pytest.mark.parametrize("query", [
    "sort=colour", "visibility=friends", "q=a+b+c+d+e+f+g", "after=x&before=y"])
async def test_bad_gallery_query_is_400(alice, query):
    await upload_one(alice, jpeg())
    assert (await alice.get(f"/gallery?{query}")).code == 400


async def test_thumbnails_carry_what_the_viewer_shows(alice):
    image = await upload_one(alice, jpeg(size=(2000, 1000)), title="Wide <view>",
                             alt="Sea and sky")
    page = text(await alice.get("/gallery"))
    link_tag = re.search(rf'<a href="/i/{image["id"]}"[^>]*>', page).group(0)
    assert 'data-viewer-item' in link_tag
    assert 'data-title="Wide &lt;view&gt;" data-alt="Sea and sky"' in link_tag
    assert f'data-large="/i/{image["id"]}/large" data-large-width="1600"' in link_tag
    assert f'data-full="/i/{image["id"]}/full.jpg"' in link_tag
    assert 'data-width="2000" data-height="1000"' in link_tag


async def test_delete_without_trash_asks_first_without_javascript(alice, db, app):
    app.settings["trash_days"] = 0  # deleting is for good, so it asks first
    image = await upload_one(alice, jpeg(), title="Keep me?")
    response = await alice.post(f"/i/{image['id']}/delete", {"return": "/gallery?q=x"})
    assert response.code == 303
    assert response.headers["Location"] == f"/i/{image['id']}/delete?return=%2Fgallery%3Fq%3Dx"
    assert await db.images.count_documents({}) == 1
    page = text(await alice.get(response.headers["Location"]))
    assert "<h1>Delete this image?</h1>" in page
    assert f'<form method="post" action="/i/{image["id"]}/delete"' in page
    assert '<input type="hidden" name="confirm" value="1">' in page
    assert '<input type="hidden" name="return" value="/gallery?q=x">' in page
    assert 'href="/gallery?q=x">Cancel</a>' in page
    assert 'alt="Keep me?"' in page
    response = await alice.post(f"/i/{image['id']}/delete",
                                {"return": "/gallery?q=x", "confirm": "1"})
    assert response.headers["Location"] == "/gallery?q=x"
    assert await db.images.count_documents({}) == 0


async def test_delete_confirmation_page_is_the_owners(alice, make_client):
    image = await upload_one(alice, jpeg(), visibility="public")
    bob = make_client()
    await bob.register("bob")
    assert (await bob.get(f"/i/{image['id']}/delete")).code == 403
    assert (await bob.get("/i/AAAAAAAAAAAAAAAAAAAAAA/delete")).code == 404
    assert (await make_client().get(f"/i/{image['id']}/delete")).code == 302  # sign in
