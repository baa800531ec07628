"""The gallery's queries on the embedded database: python bench/bench_gallery.py [--images N]

Starts a throwaway embedded SecantusDB, stores N image documents of one owner (plus as many
of another owner, so every query must pick the owner out), with titles, descriptions and
file names of random words, and times one page of the gallery, as `search.gallery_page`
reads it, for each order, both directions, the visibility filter and searches of a common
and a rare word. Then it times the bulk actions on 500 images: visibility, album, and
deletion (each image with eight small GridFS files, as an upload leaves).

Every query is the one the site runs, on the indexes of app/db.py; explain() says which
index answered and how many index keys and documents the database examined, where the
embedded database reports it.
"""

import argparse
import asyncio
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import connect, ensure_indexes, images_bucket
from app.embedded import EmbeddedDatabase
from app.errors import Invalid
from app.ids import new_id
from app.images import access, albums, bulk, search, terms

WORDS = [f"w{i}" for i in range(2000)] + ["harbour", "lighthouse", "sunset", "boat"]
TAGS = ["sea", "dusk", "city", "family", "work", "new-york"]
T0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
RUNS = 7


def document(owner_id: str, i: int, rng: random.Random) -> dict:
    words = lambda n: " ".join(rng.choice(WORDS) for _ in range(n))  # noqa: E731
    image = {"_id": new_id(), "owner_id": owner_id, "title": words(3),
             "description": words(12), "filename": f"IMG_{i:05}.jpg",
             "tags": rng.sample(TAGS, rng.randint(0, 3)),
             "visibility": rng.choice(["private", "private", "unlisted", "public"]),
             "bytes": rng.randint(20_000, 9_000_000), "width": 64, "height": 48,
             "format": "jpeg", "sha256": os.urandom(32).hex(), "files": {}, "album_ids": [],
             "created": T0 + datetime.timedelta(seconds=i)}
    image["terms"] = terms.image_terms(image)
    return image


async def timed_page(db, owner_id: str, cursor=None, backward=False, **listing
                     ) -> tuple[float, object]:
    """Median milliseconds of `RUNS` reads of one gallery page, and the page; `listing`
    holds the fields of `search.Search`."""
    times, page = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        page = await search.gallery_page(db, access.owned(owner_id), search.Search(**listing),
                                         cursor=cursor, backward=backward)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), page


async def examined(db, owner_id: str, **listing) -> str:
    query, order = search.gallery_listing(access.owned(owner_id), search.Search(**listing))
    plan = await db.images.find(query).sort(order.sort()).limit(31).explain()
    winning = plan["queryPlanner"]["winningPlan"]
    while "inputStage" in winning and winning.get("stage") != "IXSCAN":
        winning = winning["inputStage"]
    stats = plan.get("executionStats", {})
    keys, docs = stats.get("totalKeysExamined", "?"), stats.get("totalDocsExamined", "?")
    return f"{winning.get('indexName', winning.get('stage'))}, keys {keys}, docs {docs}"


async def bench_pages(db, owner_id: str) -> None:
    print("| listing | first page ms | next page ms | previous page ms | plan |")
    print("|---|---|---|---|---|")
    cases = [("newest", {}), ("oldest", {"sort": "oldest"}), ("title", {"sort": "title"}),
             ("size", {"sort": "size"}), ("public only", {"visibility": "public"}),
             ("search: common word", {"q": "harbour"}),
             ("search: prefix of many", {"q": "w1"}),
             ("search: two words", {"q": "harbour sunset"}),
             ("search: rare word", {"q": "img_00042"}),
             ("tag", {"tag": "dusk"})]
    for label, listing in cases:
        try:
            first_ms, first = await timed_page(db, owner_id, **listing)
        except Invalid:
            print(f"| {label} | refused: over the time bound | | | |")
            continue
        cells = [f"{first_ms:.1f}"]
        if first.next_cursor:
            next_ms, after = await timed_page(db, owner_id, cursor=first.next_cursor, **listing)
            back_ms, _ = await timed_page(db, owner_id, cursor=after.prev_cursor, backward=True,
                                          **listing)
            cells += [f"{next_ms:.1f}", f"{back_ms:.1f}"]
        else:
            cells += ["(one page)", ""]
        plan = await examined(db, owner_id, **listing)
        print(f"| {label} ({len(first.items)} items) | " + " | ".join(cells) + f" | {plan} |")


async def bench_bulk(db, owner_id: str) -> None:
    bucket = images_bucket(db)
    owner = {"_id": owner_id, "role": "user"}
    ids = [doc["_id"] async for doc in db.images.find({"owner_id": owner_id}).limit(500)]
    album = await albums.create_album(db, owner_id=owner_id, title="Bench", now=T0)
    print("\n| bulk action on 500 images | ms |")
    print("|---|---|")
    for action, extra in (("visibility", {"visibility": "public"}),
                          ("album_add", {"album_id": album["_id"]}),
                          ("album_remove", {"album_id": album["_id"]})):
        start = time.perf_counter()
        await bulk.apply(db, bucket, owner, action, ids, **extra, now=T0)
        print(f"| {action} | {(time.perf_counter() - start) * 1000:.0f} |")
    for image_id in ids:  # what an upload leaves: eight small files per image
        files = {}
        for key in ("original", "full", "large_webp", "thumb_webp", "thumb2x_webp",
                    "large_avif", "thumb_avif", "thumb2x_avif"):
            file_id = await bucket.upload_from_stream(f"{image_id}/{key}", os.urandom(2048),
                                                      metadata={"image_id": image_id})
            files[key] = {"id": file_id, "bytes": 2048}
        await db.images.update_one({"_id": image_id}, {"$set": {"files": files}})
    start = time.perf_counter()
    await bulk.apply(db, bucket, owner, "delete", ids, now=T0)
    print(f"| delete (documents and 4,000 GridFS files) | "
          f"{(time.perf_counter() - start) * 1000:.0f} |")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--images", type=int, default=5000, help="images of the owner")
    args = parser.parse_args()
    rng = random.Random(7)  # noqa: S311 - sample data, not secrets
    with tempfile.TemporaryDirectory() as folder:
        database = EmbeddedDatabase(Path(folder) / "db")
        client = connect(database.start(), timeout_ms=10_000)
        try:
            db = client.bench
            await ensure_indexes(db)
            owner_id, other_id = new_id(), new_id()
            for who in (owner_id, other_id):
                docs = [document(who, i, rng) for i in range(args.images)]
                for start in range(0, len(docs), 1000):
                    await db.images.insert_many(docs[start:start + 1000])
            print(f"{args.images} images of the owner, {args.images} of another user\n")
            await bench_pages(db, owner_id)
            await bench_bulk(db, owner_id)
        finally:
            await client.close()
            database.stop()


if __name__ == "__main__":
    asyncio.run(main())
