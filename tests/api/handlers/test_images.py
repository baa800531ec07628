"""`/api/v1/images`: uploading the three ways, listing, reading, editing, deleting."""

import asyncio
import shutil

import pytest

from tests.api.conftest import Api
from tests.client import json_body, multipart, upload_one
from tests.images.images import jpeg, png


async def api_upload(api: Api, data: bytes, filename: str = "photo.jpg", fields=None):
    content_type, body = multipart([(filename, data)], fields)
    return await api.post("/api/v1/images", body=body, headers={"Content-Type": content_type})


async def stored_counts(db) -> tuple[int, int, int]:
    return (await db.images.count_documents({}), await db["images.files"].count_documents({}),
            await db["images.chunks"].count_documents({}))


async def test_multipart_upload_returns_image_with_working_absolute_urls(api, alice, db):
    response = await api_upload(api, jpeg(), fields={"title": "Dunes", "visibility": "unlisted"})
    assert response.code == 201, response.body
    image = json_body(response)
    assert response.headers["Location"] == f"/api/v1/images/{image['id']}"
    assert image["title"] == "Dunes"
    assert image["visibility"] == "unlisted"
    assert (image["width"], image["height"], image["format"]) == (64, 48, "jpeg")
    assert image["page_url"] == f"{api.base_url}/i/{image['id']}"
    assert set(image["urls"]) == {"original", "full", "large", "thumb"}
    for variant, url in image["urls"].items():
        assert url.startswith(api.base_url + "/")
        # Unlisted: anyone with the link; the original only for its owner's browser.
        viewer = alice if variant == "original" else api.client
        assert (await viewer.get(url.removeprefix(api.base_url))).code == 200
    stored = await db.images.find_one({"_id": image["id"]})
    assert stored["filename"] == "photo.jpg"


async def test_raw_body_upload_takes_fields_from_the_query(api, db):
    response = await api.post("/api/v1/images?filename=pic.png&title=Raw&visibility=public",
                              body=png(), headers={"Content-Type": "image/png"})
    assert response.code == 201, response.body
    image = json_body(response)
    assert (image["format"], image["title"], image["visibility"]) == ("png", "Raw", "public")
    assert (await db.images.find_one({"_id": image["id"]}))["filename"] == "pic.png"


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
async def test_curl_form_upload(api, tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg())
    process = await asyncio.create_subprocess_exec(
        "curl", "-sS", "-H", f"Authorization: Bearer {api.token}", "-F", f"file=@{photo}",
        "-F", "title=From curl", "-w", "\n%{http_code}", f"{api.base_url}/api/v1/images",
        stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    body, status = out.decode().rsplit("\n", 1)
    assert status == "201", body
    assert '"title": "From curl"' in body


async def test_duplicate_upload_answers_200_with_the_same_image(api, db):
    first = json_body(await api_upload(api, jpeg()))
    again = await api_upload(api, jpeg(), filename="copy.jpg")
    assert again.code == 200
    assert json_body(again)["id"] == first["id"]
    assert (first["duplicate"], json_body(again)["duplicate"]) == (False, True)
    assert await db.images.count_documents({}) == 1


async def test_visibility_defaults_to_the_account_setting(api, db):
    await db.users.update_one({"username": "alice"},
                              {"$set": {"settings.default_visibility": "unlisted"}})
    assert json_body(await api_upload(api, jpeg()))["visibility"] == "unlisted"


@pytest.mark.parametrize(("content_type", "code"), [
    ("text/plain", 415), ("application/x-www-form-urlencoded", 415), ("", 415)])
async def test_upload_with_a_wrong_content_type(api, content_type, code):
    response = await api.post("/api/v1/images", body=jpeg(),
                              headers={"Content-Type": content_type})
    assert response.code == code
    assert json_body(response)["error"]["code"] == "unsupported_media_type"


async def test_upload_rejections_are_json(api, db):
    not_image = await api_upload(api, b"this is not an image")
    assert not_image.code == 415
    assert json_body(not_image)["error"]["code"] == "unsupported_media_type"
    bad_visibility = await api_upload(api, jpeg(), fields={"visibility": "secret"})
    assert bad_visibility.code == 400
    assert "visibility" in json_body(bad_visibility)["error"]["message"]
    content_type, body = multipart([("a.jpg", jpeg()), ("b.png", png())])
    two = await api.post("/api/v1/images", body=body, headers={"Content-Type": content_type})
    assert two.code == 400
    assert "one file" in json_body(two)["error"]["message"]
    assert await stored_counts(db) == (0, 0, 0)


async def test_upload_into_an_album(api):
    album = json_body(await api.post("/api/v1/albums", json_data={"title": "Trip"}))
    image = json_body(await api_upload(api, jpeg(), fields={"album": album["id"]}))
    assert image["album_ids"] == [album["id"]]


async def test_list_pages_with_a_cursor(api, clock):
    ids = []
    for shade in range(5):
        clock.advance(seconds=1)
        ids.append(json_body(await api_upload(api, jpeg(color=(shade * 40, 0, 0))))["id"])
    first = json_body(await api.get("/api/v1/images?limit=2"))
    assert [i["id"] for i in first["items"]] == ids[::-1][:2]
    second = json_body(await api.get(f"/api/v1/images?limit=2&cursor={first['next_cursor']}"))
    third = json_body(await api.get(f"/api/v1/images?limit=2&cursor={second['next_cursor']}"))
    assert [i["id"] for i in second["items"] + third["items"]] == ids[::-1][2:]
    assert third["next_cursor"] is None


@pytest.mark.parametrize("query", ["cursor=!!!", "cursor=bm9wZQ", "limit=0", "limit=101",
                                   "limit=ten"])
async def test_list_rejects_bad_parameters(api, query):
    response = await api.get(f"/api/v1/images?{query}")
    assert response.code == 400
    assert json_body(response)["error"]["code"] == "invalid"


async def test_list_shows_only_mine(api, bob):
    await upload_one(bob, jpeg(), visibility="public")
    assert json_body(await api.get("/api/v1/images"))["items"] == []


async def test_get_one_follows_visibility(api, bob):
    private = await upload_one(bob, jpeg(), visibility="private")
    public = await upload_one(bob, png(), visibility="public")
    missing = await api.get(f"/api/v1/images/{private['id']}")
    assert missing.code == 404
    assert json_body(missing)["error"]["code"] == "not_found"
    shown = json_body(await api.get(f"/api/v1/images/{public['id']}"))
    assert shown["id"] == public["id"]
    assert "original" not in shown["urls"]  # the untouched upload is the owner's only


async def test_patch_edits_and_validates(api, db):
    image = json_body(await api_upload(api, jpeg()))
    path = f"/api/v1/images/{image['id']}"
    edited = await api.patch(path, json_data={"title": " New ", "visibility": "public",
                                              "alt": " A red square "})
    assert edited.code == 200
    assert (json_body(edited)["title"], json_body(edited)["visibility"]) == ("New", "public")
    assert json_body(edited)["alt"] == "A red square"
    assert "duplicate" not in json_body(edited)  # only answers to an upload say it
    for bad, words in [({"title": 5}, "'title' must be a string"),
                       ({"visibility": "everyone"}, "'visibility' must be one of"),
                       ({"colour": "red"}, "Unknown field 'colour'"),
                       ({"title": "x" * 201}, "at most 200"),
                       ({"alt": "x" * 301}, "at most 300"),
                       ([1, 2], "must be an object")]:
        response = await api.patch(path, json_data=bad)
        assert response.code == 400, bad
        assert words in json_body(response)["error"]["message"]
    broken = await api.patch(path, body=b"{nope", headers={"Content-Type": "application/json"})
    assert broken.code == 400
    assert "not valid JSON" in json_body(broken)["error"]["message"]
    form = await api.patch(path, body=b"title=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.code == 415
    stored = await db.images.find_one({"_id": image["id"]})
    assert (stored["title"], stored["visibility"], stored["alt"]) == ("New", "public",
                                                                      "A red square")


async def test_others_cannot_patch_or_delete(api, bob_api):
    image = json_body(await api_upload(api, jpeg(), fields={"visibility": "public"}))
    private = json_body(await api_upload(api, png()))
    path = f"/api/v1/images/{image['id']}"
    assert (await bob_api.patch(path, json_data={"title": "mine"})).code == 403
    assert (await bob_api.delete(path)).code == 403
    assert (await bob_api.delete(f"/api/v1/images/{private['id']}")).code == 404


async def test_delete_without_trash_removes_document_and_files(api, db, app):
    app.settings["trash_days"] = 0
    image = json_body(await api_upload(api, jpeg()))
    response = await api.delete(f"/api/v1/images/{image['id']}")
    assert response.code == 204
    assert response.body == b""
    assert await stored_counts(db) == (0, 0, 0)
    assert (await api.get(f"/api/v1/images/{image['id']}")).code == 404
    assert (await api.delete(f"/api/v1/images/{image['id']}")).code == 404


async def test_unsupported_method_is_405_with_allow(api):
    response = await api.put("/api/v1/images", body=b"")
    assert response.code == 405
    assert response.headers["Allow"] == "GET, POST"
    assert json_body(response)["error"]["code"] == "method_not_allowed"


async def test_unknown_api_path_is_json_404(api):
    response = await api.get("/api/v1/nothing")
    assert response.code == 404
    assert json_body(response)["error"]["code"] == "not_found"


async def test_anonymous_upload_is_401(client):
    response = await client.request("POST", "/api/v1/images", body=jpeg(),
                                    headers={"Content-Type": "image/jpeg"})
    assert response.code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="pixvault"'


async def test_bearer_token_fetches_the_original_it_was_given(api):
    content_type, body = multipart([("photo.jpg", jpeg())])
    created = json_body(await api.post("/api/v1/images", body=body,
                                       headers={"Content-Type": content_type}))
    original = created["urls"]["original"].removeprefix(api.base_url)
    assert (await api.client.get(original)).code == 404  # no credentials
    fetched = await api.get(original)
    assert fetched.code == 200
    assert fetched.body == jpeg()
    bad = await api.client.get(original, headers={"Authorization": "Bearer nope"})
    assert bad.code == 401
