"""The benchmark suite's pure parts: its command line and the table it prints."""

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import run
from load import parse_wrk
from suite.table import Check, Row, markdown, summary


def test_only_selects_known_rows_and_smoke_shortens_the_runs():
    args = run.parse_args(["--smoke", "--only", "ingest, hotget"])
    assert args.only == ["ingest", "hotget"]
    assert args.duration == 1.0
    assert run.parse_args([]).only == list(run.SECTIONS)


def test_an_unknown_row_is_refused(capsys):
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "ingest,speed"])
    assert "unknown rows: speed" in capsys.readouterr().err


def test_the_table_shows_figures_peers_and_verdicts():
    rows = [Row("hot GET", "thumb", "req/s", 1331.4, {"bare": 4475.0, "nginx": None},
                [Check("bare Tornado", 1331.4 / 4475, ">=", 0.8)]),
            Row("storage", "photo", "ratio", 1.99, checks=[Check("", 1.99, "<=", 1.15)])]
    lines = markdown(rows).splitlines()
    assert lines[0] == "| section | measure | unit | Pixvault | bare Tornado | ratios and targets |"
    assert lines[2] == ("| hot GET | thumb | req/s | 1,331 | 4,475 | 0.30x bare Tornado "
                        "(target >= 0.80x: NOT met) |")
    assert summary(rows) == (0, 2)


def test_a_wrk_run_without_answers_has_no_latency():
    load = parse_wrk("  0 requests in 1.00s, 0.00B read\nRequests/sec:      0.00\n")
    assert (load.requests, load.rps) == (0, 0.0)
    assert load.p99_ms != load.p99_ms  # NaN


def test_wrk_latencies_in_seconds_are_read():
    out = ("  Latency Distribution\n     50%  408.46ms\n     99%    1.07s \n"
           "  50 requests in 1.10s, 296.04KB read\nRequests/sec:     45.58\n")
    load = parse_wrk(out)
    assert (load.requests, load.p50_ms, load.p99_ms) == (50, 408.46, 1070.0)


@pytest.mark.parametrize("script", sorted(
    path.name for path in (Path(run.__file__).parent).glob("bench_*.py")))
def test_every_benchmark_script_starts(script):
    # Each imports the app and the suite's helpers: a moved name breaks it at once.
    done = subprocess.run([sys.executable, str(Path(run.__file__).parent / script), "--help"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage:")
