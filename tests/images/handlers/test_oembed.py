"""oEmbed and link previews: what chat apps and CMSs learn about a page, and that their
fetchers never spend a share link's views."""

import html
import io
import re
import urllib.parse

import pytest
from PIL import Image

from tests.client import json_body, text, upload_one
from tests.images.handlers.test_shares import create_link
from tests.images.images import jpeg

# User agents of the fetchers chat apps send for a link's preview card.
PREVIEWERS = {
    "Slack": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Discord": "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Telegram": "TelegramBot (like TwitterBot)",
    "WhatsApp": "WhatsApp/2.23.20.0 A",
    "Facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "X": "Twitterbot/1.0",
    "iMessage": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, "
                "like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot "
                "Twitterbot/1.0",
}


async def oembed(client, url: str, **extra):
    query = urllib.parse.urlencode({"url": url, "format": "json", **extra})
    return await client.get(f"/oembed?{query}")


def discovered(page: str) -> str:
    """The path of the page's oEmbed discovery link."""
    found = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"',
                      page)
    assert found, page
    return re.sub(r"^https?://[^/]+", "", html.unescape(found.group(1)))


@pytest.fixture
async def public_image(alice):
    return await upload_one(alice, jpeg(size=(2000, 1000)), title="Harbour", visibility="public")


async def test_a_public_image_page_is_discovered_and_embedded(client, public_image):
    page = text(await client.get(f"/i/{public_image['id']}"))
    response = await client.get(discovered(page))
    assert response.code == 200
    body = json_body(response)
    assert body["type"] == "photo" and body["version"] == "1.0"
    assert body["url"] == f"{client.base_url}/i/{public_image['id']}/large"
    assert (body["width"], body["height"]) == (1600, 800)
    assert body["title"] == "Harbour" and body["author_name"] == "alice"
    assert (await client.get(body["url"].removeprefix(client.base_url))).code == 200


@pytest.mark.parametrize(("bounds", "expected"), [
    ({"maxwidth": "700"}, ("thumb2x", 640, 320)),
    ({"maxwidth": "400", "maxheight": "500"}, ("thumb", 320, 160)),
    ({"maxwidth": "100"}, ("/r/", 100, 50)),
    ({"maxheight": "30"}, ("/r/", 60, 30)),
])
async def test_maxwidth_and_maxheight_pick_a_variant_or_a_rendition(client, public_image,
                                                                    bounds, expected):
    body = json_body(await oembed(client, f"{client.base_url}/i/{public_image['id']}",
                                  **bounds))
    where, width, height = expected
    assert where in body["url"]
    assert (body["width"], body["height"]) == (width, height)
    fetched = await client.get(body["url"].removeprefix(client.base_url))
    assert fetched.code == 200
    assert Image.open(io.BytesIO(fetched.body)).size == (width, height)


async def test_only_what_a_signed_out_visitor_sees_is_answered(alice, client, public_image,
                                                              db):
    private = await upload_one(alice, jpeg(color=(1, 2, 3)), title="Mine")
    unlisted = await upload_one(alice, jpeg(color=(4, 5, 6)), visibility="unlisted")
    base = client.base_url
    assert (await oembed(client, f"{base}/i/{unlisted['id']}")).code == 200
    for url in (f"{base}/i/{private['id']}",  # the owner asking changes nothing
                f"https://elsewhere.example/i/{public_image['id']}",
                f"{base}/i/{public_image['id']}/large", f"{base}/gallery",
                f"{base}/s/not-a-link", "javascript:alert(1)"):
        response = await oembed(alice, url)
        assert response.code == 404, url
        assert "Mine" not in text(response)
    page = text(await alice.get(f"/i/{private['id']}"))
    assert "json+oembed" not in page
    await alice.post(f"/i/{public_image['id']}/delete")
    assert (await oembed(client, f"{base}/i/{public_image['id']}")).code == 404


async def test_share_links_embed_under_the_link_unless_protected(alice, client, db):
    image = await upload_one(alice, jpeg(size=(800, 600)), title="Secret trip")
    link = await create_link(alice, f"/i/{image['id']}")
    page = text(await client.get(link, headers={"User-Agent": PREVIEWERS["Slack"]}))
    body = json_body(await client.get(discovered(page)))
    assert body["url"] == f"{client.base_url}{link}/large"
    assert "author_name" not in body
    small = json_body(await oembed(client, client.base_url + link, maxwidth="50"))
    assert small["url"].startswith(f"{client.base_url}{link}/r/")
    assert (await client.get(small["url"].removeprefix(client.base_url))).code == 200
    for n, form in enumerate(({"password": "open sesame 1"}, {"max_views": "5"})):
        other = await upload_one(alice, jpeg(color=(9, 100 * n, 9)), title="Secret trip")
        locked = await create_link(alice, f"/i/{other['id']}", **form)
        assert (await oembed(client, client.base_url + locked)).code == 404
        gate = text(await client.get(locked, headers={"User-Agent": PREVIEWERS["X"]}))
        assert "json+oembed" not in gate
    assert (await db.shares.find_one({"target_id": image["id"]}))["views"] == 0


async def test_only_json_is_offered(client, public_image):
    url = f"{client.base_url}/i/{public_image['id']}"
    assert (await client.get("/oembed?" + urllib.parse.urlencode(
        {"url": url, "format": "xml"}))).code == 501
    assert (await oembed(client, url, maxwidth="wide")).code == 400
    assert (await client.get("/oembed")).code == 400


async def test_previewers_and_head_requests_never_spend_views(alice, make_client, db):
    image = await upload_one(alice, jpeg(), title="Harbour")
    link = await create_link(alice, f"/i/{image['id']}", max_views="1")
    album = (await alice.post("/albums", {"title": "Trip", "visibility": "private"})
             ).headers["Location"]
    await alice.post("/albums/add", {"album_id": album.rsplit("/", 1)[1],
                                     "image_id": image["id"]})
    album_link = await create_link(alice, album, max_views="1")
    for name, agent in PREVIEWERS.items():
        for path in (link, album_link):
            response = await make_client().get(path, headers={"User-Agent": agent})
            assert response.code == 200, name
            assert "Harbour" not in text(response), name
            assert (await make_client().request("HEAD", path)).code == 200
    assert {share["views"] async for share in db.shares.find()} == {0}
    person = make_client()
    assert "Harbour" in text(await person.get(link))  # the one real view is still there
