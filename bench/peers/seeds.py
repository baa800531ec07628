"""The seeds' app: the tutorial's small image host, ported to PyMongo's async API.

    python bench/peers/seeds.py PORT MONGODB_URI DATABASE

`POST /upload` (multipart, field `file`) takes the whole body in memory, makes a 128 px PNG
thumbnail with `Image.thumbnail` in a thread pool, stores the original and the thumbnail
with two GridFS puts and answers 201 with the thumbnail's address. `GET /thumb/<id>` reads
that GridFS file and writes it. No accounts, no checks: the peer Pixvault is compared with.
"""

import asyncio
import io
import sys
from concurrent.futures import ThreadPoolExecutor

import tornado.web
from bson import ObjectId
from gridfs import AsyncGridFSBucket
from PIL import Image
from pymongo import AsyncMongoClient

POOL = ThreadPoolExecutor()


def thumbnail(data: bytes) -> bytes:
    im = Image.open(io.BytesIO(data))
    im.thumbnail((128, 128))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


class UploadHandler(tornado.web.RequestHandler):
    async def post(self) -> None:
        upload = self.request.files["file"][0]
        loop = asyncio.get_running_loop()
        thumb = await loop.run_in_executor(POOL, thumbnail, upload["body"])
        fs = self.settings["fs"]
        original_id = await fs.upload_from_stream(upload["filename"], upload["body"])
        thumb_id = await fs.upload_from_stream(f"{original_id}-thumb.png", thumb)
        self.set_status(201)
        self.write({"id": str(original_id), "thumb": f"/thumb/{thumb_id}"})


class ThumbHandler(tornado.web.RequestHandler):
    async def get(self, file_id: str) -> None:
        stream = await self.settings["fs"].open_download_stream(ObjectId(file_id))
        self.set_header("Content-Type", "image/png")
        self.write(await stream.read())


class PingHandler(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("ok")


async def main(port: int, uri: str, database: str) -> None:
    client = AsyncMongoClient(uri)
    fs = AsyncGridFSBucket(client[database])
    app = tornado.web.Application(
        [(r"/upload", UploadHandler), (r"/thumb/(\w+)", ThumbHandler), (r"/", PingHandler)],
        fs=fs,
    )
    app.listen(port, "127.0.0.1")
    await asyncio.Event().wait()  # until SIGTERM ends the process


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
