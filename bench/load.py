"""HTTP load with `wrk` (apt-get install wrk): one run at a fixed connection count, parsed.

wrk keeps its connections alive and reports requests/s and latency percentiles (--latency).
"""

import math
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass


@dataclass
class Load:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers and socket errors

    def as_dict(self) -> dict:
        return asdict(self)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> Load:
    """requests/s, p50, p99 and errors from wrk's --latency output (latencies are NaN when
    no request completed)."""
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    answered = int(done.group(1)) > 0
    percentiles = {k: _ms(percentiles[k]) if answered and k in percentiles else math.nan
                   for k in ("50", "99")}
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return Load(
        requests=int(done.group(1)),
        seconds=_ms(done.group(2) + done.group(3)) / 1000,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        errors=errors,
    )


def run_wrk(url: str, threads: int, connections: int, duration: float,
            headers: dict | None = None) -> Load:
    """One wrk run with --latency (keep-alive connections), with extra request `headers`."""
    command = [shutil.which("wrk") or "wrk", f"-t{threads}", f"-c{connections}",
               f"-d{duration:g}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603 - fixed command line
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    return parse_wrk(out)
