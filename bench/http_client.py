"""HTTP clients of the benchmarks, over http.client to 127.0.0.1: a signed-in user's
`Session` (cookies, sign-in, registration) and multipart uploads, in one request or streamed
at a chosen pace (`StreamedUpload`).
"""

import http.client
import time
import urllib.parse
from http.cookies import SimpleCookie

from servers import HOST, PASSWORD, USERNAME

# --- a signed-in browser over http.client ---------------------------------------------------


class Session:
    """Cookies of one signed-in user; small synchronous requests over http.client."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    @property
    def xsrf(self) -> str:
        return self.cookies["_xsrf"]

    def remember(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            headers = dict(headers or {})
            if self.cookies:
                headers["Cookie"] = self.cookie_header
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            self.remember(response)
            return response.status, dict(response.headers), data
        finally:
            conn.close()

    def login(self, username: str = USERNAME, password: str = PASSWORD) -> None:
        """GET the sign-in page (sets `_xsrf`), then POST the form; expects a redirect."""
        self.request("GET", "/auth/login")
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "_xsrf": self.xsrf}
        )
        status, _, body = self.request(
            "POST",
            "/auth/login",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "session" not in self.cookies:
            raise RuntimeError(f"sign-in failed: {status} {body[:200]!r}")

    def register(self, username: str, password: str = PASSWORD,
                 headers: dict | None = None) -> None:
        """Create an account through `/auth/register` (which signs it in)."""
        self.request("GET", "/auth/register", headers=headers)
        form = urllib.parse.urlencode({"username": username, "password": password,
                                       "password_confirm": password, "_xsrf": self.xsrf})
        status, _, body = self.request(
            "POST", "/auth/register", form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        if status != 302 or "session" not in self.cookies:
            raise RuntimeError(f"registration failed: {status} {body[:200]!r}")


# --- uploads --------------------------------------------------------------------------------

BOUNDARY = "pixvault-bench-boundary-5f1c"


def multipart_envelope(filename: str, fields: dict | None = None) -> tuple[bytes, bytes]:
    """The bytes before and after a file's content in a one-file multipart body."""
    head = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (fields or {}).items()
    )
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return head, f"\r\n--{BOUNDARY}--\r\n".encode()


def post_file(session: Session, data: bytes, filename: str, fields: dict | None = None,
              path: str = "/upload") -> dict:
    """POST one file in a one-part multipart body; returns the JSON answer (asserting 201)."""
    import json

    head, tail = multipart_envelope(filename, fields)
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
               "Accept": "application/json"}
    if "_xsrf" in session.cookies:
        headers["X-XSRFToken"] = session.xsrf
    status, _, body = session.request("POST", path, head + data + tail, headers)
    if status != 201:
        raise RuntimeError(f"upload failed: {status} {body[:300]!r}")
    return json.loads(body)


def upload_bytes(session: Session, data: bytes, filename: str, fields: dict | None = None) -> dict:
    """Upload one file to Pixvault in a single request; returns the image object."""
    return post_file(session, data, filename, fields)["images"][0]


class StreamedUpload:
    """One `POST /upload` whose file part is sent in `chunk`-byte writes at `rate` bytes/s
    (0: as fast as the server reads). Times are `time.monotonic()` values."""

    def __init__(
        self,
        session: Session,
        data: bytes | memoryview,
        filename: str,
        *,
        rate: float = 0,
        chunk: int = 64 * 1024,
        fields: dict | None = None,
        on_last_byte=None,
        path: str = "/upload",
    ):
        self.session, self.data, self.filename = session, memoryview(data), filename
        self.rate, self.chunk, self.fields = rate, chunk, fields
        self.on_last_byte = on_last_byte
        self.path = path
        self.started = self.last_byte = self.answered = 0.0
        self.status = 0
        self.body = b""

    def run(self) -> "StreamedUpload":
        head, tail = multipart_envelope(self.filename, self.fields)
        conn = http.client.HTTPConnection(HOST, self.session.port, timeout=300)
        try:
            conn.putrequest("POST", self.path, skip_accept_encoding=True)
            for name, value in (
                ("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"),
                ("Content-Length", str(len(head) + len(self.data) + len(tail))),
                ("X-XSRFToken", self.session.xsrf),
                ("Accept", "application/json"),
                ("Cookie", self.session.cookie_header),
            ):
                conn.putheader(name, value)
            conn.endheaders()
            self.started = time.monotonic()
            conn.send(head)
            for offset in range(0, len(self.data), self.chunk):
                if self.rate:
                    # Pace by the clock, not by sleeping a fixed time per chunk, so the
                    # average rate holds even when a write blocks for a while.
                    delay = self.started + offset / self.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                conn.send(self.data[offset : offset + self.chunk])
            conn.send(tail)
            self.last_byte = time.monotonic()
            if self.on_last_byte:
                self.on_last_byte()
            response = conn.getresponse()
            self.body = response.read()
            self.status = response.status
            self.answered = time.monotonic()
        finally:
            conn.close()
        return self
