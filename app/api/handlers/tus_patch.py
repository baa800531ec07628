"""`PatchBody`: how the body of a tus `PATCH` (`app.api.handlers.uploads`) is kept.

It streams into a part in GridFS (`app.images.resumable`), never held in memory nor on this
host's disk, so the next part may go to any host. A connection that breaks mid-body keeps
what arrived (unless the request carried a checksum, which cannot be checked then).
"""

import asyncio

import tornado.web
from pymongo.errors import PyMongoError

from app.api import tus
from app.api.handlers.base import media_type
from app.errors import Conflict, DomainError, TooLarge, Unsupported
from app.images import resumable

# A chunked body is cut off by Tornado this far past the upload's end; ours answers 413 first.
_SLACK = 1024 * 1024


class PatchBody:
    """Mixed in before `UploadReceiver` in the upload's handler: a `PATCH`'s checks before
    its body, the body written to a part as it arrives, and the part committed, dropped, or
    kept when the connection breaks."""

    upload: dict | None = None  # a PATCH's upload, as it stood when the request came
    part = None  # the part file this PATCH writes, opened at its first byte
    checksum: tus.Checksum | None = None
    received = 0  # bytes of the body so far
    written = 0  # of them, in the part
    failed = False  # refused mid-body and answered: nothing of it is kept
    _saving: set = set()  # partial bodies being saved after their connection broke

    @property
    def parts(self):
        """The GridFS bucket of upload parts."""
        return resumable.parts_bucket(self.db)

    async def prepare(self) -> None:
        await super().prepare()
        if self.request.method != "PATCH":
            return
        if media_type(self.request.headers.get("Content-Type", "")) != tus.OFFSET_TYPE:
            raise Unsupported(f"A PATCH body must be 'Content-Type: {tus.OFFSET_TYPE}'.")
        offset = tus.number(self.request.headers.get("Upload-Offset"), "Upload-Offset")
        if "Upload-Checksum" in self.request.headers:
            self.checksum = tus.Checksum(self.request.headers["Upload-Checksum"])
        upload = await resumable.find(self.db, self.path_args[0], self.current_user["_id"],
                                      self.now())
        if offset != upload["offset"]:
            raise Conflict(f"The upload is at offset {upload['offset']}, not {offset}.")
        if upload.get("error"):
            raise Conflict(f"This upload was refused: {upload['error']['message']}")
        remaining = upload["length"] - offset
        if (self.declared_length() or 0) > remaining:
            raise TooLarge(f"Only {remaining} more bytes make up this upload (Upload-Length).")
        self.request.connection.set_max_body_size(remaining + _SLACK)
        self.upload = upload
        self.writing = asyncio.Lock()

    async def data_received(self, chunk: bytes) -> None:
        if self.upload is None or self.failed or self._finished:
            return
        self.received += len(chunk)
        try:
            if self.received > self.upload["length"] - self.upload["offset"]:
                raise TooLarge("The body goes past the upload's Upload-Length; none of it "
                               "was kept.")
            async with self.writing:
                if self.checksum:
                    self.checksum.hasher.update(chunk)
                if self.part is None:
                    self.part = resumable.open_part(self.db, self.upload,
                                                    self.upload["offset"])
                await self.part.write(chunk)
                self.written += len(chunk)
        except DomainError as error:
            self.failed = True
            await self.drop_part()
            self.send_error(exc_info=(type(error), error, error.__traceback__))

    async def drop_part(self) -> None:
        """Forget the bytes this request wrote."""
        async with self.writing:  # after a write in flight, whose part it is
            part, self.part = self.part, None
        if part is not None:
            await part.abort()

    async def save_part(self) -> dict:
        """Commit the bytes this request wrote (checked against its checksum); the upload
        as it is now. `Conflict` if another request appended first."""
        async with self.writing:  # a broken connection may leave a write in flight
            part, self.part = self.part, None
        if part is None:
            return self.upload
        if self.checksum:
            try:
                self.checksum.verify()
            except tus.ChecksumMismatch:
                await part.abort()
                raise
        await part.close()
        upload = await resumable.commit(self.db, self.parts, self.upload, part.file_id,
                                        start=self.upload["offset"], size=self.written,
                                        now=self.now(), lifetime=self.lifetime)
        if upload is None:
            raise Conflict("Another request appended to this upload meanwhile: ask for its "
                           "offset (HEAD) and go on from there.")
        return upload

    def on_connection_close(self) -> None:
        if self.receiving and self.part is not None and not self.failed:
            # Mid-body: keep what arrived, unless a checksum covered the whole body.
            saving = asyncio.ensure_future(self.drop_part() if self.checksum
                                           else self._save_partial())
            self._saving.add(saving)
            saving.add_done_callback(self._saving.discard)
        self.receiving = False
        super().on_connection_close()

    async def _save_partial(self) -> None:
        try:
            await self.save_part()
        except (Conflict, PyMongoError) as error:
            tornado.web.gen_log.info("The partial body of upload %s was not kept: %s",
                                     self.upload["_id"], error)
