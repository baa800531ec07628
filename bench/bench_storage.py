"""Bytes stored per upload, and serving `full` as a view over the original against `full`
stored as a file of its own: python bench/bench_storage.py [--gets N] [--ranges N].

Storage: each input goes through the real pipeline; "before" stores every variant (as uploads
did before views), "after" stores what `store.save_image` now writes. Ratios are to the
original plus its derivatives (`large`, `thumb2x`, `thumb`, WebP and AVIF), the issue's
target being at most 1.15.

Serving: one 12 MP photo is uploaded to an in-process server on the embedded database, and
`full` is fetched whole and by 64 KiB ranges, as a view and then (the same image turned back
into the old shape) as a file; rounds alternate and the best round of each counts.
"""

import argparse
import asyncio
import hashlib
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "bench")]

from inputs import photo_like, screenshot  # noqa: E402
from PIL import ExifTags, Image  # noqa: E402
from tornado.httpclient import AsyncHTTPClient  # noqa: E402
from tornado.httpserver import HTTPServer  # noqa: E402
from tornado.testing import bind_unused_port  # noqa: E402

from app.application import make_app  # noqa: E402
from app.db import connect, ensure_indexes, images_bucket  # noqa: E402
from app.embedded import EmbeddedDatabase  # noqa: E402
from app.images.ingest import decode_limits, ingest  # noqa: E402
from app.images.intake.spool import SpooledFile  # noqa: E402
from app.images.processing.pipeline import process_image  # noqa: E402

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + b"<rdf:RDF>" * 200 + b"</x:xmpmeta>"


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make], exif[ExifTags.Base.Model] = "Camera", "Model 12"
    exif[ExifTags.Base.DateTime] = "2026:11:30 10:00:00"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E",
                                               4: (2.0, 17.0, 40.0)})
    return exif


def inputs() -> dict[str, bytes]:
    made = {}
    for name, image, fmt, params in (
        ("jpeg 12 MP photo", photo_like((4000, 3000)), "JPEG", {"quality": 90}),
        ("png screenshot 2560x1440", screenshot((2560, 1440)), "PNG", {}),
        ("webp 2000x1500 photo", photo_like((2000, 1500)), "WEBP", {"quality": 85}),
    ):
        buf = io.BytesIO()
        image.save(buf, fmt, exif=camera_exif(), xmp=XMP, **params)
        made[name] = buf.getvalue()
    base = photo_like((480, 270)).quantize(256)
    frames = [base.rotate(i * 3.6) for i in range(100)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=40, loop=0,
                   comment=b"taken by someone, somewhere")
    made["gif 100 frames 480x270"] = buf.getvalue()
    return made


def storage_table(files: dict[str, bytes]) -> dict[str, bytes]:
    print(f"{'input':28} {'original':>10} {'derived':>10} {'full':>10} "
          f"{'before':>7} {'after':>7}  (x original + derivatives)")
    for name, data in files.items():
        with tempfile.NamedTemporaryFile() as spool:
            spool.write(data)
            spool.flush()
            processed = process_image(spool.name)
        full = processed.variants["full"]
        derived = sum(len(v.data) for key, v in processed.variants.items() if key != "full")
        base = len(data) + derived
        after = base + (len(full.data) if full.pieces is None else 0)
        print(f"{name:28} {len(data):>10,} {derived:>10,} {len(full.data):>10,} "
              f"{(base + len(full.data)) / base:>7.3f} {after / base:>7.3f}")
    return files


async def serving(photo: bytes, gets: int, ranges: int) -> None:
    database = EmbeddedDatabase(tempfile.mkdtemp(prefix="pixvault-bench-") + "/db")
    uri = database.start()
    client = connect(uri)
    db = client["bench"]
    await ensure_indexes(db)
    app = make_app({"cookie_secret": "bench", "share_key": "bench",
                    "data_dir": tempfile.mkdtemp(), "cache_mb": 0}, db=db)
    sock, port = bind_unused_port()
    server = HTTPServer(app, max_body_size=200 * 1024 * 1024)
    server.add_sockets([sock])
    try:
        await _serve_rounds(app, db, port, photo, gets, ranges)
    finally:
        server.stop()
        app.close()
        await client.close()
        database.stop()


async def _serve_rounds(app, db, port, photo, gets, ranges) -> None:
    owner = {"_id": "bench-owner", "username": "bench", "settings": {}}
    await db.users.insert_one(dict(owner))
    with tempfile.NamedTemporaryFile() as spool:
        spool.write(photo)
        spool.flush()
        spooled = SpooledFile(path=Path(spool.name), filename="p.jpg", size=len(photo),
                              hasher=hashlib.sha256(photo))
        image, _ = await ingest(db, app.bucket, app.image_executor, owner=owner,
                                spooled=spooled, fields={"visibility": "public"},
                                limits=decode_limits(app.settings), quota=None, now=app.clock())
    view_entry = image["files"]["full"]
    http = AsyncHTTPClient(force_instance=True, max_clients=8)
    url = f"http://127.0.0.1:{port}/i/{image['_id']}/full"
    body = (await http.fetch(url)).body
    file_entry = {k: v for k, v in view_entry.items() if k != "view"}
    await images_bucket(db).upload_from_stream_with_id(file_entry["id"], "full", body)
    rng = random.Random(1)  # noqa: S311 - reproducible ranges
    offsets = [rng.randrange(len(body) - 65536) for _ in range(ranges)]
    best: dict[str, list[float]] = {}
    for _ in range(3):
        for layout, entry in (("view", view_entry), ("file", file_entry)):
            await db.images.update_one({"_id": image["_id"]}, {"$set": {"files.full": entry}})
            started = time.perf_counter()
            for _ in range(gets):
                assert (await http.fetch(url)).body == body
            whole = time.perf_counter() - started
            started = time.perf_counter()
            answers = await asyncio.gather(*(http.fetch(
                url, headers={"Range": f"bytes={at}-{at + 65535}"}) for at in offsets))
            parts = time.perf_counter() - started
            assert all(a.body == body[at:at + 65536] for a, at in zip(answers, offsets,
                                                                        strict=True))
            previous = best.get(layout, [float("inf")] * 2)
            best[layout] = [min(previous[0], whole), min(previous[1], parts)]
    http.close()
    mb = len(body) / 1e6
    print(f"\nserving full ({mb:.1f} MB, {len(view_entry['view']['pieces'])} pieces as a view)")
    for layout, (whole, parts) in best.items():
        print(f"  {layout:5} GET {gets / whole:7.1f} req/s ({gets * mb / whole:6.1f} MB/s)   "
              f"Range 64 KiB {ranges / parts:7.1f} req/s")
    view, file = best["view"], best["file"]
    print(f"  view / file: GET {file[0] / view[0]:.2f}x, Range {file[1] / view[1]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gets", type=int, default=20)
    parser.add_argument("--ranges", type=int, default=200)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    files = storage_table(inputs())
    asyncio.run(serving(files["jpeg 12 MP photo"], args.gets, args.ranges))


if __name__ == "__main__":
    main()
