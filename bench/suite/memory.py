"""Memory rows: RSS growth while uploads of 1, 10 and 50 MB stream in (each on a fresh
server), and 20 concurrent 20 MB pure-noise uploads from 20 users.

The readings come from `bench_upload_memory.measure` (VmRSS sampled every 50 ms plus the
kernel's peak mark, VmHWM, of the Python server process; the database is another process).
"""

import contextlib

import inputs
from bench_upload_memory import measure
from http_client import Session, upload_bytes
from servers import PixvaultServer

from suite.table import Check, Row, number

MIB = 1024 * 1024


@contextlib.contextmanager
def fresh_server(users: int):
    """A new server with `users` signed-in users, warmed up by one small upload."""
    with PixvaultServer(extra_env={"PIXVAULT_REGISTRATIONS_PER_HOUR": "1000"}) as server:
        sessions = []
        for i in range(users):
            session = Session(server.port)
            session.register(f"member{i}")
            sessions.append(session)
        warm = inputs.path("screenshot.png", smoke=True).read_bytes()
        upload_bytes(sessions[0], warm, "w.png")
        yield server, sessions


def streaming_rows(ctx, sizes, servers) -> list[Row]:
    growth = {}
    for megabytes in sizes:
        data = inputs.noise_jpeg(megabytes).read_bytes()
        with servers(1) as (server, sessions):
            result = measure(server, sessions[0], f"{megabytes:g} MB", [data], rate=16 * MIB,
                             chunk=64 * 1024, interval=0.05, settle=0.5)
        growth[megabytes] = {"bytes": len(data),
                             "stream_growth_mib": result.stream_growth_kb / 1024,
                             "process_growth_mib": result.process_growth_kb / 1024,
                             "upload_s": result.upload_s[0]}
    ctx.raw["memory_streaming"] = growth
    small, big = growth[sizes[0]], growth[sizes[-1]]
    slope = (big["stream_growth_mib"] - small["stream_growth_mib"]) * MIB / (
        big["bytes"] - small["bytes"])
    peak_slope = (big["process_growth_mib"] - small["process_growth_mib"]) * MIB / (
        big["bytes"] - small["bytes"])
    each = ", ".join(f"{m:g} MB: +{g['stream_growth_mib']:.1f} MiB streaming, "
                     f"+{g['process_growth_mib']:.0f} MiB processing" for m, g in growth.items())
    return [Row("memory", "RSS growth while streaming, slope over upload size", "bytes/byte",
                slope, checks=[Check("", slope, "<=", 0.02, "")], note=each),
            Row("memory", "peak RSS growth while processing, slope over upload size",
                "bytes/byte", peak_slope)]


def concurrent_rows(ctx, users: int, megabytes: float, servers) -> list[Row]:
    data = inputs.noise_jpeg(megabytes).read_bytes()
    with servers(users) as (server, sessions):
        blobs = [inputs.unique(data, i) for i in range(users)]
        result = measure(server, sessions, "concurrent", blobs, rate=0, chunk=64 * 1024,
                         interval=0.05, settle=0.5, strict=False)
    ok = sum(status == 201 for status in result.statuses)
    slowest = max(result.upload_s)
    peak = result.process_growth_kb / 1024
    ctx.raw["memory_concurrent"] = {"users": users, "bytes": len(data),
                                    "statuses": result.statuses, "upload_s": result.upload_s,
                                    "peak_growth_mib": peak}
    what = f"{users} users x {number(len(data) / 1e6)} MB noise JPEG at once"
    return [Row("memory", what, "answered 201", ok, checks=[Check("", ok, ">=", users, "")]),
            Row("memory", what, "slowest upload, s", slowest,
                checks=[Check("", slowest, "<=", 120, " s")]),
            Row("memory", what, "peak RSS growth, MiB", peak,
                checks=[Check("", peak, "<", 300, " MiB")])]


def rows(ctx) -> list[Row]:
    """Each case on a fresh server: memory freed by an earlier case stays in the allocator's
    arenas and could hide growth in a later one. The smoke run shares one server."""
    if not ctx.smoke:
        return (streaming_rows(ctx, (1, 10, 49), fresh_server)
                + concurrent_rows(ctx, 20, 20, fresh_server))
    with fresh_server(2) as shared:
        def servers(_):
            return contextlib.nullcontext(shared)
        return (streaming_rows(ctx, (0.1, 0.3), servers)
                + concurrent_rows(ctx, 2, 0.2, servers))
