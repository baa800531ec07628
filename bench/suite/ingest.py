"""Ingest and storage rows: Pixvault, the seeds' app and thumbor on the same files.

Pixvault: HTTP upload -> every variant stored -> 201. Seeds: the same upload to its
`/upload`. thumbor: every derivative Pixvault makes (WebP at 1600, 640 and 320 px) through its
HTTP API from the file loader, one request each. Each upload's bytes are made unique (a JPEG
comment), since Pixvault answers an owner's repeated file with the existing image.

Beside the times, the CPU each system spends per file during the two-client run (its
processes plus the database server, which Pixvault and the seeds' app share and thumbor
does not use): with two clients on two cores, throughput is CPU per file.
"""

import threading
import time
import urllib.request

import inputs
from http_client import Session, post_file, upload_bytes
from pymongo import MongoClient
from samplers import cpu_seconds

from suite import peers
from suite.table import Check, Row, number, ratio

BOXES = (1600, 640, 320)  # app.images.processing: LARGE, THUMB2X, THUMB
OTHER = ("screenshot.png", "animated.gif", "photo-3mp.heic")


def run_jobs(job, count: int, clients: int) -> float:
    """Run `job(i)` for i in range(count) over `clients` threads; the wall time in s."""
    errors: list[BaseException] = []

    def client(first: int) -> None:
        try:
            for i in range(first, count, clients):
                job(i)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(error)

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - start


def thumbor_job(base_url: str, name: str):
    def job(_: int) -> None:
        for box in BOXES:
            url = base_url + peers.thumbor_path(name, box)
            with urllib.request.urlopen(url, timeout=300) as answer:  # noqa: S310 - loopback
                answer.read()
    return job


def stored_bytes(db_uri: str, image_id: str) -> dict[str, int]:
    """Bytes of each GridFS file of one image, by variant key (`original`, `full`...)."""
    with MongoClient(db_uri, serverSelectionTimeoutMS=5000) as client:
        files = client.pixvault["images.files"].find({"metadata.image_id": image_id})
        return {f["filename"].rsplit("/", 1)[1]: f["length"] for f in files}


def storage_check(sizes: dict[str, int]) -> float:
    """Bytes stored / (original + derivatives): what `full` costs on top."""
    derivatives = sum(n for key, n in sizes.items() if key not in ("original", "full"))
    return sum(sizes.values()) / (sizes["original"] + derivatives)


def measure(ctx, name: str, *, counts: tuple[int, int]) -> dict:
    """Seconds per file with one client and files/s with two, for every system."""
    data = ctx.input(name).read_bytes()
    sequential, concurrent = counts
    uploaded: list[dict] = []

    def pixvault(i: int) -> None:
        uploaded.append(upload_bytes(ctx.session, inputs.unique(data, i), name))

    def seeds(i: int) -> None:
        post_file(Session(ctx.seeds.port), inputs.unique(data, i), name)

    jobs = {"pixvault": (pixvault, ctx.server.pid), "seeds": (seeds, ctx.seeds.pid)}
    if ctx.thumbor:
        jobs["thumbor"] = (thumbor_job(ctx.thumbor.base_url, ctx.input(name).name),
                           ctx.thumbor.pid)
    result = {"bytes": len(data)}
    for system, (job, pid) in jobs.items():
        try:
            seq = run_jobs(job, sequential, 1) / sequential
            offset = 1000 * (len(result) + 1)  # fresh bytes for every run
            cpu, db = cpu_seconds(pid), cpu_seconds(ctx.server.db_pid)
            con = concurrent / run_jobs(lambda i, job=job, o=offset: job(o + i), concurrent, 2)
            db = (cpu_seconds(ctx.server.db_pid) - db) / concurrent
            cpu = (cpu_seconds(pid) - cpu) / concurrent + db
            result[system] = {"s_per_file": seq, "files_per_s_2_clients": con,
                              "cpu_s_per_file": cpu, "database_cpu_s_per_file": db}
        except Exception as error:  # noqa: BLE001 - a peer that cannot read a format
            result[system] = {"error": str(error)[:200]}
        print(f"   {name} {system}: {result[system]}", flush=True)
    result["stored"] = stored_bytes(ctx.server.db_uri, uploaded[0]["id"]) if uploaded else {}
    return result


def speedup(values: dict, peer: str, per_second: bool) -> float | None:
    """Pixvault's throughput over `peer`'s, from files/s or from seconds per file."""
    if per_second:
        return ratio(values["pixvault"], values[peer])
    return ratio(values[peer], values["pixvault"])


def cpu_bound(figure: dict) -> str:
    """Why two clients on two cores cannot go faster: there, throughput is CPU per file."""
    pixvault, thumbor = figure["pixvault"], figure["thumbor"]
    return (f"2x thumbor's rate needs at most {thumbor['cpu_s_per_file'] / 2:.2f} CPU s/file "
            f"with 2 clients on 2 cores; Pixvault spent {pixvault['cpu_s_per_file']:.2f} "
            f"({pixvault['database_cpu_s_per_file']:.2f} of it the database's)")


def rows(ctx) -> list[Row]:
    """Ingest rows for the photos and the noise worst case, storage rows for every input."""
    out = []
    counts = (1, 2) if ctx.smoke else (2, 4)
    names = ("photo-12mp.jpg", "animated.gif") if ctx.smoke else (
        *inputs.PHOTOS, "noise-12mp.jpg", *OTHER)
    for name in names:
        m = ctx.raw.setdefault("ingest", {})[name] = measure(
            ctx, name, counts=(1, 2) if name in OTHER else counts)
        size = f"{name}, {number(m['bytes'] / 1e6)} MB"
        figure = {s: m.get(s, {}) for s in ("pixvault", "seeds", "thumbor")}
        for key, unit, per_second in (("s_per_file", "s/file, 1 client", False),
                                      ("files_per_s_2_clients", "files/s, 2 clients", True),
                                      ("cpu_s_per_file", "CPU s/file, with the database",
                                       None)):
            values = {s: v.get(key) for s, v in figure.items()}
            checks = []
            if name not in OTHER and per_second is not None:
                checks = [Check("thumbor's throughput", speedup(values, "thumbor", per_second),
                                ">=", 2.0),
                          Check("the seeds' app's", speedup(values, "seeds", per_second),
                                ">=", 1.0)]
            notes = [f"{s}: {v['error']}" for s, v in figure.items() if "error" in v]
            if per_second and checks and checks[0].met is False:
                notes.append(cpu_bound(figure))
            if per_second and checks and checks[1].met is False:
                notes.append(f"the seeds' app makes one 128 px PNG from the JPEG decoded at "
                             f"1/8 scale ({figure['seeds']['cpu_s_per_file']:.2f} CPU s/file)")
            out.append(Row("ingest", size, unit, values["pixvault"],
                           {"seeds": values["seeds"], "thumbor": values["thumbor"]}, checks,
                           "; ".join(notes)))
        stored = storage_check(m["stored"]) if m["stored"] else None
        sizes = ", ".join(f"{k} {v / 1e3:,.0f} kB" for k, v in sorted(m["stored"].items())
                          ) or "no upload succeeded"
        if "full" in m["stored"]:  # not a view over the original: a conversion
            sizes += "; `full` is a JPEG made from it, which browsers can show"
        out.append(Row("storage", name, "bytes stored / (original + derivatives)", stored,
                       checks=[Check("", stored, "<=", 1.15)], note=sizes))
    return out
