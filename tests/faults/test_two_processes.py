"""Two `manage.py serve` processes on one database behave as one site.

A change made through A is honoured by B, whatever B keeps in memory: its hot path (public
answers served with no database round trip, forgotten through the invalidation signal
within a second) and its variant cache (bytes by file id, access checked on every request).
Sessions, API tokens, share links and sign-in throttling live in the database, so B sees
A's at once.

Each check on B polls until the expected answer with a generous bound that only catches a
hang (the promise is a second; the machine is shared), and records how long it took.
"""

import asyncio
import json
import time

import pytest
from pymongo import MongoClient

from app.embedded import EmbeddedDatabase
from tests.client import Client, json_body, upload_one
from tests.faults.test_database_killed import free_port, stop
from tests.images.handlers.test_shares import create_link
from tests.images.images import jpeg
from tests.test_manage import read_until_listening, start_serve

PROMISE = 1.0  # seconds: the documented bound
MARGIN = 10.0  # seconds: a busy shared machine; a broken signal never gets there
SECRETS = ("--cookie-secret", "two-processes-cookie-secret",
           "--share-key", "two-processes-share-key")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(A's base URL, B's base URL, the database URI)."""
    root = tmp_path_factory.mktemp("two")
    database = EmbeddedDatabase(root / "db", port=free_port())
    uri = database.start()
    processes = []
    try:
        for name in ("a", "b"):
            with open(root / f"{name}.log", "w") as log:
                process, port = start_serve(root / name, 1, "--mongodb-uri", uri, *SECRETS,
                                            stderr=log)
            processes.append((process, port))
            assert "listening" in read_until_listening(process)[-1]
        yield *(f"http://127.0.0.1:{port}" for _, port in processes), uri
    finally:
        for process, _ in processes:
            stop(process)
        database.stop()


async def until(request, expected: int) -> float:
    """Seconds until `request()` answers `expected` (the bound only catches a hang)."""
    started = time.monotonic()
    while (await request()).code != expected:
        assert time.monotonic() - started < PROMISE + MARGIN, f"never {expected}"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
async def pair(site):
    """A signed-in owner on A, an anonymous visitor on B, and the database."""
    url_a, url_b, uri = site
    owner, visitor = Client(url_a), Client(url_b)
    name = f"u{time.monotonic_ns() % 10**9}"
    await owner.register(name)
    with MongoClient(uri) as mongo:
        yield owner, visitor, mongo.pixvault, name
    owner.close()
    visitor.close()


async def test_b_s_hot_path_honours_a_s_changes(pair):
    owner, visitor, db, name = pair
    changes = {
        "private": lambda image: owner.post(f"/i/{image['id']}/edit",
                                            {"visibility": "private", "title": "t"}),
        "trash": lambda image: owner.post(f"/i/{image['id']}/delete", {"confirm": "1"}),
    }
    changes["disable the owner"] = lambda image: disable(owner, db, name)
    for shade, (kind, change) in enumerate(changes.items()):
        image = await upload_one(owner, jpeg(color=(shade * 60, 90, 90), size=(400, 300)),
                                 title=kind, visibility="public")
        path = f"/i/{image['id']}/thumb"
        await warmed(visitor, db, image, path)
        assert (await change(image)).code in (302, 303)
        took = await until(lambda path=path: visitor.get(path), 404)
        print(f"{kind}: B answered 404 {took:.3f} s after A's answer")


async def disable(owner: Client, db, name: str):
    """Disable `name`'s account as an admin does, through A."""
    admin = Client(owner.base_url)
    try:
        await admin.register(f"admin{name}")
        db.users.update_one({"username": f"admin{name}"}, {"$set": {"role": "admin"}})
        user_id = db.users.find_one({"username": name})["_id"]
        return await admin.post(f"/admin/users/{user_id}/disable")
    finally:
        admin.close()


async def warmed(visitor, db, image, path):
    """Fetch `path` on B until B answers it from memory: a change made behind the
    signal's back does not reach it."""
    started = time.monotonic()
    while True:
        assert (await visitor.get(path)).code == 200
        db.images.update_one({"_id": image["id"]}, {"$set": {"visibility": "private"}})
        code = (await visitor.get(path)).code
        db.images.update_one({"_id": image["id"]}, {"$set": {"visibility": "public"}})
        if code == 200:
            return
        assert time.monotonic() - started < PROMISE + MARGIN, "B never answered from memory"
        await asyncio.sleep(0.05)


async def test_b_s_variant_cache_and_share_links_honour_a_s_changes(pair, site):
    owner, visitor, db, name = pair
    on_b = Client(site[1])
    on_b.cookies = dict(owner.cookies)  # the session made on A
    try:
        image = await upload_one(owner, jpeg(size=(400, 300)), title="mine")
        path = f"/i/{image['id']}/thumb"
        for _ in range(2):  # the second read comes from B's variant cache
            assert (await on_b.get(path)).code == 200
        link = await create_link(owner, f"/i/{image['id']}")
        assert (await visitor.get(f"{link}/thumb")).code == 200
        share_id = db.shares.find_one({"target_id": image["id"]})["_id"]
        assert (await owner.post(f"/shares/{share_id}/revoke", {"confirm": "1"})).code == 302
        assert (await visitor.get(f"{link}/thumb")).code == 404
        assert (await owner.post(f"/i/{image['id']}/delete", {"confirm": "1"})).code in (302,
                                                                                        303)
        assert (await on_b.get(path)).code == 404
    finally:
        on_b.close()


async def test_sessions_tokens_and_throttling_are_one_site(pair, site):
    owner, visitor, db, name = pair
    on_b = Client(site[1])
    try:
        on_b.cookies = dict(owner.cookies)  # signed in on A, used on B
        assert (await on_b.get("/gallery")).code == 200
        created = await owner.request(
            "POST", "/api/v1/tokens", body=json.dumps({"name": "script"}),
            headers={"Content-Type": "application/json",
                     "X-XSRFToken": await owner.xsrf_token()})
        token = json_body(created)
        bearer = {"Authorization": f"Bearer {token['token']}"}
        assert (await visitor.get("/api/v1/me", headers=bearer)).code == 200
        revoked = await owner.request("DELETE", f"/api/v1/tokens/{token['id']}",
                                      headers={"X-XSRFToken": await owner.xsrf_token()})
        assert revoked.code == 204
        assert (await visitor.get("/api/v1/me", headers=bearer)).code == 401
        assert (await owner.logout()).code in (302, 303)
        assert (await on_b.get("/gallery")).code == 302  # signed out everywhere
        # Failed sign-ins counted on both count as one: 10 allowed, the 11th refused.
        guessers = (Client(site[0]), Client(site[1]))
        try:
            for attempt in range(10):
                response = await guessers[attempt % 2].login(name, "wrong password")
                assert response.code == 400
            assert (await guessers[1].login(name)).code == 429
            assert (await guessers[0].login(name)).code == 429
        finally:
            for guesser in guessers:
                guesser.close()
    finally:
        on_b.close()

