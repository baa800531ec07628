"""`/api/v1/trash`: DELETE of an image or album moves it there; listing, restoring,
deleting forever and emptying, each for the owner only."""

from tests.api.handlers.test_images import api_upload, stored_counts
from tests.client import json_body
from tests.images.images import jpeg, png


async def test_delete_moves_to_the_trash_and_restore_brings_it_back(api, bob_api, db, clock):
    image = json_body(await api_upload(api, jpeg(), fields={"title": "Kept"}))
    album = json_body(await api.post("/api/v1/albums", json_data={"title": "Box"}))
    assert (await api.delete(f"/api/v1/images/{image['id']}")).code == 204
    clock.advance(seconds=1)
    assert (await api.delete(f"/api/v1/albums/{album['id']}")).code == 204
    for path in (f"/api/v1/images/{image['id']}", f"/api/v1/albums/{album['id']}"):
        assert (await api.get(path)).code == 404, path
    assert json_body(await api.get("/api/v1/images"))["items"] == []
    listed = json_body(await api.get("/api/v1/trash?limit=1"))
    assert [(i["kind"], i["id"]) for i in listed["items"]] == [("album", album["id"])]
    rest = json_body(await api.get(f"/api/v1/trash?cursor={listed['next_cursor']}"))
    assert rest["next_cursor"] is None
    [item] = rest["items"]
    assert (item["kind"], item["id"], item["title"], item["filename"]) == (
        "image", image["id"], "Kept", "photo.jpg")
    assert item["bytes"] == image["bytes"] and item["purge_at"] > item["deleted_at"]
    assert json_body(await bob_api.get("/api/v1/trash"))["items"] == []

    for kind, item_id in (("images", image["id"]), ("albums", album["id"])):
        path = f"/api/v1/trash/{kind}/{item_id}"
        assert (await bob_api.post(f"{path}/restore")).code == 404
        assert (await bob_api.delete(path)).code == 404
        assert (await api.post(f"{path}/restore")).code == 204
        assert (await api.post(f"{path}/restore")).code == 404  # no longer in the trash
    assert (await api.get(f"/api/v1/images/{image['id']}")).code == 200
    assert (await api.get(f"/api/v1/albums/{album['id']}")).code == 200
    assert json_body(await api.get("/api/v1/trash"))["items"] == []


async def test_delete_forever_and_empty(api, db):
    first = json_body(await api_upload(api, jpeg()))
    second = json_body(await api_upload(api, png()))
    for image in (first, second):
        assert (await api.delete(f"/api/v1/images/{image['id']}")).code == 204
    assert (await stored_counts(db))[0] == 2  # still stored, and counted, while in the trash
    assert json_body(await api.get("/api/v1/me"))["used_bytes"] > 0
    assert (await api.delete(f"/api/v1/trash/images/{first['id']}")).code == 204
    assert (await api.delete(f"/api/v1/trash/images/{first['id']}")).code == 404
    assert (await api.post(f"/api/v1/trash/images/{first['id']}/restore")).code == 404
    assert (await stored_counts(db))[0] == 1
    assert (await api.delete("/api/v1/trash")).code == 204
    assert await stored_counts(db) == (0, 0, 0)
    assert json_body(await api.get("/api/v1/me"))["used_bytes"] == 0


async def test_junk_ids_and_cursors_are_clear_errors(api):
    assert (await api.post("/api/v1/trash/images/nope/restore")).code == 404
    assert (await api.delete("/api/v1/trash/albums/" + "x" * 500)).code == 404
    assert (await api.get("/api/v1/trash?cursor=%%%")).code == 400
    assert (await api.get("/api/v1/trash?limit=0")).code == 400
