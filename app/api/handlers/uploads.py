"""`/api/v1/uploads`: resumable uploads over the tus 1.0.0 protocol (`app.api.tus`), for big
files on shaky connections. `POST` starts one, `HEAD` says how far it got, `PATCH` appends,
`DELETE` gives up; `GET` (ours, not tus) tells the image it made.

A `PATCH` body streams into a part in GridFS (`app.images.resumable`), never held in memory
nor on this host's disk, so the next part may go to any host. A connection that breaks
mid-body keeps what arrived (unless the request carried a checksum, which cannot be
checked then). Once the last byte is in, the parts are read back into a spool, hashed
again, and go through the same ingest as any upload (quota, type, limits, duplicates).
"""

import asyncio
import contextlib

import tornado.web
from gridfs.errors import NoFile
from pymongo.errors import PyMongoError

from app.api import tus, validation
from app.api.handlers.base import media_type
from app.api.handlers.tus_base import TusHandler
from app.auth.scopes import needs
from app.errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    RetryLater,
    TooLarge,
    Unsupported,
)
from app.images import access, resumable
from app.images.handlers.receiver import UploadReceiver
from app.images.ingest import max_upload_bytes
from app.images.intake.spool import Intake, clean_filename
from app.images.quota import quota_of
from app.text import size_text

# A chunked body is cut off by Tornado this far past the upload's end; ours answers 413 first.
_SLACK = 1024 * 1024


class UploadsHandler(TusHandler):
    """`POST` creates an upload (tus creation): `Upload-Length` and optional
    `Upload-Metadata`; 201 with its URL in `Location`."""

    tus_methods = ("POST",)

    @needs("upload")
    async def post(self) -> None:
        length = tus.number(self.request.headers.get("Upload-Length"), "Upload-Length")
        limit = max_upload_bytes(self.settings)
        if length > limit:
            raise TooLarge(f"Each image must be at most {size_text(limit)}.")
        if length == 0:
            raise Invalid("The file is empty.")
        if self.request.body:
            raise Invalid("Create the upload with an empty body, then send its bytes with "
                          "PATCH.")
        fields = validation.check(tus.metadata(self.request.headers.get("Upload-Metadata")),
                                  "UploadFields")
        if fields.get("album"):
            await access.changeable_album(self.db, fields["album"], self.current_user)
        owner = self.current_user
        quota = quota_of(owner, self.settings)
        room = None if quota is None else quota - owner.get("used_bytes", 0)
        upload = await resumable.create(self.db, owner, length=length, fields=fields,
                                        room=room, now=self.now(), lifetime=self.lifetime)
        self.set_header("Location", self.absolute_url(f"/api/v1/uploads/{upload['_id']}"))
        self.set_header("Upload-Expires", tus.expires(upload["expires_at"]))
        self.set_status(201)
        self.finish()


@tornado.web.stream_request_body
class UploadHandler(UploadReceiver, TusHandler):
    """One upload: `HEAD` its offset, `PATCH` more bytes, `DELETE` it, `GET` it as JSON."""

    SUPPORTED_METHODS = ("GET", "HEAD", "PATCH", "DELETE", "OPTIONS")  # not the receiver's POST
    tus_methods = ("HEAD", "PATCH", "DELETE")  # GET is ours
    upload: dict | None = None  # a PATCH's upload, as it stood when the request came
    part = None  # the part file this PATCH writes, opened at its first byte
    checksum: tus.Checksum | None = None
    received = 0  # bytes of the body so far
    written = 0  # of them, in the part
    failed = False  # refused mid-body and answered: nothing of it is kept
    _saving: set = set()  # partial bodies being saved after their connection broke

    @classmethod
    def allowed_methods(cls) -> list[str]:
        return [method for method in super().allowed_methods()
                if method in cls.SUPPORTED_METHODS]

    @property
    def parts(self):
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

    @needs("upload")
    async def patch(self, _upload_id: str) -> None:
        self.receiving = False
        if self.failed:
            return
        upload = await self.save_part()
        if upload["offset"] == upload["length"] and not upload.get("image_id"):
            upload = await self.complete(upload)
        self.describe(upload)
        self.no_content()

    async def complete(self, upload: dict) -> dict:
        """Hand the whole file to the ingest, hashing it again on its way to the spool;
        the upload with the image it made. A refusal is kept on the upload (and its parts
        deleted); a passing trouble (a full upload queue, the database) is not: the client
        may finish it again with an empty PATCH."""
        self.intake = Intake({"Content-Type": "application/octet-stream"},
                             max_file_bytes=max_upload_bytes(self.settings), max_files=1,
                             temp_dir=self.application.spool_dir)
        try:
            async for chunk in resumable.read(self.parts, upload):
                self.intake.feed(chunk)
        except NoFile:  # a request finishing it at the same time was quicker
            raise Conflict("This upload was finished by another request.") from None
        fields = upload["fields"]
        self.intake.files[0].filename = clean_filename(fields.get("filename"))
        try:
            stored, _ = await self.store_uploads(fields, await self.target_album(fields))
        except RetryLater:
            raise
        except DomainError as error:
            await resumable.settle(self.db, self.parts, upload, error={
                "status": error.status, "code": error.code, "message": error.message})
            raise
        image, created = stored[0]
        await resumable.settle(self.db, self.parts, upload, image_id=image["_id"],
                               duplicate=not created)
        return {**upload, "image_id": image["_id"]}

    @needs("read", "upload")
    async def head(self, upload_id: str) -> None:
        upload = await resumable.find(self.db, upload_id, self.current_user["_id"], self.now())
        self.set_header("Cache-Control", "no-store")
        self.set_header("Upload-Length", str(upload["length"]))
        if upload["fields"]:
            self.set_header("Upload-Metadata", tus.encode_metadata(upload["fields"]))
        self.describe(upload)
        self.finish()

    @needs("read", "upload")
    async def get(self, upload_id: str) -> None:
        upload = await resumable.find(self.db, upload_id, self.current_user["_id"], self.now())
        image = None
        if upload.get("image_id"):
            # Gone from the gallery since (the trash), it is gone from here too.
            with contextlib.suppress(NotFound):
                image = await access.visible_image(self.db, upload["image_id"],
                                                   self.current_user)
        self.write_json({
            "id": upload["_id"], "length": upload["length"], "offset": upload["offset"],
            "expires": upload["expires_at"], "fields": upload["fields"],
            "image": image and self.image_json(image, duplicate=upload["duplicate"]),
            "error": upload.get("error") and {key: upload["error"][key]
                                              for key in ("code", "message")}})

    @needs("upload")
    async def delete(self, upload_id: str) -> None:
        upload = await resumable.find(self.db, upload_id, self.current_user["_id"], self.now())
        await resumable.terminate(self.db, self.parts, upload)
        self.no_content()


ROUTES = [
    (r"/api/v1/uploads", UploadsHandler),
    (r"/api/v1/uploads/([^/]+)", UploadHandler),
]
