"""Hot GET rows (Pixvault vs a bare Tornado handler, the seeds' app and nginx), 304s, one vs
two workers, and the event loop's health while sign-ins and uploads run."""

import contextlib
import threading
import urllib.parse
import urllib.request

import inputs
from http_client import Session, post_file, upload_bytes
from load import run_wrk
from servers import PixvaultServer
from slowlog import parse

from suite import peers
from suite.ingest import run_jobs
from suite.table import Check, Row, ratio

CONNECTIONS = 32
ROUNDS = 3  # of the hot GET's Pixvault and bare handler loads


def public_thumb(session: Session, data: bytes, n: int = 0) -> tuple[str, bytes, str]:
    """Upload `data` as a public image; its thumbnail's path, bytes and ETag."""
    image = upload_bytes(session, inputs.unique(data, 500 + n), "hot.jpg",
                         {"visibility": "public"})
    path = urllib.parse.urlsplit(image["urls"]["thumb"]).path
    with urllib.request.urlopen(f"http://127.0.0.1:{session.port}{path}") as answer:
        return path, answer.read(), answer.headers["ETag"]


def wrk(ctx, url: str, headers: dict | None = None):
    """One wrk run at `CONNECTIONS` keep-alive connections, after a warm-up request."""
    with urllib.request.urlopen(url) as answer:  # noqa: S310 - loopback
        answer.read()
    return run_wrk(url, 2, CONNECTIONS, ctx.duration, headers)


def hot_rows(ctx) -> list[Row]:
    """req/s and p99 of one public thumbnail, 200 and 304, against every peer."""
    photo = ctx.input("photo-12mp.jpg").read_bytes()
    path, body, etag = public_thumb(ctx.session, photo)
    folder = ctx.scratch / "hot"
    folder.mkdir(exist_ok=True)
    (folder / "thumb.webp").write_bytes(body)
    seeds_thumb = post_file(Session(ctx.seeds.port), photo, "hot.jpg")["thumb"]
    pixvault = ctx.server.base_url + path
    with peers.bare(folder / "thumb.webp") as bare:
        url = bare.base_url + "/file"
        with urllib.request.urlopen(url) as answer:  # noqa: S310 - loopback
            bare_etag = answer.headers["Etag"]
        # Pixvault and the bare handler take turns, so a machine whose speed drifts during
        # the run (a shared virtual machine) moves both alike: each one's median round is
        # shown, and the ratios are the median of each round's.
        rounds = [{"pixvault": wrk(ctx, pixvault), "bare": wrk(ctx, url),
                   "pixvault 304": wrk(ctx, pixvault, {"If-None-Match": etag}),
                   "bare 304": wrk(ctx, url, {"If-None-Match": bare_etag})}
                  for _ in range(1 if ctx.smoke else ROUNDS)]
    median = {name: sorted((r[name] for r in rounds), key=lambda run: run.rps)[len(rounds) // 2]
              for name in rounds[0]}
    loads = {"pixvault": median["pixvault"], "bare": median["bare"],
             "seeds": wrk(ctx, ctx.seeds.base_url + seeds_thumb)}
    revalidated = {"pixvault": median["pixvault 304"], "bare": median["bare 304"]}
    nginx = peers.nginx(folder, "/thumb.webp")
    if nginx:
        with nginx:
            url = nginx.base_url + "/thumb.webp"
            loads["nginx"] = wrk(ctx, url)
            with urllib.request.urlopen(url) as answer:  # noqa: S310 - loopback
                revalidated["nginx"] = wrk(ctx, url, {"If-None-Match": answer.headers["ETag"]})
    ctx.raw["hot_get"] = {"thumb_bytes": len(body),
                          "rounds": [{k: v.as_dict() for k, v in r.items()} for r in rounds],
                          "200": {k: v.as_dict() for k, v in loads.items()},
                          "304": {k: v.as_dict() for k, v in revalidated.items()}}
    rps = {k: v.rps for k, v in loads.items()}
    others = {k: v for k, v in rps.items() if k != "pixvault"}
    errors = sum(v.errors for v in (*loads.values(), *revalidated.values()))
    note = f"{len(body):,} B WebP thumb; seeds: its 128 px PNG" + (
        f"; {errors} errors" if errors else "")
    if 6 * rps["seeds"] > rps["bare"]:
        note += (f"; 6x the seeds' app would be {6 * rps['seeds']:,.0f} req/s, above the bare "
                 f"handler's {rps['bare']:,.0f}: beyond any Tornado app on this machine")
    return [
        Row("hot GET", f"thumb, {CONNECTIONS} connections", "req/s", rps["pixvault"], others,
            [Check("bare Tornado", paired(rounds, "pixvault", "bare"), ">=", 0.8),
             Check("seeds' app", ratio(rps["pixvault"], rps["seeds"]), ">=", 6.0)], note),
        Row("hot GET", f"thumb, {CONNECTIONS} connections", "p99 ms", loads["pixvault"].p99_ms,
            {k: v.p99_ms for k, v in loads.items() if k != "pixvault"}),
        Row("hot GET", "304 (If-None-Match)", "req/s", revalidated["pixvault"].rps,
            {k: v.rps for k, v in revalidated.items() if k != "pixvault"},
            [Check("Pixvault's 200s", paired(rounds, "pixvault 304", "pixvault"), ">=", 1.0)]),
    ]


def paired(rounds: list[dict], first: str, second: str) -> float | None:
    """The median over `rounds` of `first`'s req/s over `second`'s, measured in one round."""
    ratios = sorted(value for value in (ratio(r[first].rps, r[second].rps) for r in rounds)
                    if value is not None)
    return ratios[len(ratios) // 2] if ratios else None


def ingest_rate(ctx, server: PixvaultServer, session: Session, count: int) -> float:
    """Photos/s of 12 MP uploads from two clients."""
    data = ctx.input("photo-12mp.jpg").read_bytes()
    offset = 10_000 + server.port  # bytes no earlier run uploaded to this owner
    return count / run_jobs(lambda i: upload_bytes(session, inputs.unique(data, offset + i),
                                                   "w.jpg"), count, 2)


def worker_rows(ctx) -> list[Row]:
    """Hot GET and ingest with `serve --workers 2` against one worker, same machine."""
    photo = ctx.input("photo-12mp.jpg").read_bytes()
    count = 2 if ctx.smoke else 4
    figures = {}
    with PixvaultServer(extra_args=["--workers", "2"]) as two:
        two.createuser()
        session = Session(two.port)
        session.login()
        upload_bytes(session, inputs.unique(photo, 999), "warm.jpg")
        for label, server, user in (("1", ctx.server, ctx.session), ("2", two, session)):
            path, _, _ = public_thumb(user, photo, n=int(label))
            figures[label] = {"hot_get_rps": wrk(ctx, server.base_url + path).rps,
                              "ingest_per_s": ingest_rate(ctx, server, user, count)}
    ctx.raw["workers"] = figures
    note = "wrk, server and database share 2 cores"
    return [Row("workers", "hot GET thumb, 2 workers", "req/s", figures["2"]["hot_get_rps"],
                checks=[Check("1 worker", ratio(figures["2"]["hot_get_rps"],
                                                figures["1"]["hot_get_rps"]))], note=note),
            Row("workers", "ingest 12 MP, 2 clients, 2 workers", "photos/s",
                figures["2"]["ingest_per_s"],
                checks=[Check("1 worker", ratio(figures["2"]["ingest_per_s"],
                                                figures["1"]["ingest_per_s"]))], note=note)]


@contextlib.contextmanager
def background(*jobs):
    """Run each `job()` over and over in a thread until the block ends; yields a list of
    [done, failed] counts per job, complete once the block has ended."""
    stop = threading.Event()
    counts = [[0, 0] for _ in jobs]

    def loop(index: int, job) -> None:
        while not stop.is_set():
            try:
                job()
                counts[index][0] += 1
            except Exception:  # noqa: BLE001 - a refused request is part of the figure
                counts[index][1] += 1
                stop.wait(0.2)

    threads = [threading.Thread(target=loop, args=(i, j), daemon=True)
               for i, j in enumerate(jobs)]
    for thread in threads:
        thread.start()
    try:
        yield counts
    finally:
        stop.set()
        for thread in threads:
            thread.join(300)


def loop_rows(ctx) -> list[Row]:
    """Hot GET p99 while bcrypt sign-ins (cost 12) and uploads run, with every event-loop
    callback over 20 ms logged and attributed to code (bench/slowlog.py): `raw.loop`'s
    `slow_callbacks` holds each one's stacks, collector time and site, from the moment the
    server answers; `start_up_callbacks` those before (imports, migrations, `make_app`),
    which no request waited for."""
    photo = ctx.input("photo-12mp.jpg").read_bytes()
    rounds = 4 if ctx.smoke else 12  # production's cost, but not in the smoke run
    with PixvaultServer(bcrypt_rounds=rounds, slow_callback_ms=20) as server:
        start_up = parse(server.log_path.read_text())
        server.createuser()
        session = Session(server.port)
        session.login()
        path, _, _ = public_thumb(session, photo)
        alone = wrk(ctx, server.base_url + path)
        uploads = iter(range(10**6))
        with background(lambda: Session(server.port).login(),
                        lambda: upload_bytes(session, inputs.unique(photo, next(uploads)),
                                             "busy.jpg")) as counts:
            busy = wrk(ctx, server.base_url + path)
        slow = parse(server.log_path.read_text())[len(start_up):]
    ctx.raw["loop"] = {"alone": alone.as_dict(), "busy": busy.as_dict(), "sign_ins": counts[0],
                       "uploads": counts[1], "slow_callbacks": slow,
                       "start_up_callbacks": start_up}
    (signed, refused), (uploaded, failed) = counts
    note = (f"p99 alone {alone.p99_ms:.1f} ms; meanwhile {signed} sign-ins ({refused} "
            f"refused) and {uploaded} uploads ({failed} failed)")
    busy_cpu = [entry for entry in slow if entry["cpu_ms"] >= 20]
    sites = "; ".join(f"{entry['cpu_ms']:.0f} ms in {entry['site']}" for entry in busy_cpu)
    slowest = (f"slowest {max(entry['wall_ms'] for entry in slow):.0f} ms wall; "
               f"{len(busy_cpu)} of them spent over 20 ms of CPU"
               f"{f' ({sites})' if sites else ''}, the rest waited for a core; "
               if slow else "")
    slowest += (f"{len(start_up)} more during start-up, before the server answered "
                f"(slowest {max(entry['cpu_ms'] for entry in start_up):.0f} ms CPU)"
                if start_up else "none during start-up")
    return [Row("event loop", "hot GET p99 during sign-ins + uploads", "ms", busy.p99_ms,
                checks=[Check("", busy.p99_ms, "<", 50, " ms")], note=note),
            Row("event loop", "callbacks over 20 ms (wall) once serving", "count", len(slow),
                checks=[Check("", len(slow), "<=", 0, "")], note=slowest)]
