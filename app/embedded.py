"""The embedded database: a SecantusDB daemon (MongoDB wire protocol over WiredTiger) run as
a child process of the command that needs it.

It always runs as a separate process: its CPU work stays off the app's event loop and GIL,
and a production deployment simply points `--mongodb-uri` at a real MongoDB instead.
"""

import fcntl
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError


class DataDirInUse(RuntimeError):
    """Another Pixvault process already runs the embedded database of this data dir."""


class EmbeddedDatabase:
    """A SecantusDB daemon owned by this process, on a free loopback port.

    A lock file next to the storage folder makes a second server on the same data dir fail
    with a clear message instead of corrupting it.
    """

    def __init__(self, storage_path: str | Path, log_path: str | Path | None = None):
        self.storage_path = Path(storage_path).resolve()
        self.log_path = Path(log_path) if log_path else self.storage_path.with_suffix(".log")
        self.port = 0
        self._process: subprocess.Popen | None = None
        self._lock_file = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 30.0) -> str:
        """Start the daemon, wait until it answers `ping`, and return its URI."""
        self.storage_path.mkdir(parents=True, exist_ok=True)
        self._lock()
        self.port = _free_port()
        command = [_daemon_executable(), "--host", "127.0.0.1", "--port", str(self.port),
                   "--storage-path", str(self.storage_path), "--log-level", "WARNING"]
        with open(self.log_path, "ab") as log:
            # A session of its own: Ctrl-C in a terminal reaches only us, and we stop the
            # daemon in order, after the app has finished with it.
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                             stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready(timeout)
        # Other commands on this data dir (createuser while serve runs) connect through this.
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(self.uri)
        self._lock_file.flush()
        return self.uri

    def alive(self) -> bool:
        """True while the daemon this object started is running."""
        return self._process is not None and self._process.poll() is None

    def running_uri(self) -> str:
        """The URI of the daemon another process started on this data dir."""
        uri = self.storage_path.with_suffix(".lock").read_text().strip()
        if not uri.startswith("mongodb://"):
            raise DataDirInUse(f"{self.storage_path.parent} is in use and its database is "
                               "still starting; try again in a moment")
        return uri

    def stop(self, timeout: float = 15.0) -> None:
        """Terminate the daemon (SIGTERM, then SIGKILL after `timeout`) and release the lock."""
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._lock_file:
            self._lock_file.truncate(0)
            self._lock_file.close()
            self._lock_file = None

    def _lock(self) -> None:
        lock_path = self.storage_path.with_suffix(".lock")
        self._lock_file = open(lock_path, "a+")  # noqa: SIM115 - held open while we run
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            self._lock_file = None
            raise DataDirInUse(f"{self.storage_path.parent} is already in use by another "
                               "Pixvault server; stop it or choose another --data-dir") from None

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = MongoClient(self.uri, serverSelectionTimeoutMS=250, connectTimeoutMS=250)
        try:
            while True:
                if self._process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"the embedded database exited at start-up; see "
                                       f"{self.log_path}")
                try:
                    client.admin.command("ping")
                    return
                except PyMongoError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError(f"the embedded database did not answer within "
                                           f"{timeout:.0f} s; see {self.log_path}") from None
                    time.sleep(0.1)
        finally:
            client.close()


def _daemon_executable() -> str:
    # Prefer the script installed beside this interpreter, so an un-activated virtualenv works.
    beside = Path(sys.executable).parent / "secantusd-py"
    if beside.exists():
        return str(beside)
    found = shutil.which("secantusd-py")
    if not found:
        raise RuntimeError("secantusd-py not found: install the 'secantusdb' package")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

