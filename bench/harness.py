"""Shared pieces of the HTTP benchmarks: a real `manage.py serve` on a temporary data dir, a
user signed in over HTTP, memory readings from /proc, and a multipart upload streamed at a
chosen pace.

Not a benchmark itself; `bench_upload_memory.py` and `bench_serve.py` import it. Everything
talks to 127.0.0.1 only, and `PixvaultServer` always stops what it started (SIGTERM, then
SIGKILL after a grace period), even when the benchmark fails.
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
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
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


# --- memory readings ----------------------------------------------------------------------


def status_kb(pid: int, field: str) -> int:
    """One `kB` field of /proc/<pid>/status (VmRSS, VmHWM...)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def reset_peak(pid: int) -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of `pid`; False where that is not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time `pid` has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sampler:
    """Calls `sample()` every `interval` seconds in a background thread, while used as a
    context manager."""

    def __init__(self, interval: float):
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class RssSampler(Sampler):
    """Samples VmRSS of one process every `interval` seconds in a background thread."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(interval)
        self.pid = pid
        self.samples: list[tuple[float, int]] = []  # (monotonic time, kB)

    def sample(self) -> None:
        with contextlib.suppress(OSError, LookupError):
            self.samples.append((time.monotonic(), status_kb(self.pid, "VmRSS")))

    def peak_kb(self, start: float, end: float) -> int:
        """Highest sample taken between two monotonic times (0 when there is none)."""
        return max((kb for t, kb in self.samples if start <= t <= end), default=0)


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


# --- a signed-in browser over http.client ---------------------------------------------------


class Session:
    """Cookies of one signed-in user; small synchronous requests over http.client."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    @property
    def xsrf(self) -> str:
        return self.cookies["_xsrf"]

    def remember(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            headers = dict(headers or {})
            if self.cookies:
                headers["Cookie"] = self.cookie_header
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            self.remember(response)
            return response.status, dict(response.headers), data
        finally:
            conn.close()

    def login(self, username: str = USERNAME, password: str = PASSWORD) -> None:
        """GET the sign-in page (sets `_xsrf`), then POST the form; expects a redirect."""
        self.request("GET", "/auth/login")
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "_xsrf": self.xsrf}
        )
        status, _, body = self.request(
            "POST",
            "/auth/login",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "session" not in self.cookies:
            raise RuntimeError(f"sign-in failed: {status} {body[:200]!r}")

    def register(self, username: str, password: str = PASSWORD,
                 headers: dict | None = None) -> None:
        """Create an account through `/auth/register` (which signs it in)."""
        self.request("GET", "/auth/register", headers=headers)
        form = urllib.parse.urlencode({"username": username, "password": password,
                                       "password_confirm": password, "_xsrf": self.xsrf})
        status, _, body = self.request(
            "POST", "/auth/register", form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        if status != 302 or "session" not in self.cookies:
            raise RuntimeError(f"registration failed: {status} {body[:200]!r}")


# --- uploads --------------------------------------------------------------------------------

BOUNDARY = "pixvault-bench-boundary-5f1c"


def multipart_envelope(filename: str, fields: dict | None = None) -> tuple[bytes, bytes]:
    """The bytes before and after a file's content in a one-file multipart body."""
    head = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (fields or {}).items()
    )
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return head, f"\r\n--{BOUNDARY}--\r\n".encode()


def post_file(session: Session, data: bytes, filename: str, fields: dict | None = None,
              path: str = "/upload") -> dict:
    """POST one file in a one-part multipart body; returns the JSON answer (asserting 201)."""
    import json

    head, tail = multipart_envelope(filename, fields)
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
               "Accept": "application/json"}
    if "_xsrf" in session.cookies:
        headers["X-XSRFToken"] = session.xsrf
    status, _, body = session.request("POST", path, head + data + tail, headers)
    if status != 201:
        raise RuntimeError(f"upload failed: {status} {body[:300]!r}")
    return json.loads(body)


def upload_bytes(session: Session, data: bytes, filename: str, fields: dict | None = None) -> dict:
    """Upload one file to Pixvault in a single request; returns the image object."""
    return post_file(session, data, filename, fields)["images"][0]


class StreamedUpload:
    """One `POST /upload` whose file part is sent in `chunk`-byte writes at `rate` bytes/s
    (0: as fast as the server reads). Times are `time.monotonic()` values."""

    def __init__(
        self,
        session: Session,
        data: bytes | memoryview,
        filename: str,
        *,
        rate: float = 0,
        chunk: int = 64 * 1024,
        fields: dict | None = None,
        on_last_byte=None,
        path: str = "/upload",
    ):
        self.session, self.data, self.filename = session, memoryview(data), filename
        self.rate, self.chunk, self.fields = rate, chunk, fields
        self.on_last_byte = on_last_byte
        self.path = path
        self.started = self.last_byte = self.answered = 0.0
        self.status = 0
        self.body = b""

    def run(self) -> "StreamedUpload":
        head, tail = multipart_envelope(self.filename, self.fields)
        conn = http.client.HTTPConnection(HOST, self.session.port, timeout=300)
        try:
            conn.putrequest("POST", self.path, skip_accept_encoding=True)
            for name, value in (
                ("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"),
                ("Content-Length", str(len(head) + len(self.data) + len(tail))),
                ("X-XSRFToken", self.session.xsrf),
                ("Accept", "application/json"),
                ("Cookie", self.session.cookie_header),
            ):
                conn.putheader(name, value)
            conn.endheaders()
            self.started = time.monotonic()
            conn.send(head)
            for offset in range(0, len(self.data), self.chunk):
                if self.rate:
                    # Pace by the clock, not by sleeping a fixed time per chunk, so the
                    # average rate holds even when a write blocks for a while.
                    delay = self.started + offset / self.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                conn.send(self.data[offset : offset + self.chunk])
            conn.send(tail)
            self.last_byte = time.monotonic()
            if self.on_last_byte:
                self.on_last_byte()
            response = conn.getresponse()
            self.body = response.read()
            self.status = response.status
            self.answered = time.monotonic()
        finally:
            conn.close()
        return self
