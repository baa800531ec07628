"""`/upload`: the upload page, and `POST /upload` from its form (and its JavaScript): a
streamed multipart body of one or more files, or a URL to fetch."""

import tornado.web

from app.errors import DomainError
from app.images.handlers.receiver import UploadReceiver
from app.images.urls import image_object
from app.text import plural


@tornado.web.stream_request_body
class UploadHandler(UploadReceiver):
    @tornado.web.authenticated
    def get(self) -> None:
        self.render_form()

    def render_form(self, error: str | None = None) -> None:
        self.render("upload.html", error=error, max_upload_mb=self.settings["max_upload_mb"])

    async def handle_upload(self) -> None:
        try:
            self.intake.finish()
            fields = self.intake.fields
            if fields.get("url", "").strip() and not self.intake.files:
                await self.fetch_into_intake(fields["url"].strip())
            stored, errors = await self.store_uploads(fields)
        except DomainError as error:
            if self.wants_json():
                raise
            self.set_status(error.status)
            self.set_error_headers(error)
            self.render_form(error.message)
            return
        if self.wants_json():
            base = self.absolute_url("")
            self.write_json(
                {
                    "images": [image_object(image, base, self.current_user) for image, _ in stored],
                    "errors": errors,
                },
                201,
            )
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


ROUTES = [(r"/upload", UploadHandler)]
