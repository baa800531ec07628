"""Running the web server: one process, or several sharing one listening socket.

With `--workers N` the parent binds the port, forks N workers and supervises them: a
signal to the parent stops them all, and a worker that dies takes the others down too,
so a process manager sees the failure instead of a server running at reduced strength.
Each worker has its own database pool and caches; nothing is shared between them but
the database, which is why sessions, rate limits and counters all live there, and the
metrics folder of the run (see `app.metrics`).
"""

import asyncio
import contextlib
import gc as collector
import importlib
import logging
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable

import pymongo
from tornado.httpserver import HTTPServer
from tornado.ioloop import PeriodicCallback
from tornado.netutil import bind_sockets

from app import config, logs
from app.auth import devices, registration
from app.auth.registration import FIRST_ADMIN_COMMAND
from app.commands.database import database
from app.commands.maintenance import upgrade
from app.db import connect
from app.images import gc, resumable
from app.images.processing import pipeline
from app.text import plural

# How often each worker purges what has stayed its time in the trash, and expired
# resumable uploads.
TRASH_SWEEP_SECONDS = 600
# prometheus-client's switch to multiprocess mode (read by app.metrics too).
SHARED_METRICS = "PROMETHEUS_MULTIPROC_DIR"


def run_serve(options) -> int:
    """`serve`: the web server, on the embedded database unless a URI is given."""
    with database(options, exclusive=True) as (uri, alive):
        return run(options, uri, alive)


def run(options, uri: str, database_alive: Callable[[], bool] = lambda: True) -> int:
    """Serve until SIGINT or SIGTERM, or until `database_alive()` turns False (the embedded
    database died: better to exit and be restarted than to answer 503 for ever); returns
    the process exit code."""
    logs.configure(options.log_format)  # before forking: every worker writes alike
    sockets = bind_sockets(options.port, options.address)
    devices.warm_up()  # before forking: every worker starts with the rules loaded
    try:  # and with the image pipeline's modules and codecs
        pipeline.warm_up()
    except Exception as error:  # noqa: BLE001 - serving what is stored needs no encoder
        logging.getLogger(__name__).warning("image pipeline warm-up failed: %r", error)
    # Before forking: every worker signs and derives with the same secrets.
    secrets = {"cookie_secret": config.cookie_secret(options),
               "share_key": config.share_key(options)}
    asyncio.run(_upgrade(options, uri))  # once, before any worker answers a request
    local = options.address in ("127.0.0.1", "0.0.0.0", "")  # noqa: S104 - display only
    host = "localhost" if local else options.address
    workers = max(1, options.workers)
    with (tempfile.TemporaryDirectory(prefix="pixvault-metrics-") if workers > 1
          else contextlib.nullcontext()) as shared:
        if shared:
            os.environ[SHARED_METRICS] = shared
        # Loaded once, before the banner and before forking (workers share it), and only
        # now: prometheus-client decides where metrics live when it is first imported.
        importlib.import_module("app.application")
        print(f"Pixvault listening on http://{host}:{options.port}/ "
              f"({plural(workers, 'worker')}; Ctrl-C to stop)", flush=True)
        if workers == 1:
            return asyncio.run(_serve(options, uri, secrets, sockets, database_alive))
        return _supervise(options, uri, secrets, sockets, workers, database_alive)


async def _upgrade(options, uri: str) -> None:
    """Indexes and migrations, with a client closed again before any worker is forked; on
    a site without an admin, how to make the first one (only the operator can)."""
    client = connect(uri, options.db_timeout_ms)
    try:
        await upgrade(client[options.database], options)
        if not await registration.admin_exists(client[options.database]):
            print("No admin yet. Make the first one (with the same --data-dir or "
                  f"--mongodb-uri; serve may keep running):\n    {FIRST_ADMIN_COMMAND}",
                  flush=True)
    finally:
        await client.close()


async def _serve(options, uri: str, secrets: dict[str, str], sockets: list[socket.socket],
                 database_alive: Callable[[], bool]) -> int:
    from app.application import MAX_BODY_BYTES, make_app  # loaded by `run` (see there)
    client = connect(uri, options.db_timeout_ms)
    try:
        db = client[options.database]
        app = make_app({**options.as_dict(), **secrets}, db=db, uri=uri)
        await asyncio.to_thread(app.compile_templates)  # before listening, off the loop
        server = HTTPServer(app, xheaders=options.xheaders, max_body_size=MAX_BODY_BYTES)
        # What is built by now (modules, the application, its services, the templates)
        # lives as long as the process: kept out of every later full collection, whose
        # pause would otherwise grow with it (about 100,000 objects: 60-110 ms of CPU,
        # during which the event loop answers no one).
        collector.collect()
        collector.freeze()
        server.add_sockets(sockets)
        # Every worker sweeps: a purge is idempotent, and the trash then empties itself
        # without any cron job. PeriodicCallback logs a failed sweep and tries again later.
        async def sweep() -> None:
            await gc.sweep_deleted(db, app.bucket, now=app.clock())
            await resumable.sweep(db, resumable.parts_bucket(db), now=app.clock())

        sweeper = PeriodicCallback(sweep, TRASH_SWEEP_SECONDS * 1000)
        sweeper.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        while not stop.is_set() and database_alive():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1)
        failed = not stop.is_set()
        if failed:
            print("The embedded database stopped; stopping.", file=sys.stderr, flush=True)
        sweeper.stop()
        server.stop()
        await server.close_all_connections()
        app.close()
        return 1 if failed else 0
    finally:
        # Closing ends the client's sessions on the server, which waits for the server up to
        # the driver's default 30 s: a database that is gone must not hold up the stop.
        with pymongo.timeout(options.db_timeout_ms / 1000):
            await client.close()


def _supervise(options, uri: str, secrets: dict[str, str], sockets: list[socket.socket],
               workers: int, database_alive: Callable[[], bool]) -> int:
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: serve, then leave without running the parent's cleanup
            code = 0
            try:
                # The parent watches the database; a worker only serves.
                code = asyncio.run(_serve(options, uri, secrets, sockets, lambda: True))
            except BaseException:  # noqa: BLE001 - report, then exit non-zero
                import traceback
                traceback.print_exc()
                code = 1
            finally:
                logging.shutdown()  # its pending log lines: os._exit runs no exit handlers
                sys.stdout.flush()
                os._exit(code)
        children.append(pid)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    failed = False
    try:
        while not stop.wait(0.2) and not failed:
            if not database_alive():
                print("The embedded database stopped; stopping.", file=sys.stderr, flush=True)
                failed = True
            # Only our workers: the embedded database is a child of this process too.
            for pid in list(children):
                if os.waitpid(pid, os.WNOHANG)[0]:
                    print(f"Worker {pid} exited; stopping the others.", file=sys.stderr,
                          flush=True)
                    children.remove(pid)
                    failed = True
    finally:
        print("Stopping...", flush=True)
        _stop_workers(children)
    return 1 if failed else 0


def _stop_workers(children: list[int], timeout: float = 15.0) -> None:
    """SIGTERM every worker, then SIGKILL whichever has not finished within `timeout`."""
    for pid in children:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while children and time.monotonic() < deadline:
        children[:] = [pid for pid in children if not os.waitpid(pid, os.WNOHANG)[0]]
        time.sleep(0.05)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
