"""Edges of the API's contract: a public document, closed upload forms, complete lists."""

import datetime

from tests.client import json_body, multipart
from tests.images.images import png


async def test_openapi_document_needs_no_credentials_even_with_a_stale_token(api, client):
    """`/openapi.json` declares `security: []`: a stale token a tool attaches is ignored."""
    response = await client.get("/api/v1/openapi.json",
                                headers={"Authorization": "Bearer revoked-or-typo"})
    assert response.code == 200, response.code


async def test_multipart_upload_rejects_unknown_fields(api):
    """A typo like `visibilty` is a 400, not a silently private upload."""
    content_type, body = multipart([("a.png", png())], {"visibilty": "public"})
    response = await api.post("/api/v1/images", body=body,
                              headers={"Content-Type": content_type})
    assert response.code == 400, (response.code, response.body[:200])


async def test_share_list_pages_through_every_link(api, db):
    """The share list is keyset-paginated like the others: no link is out of reach."""
    me = json_body(await api.get("/api/v1/me"))
    now = datetime.datetime.now(datetime.UTC)
    await db.shares.insert_many([
        {"_id": f"{i:064x}", "kind": "image", "target_id": "A" * 22, "owner_id": me["id"],
         "label": "", "created": now - datetime.timedelta(seconds=i), "expires": None,
         "revoked": False, "views": 0} for i in range(501)])
    seen, cursor = [], None
    while True:
        page = json_body(await api.get("/api/v1/shares?limit=100"
                                       + (f"&cursor={cursor}" if cursor else "")))
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"{i:064x}" for i in range(501)]
