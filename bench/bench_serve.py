"""Serving throughput and latency: python bench/bench_serve.py [options]

Starts `manage.py serve` on a temporary data dir (embedded database, bcrypt cost 4), signs
in over HTTP, uploads a ~1 MB JPEG as a public image, and loads these URLs anonymously with
`wrk` (short runs, `-t2 -c16 -d5s` by default):

- `/i/<id>/thumb`       320 px WebP streamed from GridFS (access check + GridFS reads)
- `/i/<id>/full.jpg`    the ~1 MB JPEG, streamed from GridFS in 255 KiB chunks
- `/i/<id>`             the image's HTML page
- `/healthz`            a database ping

Then, as the baseline, a bare Tornado handler in a separate process on another port writes an
in-memory byte string of the same size as each of those responses. The ratio column is
Pixvault's requests/s over the baseline's for the same body size. CPU columns are the server
process's and the database process's CPU time per request during the run; "DB ops/req" counts
the database's operations (serverStatus opcounters) per request.

wrk is not part of Python: `apt-get install wrk` (Debian/Ubuntu). Without it, a small asyncio
load generator (tornado's AsyncHTTPClient, a bounded number of requests) is used instead and
the output says so; its numbers are limited by the client's own CPU and are not comparable
with wrk's.
"""

import argparse
import asyncio
import http.client
import os
import shutil
import statistics
import sys
import time
import urllib.parse
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from http_client import Session, upload_bytes
from inputs import jpeg, photo_like
from load import Load, run_wrk
from pymongo import MongoClient
from samplers import cpu_seconds
from servers import HOST, Peer, PixvaultServer, exit_on_sigterm

BARE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers", "bare.py")


def photo_jpeg(target: int) -> bytes:
    """A photo-like 2400x1600 JPEG whose size is as close to `target` bytes as quality allows."""
    im = photo_like((2400, 1600))
    candidates = (jpeg(im, quality) for quality in range(95, 40, -5))
    return min(candidates, key=lambda data: abs(len(data) - target))


def run_python(url: str, connections: int, total: int) -> Load:
    """Fallback: `total` GETs over `connections` concurrent tornado clients."""
    from tornado.httpclient import AsyncHTTPClient

    async def go() -> Load:
        client = AsyncHTTPClient(force_instance=True, max_clients=connections)
        latencies: list[float] = []
        errors = 0
        remaining = total

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                start = time.perf_counter()
                response = await client.fetch(url, raise_error=False, request_timeout=30)
                latencies.append((time.perf_counter() - start) * 1000)
                if response.code >= 400 or response.code < 200:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - start
        client.close()
        cuts = statistics.quantiles(latencies, n=100)
        return Load(len(latencies), elapsed, len(latencies) / elapsed, cuts[49], cuts[98], errors)

    return asyncio.run(go())


@dataclass
class Row:
    name: str
    path: str
    body_bytes: int
    load: Load
    app_cpu_ms: float = 0.0
    db_cpu_ms: float = 0.0
    db_ops: float = 0.0
    baseline: Load | None = None
    baseline_cpu_ms: float = 0.0


def measure(url: str, args, pids: list[int | None]) -> tuple[Load, list[float]]:
    """Load `url`; also returns the CPU ms per request spent by each process in `pids`."""
    before = [cpu_seconds(pid) if pid else 0.0 for pid in pids]
    if args.loader == "wrk":
        load = run_wrk(url, args.threads, args.connections, args.duration)
    else:
        load = run_python(url, args.connections, args.requests)
    after = [cpu_seconds(pid) if pid else 0.0 for pid in pids]
    per_request = [
        (b - a) * 1000 / max(load.requests, 1) for a, b in zip(before, after, strict=True)
    ]
    return load, per_request


def db_operations(client) -> int:
    """Operations the database has answered so far (serverStatus opcounters, all kinds)."""
    return sum(client.admin.command("serverStatus")["opcounters"].values())


def fetch(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- the benchmark --------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    header = (
        "endpoint", "body", "req/s", "p50 ms", "p99 ms", "errors", "app CPU ms/req",
        "DB CPU ms/req", "DB ops/req", "baseline req/s", "baseline p50 / p99 ms",
        "baseline CPU ms/req", "Pixvault / baseline",
    )  # fmt: skip
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        load, base = row.load, row.baseline
        cells = (
            f"{row.name} `{row.path}`", f"{row.body_bytes:,} B", f"{load.rps:,.0f}",
            f"{load.p50_ms:.2f}", f"{load.p99_ms:.2f}", str(load.errors),
            f"{row.app_cpu_ms:.2f}", f"{row.db_cpu_ms:.2f}", f"{row.db_ops:.1f}",
            f"{base.rps:,.0f}", f"{base.p50_ms:.2f} / {base.p99_ms:.2f}",
            f"{row.baseline_cpu_ms:.2f}", f"{load.rps / base.rps:.3f}" if base.rps else "-",
        )  # fmt: skip
        print("| " + " | ".join(cells) + " |")
    thumb = rows[0]
    if thumb.baseline and thumb.baseline.rps:
        print(
            f"\nthumb: Pixvault serves {thumb.load.rps:,.0f} req/s, the bare Tornado handler "
            f"{thumb.baseline.rps:,.0f} req/s for the same {thumb.body_bytes:,} bytes: ratio "
            f"{thumb.load.rps / thumb.baseline.rps:.3f} "
            f"(baseline is {thumb.baseline.rps / thumb.load.rps:.1f}x faster)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--loader",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator (auto: wrk when installed, else python)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (-t)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (-c)")
    parser.add_argument("--duration", type=float, default=5, help="seconds per wrk run (-d)")
    parser.add_argument(
        "--requests", type=int, default=2000, help="requests per URL with the python loader"
    )
    parser.add_argument("--jpeg-kb", type=int, default=1000, help="size of the test JPEG")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    args = parser.parse_args()
    exit_on_sigterm()

    if args.loader == "auto":
        args.loader = "wrk" if shutil.which("wrk") else "python"
        if args.loader == "python":
            print(
                "wrk is not installed (Debian/Ubuntu: apt-get install wrk). Falling back to "
                f"a python load generator: {args.requests} requests per URL over "
                f"{args.connections} connections; its own CPU use limits the numbers, so "
                "they are not comparable with wrk's."
            )
    elif args.loader == "wrk" and not shutil.which("wrk"):
        sys.exit(
            "wrk is not installed (Debian/Ubuntu: apt-get install wrk); "
            "use --loader python for the fallback"
        )
    how = (
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s"
        if args.loader == "wrk"
        else f"python loader, {args.requests} requests, {args.connections} connections"
    )
    print(
        f"cores: {len(os.sched_getaffinity(0))}; load: {how}; client, server and database "
        "share the machine"
    )

    jpeg = photo_jpeg(args.jpeg_kb * 1000)
    rows: list[Row] = []
    with PixvaultServer(keep=args.keep) as server:
        server.createuser()
        session = Session(server.port)
        session.login()
        image = upload_bytes(session, jpeg, "photo.jpg", {"visibility": "public"})
        paths = {name: urllib.parse.urlsplit(url).path for name, url in image["urls"].items()}
        targets = [
            ("thumb", paths["thumb"]),
            ("full", paths["full"]),
            ("image page", urllib.parse.urlsplit(image["page_url"]).path),
            ("healthz", "/healthz"),
        ]
        print(
            f"uploaded {len(jpeg):,} byte JPEG {image['width']}x{image['height']} as "
            f"public image {image['id']}; server pid {server.pid}, database pid "
            f"{server.db_pid}"
        )
        # Counts the database's operations per request; the server keeps its own client.
        with MongoClient(server.db_uri, serverSelectionTimeoutMS=5000) as mongo:
            for name, path in targets:
                status, body = fetch(server.port, path)  # anonymous, like the load generator
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                ops_before = db_operations(mongo)
                load, (app_ms, db_ms) = measure(
                    server.base_url + path, args, [server.pid, server.db_pid]
                )
                ops = (db_operations(mongo) - ops_before) / max(load.requests, 1)
                rows.append(Row(name, path, len(body), load, app_ms, db_ms, ops))
                print(
                    f"  {name:<11} {load.rps:9,.0f} req/s  p50 {load.p50_ms:7.2f} ms  "
                    f"p99 {load.p99_ms:7.2f} ms  errors {load.errors}"
                )
    with Peer("bare", [sys.executable, BARE, "{port}"], ready="/bytes/1") as bare:
        for row in rows:
            url = f"{bare.base_url}/bytes/{row.body_bytes}"
            row.baseline, (row.baseline_cpu_ms,) = measure(url, args, [bare.pid])
            print(
                f"  baseline {row.body_bytes:>9,} B {row.baseline.rps:9,.0f} req/s  "
                f"p50 {row.baseline.p50_ms:7.2f} ms  p99 {row.baseline.p99_ms:7.2f} ms"
            )
    print_table(rows)


if __name__ == "__main__":
    main()
