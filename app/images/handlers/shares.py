"""What a share link opens: `/s/<token>` (an image or an album), the bytes it may fetch, and
the owner's forms to create and revoke links.

Everything under /s/ is served with `Referrer-Policy: no-referrer` (the token must not leak to
other sites) and `X-Robots-Tag: noindex`, and image bytes are private and `no-cache` so a
revoked link stops working at the next request instead of living on in caches.
"""

import re

import tornado.web

from app.db import ALBUM_NEWEST
from app.errors import Invalid, NotFound
from app.images import access, shares
from app.images.handlers.listing import newest_images
from app.images.handlers.variants import VariantSender
from app.images.urls import VARIANT_SUFFIX, variant_path
from app.web import BaseHandler, safe_next


class ShareLinkHandler(VariantSender):
    """Base of every /s/ handler: resolves the token to a live share and its target."""

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Robots-Tag", "noindex, nofollow")

    async def count_view(self, share: dict) -> None:
        """Count a person opening the link; HEAD (link checkers, previews) does not count."""
        if self.request.method == "GET":
            await shares.count_view(self.db, share)

    def prefix(self, token: str, share: dict, image: dict) -> str:
        """Where an image's bytes live under this share."""
        base = shares.share_path(token)
        return base if share["kind"] == "image" else f"{base}/i/{image['_id']}"


class SharePageHandler(ShareLinkHandler):
    async def get(self, token: str) -> None:
        share = await shares.live_share(self.db, token, self.now())
        if share["kind"] == "image":
            image = await access.shared_image(self.db, share, None)
            await self.count_view(share)
            self.render_image(token, share, image)
            return
        album = await access.shared_album(self.db, share)
        found = await newest_images(self, access.shared_album_query(album), ALBUM_NEWEST)
        images = found.items
        await self.count_view(share)
        def under_link(image: dict) -> str:
            return self.prefix(token, share, image)

        cover = images[0] if images else None
        self.render(
            "share_album.html",
            album=album,
            images=images,
            pager=found,
            og_image=self.absolute_url(variant_path(cover, "large", under_link(cover)))
            if cover else "",
            page_url=self.absolute_url(shares.share_path(token)),
            href=under_link,
            src=lambda image, variant: variant_path(image, variant, under_link(image)),
        )

    def render_image(self, token: str, share: dict, image: dict, back: str = "") -> None:
        prefix = self.prefix(token, share, image)
        self.render(
            "share_image.html",
            image=image,
            back=back,
            src=lambda variant: variant_path(image, variant, prefix),
            og_image=self.absolute_url(variant_path(image, "large", prefix)),
            page_url=self.absolute_url(self.request.path),
        )


class ShareAlbumImageHandler(SharePageHandler):
    """`/s/<token>/i/<image_id>`: one image of a shared album."""

    async def get(self, token: str, image_id: str) -> None:
        share = await shares.live_share(self.db, token, self.now())
        if share["kind"] != "album":
            raise NotFound()
        image = await access.shared_image(self.db, share, image_id)
        self.render_image(token, share, image, back=shares.share_path(token))


class ShareBytesHandler(ShareLinkHandler):
    """`/s/<token>/<variant>` and `/s/<token>/i/<image_id>/<variant>`: never the original."""

    async def get(
        self, token: str, image_id: str | None, variant: str, include_body: bool = True
    ) -> None:
        share = await shares.live_share(self.db, token, self.now())
        if (not access.can_view_through_share(variant)
                or (image_id is None) != (share["kind"] == "image")):
            raise NotFound()
        image = await access.shared_image(self.db, share, image_id)
        # viewer=None: a link's visitors never learn the uploaded file's name. Never public:
        # a shared cache would keep serving the bytes after the link is revoked.
        await self.send_variant(image, variant, include_body=include_body, viewer=None,
                                public=False)

    async def head(self, token: str, image_id: str | None, variant: str) -> None:
        await self.get(token, image_id, variant, include_body=False)


class CreateShareHandler(BaseHandler):
    """`POST /i/<id>/shares` and `POST /a/<id>/shares`: the owner makes a link, then sees
    it at once in its row of the list (the page opens at that row, whose field has it)."""

    kind = "image"

    @tornado.web.authenticated
    async def post(self, target_id: str) -> None:
        target = await access.shareable(self.db, self.kind, target_id, self.current_user)
        expires_in = self.get_body_argument("expires_in", "")
        if expires_in and not re.fullmatch(r"[0-9]{1,12}", expires_in):
            raise Invalid("Expiry must be a number of seconds.")
        share, _ = await shares.create_share(
            self.db,
            self.application.share_keys,
            owner_id=target["owner_id"],
            kind=self.kind,
            target_id=target["_id"],
            expires_in=int(expires_in) if expires_in else None,
            label=self.get_body_argument("label", ""),
            now=self.now(),
        )
        self.flash("Share link created: copy it from the list below.")
        page = f"/{'i' if self.kind == 'image' else 'a'}/{target['_id']}"
        self.redirect(f"{page}#{shares.anchor(share)}", status=303)


class CreateAlbumShareHandler(CreateShareHandler):
    kind = "album"


class RevokeShareHandler(BaseHandler):
    """`POST /shares/<id>/revoke` with `confirm=1`; without it, and on `GET`, the page
    that asks first."""

    @tornado.web.authenticated
    async def get(self, share_id: str) -> None:
        await shares.find_share(self.db, self.current_user["_id"], share_id)
        self.ask_confirmation("Revoke this share link?", "Anyone holding it loses access at "
                              "once. This cannot be undone.", "Revoke link", "/gallery")

    @tornado.web.authenticated
    async def post(self, share_id: str) -> None:
        await shares.find_share(self.db, self.current_user["_id"], share_id)
        if not self.confirmed():
            return
        await shares.revoke_share(self.db, self.current_user["_id"], share_id, self.now())
        self.flash("Share link revoked.")
        self.redirect(safe_next(self.get_body_argument("return", ""), "/gallery"))


ROUTES = [
    (r"/s/([^/]+)", SharePageHandler),
    (r"/s/([^/]+)/i/([^/]+)", ShareAlbumImageHandler),
    (rf"/s/([^/]+)/(?:i/([^/]+)/)?{VARIANT_SUFFIX}", ShareBytesHandler),
    (r"/i/([^/]+)/shares", CreateShareHandler),
    (r"/a/([^/]+)/shares", CreateAlbumShareHandler),
    (r"/shares/([^/]+)/revoke", RevokeShareHandler),
]
