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


async def test_listing_searches_and_filters_like_the_gallery(api, bob_api):
    harbour = json_body(await api_upload(api, jpeg(), "IMG_7.jpg",
                                         fields={"title": "Harbour", "tags": "sea"}))
    forest = json_body(await api_upload(api, jpeg(color=(0, 90, 0)), "pines.jpg",
                                        fields={"visibility": "public"}))
    cases = {"q=harb": [harbour], "tag=Sea": [harbour], "q=pine": [forest],
             "visibility=public": [forest], "format=jpeg&sort=title": [forest, harbour],
             "q=img_7&since=2000-01-01": [harbour], "until=2000-01-01": []}
    for query, expected in cases.items():
        listed = json_body(await api.get(f"/api/v1/images?{query}"))["items"]
        assert [image["id"] for image in listed] == [image["id"] for image in expected], query
    assert json_body(await bob_api.get("/api/v1/images?q=harb"))["items"] == []
    for bad in ("format=svg", "since=soon", "until=", "since=2026-13-01", "sort=colour",
                "tag=%3C%3E", "q=a+b+c+d+e+f+g"):
        response = await api.get(f"/api/v1/images?{bad}")
        assert response.code == 400, bad
