"""Running the web server: one process, or several sharing one listening socket.

With `--workers N` the parent binds the port, forks N workers and supervises them: a
signal to the parent stops them all, and a worker that dies takes the others down too,
so a process manager sees the failure instead of a server running at reduced strength.
Each worker has its own database pool and caches; nothing is shared between them but
the database, which is why sessions, rate limits and counters all live there.
"""

import asyncio
import os
import signal
import socket
import sys
import threading

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from app import MAX_BODY_BYTES, config, make_app
from app.db import connect, ensure_indexes


def run(options, uri: str) -> int:
    """Serve until SIGINT or SIGTERM; returns the process exit code."""
    sockets = bind_sockets(options.port, options.address)
    secret = config.cookie_secret(options)  # before forking: one secret for every worker
    local = options.address in ("127.0.0.1", "0.0.0.0", "")  # noqa: S104 - display only
    host = "localhost" if local else options.address
    workers = max(1, options.workers)
    print(f"Pixvault listening on http://{host}:{options.port}/ "
          f"({workers} worker{'s' if workers > 1 else ''}; Ctrl-C to stop)", flush=True)
    if workers == 1:
        asyncio.run(_serve(options, uri, secret, sockets))
        return 0
    return _supervise(options, uri, secret, sockets, workers)


async def _serve(options, uri: str, secret: str, sockets: list[socket.socket]) -> None:
    client = connect(uri, options.db_timeout_ms)
    try:
        db = client[options.database]
        await ensure_indexes(db)
        app = make_app({**options.as_dict(), "db": db, "cookie_secret": secret})
        server = HTTPServer(app, xheaders=options.xheaders, max_body_size=MAX_BODY_BYTES)
        server.add_sockets(sockets)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        server.stop()
        await server.close_all_connections()
        app.settings["executor"].shutdown(wait=True)
    finally:
        await client.close()


def _supervise(options, uri: str, secret: str, sockets: list[socket.socket],
               workers: int) -> int:
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: serve, then leave without running the parent's cleanup
            code = 0
            try:
                asyncio.run(_serve(options, uri, secret, sockets))
            except BaseException:  # noqa: BLE001 - report, then exit non-zero
                import traceback
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                os._exit(code)
        children.append(pid)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    failed = False
    while not stop.wait(0.2):
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid:
            print(f"Worker {pid} exited; stopping the others.", file=sys.stderr, flush=True)
            children.remove(pid)
            failed = True
            break
    print("Stopping...", flush=True)
    for pid in children:
        os.kill(pid, signal.SIGTERM)
    for pid in children:
        os.waitpid(pid, 0)
    return 1 if failed else 0
