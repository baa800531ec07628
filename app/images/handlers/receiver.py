"""`UploadReceiver`: the base of every handler that takes image bytes in a request body
(`POST /upload` and the JSON API's `POST /api/v1/images`).

The body is never buffered: each chunk goes to an `Intake` that spools files to disk and
enforces the per-file and per-form limits as bytes arrive, answering 413 or 400 before the
rest of a body over them is read. Storing waits for one of the uploader's turns
(`app.images.slots`), then ingests each file against the uploader's quota and the
process's decode memory budget.
"""

import contextlib
import sys
import time

from app.errors import DomainError, Forbidden, Invalid, TooLarge, Unauthorized
from app.images import albums, lookups, slots
from app.images.ingest import MIB, decode_limits, ingest, max_upload_bytes
from app.images.intake.remote import FetchPolicy, fetch_url
from app.images.intake.spool import Intake, clean_filename
from app.images.quota import quota_of
from app.text import size_text
from app.web import BaseHandler

MAX_FILES_PER_REQUEST = 50


class UploadReceiver(BaseHandler):
    """Streams a request body into an `Intake`; subclasses say who the uploader is."""

    intake: Intake | None = None
    receiving = True  # until the whole body has arrived
    rejected: DomainError | None = None  # why the body being read will not be stored

    async def prepare(self) -> None:
        await super().prepare()
        if self.request.method != "POST":
            return
        file_limit = await self.admit()
        body_limit = file_limit * MAX_FILES_PER_REQUEST + MIB
        if (self.declared_length() or 0) > body_limit:
            raise TooLarge(f"An upload request may be at most {size_text(body_limit)} "
                           f"({MAX_FILES_PER_REQUEST} files of {size_text(file_limit)}).")
        self.request.connection.set_max_body_size(body_limit)
        self.intake = Intake(
            self.request.headers, max_file_bytes=file_limit, max_files=MAX_FILES_PER_REQUEST,
            temp_dir=self.application.spool_dir)

    def data_received(self, chunk: bytes) -> None:
        if self._finished or self.intake is None or self.rejected:
            return
        try:
            self.intake.feed(chunk)
        except DomainError as error:
            self.intake.discard()
            if self.wants_json():
                # Answer now; Tornado then closes the connection instead of reading the rest.
                self.send_error(exc_info=sys.exc_info())
            else:
                # A browser shows no answer that comes while it is still sending (it reports
                # a reset connection), so the rest is read and dropped, within the body
                # limit, and `post` answers.
                self.rejected = error

    def on_connection_close(self) -> None:
        # Mid-body, nothing else will clean up. Once the body is complete, `post` owns the
        # files and finishes storing them even if the client has gone.
        if self.intake and self.receiving:
            self.intake.discard()
        super().on_connection_close()

    async def post(self, *path_args: str) -> None:
        self.receiving = False
        if self.rejected:
            raise self.rejected
        try:
            await self.handle_upload()
        finally:
            if self.intake:
                self.intake.discard()

    async def admit(self) -> int:
        """Check, before the body is read, that this request may upload here; returns the
        largest file it may send. Signed-in users, up to the site's limit."""
        if not self.current_user:
            raise Unauthorized("Sign in to upload images.")
        return max_upload_bytes(self.settings)

    async def handle_upload(self) -> None:
        """Store what was received and answer; the body is complete."""
        raise NotImplementedError

    def on_finish(self) -> None:
        if self.intake:
            self.intake.discard()

    async def fetch_into_intake(self, url: str) -> None:
        """Download `url` into a fresh intake, as if its bytes had been uploaded."""
        if not self.settings["url_uploads"]:
            raise Forbidden("Uploading by URL is turned off on this server.")
        limit = max_upload_bytes(self.settings)
        if self.intake:
            self.intake.discard()
        self.intake = Intake({"Content-Type": "application/octet-stream"},
                             max_file_bytes=limit, max_files=1,
                             temp_dir=self.application.spool_dir)
        # Loopback only ever for tests that run the remote site on this machine.
        policy = FetchPolicy(max_bytes=limit,
                             allow_loopback=self.application.fetch_allows_loopback)
        fetched = await fetch_url(url, self.intake, policy)
        self.intake.files[0].filename = clean_filename(fetched.filename)

    async def target_album(self, fields: dict) -> dict | None:
        """The album named by the `album` field, if the uploader may add to it (else
        `NotFound` or `Forbidden`, before any file is stored)."""
        if not fields.get("album"):
            return None
        return await lookups.changeable_album(self.db, fields["album"], self.current_user)

    async def store_uploads(
        self, fields: dict | None = None, album: dict | None = None, *,
        owner: dict | None = None, dropped: dict | None = None, each=None,
    ) -> tuple[list[tuple[dict, bool]], list[dict]]:
        """Ingest every received file with `fields` (default: the form's), putting each in
        `album` when given; returns `(stored, errors)`: `(image, created)` pairs, and errors
        that each name their file. One bad file does not cost the others.

        The files are `owner`'s (default: the signed-in user). A guest's upload through a
        drop link gives its inbox stamp (`dropped`, see `ingest`) and `each(spooled)`, an
        async context manager each file is stored within (the link's own limits)."""
        self.intake.finish()
        if not self.intake.files:
            raise Invalid("Choose at least one image to upload.")
        stored, errors, last_error = [], [], None
        owner = owner or self.current_user
        limits, quota = decode_limits(self.settings), quota_of(owner, self.settings)
        async with slots.upload_turn(self.db, owner["_id"], self.application.clock):
            for spooled in self.intake.files:
                started = time.monotonic()
                try:
                    async with each(spooled) if each else contextlib.nullcontext():
                        image, created = await ingest(
                            self.db, self.application.bucket,
                            self.application.image_executor, owner=owner, spooled=spooled,
                            fields=self.intake.fields if fields is None else fields,
                            limits=limits, quota=quota, now=self.now(),
                            budget=self.application.decode_budget, dropped=dropped)
                    self.application.metrics.uploaded(image, created, spooled.size,
                                                      time.monotonic() - started)
                    if album:
                        await albums.add_image(self.db, album, image)
                        # As $addToSet left it, without reading the document again.
                        ids = image.get("album_ids", [])
                        image = {**image,
                                 "album_ids": ids + [album["_id"]] * (album["_id"] not in ids)}
                    stored.append((image, created))
                except DomainError as error:
                    last_error = error
                    errors.append({"filename": spooled.filename, "code": error.code,
                                   "message": error.message})
                    self.application.metrics.uploads.labels("refused").inc()
        if not stored:
            raise last_error
        return stored, errors
