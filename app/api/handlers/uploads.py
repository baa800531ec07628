"""`/api/v1/uploads`: resumable uploads over the tus 1.0.0 protocol (`app.api.tus`), for big
files on shaky connections. `POST` starts one, `HEAD` says how far it got, `PATCH` appends,
`DELETE` gives up; `GET` (ours, not tus) tells the image it made.

The body of a `PATCH` goes to GridFS as it arrives (`app.api.handlers.tus_patch`). Once the
last byte is in, the parts are read back into a spool, hashed again, and go through the
same ingest as any upload (quota, type, limits, duplicates).
"""

import contextlib

import tornado.web
from gridfs.errors import NoFile

from app.api import tus, validation
from app.api.handlers.tus_base import TusHandler
from app.api.handlers.tus_patch import PatchBody
from app.auth.scopes import needs
from app.errors import Conflict, DomainError, Invalid, NotFound, RetryLater, TooLarge
from app.images import lookups, resumable
from app.images.handlers.receiver import UploadReceiver
from app.images.ingest import max_upload_bytes
from app.images.intake.spool import Intake, clean_filename
from app.images.quota import quota_of
from app.text import size_text


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
            await lookups.changeable_album(self.db, fields["album"], self.current_user)
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
class UploadHandler(PatchBody, UploadReceiver, TusHandler):
    """One upload: `HEAD` its offset, `PATCH` more bytes, `DELETE` it, `GET` it as JSON."""

    SUPPORTED_METHODS = ("GET", "HEAD", "PATCH", "DELETE", "OPTIONS")  # not the receiver's POST
    tus_methods = ("HEAD", "PATCH", "DELETE")  # GET is ours

    @classmethod
    def allowed_methods(cls) -> list[str]:
        return [method for method in super().allowed_methods()
                if method in cls.SUPPORTED_METHODS]
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
                image = await lookups.visible_image(self.db, upload["image_id"],
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
