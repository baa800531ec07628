"""The OpenAPI document: valid OpenAPI 3.1, and describing every route and method."""

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource

from app.api.handlers import ROUTES
from app.api.handlers.base import ApiHandler
from tests.client import json_body, multipart
from tests.images.images import png


@pytest.fixture
async def spec(client):
    response = await client.get("/api/v1/openapi.json")
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return json_body(response)


async def test_document_is_valid_openapi_3_1(spec, client):
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": f"{client.base_url}/api/v1"}]
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"]}


async def test_every_route_and_method_is_described(spec):
    # Documented paths written as the route patterns that serve them.
    patterns = {"/api/v1" + re.sub(r"\{\w+\}", "([^/]+)", path).replace(".", "\\."): path
                for path in spec["paths"]}
    served = {(patterns.get(pattern, pattern), method.lower())
              for pattern, handler, *_ in ROUTES if issubclass(handler, ApiHandler)
              for method in handler.allowed_methods()}
    # HEAD and OPTIONS are described only where a protocol gives them a meaning of their
    # own (tus, `/uploads`); everywhere else HEAD is GET without the body.
    described = {(path, method) for path, item in spec["paths"].items() for method in item
                 if method not in ("parameters", "head", "options")}
    assert served == described


async def test_answers_match_their_schemas(spec, api):
    # A sample of real answers, checked against the published response schemas.
    registry = Registry().with_resource("urn:doc", Resource.from_contents(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", **spec}))

    def check(response, schema):
        Draft202012Validator({"$ref": f"urn:doc#/components/schemas/{schema}"},
                             registry=registry).validate(json_body(response))

    check(await api.get("/api/v1/me"), "Me")
    check(await api.get("/api/v1/images"), "ImageList")
    check(await api.get("/api/v1/tokens"), "TokenList")
    check(await api.get("/api/v1/images/nothing"), "Error")
    check(await api.post("/api/v1/albums", json_data={"title": "A"}), "Album")
    content_type, body = multipart([("a.png", png())], {"alt": "A blue square"})
    uploaded = await api.post("/api/v1/images", body=body,
                              headers={"Content-Type": content_type})
    check(uploaded, "UploadedImage")
    check(await api.get(f"/api/v1/images/{json_body(uploaded)['id']}"), "Image")
    image_id = json_body(uploaded)["id"]
    created = await api.post(f"/api/v1/images/{image_id}/shares",
                             json_data={"password": "open sesame", "max_views": 3})
    check(created, "ShareCreated")
    check(await api.get("/api/v1/shares"), "ShareList")
    share_path = f"/api/v1/shares/{json_body(created)['id']}"
    check(await api.get(share_path), "ShareDetails")
    check(await api.patch(share_path, json_data={"password": None}), "ShareDetails")
    album = json_body(await api.post("/api/v1/albums", json_data={"title": "B"}))
    await api.delete(f"/api/v1/images/{image_id}")
    await api.delete(f"/api/v1/albums/{album['id']}")
    check(await api.get("/api/v1/trash"), "TrashList")
