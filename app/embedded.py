"""The embedded database: a SecantusDB daemon (MongoDB wire protocol over WiredTiger) run as
a child process of the command that needs it.

It always runs as a separate process: its CPU work stays off the app's event loop and GIL,
and a production deployment simply points `--mongodb-uri` at a real MongoDB instead.

The daemon never outlives its owner: the kernel sends it SIGTERM when the process that
started it dies, even by `kill -9` or the OOM killer (`PR_SET_PDEATHSIG`). Should one
survive anyway (one started by an older version, say), the next start finds it through
WiredTiger's own lock on the storage and stops it before starting its own. It syncs every
commit to disk before acknowledging it (`--sync-on-commit`), and creates its files readable
by this user only: the data dir holds every private original.
"""

import fcntl
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

# Run in the child, then replaced by the daemon (exec keeps the setting): ask the kernel for
# SIGKILL when our parent dies (PR_SET_PDEATHSIG = 1), give up if it already has, then exec
# the daemon. SIGKILL, not SIGTERM: the daemon's orderly shutdown sometimes outlasted 30 s
# on a loaded machine, and acknowledged writes are journaled (--sync-on-commit), so an
# abrupt end loses nothing. An orderly stop (`stop()`) still sends SIGTERM. A small program
# rather than `preexec_fn`, which is unsafe in a process with threads.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "if ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL) != 0: sys.exit(127)\n"
    "if os.getppid() != int(sys.argv[1]): sys.exit(0)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)
# WiredTiger's own single-process lock: a POSIX record lock on this file while a daemon has
# the storage open.
_WT_LOCK = "WiredTiger.lock"


class DataDirInUse(RuntimeError):
    """Another Pixvault process already runs the embedded database of this data dir."""


class EmbeddedDatabase:
    """A SecantusDB daemon owned by this process, on a free loopback port (or `port`, to
    come back where clients of an earlier daemon on this storage still look for it).

    A lock file next to the storage folder (`db.lock`, holding the daemon's URI once it
    answers) makes a second server on the same data dir fail with a clear message instead of
    corrupting it, and lets other commands join the running daemon.
    """

    def __init__(self, storage_path: str | Path, log_path: str | Path | None = None,
                 port: int = 0):
        self.storage_path = Path(storage_path).resolve()
        self.log_path = Path(log_path) if log_path else self.storage_path.with_suffix(".log")
        self.requested_port = port
        self.port = 0
        self._process: subprocess.Popen | None = None
        self._lock_file = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 30.0) -> str:
        """Start the daemon, wait until it answers `ping`, and return its URI."""
        make_private_dir(self.storage_path.parent)
        make_private_dir(self.storage_path)
        self._lock()
        self._stop_leftover()
        self.port = self.requested_port or _free_port()
        command = [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()),
                   _daemon_executable(), "--host", "127.0.0.1", "--port", str(self.port),
                   "--storage-path", str(self.storage_path), "--log-level", "WARNING",
                   "--sync-on-commit"]
        fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with open(fd, "ab") as log:
            # A session of its own: Ctrl-C in a terminal reaches only us, and we stop the
            # daemon in order, after the app has finished with it. umask 077: its files
            # (the images themselves) are readable by this user only.
            self._process = subprocess.Popen(  # noqa: S603 - our own daemon, fixed arguments
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, umask=0o077)
        self._wait_ready(timeout)
        # Other commands on this data dir (createuser while serve runs) connect through this.
        self._write_lock(self.uri)
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
            self._write_lock("")
            self._lock_file.close()
            self._lock_file = None

    def _lock(self) -> None:
        lock_path = self.storage_path.with_suffix(".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        self._lock_file = open(fd, "r+")  # noqa: SIM115 - held open while we run
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Not ours: leave its contents (the running server's URI) alone.
            self._lock_file.close()
            self._lock_file = None
            raise DataDirInUse(f"{self.storage_path.parent} is already in use by another "
                               "Pixvault server; stop it or choose another --data-dir") from None
        # Ours now: a dead owner's URI must not be handed out while our daemon starts.
        self._write_lock("")

    def _write_lock(self, text: str) -> None:
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(text)
        self._lock_file.flush()

    def _stop_leftover(self, timeout: float = 15.0) -> None:
        """A daemon still open on our storage, though we hold the lock, was left by an owner
        that died without stopping it: terminate it if it is a SecantusDB daemon on this
        storage, else refuse to start."""
        pid = _wiredtiger_lock_holder(self.storage_path / _WT_LOCK)
        if pid is None:
            return
        if not _is_exiting(pid):
            if not _is_daemon_of(pid, self.storage_path):
                raise DataDirInUse(f"{self.storage_path} is open in process {pid}, which is "
                                   "not a Pixvault database; stop it first")
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _wiredtiger_lock_holder(self.storage_path / _WT_LOCK) == pid:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.05)

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


def _is_exiting(pid: int) -> bool:
    """A killed process still winding down: its main thread shows as a zombie before its
    other threads have exited and its files, with their locks, are released."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except OSError:
        return True


def make_private_dir(path: Path) -> None:
    """Create `path` readable by this user only (0700), and tighten it if it exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def _wiredtiger_lock_holder(path: Path) -> int | None:
    """The pid holding WiredTiger's lock on `path` (F_GETLK only asks), or None."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        probe = struct.pack("hhqqi", fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0)
        kind, _, _, _, pid = struct.unpack("hhqqi", fcntl.fcntl(fd, fcntl.F_GETLK, probe))
    finally:
        os.close(fd)
    return None if kind == fcntl.F_UNLCK else pid


def _is_daemon_of(pid: int, storage_path: Path) -> bool:
    """True if process `pid` runs secantusd-py on `storage_path`: never signal a process
    that merely holds the file or reused the pid."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return False
    return (any(Path(arg).name == "secantusd-py" for arg in argv)
            and any(a == "--storage-path" and b == str(storage_path)
                    for a, b in zip(argv, argv[1:], strict=False)))


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
