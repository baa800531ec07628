"""What runs on the event loop under a mixed load, attributed to code:
python bench/bench_loop.py [--rounds N] [--threshold-ms MS]

One `manage.py serve` (embedded database, bcrypt cost 12 as in production) under
`bench/slowlog.py`, so every callback of `--threshold-ms` or more is logged with stack
samples. Meanwhile, from threads on 127.0.0.1: uploads of every benchmark input (12 and
24 MP photos, 12 MP and 10 MB noise JPEGs, the animated GIF, the PNG screenshot, the HEIC),
`--rounds` times each, by two clients; sign-ins; the gallery's first page; the JSON API's
image list and its OpenAPI document; and a public thumbnail. It prints the load average,
the loop's CPU per callback, and each slow callback grouped by where it spent its time (the
innermost frame of Pixvault's own code in its most frequent stack), with CPU ms, wall ms
and the stack.
"""

import argparse
import collections
import json
import os
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inputs
from http_client import Session, upload_bytes
from samplers import cpu_seconds
from servers import PixvaultServer, exit_on_sigterm
from slowlog import parse
from suite.serving import background, public_thumb


def upload_files() -> list[tuple[str, bytes]]:
    """The name and bytes of every input the uploads cycle through."""
    files = [(name, inputs.path(name).read_bytes()) for name in inputs.NAMES]
    return files + [("noise-10mb.jpg", inputs.noise_jpeg(10).read_bytes())]


def brief(frames: list[str], keep: int = 4) -> list[str]:
    """`frames` from the outermost of Pixvault's own on, with long runs of other code cut
    to their first and last `keep` frames."""
    ours = [i for i, f in enumerate(frames) if f.startswith("app/")]
    frames = frames[ours[0]:] if ours else frames
    out, run = [], []
    for frame in [*frames, None]:
        if frame is not None and not frame.startswith("app/"):
            run.append(frame)
            continue
        out += run if len(run) <= 2 * keep else [*run[:keep], "...", *run[-keep:]]
        run = []
        if frame is not None:
            out.append(frame)
    return out


def report(found: list[dict], floor_ms: float) -> None:
    """Print the slow callbacks whose CPU was at least `floor_ms`, grouped by site."""
    sites = collections.defaultdict(list)
    for entry in found:
        if entry["cpu_ms"] >= floor_ms:
            sites[re.sub(r":\d+ ", " ", entry["site"])].append(entry)
    print(f"\n{len(found)} callbacks over the threshold (wall); "
          f"{sum(map(len, sites.values()))} of them over {floor_ms:g} ms of CPU:")
    for site, entries in sorted(sites.items(), key=lambda s: -max(e["cpu_ms"] for e in s[1])):
        cpu = sorted(e["cpu_ms"] for e in entries)
        worst = max(entries, key=lambda e: e["cpu_ms"])
        print(f"\n## {site}: {len(entries)} callbacks, CPU ms max {cpu[-1]:.0f}, "
              f"median {cpu[len(cpu) // 2]:.0f} (wall of the worst {worst['wall_ms']:.0f})")
        print(f"   handle: {worst['handle'][:160]}")
        if worst["gc_ms"]:
            print(f"   garbage collection: {worst['gc_ms']:.0f} ms ({worst['gc']})")
        for n, total, frames in worst["stacks"][:3]:
            print(f"   {n}/{total}: " + "\n          ".join(brief(frames)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="uploads of each input")
    parser.add_argument("--threshold-ms", type=float, default=10)
    parser.add_argument("--bcrypt-rounds", type=int, default=12)
    parser.add_argument("--json", type=Path, help="write every slow callback there")
    args = parser.parse_args()
    exit_on_sigterm()
    files = upload_files()
    with PixvaultServer(bcrypt_rounds=args.bcrypt_rounds,
                        slow_callback_ms=args.threshold_ms) as server:
        server.createuser()
        session = Session(server.port)
        session.login()
        path, _, _ = public_thumb(session, files[0][1])
        small = inputs.path("screenshot.png", smoke=True).read_bytes()
        for n in range(40):  # a full first page of the gallery
            upload_bytes(session, inputs.unique(small, n), f"s{n}.png")
        jobs = iter((name, inputs.unique(data, 1000 + i))
                    for i, (name, data) in enumerate(files * args.rounds))
        lock, finished, total = threading.Lock(), [], len(files) * args.rounds
        done = threading.Event()

        def upload() -> None:
            with lock:
                name, data = next(jobs, (None, None))
            if name is None:
                time.sleep(0.5)
                return
            try:
                upload_bytes(session, data, name)
            finally:
                finished.append(name)
                if len(finished) == total:
                    done.set()

        def get(url: str):
            return lambda: session.request("GET", url, headers={"Accept": "application/json"})

        before, load_before = cpu_seconds(server.pid), os.getloadavg()
        started = time.monotonic()
        with background(upload, upload, lambda: Session(server.port).login(),
                        get("/gallery"), get("/api/v1/images?limit=100"),
                        get("/api/v1/openapi.json"), get(path)) as counts:
            done.wait(1800)
        took = time.monotonic() - started
        cpu = cpu_seconds(server.pid) - before
        found = parse(server.log_path.read_text())
    print(f"load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}; "
          f"{took:.0f} s, server CPU {cpu:.1f} s")
    names = ("sign-ins", "gallery", "API list", "OpenAPI", "thumb")
    print(f"uploads {len(finished)} ({counts[0][1] + counts[1][1]} failed), " + ", ".join(
        f"{name} {answered} ({failed} failed)"
        for name, (answered, failed) in zip(names, counts[2:], strict=True)))
    report(found, args.threshold_ms)
    if args.json:
        args.json.write_text(json.dumps(found, indent=1))


if __name__ == "__main__":
    main()
