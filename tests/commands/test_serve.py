"""`serve` as a process: when its embedded database dies, the server (every worker) stops with
a failure, so a process manager restarts it instead of it answering 503s; its logs."""

import json
import os
import re
import signal
import tempfile
import time
import urllib.request
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


@pytest.mark.parametrize("count", [1, 2])
def test_json_logs_carry_one_object_per_request_written_by_a_clean_stop(tmp_path, count):
    process, port = start_serve(tmp_path, count, "--log-format", "json")
    request_ids = []
    try:
        read_until_listening(process)
        for _ in range(20):  # a connection each: with two workers, both answer some
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                        timeout=10) as reply:
                request_ids.append(reply.headers["X-Request-Id"])
        # At once: the last lines are still waiting for their batch to be written.
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    logged = [line for line in lines if line.get("request_id") in request_ids]
    assert sorted(line["request_id"] for line in logged) == sorted(request_ids)
    line = logged[-1]
    assert line["route"] == "/healthz" and line["status"] == 200 and line["user_id"] is None
    assert line["level"] == "INFO" and line["name"] == "tornado.access" and line["time"]


def test_an_unknown_log_format_is_a_configuration_error(tmp_path):
    process, _ = start_serve(tmp_path, 1, "--log-format", "xml")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "log_format must be one of text, json, not 'xml'" in stderr


def test_metrics_add_up_every_workers_requests(tmp_path):
    process, port = start_serve(tmp_path, 2)
    try:
        read_until_listening(process)
        for _ in range(30):  # a connection each: the workers take turns at random
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10).close()
        counts = set()
        for _ in range(8):  # whichever worker answers the scrape
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
                exposition = reply.read().decode()
            found = re.search(r'pixvault_http_requests_total\{method="GET",route="/healthz",'
                              r'status="2xx"\} (\S+)', exposition)
            counts.add(float(found.group(1)))
            assert re.search(r"^pixvault_users 0\.0$", exposition, re.M)
        assert counts == {30.0}
        # The run's folder: the one holding files named after this server's workers.
        written = {path for pid in children_of(process.pid)
                   for path in Path(tempfile.gettempdir()).glob(
                       f"pixvault-metrics-*/counter_{pid}.db")}
        assert written
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    assert not any(path.exists() for path in written)  # the run's folder goes with it
