"""Compressed answers, and the answers that must not be compressed: those showing secrets."""

import json
import re

from tests.client import text, upload_one
from tests.images.images import jpeg


async def fetch(client, path: str, method: str = "GET", **kwargs):
    """A request that accepts gzip and leaves the body as the server sent it."""
    headers = {"Accept-Encoding": "gzip", **kwargs.pop("headers", {})}
    return await client.request(method, path, headers=headers, decompress_response=False,
                                **kwargs)


def encoding(response) -> str:
    return response.headers.get("Content-Encoding", "identity")


async def test_pages_scripts_styles_and_json_are_compressed(alice):
    page = await fetch(alice, "/upload")
    assert encoding(page) == "gzip" and "Accept-Encoding" in page.headers["Vary"]
    links = text(await alice.get("/upload"))
    for asset in ("style.css", "css/upload.css", "js/uploader.js"):
        url = links.split(f'/{asset}"')[0].rsplit('"', 1)[1] + f"/{asset}"
        assert encoding(await fetch(alice, url)) == "gzip", asset
    assert encoding(await fetch(alice, "/api/v1/openapi.json")) == "gzip"


async def test_image_bytes_are_sent_as_they_are(alice):
    image = await upload_one(alice, jpeg(size=(900, 600)))
    for variant in ("full", "large", "thumb"):
        response = await fetch(alice, image["urls"][variant].removeprefix(alice.base_url))
        assert response.code == 200 and encoding(response) == "identity"


async def test_a_new_api_token_is_never_compressed_nor_stored(alice):
    response = await fetch(alice, "/account/tokens", "POST", headers={
        "Content-Type": "application/x-www-form-urlencoded"},
        body=f"name=laptop&_xsrf={await alice.xsrf_token()}")
    assert response.code == 303  # then the page shows the new token, once
    shown = await fetch(alice, "/account")
    assert "laptop" in text(shown) and 'id="new-token"' in text(shown)
    assert encoding(shown) == "identity"
    assert shown.headers["Cache-Control"] == "no-store"
    api = await fetch(alice, "/api/v1/tokens", "POST", body=json.dumps({"name": "cli"}),
                      headers={"Content-Type": "application/json",
                               "X-XSRFToken": await alice.xsrf_token()})
    assert api.code == 201 and encoding(api) == "identity"
    assert api.headers["Cache-Control"] == "no-store"
    # Listing tokens shows no secret: private like any API answer, not no-store.
    listed = await fetch(alice, "/api/v1/tokens")
    assert listed.headers["Cache-Control"] == "private, no-cache"


async def test_a_page_showing_a_usable_share_link_is_never_compressed(alice):
    image = await upload_one(alice, jpeg())
    page = f"/i/{image['id']}"
    assert encoding(await fetch(alice, page)) == "gzip"
    created = await alice.post(f"{page}/shares", {"expires_in": "", "label": "For a friend"})
    assert created.code == 303
    # The owner's page lists the live link, copyable: never compressed, never stored.
    shown = await fetch(alice, page)
    assert "/s/" in text(shown)
    assert encoding(shown) == "identity" and shown.headers["Cache-Control"] == "no-store"
    share_id = re.search(r"/shares/([0-9a-f]{64})/revoke", text(shown)).group(1)
    await alice.post(f"/shares/{share_id}/revoke", {"confirm": "1"})
    # Once no live link is shown, the page is compressed again.
    assert encoding(await fetch(alice, page)) == "gzip"
