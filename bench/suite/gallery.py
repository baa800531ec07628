"""Gallery rows: first-page latency for owners of 100, 1,000 and 10,000 images.

Image documents are inserted directly (`bench_gallery.document`, with the files of one
real upload) into the running server's database; the page is then loaded over
HTTP as its owner, the way a browser does.
"""

import random
import statistics
import time

import bench_gallery
from harness import Session, upload_bytes
from pymongo import MongoClient

from suite.table import Row


def page_ms(session: Session, runs: int) -> tuple[float, float]:
    """Median and slowest milliseconds of `GET /gallery` (asserting 200)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        status, _, _ = session.request("GET", "/gallery")
        times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise RuntimeError(f"/gallery answered {status}")
    return statistics.median(times), max(times)


def rows(ctx) -> list[Row]:
    scales = (10, 100) if ctx.smoke else (100, 1000, 10_000)
    runs = 3 if ctx.smoke else 15
    rng = random.Random(7)  # noqa: S311 - sample data
    out, raw = [], {}
    with MongoClient(ctx.server.db_uri, serverSelectionTimeoutMS=5000) as client:
        db = client.pixvault
        for count in scales:
            session = Session(ctx.server.port)
            session.register(f"gallery{count}")
            # Every generated document borrows the files of one real upload (the page
            # names them; nothing reads their bytes).
            real = upload_bytes(session, ctx.input("photo-12mp.jpg").read_bytes(), "g.jpg")
            template = db.images.find_one({"_id": real["id"]})
            docs = [{**template, **bench_gallery.document(template["owner_id"], i, rng),
                     "files": template["files"]} for i in range(count - 1)]
            for start in range(0, count, 1000):
                db.images.insert_many(docs[start:start + 1000])
            median, slowest = page_ms(session, runs)
            raw[count] = {"median_ms": median, "slowest_ms": slowest, "runs": runs}
            out.append(Row("gallery", f"first page, owner of {count:,} images", "ms (median)",
                           median, note=f"slowest of {runs}: {slowest:.0f} ms"))
    ctx.raw["gallery"] = raw
    return out
