"""`/api/v1/images`: upload (file, raw body or URL), list mine, read, edit and delete one.

Uploads stream through the same `UploadReceiver` and `ingest()` as the web form; an upload by
URL is fetched (SSRF-safe, `app.images.intake.remote`) into the same kind of spool first.
"""

import tornado.web

from app.api import validation
from app.api.handlers.base import JSON, ApiHandler, media_type
from app.api.schemas import SEARCH_QUERY, UPLOAD_QUERY
from app.auth.scopes import needs
from app.errors import Invalid, TooLarge, Unsupported
from app.images import access, bulk, lookups, search, store, trash
from app.images.handlers.receiver import UploadReceiver
from app.images.intake.spool import clean_filename

MAX_JSON_BYTES = 64 * 1024


def _streams_file(content_type: str) -> bool:
    kind = media_type(content_type)
    return kind in ("multipart/form-data", "application/octet-stream") or \
        kind.startswith("image/")


@tornado.web.stream_request_body
class ApiImagesHandler(UploadReceiver, ApiHandler):
    """`GET` lists the requester's images, newest first unless `sort` says otherwise, found
    and filtered as the gallery does (`q`, `tag`, `visibility`, `album`, `format`, `since`,
    `until`); `POST` uploads one image.

    A `POST` body is multipart (`file` plus optional fields), a raw image (fields in the
    query string) or JSON `{"url": ...}`. 201 for a new image, 200 when the requester already
    had these exact bytes (the existing image is returned).
    """

    json_buffer: bytearray | None = None

    async def prepare(self) -> None:
        content_type = self.request.headers.get("Content-Type", "")
        if self.request.method != "POST" or _streams_file(content_type):
            await super().prepare()
            return
        await ApiHandler.prepare(self)  # authenticate only: this body is not a file
        if media_type(content_type) != JSON:
            raise Unsupported("Upload multipart/form-data (field 'file'), a raw image/* body, "
                              "or JSON {\"url\": ...} with 'Content-Type: application/json'.")
        if (self.declared_length() or 0) > MAX_JSON_BYTES:
            raise TooLarge(f"A JSON body may be at most {MAX_JSON_BYTES // 1024} KB.")
        self.request.connection.set_max_body_size(MAX_JSON_BYTES)
        self.json_buffer = bytearray()

    def data_received(self, chunk: bytes) -> None:
        if self.json_buffer is None:
            super().data_received(chunk)
        else:
            self.json_buffer += chunk

    @needs("read")
    async def get(self) -> None:
        args = self.query("limit", "cursor", "visibility", "album", *SEARCH_QUERY)
        asked = search.Search(**{name: value for name, value in args.items()
                                 if name not in ("limit", "cursor")})
        found = await search.gallery_page(self.db, access.owned(self.current_user["_id"]),
                                          asked, cursor=args.get("cursor"), limit=args["limit"])
        self.write_json({"items": [self.image_json(image) for image in found.items],
                         "next_cursor": found.next_cursor})

    @needs("upload")
    async def post(self) -> None:
        await super().post()  # declared here: what an upload-only token (ShareX) may do

    async def handle_upload(self) -> None:
        if self.json_buffer is not None:
            fields = self.json_body("UrlUpload", bytes(self.json_buffer))
            album = await self.target_album(fields)
            await self.fetch_into_intake(fields.pop("url"))
        else:
            fields = {**self.query(*UPLOAD_QUERY), **self.intake.fields}
            validation.check(fields, "UploadFields")
            album = await self.target_album(fields)
            self.intake.finish()
            if len(self.intake.files) > 1:
                raise Invalid("Send one file per request (the 'file' field came more than once).")
            if self.intake.files and not self.intake.files[0].filename:
                self.intake.files[0].filename = clean_filename(fields.get("filename"))
        stored, _ = await self.store_uploads(fields, album)
        image, created = stored[0]
        self.set_header("Location", f"/api/v1/images/{image['_id']}")
        self.write_json(self.image_json(image, duplicate=not created), 201 if created else 200)


class ApiImageHandler(ApiHandler):
    """One image: `GET` if visible to the requester, `PATCH` by its owner, `DELETE` by its
    owner (to the trash) or an admin (for good)."""

    @needs("read")
    async def get(self, image_id: str) -> None:
        image = await lookups.visible_image(self.db, image_id, self.current_user)
        self.write_json(self.image_json(image))

    @needs("full")
    async def patch(self, image_id: str) -> None:
        image = await lookups.changeable_image(self.db, image_id, self.current_user)
        image = await store.update_image(self.db, image, self.json_body("ImageChanges"))
        self.write_json(self.image_json(image))

    @needs("full")
    async def delete(self, image_id: str) -> None:
        image = await lookups.deletable_image(self.db, image_id, self.current_user)
        await trash.discard_image(self.db, self.application.bucket, image, self.current_user,
                                  now=self.now(), days=self.settings["trash_days"])
        self.no_content()


class ApiBulkHandler(ApiHandler):
    """`POST /api/v1/images/bulk`: the gallery selection's actions (see `app.images.bulk`)."""

    @needs("full")
    async def post(self) -> None:
        change = self.json_body("BulkChange")
        message = await bulk.apply(
            self.db, self.application.bucket, self.current_user, change["action"],
            change["image_ids"], visibility=change.get("visibility", ""),
            album_id=change.get("album_id", ""), tag=change.get("tag", ""), now=self.now(),
            trash_days=self.settings["trash_days"])
        self.write_json({"message": message})


ROUTES = [
    (r"/api/v1/images", ApiImagesHandler),
    # Before the one-image route, which would take "bulk" for an id.
    (r"/api/v1/images/bulk", ApiBulkHandler),
    (r"/api/v1/images/([^/]+)", ApiImageHandler),
]
