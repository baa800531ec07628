"""`serve` without its embedded database: when the daemon dies, the server (every worker)
stops with a failure, so a process manager restarts it instead of it answering 503s."""

import os
import signal
import time
from pathlib import Path

import pytest

from tests.test_manage import children_of, read_until_listening, start_serve


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("count", [1, 2])
def test_database_daemon_dying_stops_every_worker(tmp_path, count):
    process, port = start_serve(tmp_path, count)
    workers, orphans = [], []
    try:
        assert f":{port}/" in read_until_listening(process)[-1]
        time.sleep(1)
        children = children_of(process.pid)
        daemon = [pid for pid in children
                  if b"secantusd" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        workers = [pid for pid in children if pid not in daemon]
        assert len(daemon) == 1 and len(workers) == (count if count > 1 else 0)
        os.kill(daemon[0], signal.SIGKILL)
        assert process.wait(timeout=30) != 0
        deadline = time.monotonic() + 10
        while any(map(alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        orphans = [pid for pid in workers if alive(pid)]
    finally:
        for pid in [process.pid, *workers]:  # only what this test started, by pid
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
    # read only now: orphaned workers hold the pipe open
    stderr = process.stderr.read()
    assert not orphans, f"workers orphaned; parent said: {stderr[-300:]}"
    assert "ValueError" not in stderr
