"""Gallery and search latency at scale: python bench/bench_search.py [--sizes 100,1000,10000]

Starts a real `manage.py serve` (embedded SecantusDB, bench/servers.py), signs a user in,
uploads one real image, then grows the user's gallery to each size by inserting image
documents directly (words, tags and file names as bench/bench_gallery.py makes them, the
files of the real upload), with as many documents of another user beside them. At each
size it times, over HTTP, the gallery page a person opens (newest, by title) and searches
(a common word, a prefix of many words, two words, a rare file name, a tag, a word with a
filter), as medians of a few runs, and prints what the database examined (explain) for
the query under each page.

The embedded database's planner reads every index entry in range and sorts in memory, so
its cost grows with the owner's images (and, for the multikey terms index, with their
terms); MongoDB answers the same queries from the same indexes by reading one page of
entries. A search the database cannot finish within `db_timeout_ms` (2 s by default) is
refused: 400 asking for more letters when the database says it stopped at its time limit,
503 when it just did not answer in time (the embedded database does not stop a query at
`maxTimeMS`, so the client gives up); the table shows the status where it is not 200.
"""

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_gallery import document
from http_client import Session, upload_bytes
from servers import PixvaultServer, exit_on_sigterm

from app.db import connect
from app.ids import new_id
from app.images import access, search

RUNS = 3
CASES = [
    ("gallery, newest", "/gallery", {}),
    ("gallery, by title", "/gallery?sort=title", {"sort": "title"}),
    ("search: common word", "/gallery?q=harbour", {"q": "harbour"}),
    ("search: prefix of many", "/gallery?q=w1", {"q": "w1"}),
    ("search: two words", "/gallery?q=harbour+sunset", {"q": "harbour sunset"}),
    ("search: rare file name", "/gallery?q=img_00042", {"q": "img_00042"}),
    ("tag", "/gallery?tag=dusk", {"tag": "dusk"}),
    ("word + public only", "/gallery?q=w1&visibility=public",
     {"q": "w1", "visibility": "public"}),
]


def jpeg_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48), (120, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def timed_get(session: Session, path: str) -> tuple[float, int]:
    """Median milliseconds of `RUNS` GETs of `path`, and the last status."""
    times, status = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        status, _, _ = session.request("GET", path)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), status


async def examined(db, owner_id: str, fields: dict) -> str:
    query, order = search.gallery_listing(access.owned(owner_id), search.Search(**fields))
    plan = await db.images.find(query).sort(order.sort()).limit(31).explain()
    stats, winning = plan.get("executionStats", {}), plan["queryPlanner"]["winningPlan"]
    while "inputStage" in winning and winning.get("stage") != "IXSCAN":
        winning = winning["inputStage"]
    name = winning.get("indexName", winning.get("stage"))
    return (f"{name}: keys {stats.get('totalKeysExamined', '?')}, "
            f"docs {stats.get('totalDocsExamined', '?')}")


async def grow(db, owner_id: str, other_id: str, have: int, want: int, files: dict,
               rng: random.Random) -> None:
    for who in (owner_id, other_id):
        docs = [document(who, i, rng) for i in range(have, want)]
        for doc in docs:
            doc["files"] = files
        for start in range(0, len(docs), 500):
            await db.images.insert_many(docs[start:start + 500])


async def run(sizes: list[int]) -> None:
    rng = random.Random(7)  # noqa: S311 - sample data, not secrets
    with PixvaultServer() as server:
        server.createuser()
        session = Session(server.port)
        session.login()
        upload_bytes(session, jpeg_bytes(), "seed.jpg")
        client = connect(server.db_uri, timeout_ms=600_000, bound_operations=False)
        try:
            db = client.pixvault
            seed = await db.images.find_one({})
            owner_id, other_id, have = seed["owner_id"], new_id(), 1
            print("| images | listing | page ms (HTTP, median) | database examined |")
            print("|---|---|---|---|")
            for size in sizes:
                start = time.perf_counter()
                await grow(db, owner_id, other_id, have, size, seed["files"], rng)
                have = size
                print(f"| {size} | (inserted in {time.perf_counter() - start:.0f} s) | | |")
                for label, path, fields in CASES:
                    ms, status = timed_get(session, path)
                    shown = f"{ms:.0f}" if status == 200 else f"{ms:.0f} (answered {status})"
                    print(f"| {size} | {label} | {shown} | "
                          f"{await examined(db, owner_id, fields)} |", flush=True)
        finally:
            await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="gallery sizes, comma-separated, increasing")
    args = parser.parse_args()
    exit_on_sigterm()
    asyncio.run(run([int(size) for size in args.sizes.split(",")]))


if __name__ == "__main__":
    main()
