"""500 concurrent mixed requests against one in-process server:
python bench/bench_mixed_load.py [--concurrency N]

The same load as tests/faults/test_mixed_load.py (uploads, image views, gallery pages,
sign-ins, API calls; bcrypt cost 4), against the real application on an embedded
SecantusDB, all on 127.0.0.1. Prints p50/p99 latency per kind, the statuses seen, and the
slowest event-loop callbacks: by wall time from asyncio's debug-mode log (which includes
waiting for a core on a busy machine) and by CPU time on the loop's thread.
"""

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from app.application import MAX_BODY_BYTES, make_app
from app.db import connect, ensure_indexes
from app.embedded import EmbeddedDatabase
from tests.faults.mixed_load import MIX, SlowCallbacks, run_mixed_load


async def bench(concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = EmbeddedDatabase(Path(folder) / "db")
        client = connect(database.start(), timeout_ms=20_000)
        app = make_app({"cookie_secret": "bench", "share_key": "bench", "bcrypt_rounds": 4,
                        "registrations_per_hour": 100, "data_dir": folder},
                       db=client.bench)
        await ensure_indexes(app.db)
        sock, port = bind_unused_port()
        server = HTTPServer(app, max_body_size=MAX_BODY_BYTES)
        server.add_sockets([sock])
        try:
            logging.getLogger("tornado.access").setLevel(logging.ERROR)
            started = time.perf_counter()
            with SlowCallbacks(asyncio.get_running_loop(), 0.05) as slow:
                results = await run_mixed_load(f"http://127.0.0.1:{port}",
                                               concurrency=concurrency)
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
            app.close()
            await client.close()
            database.stop()
    print(f"{sum(MIX.values())} requests, {concurrency} at a time, in {elapsed:.1f} s "
          "(setup included)")
    print(f"{'kind':<8} {'count':>5} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for kind in MIX:
        p50, p99 = results.latency_ms(kind)
        statuses = sorted(results.statuses()[kind])
        print(f"{kind:<8} {len(results.answers[kind]):>5} {p50:>8.0f} {p99:>8.0f}  {statuses}")
    wall = max(slow.wall, default=(0.0, "none over 50 ms"))
    print(f"slowest callback, wall time: {wall[0] * 1000:.0f} ms ({wall[1][:100]})")
    print(f"slowest callback, CPU time on the loop's thread: {slow.slowest_cpu * 1000:.0f} ms")
    print(f"callbacks over 250 ms: wall {sum(s >= 0.25 for s, _ in slow.wall)}, "
          f"CPU {sum(s >= 0.25 for s, _ in slow.cpu)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16)
    asyncio.run(bench(parser.parse_args().concurrency))


if __name__ == "__main__":
    main()
