"""Server memory while large uploads stream in: python bench/bench_upload_memory.py [options]

Starts `manage.py serve` on a temporary data dir (embedded database, bcrypt cost 4), signs in
over HTTP, and sends multipart uploads to `POST /upload` from raw `http.client` connections in
64 KiB writes at a fixed pace, while a thread samples VmRSS of the Python server process (not
its database child) every 50 ms. The kernel's peak mark (VmHWM) is reset at each phase
boundary, so the "exact" peaks include spikes shorter than the sampling interval.

Phases: "streaming" runs from the first byte until a client has written its last one (with
concurrent uploads, the first to finish: they are paced to finish together); "processing"
from then until the last response (decode, derivatives, GridFS writes). The claim
under test: streaming costs a small, constant amount of memory, whatever the file size.

Cases, each on a fresh server: one ~48 MiB BMP (4096x4096 RGB) sent at --rate, the same file
sent as fast as the server reads, and --concurrent simultaneous ~5 MB BMPs. A small upload
first warms the server up (imports, executor threads), so "before" is a steady state.
"""

import argparse
import io
import os
import sys
import threading
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from http_client import Session, StreamedUpload, upload_bytes
from inputs import jpeg, noise, photo_like, unique
from samplers import RssSampler, cpu_seconds, reset_peak, status_kb
from servers import PixvaultServer, exit_on_sigterm

MIB = 1024 * 1024
CONTROL = "control: big body, unpaced, to /auth/login (not streamed)"


def noise_jpegs(count: int, megapixels: int) -> list[bytes]:
    """`count` distinct JPEGs of pure noise (~0.85 MB a megapixel at quality 90: the worst
    case, which no encoder shrinks)."""
    side = int((megapixels * 1_000_000 / 6) ** 0.5)
    data = jpeg(noise((3 * side, 2 * side)), 90)
    return [unique(data, i) for i in range(count)]


def bmp(size: tuple[int, int], seed: int) -> bytes:
    buf = io.BytesIO()
    photo_like(size, seed).save(buf, "BMP")
    return buf.getvalue()


@dataclass
class Result:
    name: str
    files: int
    file_bytes: int
    before_kb: int
    stream_peak_kb: int
    stream_hwm_kb: int
    process_peak_kb: int
    process_hwm_kb: int
    final_kb: int
    stream_s: float
    process_s: float
    stream_cpu_s: float
    process_cpu_s: float
    db_cpu_s: float
    spread_s: float
    samples: int
    statuses: list[int]
    upload_s: list[float]  # each upload's first byte to its answer

    @property
    def stream_growth_kb(self) -> int:
        return max(self.stream_peak_kb, self.stream_hwm_kb) - self.before_kb

    @property
    def process_growth_kb(self) -> int:
        return max(self.process_peak_kb, self.process_hwm_kb) - self.before_kb


def measure(
    server: PixvaultServer,
    session: Session | list[Session],
    name: str,
    blobs: list[bytes],
    *,
    rate: float,
    chunk: int,
    interval: float,
    settle: float,
    path: str = "/upload",
    expect: int = 201,
    strict: bool = True,
) -> Result:
    """Upload `blobs` at once (one connection each, from `session` or the sessions in turn)
    and read the server's memory throughout; `strict`: raise unless every answer is
    `expect`."""
    sessions = session if isinstance(session, list) else [session]
    pid = server.pid
    time.sleep(settle)
    before = status_kb(pid, "VmRSS")
    exact = reset_peak(pid)

    def db_cpu() -> float:
        return cpu_seconds(server.db_pid) if server.db_pid else 0.0

    marks: dict[str, float] = {}
    lock = threading.Lock()
    sent = [0]

    def last_byte() -> None:
        # The streaming phase ends when the first client has written its last byte: from
        # then on the server may be processing that file while the others finish.
        with lock:
            sent[0] += 1
            if sent[0] == 1:
                marks["stream_hwm"] = status_kb(pid, "VmHWM")
                marks["stream_cpu"] = cpu_seconds(pid)
                marks["db_cpu"] = db_cpu()
                reset_peak(pid)

    uploads = [
        StreamedUpload(
            sessions[i % len(sessions)],
            blob,
            f"{name}-{i}",
            rate=rate,
            chunk=chunk,
            on_last_byte=last_byte,
            path=path,
        )
        for i, blob in enumerate(blobs)
    ]
    errors: list[BaseException] = []

    def run(upload: StreamedUpload) -> None:
        try:
            upload.run()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    # Daemon threads: an interrupted benchmark must not wait for its clients to finish.
    threads = [threading.Thread(target=run, args=(u,), daemon=True) for u in uploads]
    cpu_start = cpu_seconds(pid)
    with RssSampler(pid, interval) as sampler:
        start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        process_hwm = status_kb(pid, "VmHWM")
        cpu_end = cpu_seconds(pid)
        db_cpu_end = db_cpu()
        time.sleep(settle)
    if errors:
        raise errors[0]
    for upload in uploads if strict else ():
        if upload.status != expect:
            raise RuntimeError(f"{name}: upload answered {upload.status}: {upload.body[:300]!r}")
    stream_end = min(u.last_byte for u in uploads)
    end = max(u.answered for u in uploads)
    return Result(
        name=name,
        files=len(blobs),
        file_bytes=sum(len(b) for b in blobs),
        before_kb=before,
        stream_peak_kb=sampler.peak_kb(start, stream_end),
        stream_hwm_kb=marks["stream_hwm"] if exact else 0,
        process_peak_kb=sampler.peak_kb(stream_end, end),
        process_hwm_kb=process_hwm if exact else 0,
        final_kb=status_kb(pid, "VmRSS"),
        stream_s=stream_end - start,
        process_s=end - stream_end,
        spread_s=max(u.last_byte for u in uploads) - stream_end,
        stream_cpu_s=marks["stream_cpu"] - cpu_start,
        process_cpu_s=cpu_end - marks["stream_cpu"],
        db_cpu_s=db_cpu_end - marks["db_cpu"],
        samples=len(sampler.samples),
        statuses=[u.status for u in uploads],
        upload_s=[u.answered - u.started for u in uploads],
    )


def mib(kb: float) -> str:
    # 0 stands for "not measured" (VmHWM could not be reset for this process).
    return f"{kb / 1024:7.1f} MiB" if kb else "    n/a    "


def report(r: Result) -> None:
    size = r.file_bytes / MIB
    each = f"{r.files} x {size / r.files:.1f} MiB" if r.files > 1 else f"{size:.1f} MiB"
    rate = size / r.stream_s if r.stream_s else 0
    print(f"\n== {r.name}: {each} ({r.samples} RSS samples)")
    if r.files > 1:
        print(f"  last bytes sent within {r.spread_s * 1000:.0f} ms of each other")
    print(f"  RSS before            {mib(r.before_kb)}")
    print(
        f"  peak while streaming  {mib(r.stream_peak_kb)} sampled, {mib(r.stream_hwm_kb)} "
        f"exact (VmHWM)   growth {r.stream_growth_kb / 1024:.1f} MiB"
    )
    print(
        f"  peak while processing {mib(r.process_peak_kb)} sampled, {mib(r.process_hwm_kb)} "
        f"exact (VmHWM)   growth {r.process_growth_kb / 1024:.1f} MiB"
    )
    print(
        f"  RSS after             {mib(r.final_kb)}   (+{(r.final_kb - r.before_kb) / 1024:.1f}"
        " MiB retained)"
    )
    print(
        f"  streaming growth / bytes uploaded = {r.stream_growth_kb * 1024 / r.file_bytes:.3f}"
        f"   processing growth / bytes = {r.process_growth_kb * 1024 / r.file_bytes:.2f}"
    )
    print(
        f"  time: streaming {r.stream_s:.2f} s ({rate:.1f} MiB/s, server CPU "
        f"{r.stream_cpu_s:.2f} s), processing {r.process_s:.2f} s (server CPU "
        f"{r.process_cpu_s:.2f} s, database CPU {r.db_cpu_s:.2f} s),\n"
        f"        whole upload {r.stream_s + r.process_s:.2f} s, slowest answer "
        f"{max(r.upload_s):.2f} s after its first byte"
    )


def summary(results: list[Result]) -> None:
    print(
        "\n| case | RSS before | peak streaming | peak processing | after | "
        "streaming growth / size | streaming s | processing s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        stream = max(r.stream_peak_kb, r.stream_hwm_kb)
        process = max(r.process_peak_kb, r.process_hwm_kb)
        print(
            f"| {r.name} | {r.before_kb / 1024:.1f} MiB | {stream / 1024:.1f} MiB | "
            f"{process / 1024:.1f} MiB | {r.final_kb / 1024:.1f} MiB | "
            f"{r.stream_growth_kb * 1024 / r.file_bytes:.3f} | {r.stream_s:.2f} | "
            f"{r.process_s:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--side",
        type=int,
        default=4096,
        help="big image is SIDE x SIDE RGB BMP (default 4096: 48 MiB)",
    )
    parser.add_argument(
        "--rate", type=float, default=8, help="MiB/s for the paced big upload (default 8)"
    )
    parser.add_argument("--chunk-kib", type=int, default=64, help="client write size")
    parser.add_argument("--concurrent", type=int, default=8, help="simultaneous uploads")
    parser.add_argument(
        "--concurrent-side",
        type=int,
        default=1292,
        help="each concurrent image is SIDE x SIDE RGB BMP (default ~4.8 MiB)",
    )
    parser.add_argument(
        "--concurrent-rate",
        type=float,
        default=2,
        help="MiB/s per connection in the concurrent case (0: unpaced)",
    )
    parser.add_argument(
        "--no-unpaced", action="store_true", help="skip the big upload sent as fast as possible"
    )
    parser.add_argument(
        "--no-control",
        action="store_true",
        help="skip the control (the big body to a non-streaming handler)",
    )
    parser.add_argument("--users", type=int, default=20,
                        help="the many-users case: this many users each upload one noise "
                             "JPEG at once (0: skip)")
    parser.add_argument("--users-mpx", type=int, default=24,
                        help="megapixels of each noise JPEG (default 24: ~20 MiB)")
    parser.add_argument("--only-users", action="store_true",
                        help="run the many-users case alone")
    parser.add_argument("--interval", type=float, default=0.05, help="RSS sampling period, s")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server, e.g. MALLOC_MMAP_THRESHOLD_=1048576 (repeatable)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    args = parser.parse_args()
    exit_on_sigterm()

    print(f"cores: {len(os.sched_getaffinity(0))}, python {sys.version.split()[0]}")
    started = time.monotonic()
    big = bmp((args.side, args.side), 1)
    smalls = [bmp((args.concurrent_side,) * 2, 100 + i) for i in range(args.concurrent)]
    warm = bmp((256, 256), 99)
    print(
        f"made test images in {time.monotonic() - started:.1f} s: big {len(big) / MIB:.1f} MiB"
        f" ({args.side}x{args.side} BMP), {args.concurrent} x {len(smalls[0]) / MIB:.1f} MiB"
    )

    extra_env = dict(item.split("=", 1) for item in args.server_env)
    if extra_env:
        print("server environment: " + " ".join(args.server_env))
    cases = [(f"big upload, paced at {args.rate:g} MiB/s", [big], args.rate, 1)]
    if not args.no_unpaced:
        cases.append(("big upload, unpaced", [big], 0, 1))
    cases.append(
        (
            f"{args.concurrent} concurrent uploads, "
            + (f"{args.concurrent_rate:g} MiB/s each" if args.concurrent_rate else "unpaced"),
            smalls,
            args.concurrent_rate,
            1,
        )
    )
    if not args.no_control:
        cases.append((CONTROL, [big], 0, 1))
    if args.only_users:
        cases = []
    if args.users:
        noise = noise_jpegs(args.users, args.users_mpx)
        cases.append((f"{args.users} users, one {len(noise[0]) / MIB:.0f} MiB noise JPEG "
                      "each, unpaced", noise, 0, args.users))
    results = []
    for name, blobs, rate, users in cases:
        # The control proves the instrument: Tornado buffers (and parses) the whole body for
        # a handler without @stream_request_body; /auth/login then answers 400 (no username).
        target = {"path": "/auth/login", "expect": 400} if name == CONTROL else {}
        # A fresh server per case: memory freed by an earlier case's processing stays in the
        # allocator's arenas and could hide growth in a later streaming phase.
        with PixvaultServer(keep=args.keep, extra_env=extra_env) as server:
            sessions = []
            for number in range(users):
                server.createuser(f"user{number}")
                sessions.append(Session(server.port))
                sessions[-1].login(f"user{number}")
            upload_bytes(sessions[0], warm, "warm-up.bmp")
            results.append(
                measure(
                    server,
                    sessions,
                    name,
                    blobs,
                    rate=rate * MIB,
                    chunk=args.chunk_kib * 1024,
                    interval=args.interval,
                    settle=1.0,
                    **target,
                )
            )
        report(results[-1])
    summary(results)
    print(f"\ntotal {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
