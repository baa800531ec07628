"""Tags through the API: in the image object, set by PATCH and at upload, and the bulk
endpoint."""

from tests.api.handlers.test_images import api_upload
from tests.client import json_body
from tests.images.images import jpeg


async def test_tags_are_in_the_image_object_and_set_by_patch(api, db):
    image = json_body(await api_upload(api, jpeg(), fields={"tags": "Sea, sky"}))
    assert image["tags"] == ["sea", "sky"]
    path = f"/api/v1/images/{image['id']}"
    edited = await api.patch(path, json_data={"tags": ["Harbour  Lights", "HARBOUR lights"]})
    assert edited.code == 200
    assert json_body(edited)["tags"] == ["harbour-lights"]
    stored = await db.images.find_one({"_id": image["id"]})
    assert "#harbour-lights" in stored["terms"] and "sea" not in stored["terms"]
    for bad in ({"tags": "sea"}, {"tags": ["x" * 41]}, {"tags": [f"t{i}" for i in range(21)]},
                {"tags": [1]}):
        response = await api.patch(path, json_data=bad)
        assert response.code == 400, bad
        assert json_body(response)["error"]["code"] == "invalid"
    assert json_body(await api.get(path))["tags"] == ["harbour-lights"]


async def test_bulk_endpoint_tags_and_checks_every_image(api, bob_api, db):
    ids = [json_body(await api_upload(api, jpeg(color=(i * 90, 0, 0))))["id"]
           for i in range(2)]
    done = await api.post("/api/v1/images/bulk",
                          json_data={"action": "tag_add", "image_ids": ids, "tag": "Dusk"})
    assert done.code == 200
    assert json_body(done)["message"] == "Tagged 2 images “dusk”."
    assert await db.images.count_documents({"tags": "dusk"}) == 2
    # Someone else's image among them: nothing changes, and it is not even there for them.
    theirs = await bob_api.post("/api/v1/images/bulk", json_data={
        "action": "tag_remove", "image_ids": ids, "tag": "dusk"})
    assert theirs.code == 404
    assert await db.images.count_documents({"tags": "dusk"}) == 2
    for bad in ({"action": "tag_add", "image_ids": ids, "tag": "<>"},
                {"action": "paint", "image_ids": ids},
                {"action": "tag_add", "image_ids": []},
                {"action": "tag_add", "image_ids": ["nope"], "tag": "x"}):
        assert (await api.post("/api/v1/images/bulk", json_data=bad)).code == 400, bad
    moved = await api.post("/api/v1/images/bulk", json_data={"action": "visibility",
                                                             "image_ids": ids[:1],
                                                             "visibility": "public"})
    assert json_body(moved)["message"] == "Made 1 image public."
