"""Signed renditions: python bench/bench_renditions.py [--sizes N] [--photo-mpx M]

Starts `manage.py serve` on a temporary data dir (embedded database), signs in over HTTP,
uploads a noisy photo-like JPEG of M megapixels (default 12) as a public image, and gets
signed rendition URLs from `POST /api/v1/images/{id}/renditions`. Then:

- latency, cold (the first request: rate-limit count, source read from GridFS, decode,
  resize, encode, GridFS write, eviction check) against cached (a GridFS read), for a
  few typical renditions: 320 px WebP (made from `large`), 1200 px AVIF (from `large`),
  2400 px JPEG at 2x (from `full`: the original is decoded);
- a flood of N distinct widths (default 300) from one client with the server's limits
  raised out of the way (`renditions_per_hour`), and small budgets
  (`rendition_image_mb` 2, `rendition_cache_mb` 4): the bytes GridFS then holds for the
  rendition cache (renditions.files + chunks) and the number of renditions kept, which
  the budgets must bound;
- the same flood with the default limit: how many are refused with 429.

Everything talks to 127.0.0.1 only, in bounded loops.
"""

import argparse
import io
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from http_client import Session, upload_bytes
from PIL import Image
from pymongo import MongoClient
from servers import PixvaultServer, exit_on_sigterm

RUNS = 5


def photo(megapixels: float) -> bytes:
    """A JPEG of noise blurred into blotches: it compresses like a photo, not a flat tone."""
    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    height = width * 3 // 4
    small = Image.effect_noise((width // 16, height // 16), 64).convert("RGB")
    buffer = io.BytesIO()
    small.resize((width, height), Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def signed(session: Session, image_id: str, **fields) -> str:
    status, _, body = session.request(
        "POST", f"/api/v1/images/{image_id}/renditions", json.dumps(fields).encode(),
        {"Content-Type": "application/json", "X-XSRFToken": session.xsrf})
    if status != 201:
        raise RuntimeError(f"signing failed: {status} {body[:200]!r}")
    return json.loads(body)["url"].split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def timed(session: Session, path: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    status, _, body = session.request("GET", path, headers={"Accept": "image/avif,image/webp"})
    return (time.perf_counter() - start) * 1000, status, len(body)


def cache_bytes(server: PixvaultServer) -> tuple[int, int]:
    """(GridFS bytes of the rendition cache, renditions kept), from the server's database."""
    with MongoClient(server.db_uri) as client:
        db = client.pixvault
        files = db["renditions.files"].aggregate(
            [{"$group": {"_id": None, "n": {"$sum": "$length"}}}]).to_list()
        return (files[0]["n"] if files else 0), db.renditions.count_documents({})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, default=300, help="distinct widths in the flood")
    parser.add_argument("--photo-mpx", type=float, default=12.0)
    args = parser.parse_args()
    exit_on_sigterm()
    data = photo(args.photo_mpx)
    print(f"photo: {args.photo_mpx} MP JPEG, {len(data) / 1e6:.1f} MB; load: "
          f"{os.getloadavg()[0]:.2f} (1 min)")
    flood_env = {"PIXVAULT_RENDITIONS_PER_HOUR": str(10 * args.sizes),
                 "PIXVAULT_RENDITION_IMAGE_MB": "2", "PIXVAULT_RENDITION_CACHE_MB": "4"}
    with PixvaultServer(extra_env=flood_env) as server:
        server.createuser()
        session = Session(server.port)
        session.login()
        image = upload_bytes(session, data, "photo.jpg", {"visibility": "public"})
        print(f"\n{'rendition':34} {'cold ms':>8} {'cached ms':>10} {'ratio':>6} {'bytes':>8}")
        for fields in ({"width": 320, "format": "webp"}, {"width": 1200, "format": "avif"},
                       {"width": 1200, "format": "jpeg", "dpr": 2}):
            path = signed(session, image["id"], **fields)
            cold, status, size = timed(session, path)
            cached = statistics.median(timed(session, path)[0] for _ in range(RUNS))
            assert status == 200, status
            print(f"{path.rsplit('/', 1)[1]:34} {cold:8.0f} {cached:10.1f} "
                  f"{cold / cached:6.0f} {size:8}")
        start = time.perf_counter()
        codes = [timed(session, signed(session, image["id"], width=100 + n, format="webp"))[1]
                 for n in range(args.sizes)]
        seconds = time.perf_counter() - start
        stored, kept = cache_bytes(server)
        print(f"\nflood of {args.sizes} distinct widths (100..{99 + args.sizes} px WebP) in "
              f"{seconds:.1f} s: {codes.count(200)} made; the cache holds {kept} renditions, "
              f"{stored / 1e6:.1f} MB in GridFS (budgets: 2 MiB an image, 4 MiB in all)")
    with PixvaultServer() as server:
        server.createuser()
        session = Session(server.port)
        session.login()
        image = upload_bytes(session, data, "photo.jpg", {"visibility": "public"})
        codes = [timed(session, signed(session, image["id"], width=100 + n, format="webp"))[1]
                 for n in range(args.sizes)]
        print(f"default limit (renditions_per_hour 200), {args.sizes} distinct widths: "
              f"{codes.count(200)} made, "
              f"{codes.count(429)} refused with 429")


if __name__ == "__main__":
    main()
