"""`/api/v1/.../drops` and `/api/v1/inbox`: drop links made, listed and revoked by script,
and the inbox approved and rejected by script, each for the owner only."""

from tests.client import json_body
from tests.images.handlers.test_drops import send
from tests.images.images import jpeg

MIB = 1024 * 1024


async def test_drop_links_and_the_inbox_through_the_api(api, bob_api, make_client, db):
    album = json_body(await api.post("/api/v1/albums", json_data={"title": "Party"}))
    response = await api.post(f"/api/v1/albums/{album['id']}/drops",
                              json_data={"max_files": 3, "label": "Send us your photos"})
    assert response.code == 201, response.body
    assert response.headers["Cache-Control"] == "no-store"
    drop = json_body(response)
    assert (drop["label"], drop["max_files"], drop["files"], drop["used_up"]) == (
        "Send us your photos", 3, 0, False)
    assert drop["max_file_bytes"] == 50 * MIB and drop["max_bytes"] == 500 * MIB
    assert drop["expires"] > drop["created"]  # a week unless said otherwise
    path = drop["url"].removeprefix(api.base_url)

    guest = make_client()
    for color in ((1, 1, 1), (2, 2, 2)):
        assert (await send(guest, path, [("g.jpg", jpeg(color))])).code == 201
    listed = json_body(await api.get("/api/v1/inbox?limit=1"))
    assert len(listed["items"]) == 1 and listed["next_cursor"]
    items = listed["items"] + json_body(
        await api.get(f"/api/v1/inbox?cursor={listed['next_cursor']}"))["items"]
    assert {item["dropped"]["album_id"] for item in items} == {album["id"]}
    assert all(item["visibility"] == "private" for item in items)
    assert json_body(await api.get("/api/v1/images"))["items"] == []
    assert json_body(await bob_api.get("/api/v1/inbox"))["items"] == []

    first, second = (item["id"] for item in items)
    # Someone else's approval or rejection touches nothing.
    for action in ("approve", "reject"):
        answer = await bob_api.post(f"/api/v1/inbox/{action}", json_data={"all": True})
        assert json_body(answer) == {"count": 0}
    approve = await api.post("/api/v1/inbox/approve", json_data={"image_ids": [first]})
    assert json_body(approve) == {"count": 1}
    reject = await api.post("/api/v1/inbox/reject", json_data={"image_ids": [second, first]})
    assert json_body(reject) == {"count": 1}  # the approved one is no longer in the inbox
    shown = json_body(await api.get(f"/api/v1/albums/{album['id']}/images"))["items"]
    assert [image["id"] for image in shown] == [first]
    assert await db.images.count_documents({}) == 1

    mine = json_body(await api.get(f"/api/v1/drops?album_id={album['id']}"))["items"]
    assert [(d["id"], d["files"]) for d in mine] == [(drop["id"], 2)]
    assert json_body(await bob_api.get("/api/v1/drops"))["items"] == []
    assert (await bob_api.delete(f"/api/v1/drops/{drop['id']}")).code == 404
    assert (await bob_api.get(f"/api/v1/drops/{drop['id']}")).code == 404
    assert (await api.delete(f"/api/v1/drops/{drop['id']}")).code == 204
    revoked = json_body(await api.get(f"/api/v1/drops/{drop['id']}"))
    assert revoked["revoked"] and "url" not in revoked
    assert (await guest.get(path)).code == 404


async def test_drop_link_limits_are_checked(api, bob_api):
    album = json_body(await api.post("/api/v1/albums", json_data={"title": "Party"}))
    for body in ({"max_files": 0}, {"max_file_bytes": 51 * MIB},
                 {"max_bytes": MIB, "max_file_bytes": 2 * MIB}, {"expires_in": 10},
                 {"colour": "red"}):
        response = await api.post(f"/api/v1/albums/{album['id']}/drops", json_data=body)
        assert response.code == 400, body
    response = await bob_api.post(f"/api/v1/albums/{album['id']}/drops", json_data={})
    assert response.code == 404
    forever = json_body(await api.post(f"/api/v1/albums/{album['id']}/drops",
                                       json_data={"expires_in": None}))
    assert forever["expires"] is None
