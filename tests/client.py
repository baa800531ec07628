"""A small browser-like HTTP client for tests: a cookie jar, XSRF handling, no redirects
followed (tests assert on them), and helpers to register and sign in."""

import json
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPResponse

PASSWORD = "correct horse battery"


class Client:
    """One browser: its own cookies, talking to one test server."""

    def __init__(self, base_url: str, timeout: float = 60):
        self.base_url = base_url
        self.timeout = timeout  # seconds per request, unless a call says otherwise
        self.cookies: dict[str, str] = {}
        self.http = AsyncHTTPClient(force_instance=True)

    def close(self) -> None:
        self.http.close()

    async def request(self, method: str, path: str, *, body: bytes | str | None = None,
                      headers: dict | None = None, **kwargs) -> HTTPResponse:
        """Send one request with this browser's cookies; store the cookies it sets."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = b""
        response = await self.http.fetch(
            self.base_url + path, method=method, body=body, headers=headers,
            follow_redirects=False, raise_error=False,
            **{"request_timeout": self.timeout, **kwargs})
        for header in response.headers.get_list("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["expires"] and "1970" in morsel["expires"] or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    async def get(self, path: str, **kwargs) -> HTTPResponse:
        return await self.request("GET", path, **kwargs)

    async def xsrf_token(self) -> str:
        """The `_xsrf` cookie value, fetching a page that sets it when needed."""
        if "_xsrf" not in self.cookies:
            await self.get("/auth/login")
        return self.cookies["_xsrf"]

    async def post(self, path: str, data: dict | None = None, *, xsrf: bool = True,
                   headers: dict | None = None, **kwargs) -> HTTPResponse:
        """POST a urlencoded form, with the XSRF field unless `xsrf=False`."""
        fields = dict(data or {})
        if xsrf:
            fields["_xsrf"] = await self.xsrf_token()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return await self.request("POST", path, body=urlencode(fields), headers=headers,
                                  **kwargs)

    async def register(self, username: str, password: str = PASSWORD) -> HTTPResponse:
        response = await self.post("/auth/register", {
            "username": username, "password": password, "password_confirm": password})
        assert response.code == 302, response.body
        return response

    async def login(self, username: str, password: str = PASSWORD, **extra) -> HTTPResponse:
        return await self.post("/auth/login", {"username": username, "password": password,
                                               **extra})

    async def logout(self) -> HTTPResponse:
        return await self.post("/auth/logout")


def text(response: HTTPResponse) -> str:
    """The response body as text."""
    return (response.body or b"").decode("utf-8", "replace")


def json_body(response: HTTPResponse):
    """The response body parsed as JSON."""
    return json.loads(response.body)


def visible_text(response: HTTPResponse) -> str:
    """The body with tags removed, for asserting on what a person reads."""
    return re.sub(r"<[^>]+>", " ", text(response))


def multipart(files: list[tuple[str, bytes]], fields: dict | None = None,
              field_name: str = "file") -> tuple[str, bytes]:
    """A multipart/form-data body: `(content_type, body)`."""
    boundary = "pixvault-test-boundary-7d93"
    parts = []
    for name, value in (fields or {}).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + str(value).encode() + b"\r\n")
    for filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


async def upload(client: Client, files: list[tuple[str, bytes]], fields: dict | None = None,
                 *, as_json: bool = True, xsrf: bool = True) -> HTTPResponse:
    """POST files to /upload the way the page's script does (XSRF token in a header)."""
    content_type, body = multipart(files, fields)
    headers = {"Content-Type": content_type}
    if xsrf:
        headers["X-XSRFToken"] = await client.xsrf_token()
    if as_json:
        headers["Accept"] = "application/json"
    return await client.request("POST", "/upload", body=body, headers=headers)


async def upload_one(client: Client, data: bytes, filename: str = "photo.jpg",
                     **fields) -> dict:
    """Upload one image as JSON and return its image object (asserting success)."""
    response = await upload(client, [(filename, data)], fields)
    assert response.code == 201, response.body
    return json_body(response)["images"][0]
