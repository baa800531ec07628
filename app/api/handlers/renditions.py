"""`POST /api/v1/images/{id}/renditions`: a signed rendition URL of one's own image."""

from app.api.handlers.base import ApiHandler
from app.auth.scopes import needs
from app.images import lookups, renditions


class ApiRenditionsHandler(ApiHandler):
    """The owner's signed URL of the image at the size and format in the body. Signing
    stores and changes nothing, so a `read` token may ask; the URL answers whoever may see
    the image (see `app.images.handlers.renditions`)."""

    @needs("read")
    async def post(self, image_id: str) -> None:
        image = await lookups.changeable_image(self.db, image_id, self.current_user)
        options = renditions.from_fields(self.json_body("RenditionCreate"))
        path = renditions.signed_path(self.application.share_keys, image["_id"], options)
        self.write_json({"url": self.absolute_url(path), "options": options.text()}, 201)


ROUTES = [(r"/api/v1/images/([^/]+)/renditions", ApiRenditionsHandler)]
