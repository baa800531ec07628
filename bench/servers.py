"""The processes the HTTP benchmarks talk to: a real `manage.py serve` on a temporary data dir
(`PixvaultServer`, with the embedded database) and the peers it is compared with (`Peer`),
each on a free port of 127.0.0.1.

Not a benchmark itself. Every server always stops what it started (SIGTERM, then SIGKILL
after a grace period), even when the benchmark fails; `exit_on_sigterm` lets a benchmark
that is itself terminated run that cleanup.
"""

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
USERNAME = "benchuser"
PASSWORD = "bench password 1234"  # noqa: S105 - a throwaway account on a temporary database


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so `finally` blocks (server shutdown) still run."""

    def stop(*_) -> None:
        print("terminated: stopping the server", file=sys.stderr, flush=True)
        sys.exit(143)

    signal.signal(signal.SIGTERM, stop)



# --- servers --------------------------------------------------------------------------------

def wait_for_http(process: subprocess.Popen, port: int, path: str, timeout: float,
                  log_tail=lambda: "") -> None:
    """Poll `GET path` until it answers 200; raise if `process` exits or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited at start-up:\n{log_tail()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            try:
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        if time.monotonic() > deadline:
            raise RuntimeError(f"no answer on port {port} within {timeout:.0f} s:\n{log_tail()}")
        time.sleep(0.2)


class LocalServer:
    """A server process of this benchmark on `port` of the loopback interface."""

    port: int
    process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"


class Peer(LocalServer):
    """A helper server on a free loopback port: `command` is a list whose items may name
    `{port}` and `{tmp}` (a temporary folder for its files and log). A context manager
    that waits until `GET ready` answers 200 and always stops the process (SIGTERM, then
    SIGKILL)."""

    def __init__(self, name: str, command: list[str], *, ready: str = "/",
                 env: dict | None = None, files: dict[str, str] | None = None):
        self.name = name
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix=f"pixvault-bench-{name}-"))
        for filename, text in (files or {}).items():
            (self.tmp / filename).write_text(text.format(port=self.port, tmp=self.tmp))
        self.command = [part.format(port=self.port, tmp=self.tmp) for part in command]
        self.ready, self.env = ready, {**os.environ, **(env or {})}

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            text = (self.tmp / "peer.log").read_text(errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return ""

    def __enter__(self) -> "Peer":
        with open(self.tmp / "peer.log", "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed benchmark commands
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        try:
            wait_for_http(self.process, self.port, self.ready, 120, self.log_tail)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- the server -----------------------------------------------------------------------------


class PixvaultServer(LocalServer):
    """`manage.py serve` on a free port and a temporary data dir, with the embedded database.

    Use as a context manager; `pid` is the Python server process (the database is its child,
    `db_pid`). With `slow_callback_ms`, every event-loop callback that long or longer is
    logged (`bench/slowlog.py`).
    """

    def __init__(
        self,
        *,
        bcrypt_rounds: int = 4,
        keep: bool = False,
        extra_args=(),
        extra_env: dict | None = None,
        slow_callback_ms: float = 0,
    ):
        self.port = free_port()
        self.slow_callback_ms = slow_callback_ms
        self.tmp = Path(tempfile.mkdtemp(prefix="pixvault-bench-"))
        self.data_dir = self.tmp / "data"
        self.log_path = self.tmp / "serve.log"
        self.keep = keep
        self.extra_args = list(extra_args)
        self.env = {**os.environ, "PIXVAULT_BCRYPT_ROUNDS": str(bcrypt_rounds), **(extra_env or {})}
        self.db_pid: int | None = None

    def manage(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), *args, "--data-dir", str(self.data_dir)]

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until /healthz answers 200."""
        command = self.manage(
            "serve", "--port", str(self.port), "--address", HOST, *self.extra_args
        )
        if self.slow_callback_ms:  # every callback over that long logged (see slowlog.py)
            command[1:1] = [str(Path(__file__).with_name("slowlog.py")),
                            str(self.slow_callback_ms / 1000)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own manage.py
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        wait_for_http(self.process, self.port, "/healthz", timeout, self.log_tail)
        self.db_pid = self._child_pid()

    def _child_pid(self) -> int | None:
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{self.pid}/task").iterdir():
                children = (task / "children").read_text().split()
                if children:
                    return int(children[0])
        return None

    @property
    def db_uri(self) -> str:
        """The embedded database's URI (its lock file names it for other commands)."""
        return (self.data_dir / "db.lock").read_text().strip()

    def createuser(self, name: str = USERNAME, password: str = PASSWORD) -> None:
        """`manage.py createuser NAME --password-stdin` against the running server's data dir."""
        subprocess.run(  # noqa: S603 - our own manage.py
            self.manage("createuser", name, "--password-stdin"),
            cwd=ROOT,
            env=self.env,
            input=password + "\n",
            text=True,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def stop(self, grace: float = 30.0) -> None:
        """SIGTERM the server (it stops its database); SIGKILL both if it does not exit."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                if self.db_pid:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.db_pid, signal.SIGKILL)
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def __enter__(self) -> "PixvaultServer":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

