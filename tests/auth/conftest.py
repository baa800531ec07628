"""Fixtures for the sign-in tests: the bcrypt work a request does, and browsers behind a
trusted reverse proxy, each claiming its own client address."""

import bcrypt
import pytest
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from tests.client import Client


@pytest.fixture
def bcrypt_calls(monkeypatch) -> list[tuple[str, int]]:
    """(function, cost) of every bcrypt hash and check from now on; bcrypt still does them."""
    calls = []
    real_hashpw, real_checkpw = bcrypt.hashpw, bcrypt.checkpw

    def hashpw(password: bytes, salt: bytes) -> bytes:
        calls.append(("hashpw", int(salt.split(b"$")[2])))
        return real_hashpw(password, salt)

    def checkpw(password: bytes, hashed: bytes) -> bool:
        calls.append(("checkpw", int(hashed.split(b"$")[2])))
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "hashpw", hashpw)
    monkeypatch.setattr(bcrypt, "checkpw", checkpw)
    return calls


class ProxiedClient(Client):
    """A browser whose every request arrives through the proxy from `address`."""

    def __init__(self, base_url: str, address: str):
        super().__init__(base_url)
        self.address = address

    async def request(self, method: str, path: str, *, headers: dict | None = None,
                      **kwargs):
        return await super().request(method, path,
                                     headers={"X-Real-IP": self.address, **(headers or {})},
                                     **kwargs)


@pytest.fixture
async def proxied(app):
    """`proxied(address)`: a new browser talking to the app behind a proxy (`xheaders`)
    that reports `address` as the client's."""
    sock, port = bind_unused_port()
    server = HTTPServer(app, xheaders=True)
    server.add_sockets([sock])
    clients = []

    def factory(address: str) -> ProxiedClient:
        clients.append(ProxiedClient(f"http://127.0.0.1:{port}", address))
        return clients[-1]

    yield factory
    for client in clients:
        client.close()
    server.stop()
    await server.close_all_connections()
