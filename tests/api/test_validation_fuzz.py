"""Fuzzing the API's input layer: any body or query string is either accepted as valid or
refused with a 400 that says why, directly and through the real API."""

import json
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.api.schemas import PARAMETERS, SCHEMAS
from app.api.validation import check, parse_json, parse_query
from app.errors import Invalid
from tests.client import json_body, upload_one
from tests.fuzzing import APP, PURE, numbers, ok_status
from tests.images.images import jpeg

BODIES = ["TokenCreate", "UrlUpload", "ImageChanges", "ShareCreate", "AlbumCreate",
          "AlbumChanges"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
                    st.integers(-(2**70), 2**70), st.integers(0, 10**9),
                    st.sampled_from(["private", "unlisted", "public", " ", "https://a.example/",
                                     "AAAAAAAAAAAAAAAAAAAAAA"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


def encoded(value) -> bytes:
    return json.dumps(value).encode()


def plausible(schema: dict) -> st.SearchStrategy:
    """Values of about the type and size `schema` asks for, valid or just past a limit."""
    if "$ref" in schema:
        return plausible(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]])
    if "anyOf" in schema:
        return st.one_of([plausible(option) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if schema.get("type") == "integer":
        return st.integers(schema.get("minimum", 0) - 2, schema.get("maximum", 10**6) + 2)
    if schema.get("type") == "string" and "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    if schema.get("type") == "string":
        return st.text(max_size=schema.get("maxLength", 100) + 2)
    return VALUES


def bodies(schema: str) -> st.SearchStrategy[bytes]:
    """Bodies for `schema`: objects of its own fields (often valid), then anything at all."""
    fields, required = SCHEMAS[schema]["properties"], SCHEMAS[schema]["required"]
    own = st.fixed_dictionaries(
        {name: plausible(fields[name]) for name in required},
        optional={name: plausible(fields[name]) | VALUES
                  for name in fields if name not in required})
    odd = st.dictionaries(st.sampled_from(sorted(fields)) | st.text(max_size=8), VALUES,
                          max_size=4)
    return st.one_of(
        own.map(encoded), own.map(encoded), odd.map(encoded), VALUES.map(encoded), st.binary(),
        own.map(encoded).map(lambda body: body[: len(body) // 2]),
        st.builds('{{"{}": {}}}'.format, st.sampled_from(sorted(fields)), numbers())
        .map(str.encode),
    )


SCHEMA_AND_BODY = st.sampled_from(BODIES).flatmap(lambda name: st.tuples(st.just(name),
                                                                          bodies(name)))
QUERIES = st.dictionaries(st.sampled_from(sorted(PARAMETERS)) | st.text(max_size=5),
                          st.lists(st.binary(max_size=30) | numbers().map(str.encode),
                                   max_size=2), max_size=4)


@PURE
@given(schema_and_body=SCHEMA_AND_BODY)
@example(schema_and_body=("ShareCreate", b"[" * 100_000))
@example(schema_and_body=("ShareCreate", b'{"expires_in": 1e400}'))
@example(schema_and_body=("AlbumCreate", b'{"title": "\\ud800"}'))
def test_json_bodies_are_valid_or_invalid(schema_and_body):
    schema, body = schema_and_body
    try:
        value = parse_json(body, schema)
    except Invalid as error:
        assert error.message
        return
    assert check(value, schema) == value
    assert set(SCHEMAS[schema]["required"]) <= set(value) <= set(SCHEMAS[schema]["properties"])


@PURE
@given(arguments=QUERIES, names=st.lists(st.sampled_from(sorted(PARAMETERS)), unique=True))
def test_query_strings_are_valid_or_invalid(arguments, names):
    try:
        values = parse_query(arguments, *names)
    except Invalid as error:
        assert error.message
        return
    assert set(values) <= set(names)
    assert isinstance(values.get("limit", 1), int)


@pytest.fixture
async def routes(app, alice) -> dict:
    """Where each body goes, on targets alice owns; uploads by URL are off (no fetching)."""
    app.settings["url_uploads"] = False
    image = (await upload_one(alice, jpeg()))["id"]
    album = await alice.request("POST", "/api/v1/albums", body=encoded({"title": "Trips"}),
                                headers={"Content-Type": "application/json",
                                         "X-XSRFToken": await alice.xsrf_token()})
    album = json_body(album)["id"]
    return {"TokenCreate": ("POST", "/api/v1/tokens"), "UrlUpload": ("POST", "/api/v1/images"),
            "ImageChanges": ("PATCH", f"/api/v1/images/{image}"),
            "ShareCreate": ("POST", f"/api/v1/images/{image}/shares"),
            "AlbumCreate": ("POST", "/api/v1/albums"),
            "AlbumChanges": ("PATCH", f"/api/v1/albums/{album}")}


@APP
@given(schema_and_body=SCHEMA_AND_BODY, query=QUERIES,
       content_type=st.sampled_from(["application/json", "application/json; charset=utf-8",
                                     "text/plain", "application/json; charset=latin-1"]))
async def test_api_answers_any_body_or_query_without_failing(alice, routes, schema_and_body,
                                                             query, content_type):
    schema, body = schema_and_body
    method, path = routes[schema]
    headers = {"Content-Type": content_type, "X-XSRFToken": await alice.xsrf_token()}
    ok_status(await alice.request(method, path, body=body, headers=headers))
    ok_status(await alice.get("/api/v1/images?" + "&".join(
        f"{quote(name)}={quote_from_bytes(value)}" for name, values in query.items()
        for value in values)))
