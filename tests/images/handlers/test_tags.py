"""Tags and search as people use them: tagging on the image page and from the gallery's
selection, finding by words, prefixes, tags and filters, and `/t/<tag>`, which lists only
what is public."""

import html
from urllib.parse import quote

import pytest

from app.images import access, pagination
from tests.client import text, upload_one
from tests.images.handlers.test_albums import create_album
from tests.images.handlers.test_bulk import post_bulk
from tests.images.images import jpeg, png


def found(page: str, *images: dict) -> list[bool]:
    return [f'href="/i/{image["id"]}"' in page for image in images]


async def owner_id(db, name: str) -> str:
    return (await db.users.find_one({"username": name}))["_id"]


async def tag(client, image: dict, tags: str, status: int = 302) -> None:
    response = await client.post(f"/i/{image['id']}/edit", {"tags": tags})
    assert response.code == status, response.body


async def test_owner_tags_on_the_image_page_and_sees_chips(alice, db):
    image = await upload_one(alice, jpeg())
    await tag(alice, image, "Beach,  Summer 2024 , beach")
    stored = await db.images.find_one({"_id": image["id"]})
    assert stored["tags"] == ["beach", "summer-2024"]
    page = text(await alice.get(f"/i/{image['id']}"))
    # The owner's chips find the tag among all their images.
    assert 'href="/gallery?tag=summer-2024"' in page
    assert 'value="beach, summer-2024"' in page  # the edit field, without script
    await tag(alice, image, "")
    assert (await db.images.find_one({"_id": image["id"]}))["tags"] == []


async def test_visitors_see_chips_linking_to_the_tag_page_only_when_public(alice, client):
    public = await upload_one(alice, jpeg(), visibility="public")
    unlisted = await upload_one(alice, jpeg(color=(0, 80, 0)), visibility="unlisted")
    for image in (public, unlisted):
        await tag(alice, image, "harbour")
    assert 'href="/t/harbour"' in text(await client.get(f"/i/{public['id']}"))
    page = text(await client.get(f"/i/{unlisted['id']}"))
    assert '<span class="tag">harbour</span>' in page
    assert "/t/harbour" not in page


async def test_hostile_tags_are_refused_or_made_harmless(alice, db):
    image = await upload_one(alice, jpeg(), visibility="public")
    await tag(alice, image, "x" * 41, status=400)
    await tag(alice, image, ",".join(f"t{i}" for i in range(21)), status=400)
    await tag(alice, image, "a" * 100_000, status=400)
    assert (await db.images.find_one({"_id": image["id"]}))["tags"] == []
    await tag(alice, image, '<img src=x onerror=alert(1)>, "quoted", zero\u200bwidth')
    stored = (await db.images.find_one({"_id": image["id"]}))["tags"]
    assert stored == ["img-src-x-onerror-alert-1", "quoted", "zero-width"]
    page = text(await alice.get(f"/i/{image['id']}"))
    assert "<img src=x" not in page and "\u200b" not in page


async def test_search_finds_by_words_prefixes_tags_and_file_names(alice):
    harbour = await upload_one(alice, jpeg(), "IMG_2041.JPG", title="Harbour at dusk")
    forest = await upload_one(alice, jpeg(color=(0, 90, 0)), "forest.jpg",
                              description="Pines in the rain")
    await tag(alice, forest, "New York")
    cases = {"harb": harbour, "DUSK": harbour, "img_20": harbour, "2041": harbour,
             "pine rain": forest, "york": forest, "new-york": forest, "ne yo": forest}
    for words, expected in cases.items():
        page = text(await alice.get(f"/gallery?q={quote(words)}"))
        other = forest if expected is harbour else harbour
        assert found(page, expected, other) == [True, False], words
    page = text(await alice.get("/gallery?tag=New%20York"))
    assert found(page, forest, harbour) == [True, False]
    # A tag filter is the whole tag: "new" is a word of it, not the tag.
    assert found(text(await alice.get("/gallery?tag=new")), forest) == [False]


async def test_filters_combine_with_words(alice, db, clock):
    album_id = await create_album(alice, "Trip")
    old = await upload_one(alice, jpeg(), title="Sea one", visibility="public")
    clock.advance(days=3)
    new_png = await upload_one(alice, png(), title="Sea two")
    await alice.post("/albums/add", {"image_id": old["id"], "album_id": album_id})
    day = clock().date()
    cases = {
        "q=sea&visibility=public": [True, False],
        f"q=sea&album={album_id}": [True, False],
        "q=sea&format=png": [False, True],
        "format=jpeg": [True, False],
        f"album={album_id}&sort=oldest": [True, False],
        f"q=sea&since={day.isoformat()}": [False, True],
        f"until={day.replace(day=day.day - 1).isoformat()}": [True, False],
        f"since={day.isoformat()}&until={day.isoformat()}&sort=title": [False, True],
    }
    for query, expected in cases.items():
        page = text(await alice.get(f"/gallery?{query}"))
        assert found(page, old, new_png) == expected, query


@pytest.mark.parametrize("query", ["format=svg", "since=yesterday", "until=2024-13-01",
                                   "until=9999-12-31",
                                   "album=..", "tag=%3C%3E", "q=a+b+c+d+e+f+g"])
async def test_bad_filters_are_400(alice, query):
    response = await alice.get(f"/gallery?{query}")
    assert response.code == 400


async def test_another_users_tags_and_words_are_never_found(alice, make_client):
    mine = await upload_one(alice, jpeg(), title="Secret harbour", visibility="public")
    await tag(alice, mine, "secret")
    bob = make_client()
    await bob.register("bob")
    for query in ("q=secret", "q=harbour", "tag=secret"):
        assert found(text(await bob.get(f"/gallery?{query}")), mine) == [False]
    # Bob cannot tag it either, nor through the selection.
    assert (await bob.post(f"/i/{mine['id']}/edit", {"tags": "mine"})).code == 403
    response = await post_bulk(bob, [("action", "tag_add"), ("tag", "mine"),
                                     ("image_id", mine["id"])])
    assert response.code in (403, 404)


async def test_trashed_images_are_never_found(alice):
    image = await upload_one(alice, jpeg(), title="Harbour", visibility="public")
    await tag(alice, image, "sea")
    assert (await alice.post(f"/i/{image['id']}/delete")).code == 302
    for path in ("/gallery?q=harb", "/gallery?tag=sea", "/t/sea"):
        assert found(text(await alice.get(path)), image) == [False], path


async def test_bulk_tagging_adds_and_removes_on_the_selection(alice, db):
    images = [await upload_one(alice, jpeg(color=(i * 60, 0, 0))) for i in range(3)]
    chosen = [image["id"] for image in images[:2]]
    response = await post_bulk(alice, [("action", "tag_add"), ("tag", " Dusk "),
                                       *[("image_id", i) for i in chosen],
                                       ("return", "/gallery")])
    assert response.code == 303
    assert "Tagged 2 images" in html.unescape(text(await alice.get("/gallery")))
    page = text(await alice.get("/gallery?q=dus"))
    assert found(page, *images) == [True, True, False]
    await post_bulk(alice, [("action", "tag_remove"), ("tag", "dusk"), ("image_id", chosen[0])])
    tagged = [doc["_id"] async for doc in db.images.find({"tags": "dusk"})]
    assert tagged == chosen[1:]
    response = await post_bulk(alice, [("action", "tag_add"), ("tag", "!!"),
                                       ("image_id", chosen[0])])
    assert response.code == 400


async def test_tag_page_lists_only_public_images_of_enabled_owners(alice, make_client, db):
    shown = await upload_one(alice, jpeg(), visibility="public")
    hidden = [await upload_one(alice, jpeg(color=(0, 0, 90 + i * 40)), visibility=kind)
              for i, kind in enumerate(("private", "unlisted"))]
    bob = make_client()
    await bob.register("bob")
    bobs = await upload_one(bob, jpeg(color=(9, 9, 9)), visibility="public")
    for client, image in [(alice, shown), (alice, hidden[0]), (alice, hidden[1]),
                          (bob, bobs)]:
        await tag(client, image, "sunset")
    page = text(await make_client().get("/t/sunset"))
    assert found(page, shown, *hidden, bobs) == [True, False, False, True]
    await access.set_owner_hidden(db, await owner_id(db, "bob"), True)
    assert found(text(await alice.get("/t/sunset")), shown, bobs) == [True, False]


async def test_tag_page_addresses(client, alice):
    response = await client.get("/t/New%20York?after=x")
    assert response.code == 301
    assert response.headers["Location"] == "/t/new-york?after=x"
    for junk in ("%3C%3E", "x" * 41):
        assert (await client.get(f"/t/{junk}")).code == 404
    assert "No public images" in text(await client.get("/t/nothing-here"))


async def test_tag_page_is_paginated(alice, make_client, monkeypatch, clock):
    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    uploaded = []
    for i in range(3):
        clock.advance(seconds=1)
        uploaded.append(await upload_one(alice, jpeg(color=(i * 70, 9, 9)), visibility="public"))
        await tag(alice, uploaded[-1], "walk")
    visitor = make_client()
    first = text(await visitor.get("/t/walk"))
    assert found(first, *uploaded) == [False, True, True]
    after = first.split('href="?after=')[1].split('"')[0]
    assert found(text(await visitor.get(f"/t/walk?after={after}")), *uploaded)[0]
