"""Signed rendition URLs: `/r/<signature>/<image_id>/<options>`, and the same under a share
link (`/s/<token>/r/<signature>/<options>`, `/s/<token>/i/<image_id>/r/...` in an album).

The signature and options are checked before anything else (a tampered URL costs one HMAC),
then the image's access exactly as for its other bytes: under a share link, its password,
view limit and grant (a rendition is bytes under the link's page, never a new view); and
then the rendition comes from the cache or is made (`app.images.rendering`). Answers carry
an ETag (304 when it matches) and the caching of the image's other variants: `public`
and immutable when the image is public or unlisted, private and revalidated otherwise and
under share links, so a visibility change, a revocation or a deletion takes effect at once.
"""

from app.auth import throttle
from app.auth.scopes import needs
from app.errors import Invalid, NotFound
from app.images import access, lookups, renditions, shares
from app.images.handlers.shares import ShareLinkHandler
from app.images.handlers.variants import PUBLIC_CACHE, VariantSender
from app.images.urls import EXTENSIONS
from app.web import IMAGE_CONTENT_SECURITY_POLICY

RENDITION = "rendition"  # the variant name access rules are asked about
CUSTOM_FIELDS = ("width", "height", "fit", "format", "quality", "dpr")


def custom_size(handler, image: dict) -> dict:
    """The image page's "custom size" panel for its owner: the form's `fields` as given in
    the query string, and the signed `url` they make (or the `error` saying what is wrong).
    Signing changes nothing, so a plain GET form does it, with or without script."""
    fields = {name: handler.get_query_argument(name, "")[:16] for name in CUSTOM_FIELDS}
    custom = {"fields": fields, "url": "", "error": "", "max_box": renditions.MAX_BOX}
    if fields["width"] or fields["height"]:
        try:
            options = renditions.from_fields(fields)
        except Invalid as error:
            custom["error"] = error.message
        else:
            custom["url"] = handler.absolute_url(renditions.signed_path(
                handler.application.share_keys, image["_id"], options))
    return custom


class RenditionSender(VariantSender):
    """Sends one rendition of an image whose access the caller checked."""

    async def send_rendition(self, image: dict, options: renditions.Options, *, public: bool,
                             include_body: bool) -> None:
        """Send the rendition; `public` marks it cacheable by anyone (see the module)."""
        accept = self.request.headers.get("Accept", "")
        resolved = renditions.negotiate(options, accept)
        limits = throttle.rendition_limits(image["_id"], self.request.remote_ip or "",
                                           self.settings["renditions_per_hour"])
        entry, data = await self.application.renditions.get(
            image, resolved, now=self.now(),
            admit=lambda: throttle.attempt(self.db, limits, self.now(),
                                           "Too many new renditions."))
        etag = f'"{entry["sha256"][:32]}"'
        vary = "Accept" if options.format == "auto" else None
        if public:
            self.mark_public(PUBLIC_CACHE, vary=vary)
        elif vary:
            self.set_header("Vary", f"{self.viewer_headers}, {vary}")
        self.set_header("Content-Security-Policy", IMAGE_CONTENT_SECURITY_POLICY)
        self.set_header("ETag", etag)
        if self._not_modified(etag, entry["created"]):
            self.set_status(304)
            return
        self.set_header("Content-Type", entry["type"])
        name = f"{image['_id']}-{resolved.text()}.{EXTENSIONS[entry['type']]}"
        self.set_header("Content-Disposition", f'inline; filename="{name}"')
        self.set_header("Content-Length", len(data))
        if include_body:
            self.write(data)


class RenditionHandler(RenditionSender):
    """`/r/<signature>/<image_id>/<options>`: for whoever may see the image."""

    accepts_bearer = True

    @needs("read")
    async def get(self, signature: str, image_id: str, text: str,
                  include_body: bool = True) -> None:
        options = renditions.verified(self.application.share_keys, signature, image_id, text)
        image = await lookups.visible_image(self.db, image_id, self.current_user)
        await self.send_rendition(image, options, include_body=include_body,
                                  public=access.same_for_everyone(image, RENDITION))

    async def head(self, signature: str, image_id: str, text: str) -> None:
        await self.get(signature, image_id, text, include_body=False)


class ShareRenditionHandler(RenditionSender, ShareLinkHandler):
    """A rendition under a share link: what the link's bytes may be, as `ShareBytesHandler`
    decides for its variants."""

    async def get(self, token: str, image_id: str | None, signature: str, text: str,
                  include_body: bool = True) -> None:
        share = await shares.live_share(self.db, token, self.now())
        if access.share_needs_password(share, self.unlocked(share)):
            raise NotFound()
        self.check_beyond_page(share)
        if (image_id is None) != (share["kind"] == "image"):
            raise NotFound()
        image = await lookups.shared_image(self.db, share, image_id)
        options = renditions.verified(self.application.share_keys, signature, image["_id"],
                                      text)
        # Never public: a shared cache would keep serving it after the link is revoked.
        await self.send_rendition(image, options, include_body=include_body, public=False)

    async def head(self, token: str, image_id: str | None, signature: str, text: str) -> None:
        await self.get(token, image_id, signature, text, include_body=False)


ROUTES = [
    (r"/r/([^/]+)/([^/]+)/([^/]+)", RenditionHandler),
    (r"/s/([^/]+)/(?:i/([^/]+)/)?r/([^/]+)/([^/]+)", ShareRenditionHandler),
]
