"""Share links and albums through the API, and `/api/v1/me`."""

import datetime

from tests.api.handlers.test_images import api_upload
from tests.client import json_body, text
from tests.images.images import jpeg, png


async def test_share_a_private_image_then_revoke(api, client, db, clock):
    image = json_body(await api_upload(api, jpeg()))
    response = await api.post(f"/api/v1/images/{image['id']}/shares",
                              json_data={"expires_in": 3600, "label": "for Sam"})
    assert response.code == 201, response.body
    share = json_body(response)
    assert share["url"].startswith(f"{api.base_url}/s/")
    assert (share["kind"], share["target_id"], share["label"]) == ("image", image["id"],
                                                                   "for Sam")
    assert share["expires"] is not None and share["revoked"] is False
    stored = await db.shares.find_one({})
    assert stored["_id"] == share["id"]
    assert share["url"].rsplit("/", 1)[1] not in str(stored)
    assert (await client.get(share["url"].removeprefix(api.base_url))).code == 200
    listed = json_body(await api.get("/api/v1/shares"))["items"]
    assert [s["id"] for s in listed] == [share["id"]]
    assert listed[0]["url"] == share["url"]  # the owner can copy it again
    assert json_body(await api.get(f"/api/v1/shares?target_id={image['id']}"))["items"]
    assert (await api.delete(f"/api/v1/shares/{share['id']}")).code == 204
    assert (await client.get(share["url"].removeprefix(api.base_url))).code == 404
    assert json_body(await api.get("/api/v1/shares"))["items"][0]["revoked"] is True
    # Revoked, not forgotten: its owner still reads it, and its view log.
    kept = json_body(await api.get(f"/api/v1/shares/{share['id']}"))
    assert kept["revoked"] is True and len(kept["log"]) == 1


async def test_share_validation_and_ownership(api, bob_api):
    image = json_body(await api_upload(api, jpeg(), fields={"visibility": "public"}))
    path = f"/api/v1/images/{image['id']}/shares"
    for bad in ({"expires_in": 5}, {"expires_in": "soon"}, {"ttl": 60}):
        assert (await api.post(path, json_data=bad)).code == 400, bad
    assert (await api.post(path, json_data={"expires_in": None})).code == 201
    assert (await bob_api.post(path, json_data={})).code == 403
    share_id = json_body(await api.get("/api/v1/shares"))["items"][0]["id"]
    assert (await bob_api.delete(f"/api/v1/shares/{share_id}")).code == 404


async def test_album_lifecycle(api, client, db):
    created = await api.post("/api/v1/albums", json_data={"title": "Trip",
                                                          "visibility": "unlisted"})
    assert created.code == 201, created.body
    album = json_body(created)
    assert album["page_url"] == f"{api.base_url}/a/{album['id']}"
    first = json_body(await api_upload(api, jpeg(), fields={"visibility": "unlisted"}))
    second = json_body(await api_upload(api, png()))
    path = f"/api/v1/albums/{album['id']}"
    for image in (first, second):
        assert (await api.put(f"{path}/images/{image['id']}")).code == 204
    assert (await api.put(f"{path}/images/{first['id']}")).code == 204  # idempotent
    mine = json_body(await api.get(f"{path}/images"))["items"]
    assert {i["id"] for i in mine} == {first["id"], second["id"]}
    assert json_body(await api.get(path))["cover"] == first["id"]
    edited = await api.patch(path, json_data={"title": "Trip 2026", "cover": second["id"]})
    assert (json_body(edited)["title"], json_body(edited)["cover"]) == ("Trip 2026",
                                                                        second["id"])
    assert (await api.patch(path, json_data={"cover": "x" * 22})).code == 400
    assert (await api.patch(path, json_data={"title": ""})).code == 400
    listed = json_body(await api.get("/api/v1/albums"))
    assert [a["id"] for a in listed["items"]] == [album["id"]]
    assert (await api.delete(f"{path}/images/{second['id']}")).code == 204
    share = json_body(await api.post(f"{path}/shares", json_data={}))
    assert share["kind"] == "album"
    assert (await client.get(share["url"].removeprefix(api.base_url))).code == 200
    assert (await api.delete(path)).code == 204
    assert (await api.get(path)).code == 404
    # In the trash it keeps its images; deleting it forever lets them go.
    assert await db.images.count_documents({"album_ids": album["id"]}) == 1
    assert (await api.delete(f"/api/v1/trash/albums/{album['id']}")).code == 204
    assert await db.images.count_documents({"album_ids": album["id"]}) == 0
    assert await db.images.count_documents({}) == 2


async def test_albums_of_others(api, bob_api):
    private = json_body(await api.post("/api/v1/albums", json_data={"title": "Mine"}))
    public = json_body(await api.post("/api/v1/albums", json_data={
        "title": "Look", "visibility": "public"}))
    bob_image = json_body(await api_upload(bob_api, jpeg()))
    assert (await bob_api.get(f"/api/v1/albums/{private['id']}")).code == 404
    assert (await bob_api.get(f"/api/v1/albums/{public['id']}")).code == 200
    assert (await bob_api.patch(f"/api/v1/albums/{public['id']}",
                                json_data={"title": "Bob's"})).code == 403
    assert (await bob_api.put(f"/api/v1/albums/{public['id']}/images/"
                              f"{bob_image['id']}")).code == 403
    assert (await api.put(f"/api/v1/albums/{public['id']}/images/"
                          f"{bob_image['id']}")).code == 404


async def test_me(api, db):
    await api_upload(api, jpeg())
    me = json_body(await api.get("/api/v1/me"))
    user = await db.users.find_one({"username": "alice"})
    assert me == {"id": user["_id"], "username": "alice", "role": "user",
                  "created": me["created"], "default_visibility": "private",
                  "used_bytes": user["used_bytes"], "quota_bytes": None}
    assert me["used_bytes"] > 0


async def test_me_reports_the_quota_in_force(app, api, db):
    app.settings["default_quota_mb"] = 5
    assert json_body(await api.get("/api/v1/me"))["quota_bytes"] == 5 * 1024 * 1024
    await db.users.update_one({"username": "alice"}, {"$set": {"quota_bytes": 12345}})
    assert json_body(await api.get("/api/v1/me"))["quota_bytes"] == 12345


async def test_api_guide_page(client):
    page = text(await client.get("/api"))
    assert "curl -H \"Authorization: Bearer $PIXVAULT_TOKEN\"" in page
    assert "/api/v1/openapi.json" in page


async def test_share_expiry_defaults_to_a_week_and_null_is_never(api, clock):
    image = json_body(await api_upload(api, jpeg()))
    path = f"/api/v1/images/{image['id']}/shares"
    default = json_body(await api.post(path, json_data={}))
    assert default["expires"] == (clock.now + datetime.timedelta(days=7)).isoformat().replace(
        "+00:00", "Z")
    assert json_body(await api.post(path, json_data={"expires_in": None}))["expires"] is None
    listing = await api.get("/api/v1/shares")
    assert listing.headers["Cache-Control"] == "no-store"  # it holds live links
