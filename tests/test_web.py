"""Shared web behaviour: safe redirects, error pages, security headers."""

import pytest

from app.web import safe_next
from tests.client import json_body, text


@pytest.mark.parametrize("target", ["/", "/gallery", "/i/abc?x=1#top", "/u/a%20b"])
def test_safe_next_keeps_same_origin_paths(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", "//evil.com", "/\\evil.com", "/%5Cevil.com", "/%2F/evil.com", "%2F%2Fevil.com",
    "https://evil.com", "javascript:alert(1)", "/a\nb", "/a\tb", "/a\x7fb", "evil.com",
    "/" + "a" * 3000,
])
def test_safe_next_rejects_other_origins(target):
    assert safe_next(target) == "/gallery"


async def test_unknown_page_is_html_404(client):
    response = await client.get("/no/such/page")
    assert response.code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "does not exist or is not shared with you" in text(response)


async def test_unknown_api_path_is_json_404(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.code == 404
    assert json_body(response)["error"]["code"] == "not_found"


async def test_json_error_when_asked(client):
    response = await client.post("/auth/logout", xsrf=False,
                                 headers={"Accept": "application/json"})
    assert response.code == 403
    assert json_body(response) == {"error": {
        "code": "forbidden", "message": "'_xsrf' argument missing from POST"}}


async def test_security_headers_on_every_page(client):
    for path in ("/", "/auth/login", "/no/such/page"):
        response = await client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "<script>" not in text(response)  # no inline script anywhere


async def test_navigation_shows_signed_in_user(alice, client):
    assert "Sign out" in text(await alice.get("/"))
    assert "alice" in text(await alice.get("/"))
    page = text(await client.get("/"))
    assert "Sign in" in page and "Sign out" not in page


async def test_head_mirrors_get_on_pages(client):
    for path in ("/", "/healthz", "/auth/login"):
        head = await client.request("HEAD", path)
        assert head.code == 200, path
        assert head.body == b""
    assert (await client.request("HEAD", "/auth/logout")).code == 405


async def test_ordinary_bodies_are_capped(client):
    response = await client.request("POST", "/auth/login", body=b"x" * (2 * 1024 * 1024),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.code == 400
    assert b"Invalid username" not in response.body  # refused before any handler ran
