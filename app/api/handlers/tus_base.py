"""`TusHandler`: what the resumable upload endpoints (`app.api.handlers.uploads`) share:
the tus protocol's version on every request and answer, its own status names, `OPTIONS`
describing what the server supports (open to anyone, as the protocol has it), and the
headers telling where an upload stands."""

import datetime

from app.api import tus
from app.api.handlers.base import ApiHandler
from app.errors import NotFound
from app.ids import is_id
from app.images.ingest import max_upload_bytes


class TusHandler(ApiHandler):
    """The base of both resumable upload endpoints."""

    tus_methods: tuple[str, ...] = ()  # the protocol's: they must name its version

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Tus-Resumable", tus.VERSION)

    async def prepare(self) -> None:
        if self.request.method == "OPTIONS":
            return
        await super().prepare()
        if self.path_args and not is_id(self.path_args[0]):
            raise NotFound()  # whatever else is wrong with the request
        if self.request.method in self.tus_methods:
            tus.check_version(self.request.headers.get("Tus-Resumable"))

    def set_error_headers(self, error: BaseException | None) -> None:
        super().set_error_headers(error)
        if isinstance(error, tus.VersionUnsupported):
            self.set_header("Tus-Version", tus.VERSION)

    def set_status(self, status_code: int, reason: str | None = None) -> None:
        # The checksum extension's status, which Tornado has no name for.
        super().set_status(status_code, reason or tus.REASONS.get(status_code))

    async def options(self, *_args) -> None:
        self.set_header("Tus-Version", tus.VERSION)
        self.set_header("Tus-Extension", tus.EXTENSIONS)
        self.set_header("Tus-Max-Size", str(max_upload_bytes(self.settings)))
        self.set_header("Tus-Checksum-Algorithm", ",".join(tus.CHECKSUMS))
        self.no_content()

    @property
    def lifetime(self) -> datetime.timedelta:
        """How long an upload waits for its next bytes (`resumable_hours`)."""
        return datetime.timedelta(hours=self.settings["resumable_hours"])

    def describe(self, upload: dict) -> None:
        """The headers telling where `upload` stands."""
        self.set_header("Upload-Offset", str(upload["offset"]))
        self.set_header("Upload-Expires", tus.expires(upload["expires_at"]))
        if upload.get("image_id"):
            self.set_header("Pixvault-Image-Id", upload["image_id"])
