"""The real `manage.py serve` as a child process, for the browser tests: the same command a
user runs, with its own embedded database in a throwaway data dir, on a free loopback port."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BCRYPT_ROUNDS = "4"  # bcrypt's minimum: sign-ins in tests stay fast


def free_port() -> int:
    """A TCP port nothing listens on right now (the server may still lose a race for it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pixvault_env(data_dir: Path, **options: str) -> dict[str, str]:
    """This environment without any PIXVAULT_* variable of the caller's (a developer's
    PIXVAULT_MONGODB_URI must never point the tests at a real database), plus ours."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIXVAULT_")}
    env.update(PIXVAULT_DATA_DIR=str(data_dir), PIXVAULT_BCRYPT_ROUNDS=BCRYPT_ROUNDS)
    env.update({f"PIXVAULT_{name.upper()}": value for name, value in options.items()})
    return env


def manage(data_dir: Path, *args: str, stdin: str = "",
           timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `manage.py ARGS` on `data_dir`; with a server running there, it joins the
    server's embedded database. Raises with the command's stderr when it fails."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], input=stdin, capture_output=True,
        text=True, timeout=timeout, cwd=ROOT, env=pixvault_env(data_dir))
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed ({result.returncode}): "
                           f"{result.stderr.strip()[-2000:]}")
    return result


class ServerProcess:
    """`manage.py serve` on `data_dir`: `start()` returns its base URL once /healthz answers
    200, `stop()` sends SIGTERM (the server then stops its database) and waits."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.log_path = data_dir / "serve.log"
        self.process: subprocess.Popen | None = None
        self.base_url = ""

    def start(self, timeout: float = 30.0) -> str:
        """Start the server and wait until it is healthy; a lost race for the port (another
        process took it between our probe and the server's bind) is retried."""
        for _ in range(3):
            port = free_port()
            if self._launch(port, timeout):
                self.base_url = f"http://127.0.0.1:{port}"
                return self.base_url
        raise RuntimeError(f"manage.py serve did not start:\n{self.log_tail()}")

    def _launch(self, port: int, timeout: float) -> bool:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), "serve"], cwd=ROOT,
                env=pixvault_env(self.data_dir, port=str(port)), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "Address already in use" in self.log_tail(300):
                    return False  # the port, not the data dir: try another port
                raise RuntimeError(f"manage.py serve exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            if self._healthy(port):
                return True
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"manage.py serve was not healthy within {timeout:.0f} s:\n"
                           f"{self.log_tail()}")

    @staticmethod
    def _healthy(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                        timeout=1) as reply:
                return reply.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, and wait; SIGKILL only if it has not stopped within `timeout`."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's output (startup errors, tracebacks)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
