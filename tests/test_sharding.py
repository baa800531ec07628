"""Shard routing, simulated: which shards each query of Pixvault's hot paths would reach on a
sharded cluster with the shard keys of docs/deployment.md.

The queries are not written down by hand: the app serves real requests while a PyMongo
command listener records every command it sends, so the table stays true when the code
changes. A query reaches one shard when its filter fixes every field of its collection's
shard key by equality (mongos routes it by that value), some shards for an `$in` of
values, and all of them otherwise. An insert carries its shard key, and an unsharded
collection lives on one shard (the database's primary shard).

Hot paths, what every view of an image costs, must reach one shard; the listings (gallery,
feed, profile) are allowed to reach all, and the test prints them for the record:

    .venv/bin/python -m pytest tests/test_sharding.py -s
"""

import pytest
from pymongo import AsyncMongoClient, monitoring
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from app.application import MAX_BODY_BYTES, make_app
from app.db import INDEXES, ensure_indexes
from tests.api.conftest import create_token
from tests.client import Client, upload_one
from tests.images.handlers.test_shares import create_link
from tests.images.images import jpeg

# The deployment's shard keys (all hashed: ObjectIds and random ids alike spread evenly).
# Every other collection stays unsharded: a few documents per user (users, albums, share
# links, tokens) or short-lived (rate limits, upload turns), so one shard holds them all.
SHARD_KEYS = {
    "images": ("_id",),
    "images.files": ("_id",),
    "images.chunks": ("files_id",),
    "sessions": ("_id",),
    "image_digests": ("_id",),
}
_QUERY_FIELD = {"find": "filter", "count": "query", "distinct": "query",
                "findAndModify": "query"}
_IGNORED = {"createIndexes", "listIndexes", "ping", "hello", "isMaster", "endSessions",
            "getMore", "killCursors", "buildInfo", "listCollections"}


class Recorder(monitoring.CommandListener):
    """Every command a client sends while `on`, as (command name, collection, filters), and
    as sent (`raw`)."""

    def __init__(self):
        self.on = False
        self.commands: list[tuple[str, str, list[dict | None]]] = []
        self.raw: list[dict] = []

    def started(self, event) -> None:
        if self.on and event.command_name not in _IGNORED:
            self.commands.append(shape(event.command_name, event.command))
            self.raw.append(dict(event.command))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


def shape(name: str, command: dict) -> tuple[str, str, list[dict | None]]:
    """The collection a command reads or writes and the filters that route it (None for an
    insert, which carries its shard key)."""
    collection = command.get(name)
    if name in _QUERY_FIELD:
        filters = [command.get(_QUERY_FIELD[name]) or {}]
    elif name == "aggregate":
        first = (command.get("pipeline") or [{}])[0]
        filters = [first.get("$match", {})]
    elif name in ("update", "delete"):
        filters = [statement["q"] for statement in command[name + "s"]]
    else:  # insert
        filters = [None]
    return name, collection, filters


def reach(collection: str, query: dict | None) -> str:
    """"one", "some" or "all": the shards a query on `collection` reaches."""
    keys = SHARD_KEYS.get(collection)
    if keys is None or query is None:
        return "one"
    values = [query.get(key) for key in keys]

    def fixed(value) -> bool:
        return value is not None and (not isinstance(value, dict) or set(value) == {"$eq"})

    if all(map(fixed, values)):
        return "one"
    if all(fixed(value) or isinstance(value, dict) and set(value) == {"$in"}
           for value in values):
        return "some"
    return "all"


@pytest.fixture
async def recorded(mongodb_uri, clock, tmp_path):
    """A server on a database whose client records its commands: (base URL, recorder);
    `recorder.db` is that database."""
    recorder = Recorder()
    client = AsyncMongoClient(mongodb_uri, event_listeners=[recorder], tz_aware=True)
    db = recorder.db = client["sharding_" + str(id(recorder))]
    await ensure_indexes(db)
    app = make_app({"cookie_secret": "x", "share_key": "y", "bcrypt_rounds": 4,
                    "data_dir": str(tmp_path)}, db=db, clock=clock)
    sock, port = bind_unused_port()
    server = HTTPServer(app, max_body_size=MAX_BODY_BYTES)
    server.add_sockets([sock])
    yield f"http://127.0.0.1:{port}", recorder
    server.stop()
    await server.close_all_connections()
    app.close()
    await client.drop_database(db.name)
    await client.close()


async def routes_of(recorder: Recorder, request) -> list[tuple[str, str, str]]:
    """(command, collection, reach) of every query one request makes."""
    recorder.commands.clear()
    recorder.on = True
    response = await request
    recorder.on = False
    assert response.code == 200, response.body
    return [(name, collection, reach(collection, query))
            for name, collection, filters in recorder.commands for query in filters]


async def test_hot_paths_reach_one_shard_and_listings_are_known(recorded):
    base_url, recorder = recorded
    owner, visitor, script = Client(base_url), Client(base_url), Client(base_url)
    await owner.register("alice")
    public = await upload_one(owner, jpeg(), visibility="public")
    private = await upload_one(owner, jpeg(size=(40, 30)), visibility="private")
    link = await create_link(owner, f"/i/{private['id']}")
    token = (await create_token(owner))["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    hot = {
        "image page": visitor.get(f"/i/{public['id']}"),
        "thumbnail": visitor.get(f"/i/{public['id']}/thumb"),
        "full image": visitor.get(f"/i/{public['id']}/full"),
        "owner's image page": owner.get(f"/i/{private['id']}"),
        "share link": visitor.get(link),
        "shared thumbnail": visitor.get(f"{link}/thumb"),
        "API image": script.get(f"/api/v1/images/{public['id']}", headers=bearer),
    }
    listings = {
        "gallery": owner.get("/gallery"),
        "feed": visitor.get("/"),
        "profile": visitor.get("/u/alice"),
    }
    table, reaches = [], {}
    for group, requests in (("hot", hot), ("listing", listings)):
        for path, request in requests.items():
            for name, collection, where in await routes_of(recorder, request):
                table.append(f"{group:8} {path:20} {name:14} {collection:14} {where}")
                reaches.setdefault((group, path), set()).add((name, collection, where))
    print("\n" + "\n".join(table))
    for client in (owner, visitor, script):
        client.close()
    scattered = {path: queries for (group, path), queries in reaches.items()
                 if group == "hot" and any(where != "one" for *_, where in queries)}
    assert not scattered, f"hot-path queries reaching more than one shard: {scattered}"
    # An owner's listing is by owner, not by image id: every shard answers for its part.
    assert ("find", "images", "all") in reaches[("listing", "gallery")]


def test_unique_indexes_fit_the_shard_keys():
    # MongoDB enforces uniqueness across shards only for indexes that begin with the shard
    # key: any other unique index would hold per shard only.
    unfit = {(collection, tuple(field for field, _ in keys))
             for collection, keys, options in INDEXES
             if options.get("unique") and collection in SHARD_KEYS
             and tuple(field for field, _ in keys)[:len(SHARD_KEYS[collection])]
             != SHARD_KEYS[collection]}
    assert not unfit
