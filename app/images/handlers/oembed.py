"""`GET /oembed?url=<page>&format=json[&maxwidth=&maxheight=]`: the oEmbed provider
(see `app.images.oembed` for what it answers, and to whom)."""

from app.errors import Invalid
from app.images import oembed
from app.web import BaseHandler


class OEmbedHandler(BaseHandler):
    """JSON only: any other `format` is 501, as the oEmbed spec asks."""

    async def get(self) -> None:
        if self.get_query_argument("format", "json") != "json":
            self.set_status(501)
            self.finish("Only format=json is offered.")
            return
        url = self.get_query_argument("url", "")
        if not url:
            raise Invalid("Give the url of a page of this site.")
        maxwidth = oembed.dimension(self.get_query_argument("maxwidth", ""), "maxwidth")
        maxheight = oembed.dimension(self.get_query_argument("maxheight", ""), "maxheight")
        base_url = self.absolute_url("")
        path = oembed.own_path(url, base_url)
        # As a signed-out visitor sees it, whoever asks (a previewer, or its user).
        image, prefix, share = await oembed.resolve(self.db, path, self.now())
        photo = oembed.photo_url(self.application.share_keys, image, prefix, maxwidth,
                                 maxheight)
        owner = await oembed.owner_of(self.db, image) if share is None else None
        self.write_json(oembed.answer(image, base_url=base_url, photo=photo, share=share,
                                      owner=owner))


ROUTES = [(r"/oembed", OEmbedHandler)]
