"""`/upload`: the upload page, and `POST /upload` from its form and its script: a streamed
multipart body of one or more files (the script sends one per request, for per-file progress
and errors), or a URL to fetch.

A plain form post always ends in a redirect with a flash message, also when it fails, so no
error page sits at `/upload?_xsrf=...` and reloading never posts again.
"""

import tornado.web

from app.errors import DomainError
from app.images import access, albums
from app.images.handlers.receiver import UploadReceiver
from app.images.ingest import max_upload_bytes
from app.images.processing.formats import BROWSER_ACCEPT
from app.images.urls import image_object
from app.text import plural
from app.web import error_message

XSRF_MESSAGE = "The upload form had expired. Please choose your images again."


@tornado.web.stream_request_body
class UploadHandler(UploadReceiver):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.render("upload.html", max_upload_mb=self.settings["max_upload_mb"],
                    max_upload_bytes=max_upload_bytes(self.settings), accept=BROWSER_ACCEPT,
                    albums=await albums.owner_albums(
                        self.db, access.owned(self.current_user["_id"])))

    async def handle_upload(self) -> None:
        self.intake.finish()
        fields = self.intake.fields
        album = await self.target_album(fields)
        url = fields.get("url", "").strip()
        if url and not self.intake.files:
            await self.fetch_into_intake(url)
        stored, errors = await self.store_uploads(fields, album)
        if self.wants_json():
            base = self.absolute_url("")
            images = [image_object(image, base, self.current_user, duplicate=not created)
                      for image, created in stored]
            self.write_json({"images": images, "errors": errors}, 201)
            return
        new = sum(1 for _, created in stored if created)
        if errors:
            failed = "; ".join(f"{e['filename'] or 'file'}: {e['message']}" for e in errors)
            self.flash(f"Uploaded {len(stored)}, failed {len(errors)}: {failed}", "error")
        elif len(stored) == 1 and not new:
            self.flash("You had already uploaded that image.")
        else:
            self.flash(f"Uploaded {plural(len(stored), 'image')}.")
        self.redirect("/gallery")

    form_page = "/upload"  # where a plain form post's failure is told, in a flash message
    page_statuses: tuple[int, ...] = ()  # failures answered with their own status and page

    def write_error(self, status_code: int, **kwargs) -> None:
        if (self.request.method != "POST" or self.wants_json()
                or status_code in self.page_statuses):
            super().write_error(status_code, **kwargs)
            return
        error = kwargs.get("exc_info", (None, None, None))[1]
        if status_code == 403 and not isinstance(error, DomainError):
            message = XSRF_MESSAGE  # Tornado's XSRF check, in words for people
        else:
            message = error_message(status_code, kwargs.get("exc_info"))
        self.flash(message, "error")
        self.redirect(self.form_page)


ROUTES = [(r"/upload", UploadHandler)]
