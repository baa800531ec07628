"""Hot GET of a public thumbnail against a bare Tornado handler: python bench/bench_hot.py

Starts `manage.py serve` (embedded database), uploads a photo-like JPEG as a public image,
and loads its thumbnail anonymously with `wrk` over keep-alive connections (`-c32` by
default), each run after an unrecorded 2 s one: first every request a 200 with the bytes,
then every request a conditional GET with the thumbnail's ETag (a 304). Then the bare
Tornado handler of `bench_serve.py`, in its own process, writes the same number of bytes
from memory: the framework's limit. Prints requests/s, p50 and p99 of each, the server's
CPU time per request, and the ratios.

`--profile` also records the server under the 200 load with py-spy (`pip install py-spy`)
into a speedscope file, to see what each request still costs.
"""

import argparse
import os
import shutil
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_serve import BARE, photo_jpeg, run_wrk
from http_client import Session, upload_bytes
from samplers import cpu_seconds
from servers import Peer, PixvaultServer, exit_on_sigterm


def load(url: str, pid: int, args, headers: dict | None = None):
    """One wrk run against `url` after a short unrecorded one (so the hot path is warm and
    its signal fresh); also the CPU ms per request of process `pid`."""
    run_wrk(url, args.threads, args.connections, 2, headers)
    before = cpu_seconds(pid)
    result = run_wrk(url, args.threads, args.connections, args.duration, headers)
    return result, (cpu_seconds(pid) - before) * 1000 / max(result.requests, 1)


def profile(pid: int, seconds: float, out: str) -> subprocess.Popen:
    """py-spy recording `pid` for `seconds` into `out` (speedscope format)."""
    return subprocess.Popen(  # noqa: S603 - fixed command line
        [shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy"),
         "record", "-p", str(pid), "-d", str(int(seconds)),
         "-f", "speedscope", "-o", out, "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (-t)")
    parser.add_argument("--connections", type=int, default=32, help="open connections (-c)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per run (-d)")
    parser.add_argument("--profile", metavar="FILE", help="py-spy the 200 run into FILE")
    args = parser.parse_args()
    exit_on_sigterm()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
    print(f"cores: {len(os.sched_getaffinity(0))}; load average: {os.getloadavg()[0]:.2f}; "
          f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s")
    rows, size = pixvault(args, hot=True)
    rows += pixvault(args, hot=False)[0]
    # The same number of bytes from memory.
    with Peer("bare", [sys.executable, BARE, "{port}"], ready="/bytes/1") as bare:
        rows.append(("bare Tornado 200",
                     *load(f"{bare.base_url}/bytes/{size}", bare.pid, args)))
    bare = rows[-1][1].rps
    print(f"\n{size:,} byte thumbnail\n")
    print("| server | req/s | p50 ms | p99 ms | errors | CPU ms/req | / bare Tornado |")
    print("|---|---|---|---|---|---|---|")
    for name, result, cpu in rows:
        print(f"| {name} | {result.rps:,.0f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} | "
              f"{result.errors} | {cpu:.3f} | {result.rps / bare:.2f} |")


def pixvault(args, hot: bool) -> tuple[list[tuple], int]:
    """Rows for Pixvault with its hot path on or off (`--hot-cache-mb 0`: as before it),
    and the thumbnail's size."""
    label = "Pixvault" if hot else "Pixvault, hot path off,"
    rows = []
    with PixvaultServer(extra_args=() if hot else ("--hot-cache-mb", "0")) as server:
        server.createuser()
        session = Session(server.port)
        session.login()
        image = upload_bytes(session, photo_jpeg(1_000_000), "photo.jpg",
                             {"visibility": "public"})
        path = urllib.parse.urlsplit(image["urls"]["thumb"]).path
        status, headers, body = Session(server.port).request("GET", path)  # anonymous
        assert status == 200, status
        etag = {name.lower(): value for name, value in headers.items()}["etag"]
        url = server.base_url + path
        spy = profile(server.pid, args.duration, args.profile) if args.profile and hot else None
        rows.append((f"{label} 200", *load(url, server.pid, args)))
        if spy:
            spy.wait(60)
        rows.append((f"{label} 304", *load(url, server.pid, args, {"If-None-Match": etag})))
    return rows, len(body)


if __name__ == "__main__":
    main()
