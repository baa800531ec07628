"""Upload by URL: what may be fetched, and how redirects, size limits and failures behave.

A local Tornado server on 127.0.0.1 plays the remote site; only tests that need it switch on
`allow_loopback`. No test reaches a public address: those are checked with the predicate alone.
"""

import asyncio
import gzip
import io

import pytest
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream
from tornado.testing import bind_unused_port

from app.errors import Invalid, TooLarge
from app.images.intake.remote import FetchPolicy, fetch_url, is_public_address

LIMIT = 64 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 1000
LOCAL = FetchPolicy(max_bytes=LIMIT, timeout=5.0, allow_loopback=True)
DEFAULT = FetchPolicy(max_bytes=LIMIT, timeout=5.0)


class Image(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "image/png")
        self.write(PNG)


class Hops(tornado.web.RequestHandler):
    def get(self, n):
        n = int(n)
        # Relative Location: each hop must be resolved against the current URL.
        self.redirect(f"../hops/{n - 1}" if n > 0 else "/files/cat%20pic.png", status=302)


class RedirectTo(tornado.web.RequestHandler):
    def get(self):
        self.redirect(self.get_argument("u"), status=307)


class Big(tornado.web.RequestHandler):
    def get(self):
        self.write(b"x" * (LIMIT * 3))  # one write: Tornado sends a Content-Length


class BigChunked(tornado.web.RequestHandler):
    async def get(self):
        for _ in range(50):  # flushed pieces: chunked encoding, no Content-Length
            self.write(b"y" * 16384)
            await self.flush()


class GzipBomb(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Encoding", "gzip")
        self.write(gzip.compress(b"\0" * (LIMIT * 100)))


class Missing(tornado.web.RequestHandler):
    def get(self):
        raise tornado.web.HTTPError(404)


class Slow(tornado.web.RequestHandler):
    def initialize(self, release):
        self.release = release

    async def get(self):
        await self.release.wait()


@pytest.fixture
async def server():
    release = asyncio.Event()
    app = tornado.web.Application(
        [
            (r"/image.png", Image),
            (r"/files/cat%20pic\.png", Image),
            (r"/hops/(\d+)", Hops),
            (r"/to", RedirectTo),
            (r"/big", Big),
            (r"/big-chunked", BigChunked),
            (r"/bomb", GzipBomb),
            (r"/missing", Missing),
            (r"/slow", Slow, {"release": release}),
        ]
    )
    sock, port = bind_unused_port()
    http_server = HTTPServer(app)
    http_server.add_sockets([sock])
    yield f"http://127.0.0.1:{port}"
    release.set()
    http_server.stop()
    await http_server.close_all_connections()


@pytest.fixture
def connects(monkeypatch):
    """Records every address a client stream connects to."""
    seen = []
    real = IOStream.connect

    def spy(self, address, *args, **kwargs):
        seen.append(address[0])
        return real(self, address, *args, **kwargs)

    monkeypatch.setattr(IOStream, "connect", spy)
    return seen


async def test_fetch_writes_body_and_reports_metadata(server):
    dest = io.BytesIO()
    got = await fetch_url(f"{server}/image.png", dest, LOCAL)
    assert dest.getvalue() == PNG
    assert got.size == len(PNG)
    assert got.content_type == "image/png"
    assert got.filename == "image.png"
    assert got.final_url == f"{server}/image.png"


async def test_follows_redirects_up_to_the_limit(server):
    dest = io.BytesIO()
    got = await fetch_url(f"{server}/hops/4", dest, LOCAL)  # 5 redirects in all
    assert dest.getvalue() == PNG
    assert got.final_url == f"{server}/files/cat%20pic.png"
    assert got.filename == "cat pic.png"


async def test_too_many_redirects(server):
    with pytest.raises(Invalid, match="Too many redirects"):
        await fetch_url(f"{server}/hops/5", io.BytesIO(), LOCAL)  # 6 redirects


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data", "http://[fd00::1]:8080/"],
)
async def test_redirect_to_blocked_address_is_refused_without_connecting(server, connects, target):
    with pytest.raises(Invalid, match="not allowed"):
        await fetch_url(f"{server}/to?u={target}", io.BytesIO(), LOCAL)
    assert connects == ["127.0.0.1"]  # only the first hop ever opened a socket


async def test_redirect_to_other_scheme_is_refused(server):
    with pytest.raises(Invalid, match="Only http"):
        await fetch_url(f"{server}/to?u=file:///etc/passwd", io.BytesIO(), LOCAL)


async def test_content_length_over_limit_is_refused_before_reading(server):
    dest = io.BytesIO()
    with pytest.raises(TooLarge):
        await fetch_url(f"{server}/big", dest, LOCAL)
    assert dest.getvalue() == b""


async def test_streamed_body_over_limit_is_cut_off(server):
    dest = io.BytesIO()
    with pytest.raises(TooLarge):
        await fetch_url(f"{server}/big-chunked", dest, LOCAL)
    assert 0 < len(dest.getvalue()) <= LIMIT


async def test_gzip_bomb_is_cut_off_by_decompressed_size(server):
    dest = io.BytesIO()
    with pytest.raises(TooLarge):
        await fetch_url(f"{server}/bomb", dest, LOCAL)
    assert len(dest.getvalue()) <= LIMIT


async def test_error_status_is_invalid(server):
    with pytest.raises(Invalid, match="404"):
        await fetch_url(f"{server}/missing", io.BytesIO(), LOCAL)


async def test_slow_server_times_out(server):
    policy = FetchPolicy(max_bytes=LIMIT, timeout=0.2, allow_loopback=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(Invalid, match="timed out"):
        await fetch_url(f"{server}/slow", io.BytesIO(), policy)
    assert loop.time() - started < 2


async def test_connection_refused_is_invalid():
    sock, port = bind_unused_port()
    sock.close()  # nothing listens there any more
    with pytest.raises(Invalid, match="connection refused"):
        await fetch_url(f"http://127.0.0.1:{port}/", io.BytesIO(), LOCAL)


@pytest.mark.parametrize(
    "host",
    ["localhost", "127.0.0.1", "[::1]", "2130706433", "0x7f.1", "10.0.0.1", "[::ffff:127.0.0.1]"],
)
async def test_default_policy_refuses_loopback_and_private_hosts(server, connects, host):
    port = server.rsplit(":", 1)[1]
    with pytest.raises(Invalid, match="not allowed"):
        await fetch_url(f"http://{host}:{port}/image.png", io.BytesIO(), DEFAULT)
    assert connects == []


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1/", "http://169.254.169.254/", "http://[fe80::1]/"]
)
async def test_allow_loopback_still_refuses_private_and_link_local(connects, url):
    with pytest.raises(Invalid, match="not allowed"):
        await fetch_url(url, io.BytesIO(), LOCAL)
    assert connects == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/a.png", "Only http"),
        ("file:///etc/passwd", "Only http"),
        ("javascript:alert(1)", "Only http"),
        ("gopher://example.com/", "Only http"),
        ("example.com/a.png", "Only http"),
        ("http://user:pass@example.com/a.png", "user name or password"),
        ("http://@example.com/", "user name or password"),
        ("http:///a.png", "no host"),
        ("http://example.com:0/", "port"),
        ("http://example.com:65536/", "port"),
        ("http://example.com:http/", "port"),
        ("http://[::1/", "not valid"),
        ("http://example.com/a b.png", "spaces or control"),
        ("http://example.com/\r\nX-Evil: 1", "spaces or control"),
        ("http://example.com/" + "a" * 2048, "too long"),
        ("", "Only http"),
    ],
)
async def test_bad_urls_are_refused(url, message):
    with pytest.raises(Invalid, match=message):
        await fetch_url(url, io.BytesIO(), DEFAULT)


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - the address under test, not a bind
        "192.0.2.1",
        "198.18.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::10.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "not an address",
    ],
)
def test_non_public_addresses(ip):
    assert not is_public_address(ip)


@pytest.mark.parametrize(
    "ip", ["93.184.216.34", "1.1.1.1", "2606:4700::1111", "64:ff9b::5db8:d822", "2002:5db8:d822::1"]
)
def test_public_addresses(ip):
    assert is_public_address(ip)
    assert is_public_address(ip, allow_loopback=True)


def test_allow_loopback_admits_only_loopback():
    assert is_public_address("127.0.0.1", allow_loopback=True)
    assert is_public_address("127.8.9.10", allow_loopback=True)
    assert is_public_address("::1", allow_loopback=True)
    for ip in ["10.0.0.1", "169.254.169.254", "192.168.1.1", "fe80::1", "fc00::1", "0.0.0.0"]:  # noqa: S104
        assert not is_public_address(ip, allow_loopback=True)
