"""Gallery rows: first-page latency over HTTP for an owner of 100, 1,000 and 10,000 images.

The gallery grows as `bench_search.py` grows it: image documents inserted directly (as
`bench_gallery.document` makes them, with the files of one real upload), as many for
another user beside them; the page is then loaded as its owner, the way a browser does.
"""

import asyncio
import random

from bench_search import grow, timed_get
from http_client import Session, upload_bytes
from pymongo import MongoClient

from app.db import connect
from app.ids import new_id
from suite.table import Row


async def grown(uri: str, seed: dict, other_id: str, have: int, want: int,
                rng: random.Random) -> None:
    """The owner of `seed` (and `other_id`) grown from `have` to `want` images."""
    client = connect(uri, timeout_ms=600_000, bound_operations=False)
    try:
        await grow(client.pixvault, seed["owner_id"], other_id, have, want, seed["files"], rng)
    finally:
        await client.close()


def rows(ctx) -> list[Row]:
    scales = (10, 100) if ctx.smoke else (100, 1000, 10_000)
    rng = random.Random(7)  # noqa: S311 - sample data
    session = Session(ctx.server.port)
    session.register("galleryowner")
    real = upload_bytes(session, ctx.input("photo-12mp.jpg").read_bytes(), "g.jpg")
    with MongoClient(ctx.server.db_uri, serverSelectionTimeoutMS=5000) as client:
        seed = client.pixvault.images.find_one({"_id": real["id"]})
    out, raw, have, other = [], {}, 1, new_id()
    for count in scales:
        asyncio.run(grown(ctx.server.db_uri, seed, other, have, count, rng))
        have = count
        median, status = timed_get(session, "/gallery")
        if status != 200:
            raise RuntimeError(f"/gallery answered {status}")
        raw[count] = {"median_ms": median}
        out.append(Row("gallery", f"first page, owner of {count:,} images", "ms (median of 3)",
                       median))
    ctx.raw["gallery"] = raw
    return out
