"""Share-link passwords, view limits and the view log through the API."""

from tests.api.handlers.test_images import api_upload
from tests.client import json_body, text
from tests.images.images import jpeg

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


async def test_a_link_with_a_password_and_a_view_limit(api, make_client, db, clock):
    image = json_body(await api_upload(api, jpeg(), fields={"title": "Quay"}))
    response = await api.post(f"/api/v1/images/{image['id']}/shares",
                              json_data={"password": "open sesame", "max_views": 1})
    assert response.code == 201, response.body
    share = json_body(response)
    assert (share["has_password"], share["max_views"], share["used_up"]) == (True, 1, False)
    assert "open sesame" not in str(await db.shares.find_one({}))
    link = share["url"].removeprefix(api.base_url)
    visitor = make_client()
    assert "Quay" not in text(await visitor.get(link))
    assert (await visitor.post(link, {"password": "open sesame"})).code == 303
    assert "Quay" in text(await visitor.get(link, headers={"User-Agent": FIREFOX}))
    assert (await make_client().get(link)).code == 404  # used up

    details = json_body(await api.get(f"/api/v1/shares/{share['id']}"))
    assert (details["views"], details["used_up"]) == (1, True)
    assert details["log"] == [{"at": clock.now.isoformat().replace("+00:00", "Z"),
                               "device": "Firefox 128 on Linux"}]
    listed = json_body(await api.get("/api/v1/shares"))["items"][0]
    assert listed["used_up"] is True and "log" not in listed


async def test_changing_and_removing_a_password(api, make_client, bob_api):
    image = json_body(await api_upload(api, jpeg(), fields={"title": "Quay"}))
    share = json_body(await api.post(f"/api/v1/images/{image['id']}/shares",
                                     json_data={"password": "open sesame"}))
    path, link = f"/api/v1/shares/{share['id']}", share["url"].removeprefix(api.base_url)
    visitor = make_client()
    await visitor.post(link, {"password": "open sesame"})
    changed = await api.patch(path, json_data={"password": "another secret"})
    assert changed.code == 200 and json_body(changed)["has_password"] is True
    assert "Quay" not in text(await visitor.get(link))
    assert (await bob_api.patch(path, json_data={"password": None})).code == 404
    assert (await bob_api.get(path)).code == 404
    removed = await api.patch(path, json_data={"password": None})
    assert json_body(removed)["has_password"] is False
    assert "Quay" in text(await make_client().get(link))


async def test_bad_passwords_and_limits_are_400(api, db):
    image = json_body(await api_upload(api, jpeg()))
    path = f"/api/v1/images/{image['id']}/shares"
    for bad in ({"password": "short"}, {"password": "x" * 73}, {"password": "é" * 40},
                {"max_views": 0}, {"max_views": "3"}, {"max_views": 1.5},
                {"max_views": 10**7}):
        response = await api.post(path, json_data=bad)
        assert response.code == 400, (bad, response.body)
    assert await db.shares.count_documents({}) == 0
    share = json_body(await api.post(path, json_data={}))
    assert (share["has_password"], share["max_views"]) == (False, None)
    patch = f"/api/v1/shares/{share['id']}"
    assert (await api.patch(patch, json_data={"max_views": 3})).code == 400  # fixed at birth
    assert (await api.patch(patch, json_data={"password": "short"})).code == 400
