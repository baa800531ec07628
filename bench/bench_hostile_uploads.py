"""Hostile uploads: python bench/bench_hostile_uploads.py [--case NAME]

Starts `manage.py serve` on a temporary data dir (embedded database, bcrypt cost 12 as in
production, so that a sign-in's latency means something), signs in two users over HTTP and
measures what one user's hostile uploads cost everyone else:

- `parts`: a 2.8 MB multipart body of 40 000 empty text parts. How long the request takes,
  the server's CPU time, and the slowest `/healthz` answer while the body is being sent
  (a probe every 50 ms).
- `headers`: one part with 40 000 short header lines, the same measurements.
- `png16`: a 194 KB 16-bit greyscale 10 000x10 000 PNG (a compression bomb within the pixel
  limit). Answer, time, server CPU and the server's peak RSS (`VmHWM`).
- `bombs`: four of those PNGs at once, while the other user signs in: the sign-in's latency,
  the answers, and the peak RSS.

Numbers are snapshots: they show orders of magnitude, not guarantees.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from http_client import Session
from samplers import Sampler, cpu_seconds, reset_peak, status_kb
from servers import HOST, PixvaultServer, exit_on_sigterm

BOUNDARY = "pixvault-hostile-7a2e"
OTHER = "otheruser"


def many_parts(count: int = 40_000) -> bytes:
    """`count` empty `title` parts, then the closing delimiter."""
    part = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\n\r\n'
    return (part * count + f"--{BOUNDARY}--\r\n").encode()


def many_header_lines(count: int = 40_000) -> bytes:
    """One `title` part whose header section has `count` extra short lines."""
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n'
            + "X-A: b\r\n" * count + f"\r\nx\r\n--{BOUNDARY}--\r\n").encode()


def png16_bomb(width: int = 10_000, height: int = 10_000) -> bytes:
    """A 16-bit greyscale PNG of zeros: ~194 KB that decode to width x height x 2 bytes."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (len(payload).to_bytes(4, "big") + kind + payload
                + zlib.crc32(kind + payload).to_bytes(4, "big"))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 2)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([16, 0, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def post_multipart(session: Session, body: bytes) -> tuple[int, bytes, float]:
    """POST `body` to /upload as one request; (status, body, seconds). A server that answers
    early and closes counts as answered."""
    conn = http.client.HTTPConnection(HOST, session.port, timeout=300)
    started = time.monotonic()
    try:
        conn.putrequest("POST", "/upload", skip_accept_encoding=True)
        for name, value in (("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"),
                            ("Content-Length", str(len(body))),
                            ("X-XSRFToken", session.xsrf), ("Accept", "application/json"),
                            ("Cookie", session.cookie_header)):
            conn.putheader(name, value)
        conn.endheaders()
        try:
            for offset in range(0, len(body), 64 * 1024):
                conn.send(body[offset:offset + 64 * 1024])
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused mid-body: the answer is already waiting
        response = conn.getresponse()
        return response.status, response.read(), time.monotonic() - started
    finally:
        conn.close()


def file_body(data: bytes, filename: str) -> bytes:
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n')
    return head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


class HealthProbe(Sampler):
    """GET /healthz every 50 ms in a thread; keeps the slowest answer's latency."""

    def __init__(self, port: int):
        super().__init__(0.05)
        self.port, self.slowest, self.count = port, 0.0, 0

    def sample(self) -> None:
        started = time.monotonic()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=300)
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
        except OSError:
            pass  # a timeout counts with the time it took
        finally:
            conn.close()
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.count += 1


def message(body: bytes) -> str:
    try:
        payload = json.loads(body)
    except ValueError:
        return body[:80].decode("utf-8", "replace")
    if "error" in payload:
        return payload["error"]["message"][:90]
    return f"{len(payload.get('images', []))} image(s) stored"


def run_body(server: PixvaultServer, session: Session, name: str, body: bytes) -> None:
    cpu = cpu_seconds(server.pid)
    with HealthProbe(server.port) as probe:
        status, answer, seconds = post_multipart(session, body)
        time.sleep(0.2)
    print(f"{name}: {len(body) / 1e6:.1f} MB body -> {status} in {seconds:.2f} s "
          f"({message(answer)}); server CPU {cpu_seconds(server.pid) - cpu:.2f} s; "
          f"slowest /healthz {probe.slowest * 1000:.0f} ms over {probe.count} probes")


def run_png16(server: PixvaultServer, session: Session) -> None:
    data = png16_bomb()
    reset_peak(server.pid)
    before = status_kb(server.pid, "VmRSS")
    cpu = cpu_seconds(server.pid)
    status, answer, seconds = post_multipart(session, file_body(data, "bomb.png"))
    used = cpu_seconds(server.pid) - cpu
    peak = status_kb(server.pid, "VmHWM") / 1024
    print(f"png16: {len(data) / 1e3:.0f} KB 16-bit 10000x10000 PNG -> {status} in "
          f"{seconds:.2f} s ({message(answer)}); server CPU {used:.2f} s; "
          f"RSS {before / 1024:.0f} MiB before, peak {peak:.0f} MiB")


def run_bombs(server: PixvaultServer, session: Session, other: Session, count: int = 4) -> None:
    # Distinct bytes per upload, so none is a duplicate of another.
    bodies = [file_body(png16_bomb(9_999 - i, 10_000), f"bomb{i}.png") for i in range(count)]
    reset_peak(server.pid)
    results: list[tuple[int, bytes, float]] = []
    threads = [threading.Thread(target=lambda b=b: results.append(post_multipart(session, b)))
               for b in bodies]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # let the decodes start
    started = time.monotonic()
    other.cookies.clear()
    other.login(OTHER)
    sign_in = time.monotonic() - started
    for thread in threads:
        thread.join()
    answers = ", ".join(f"{status} in {seconds:.1f} s" for status, _, seconds in results)
    print(f"bombs: {count} at once -> {answers}; another user's sign-in took {sign_in:.2f} s; "
          f"peak RSS {status_kb(server.pid, 'VmHWM') / 1024:.0f} MiB")
    for status, answer, _ in results:
        if status != 201:
            print(f"  {status}: {message(answer)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", choices=("parts", "headers", "png16", "bombs"),
                        action="append", help="run only these cases (repeatable)")
    cases = parser.parse_args().case or ["parts", "headers", "png16", "bombs"]
    exit_on_sigterm()
    with PixvaultServer(bcrypt_rounds=12) as server:
        server.createuser()
        server.createuser(OTHER)
        session = Session(server.port)
        session.login()
        other = Session(server.port)
        if "parts" in cases:
            run_body(server, session, "parts", many_parts())
        if "headers" in cases:
            run_body(server, session, "headers", many_header_lines())
        if "png16" in cases:
            run_png16(server, session)
        if "bombs" in cases:
            run_bombs(server, session, other)


if __name__ == "__main__":
    main()
