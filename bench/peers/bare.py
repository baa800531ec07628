"""The framework's limit: a bare Tornado handler writing bytes from memory.

    python bench/peers/bare.py PORT [FILE]

`GET /file` answers FILE's bytes (read once at start) with its content type; Tornado's own
ETag (a hash of the body) answers `If-None-Match` with 304. `GET /bytes/<n>` answers n
random bytes. Loopback only.
"""

import asyncio
import mimetypes
import os
import sys

import tornado.web


class FileHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", self.settings["content_type"])
        self.write(self.settings["body"])


class BytesHandler(tornado.web.RequestHandler):
    payloads: dict[int, bytes] = {}

    def get(self, size: str) -> None:
        n = int(size)
        if n not in self.payloads:
            self.payloads[n] = os.urandom(n)
        self.set_header("Content-Type", "application/octet-stream")
        self.write(self.payloads[n])


async def main(port: int, path: str | None) -> None:
    body = open(path, "rb").read() if path else b""  # noqa: ASYNC230, SIM115 - before serving
    content_type = (mimetypes.guess_type(path)[0] if path else None) or "image/webp"
    app = tornado.web.Application(
        [(r"/file", FileHandler), (r"/bytes/(\d+)", BytesHandler)],
        body=body, content_type=content_type,
    )
    app.listen(port, "127.0.0.1")
    await asyncio.Event().wait()  # until SIGTERM ends the process


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None))
