"""Pages of images as HTML pages read them from their address: `after=<cursor>` is the
page after an item, `before=<cursor>` the page before it (see `app.images.pagination`)."""

from app.errors import Invalid
from app.images import pagination


def position(handler) -> tuple[str | None, bool]:
    """`(cursor, backward)` from the request's `after` or `before` query field."""
    after = handler.get_query_argument("after", None)
    before = handler.get_query_argument("before", None)
    if after and before:
        raise Invalid("Ask for the page after an image or before it, not both.")
    return after or before, bool(before)


async def newest_images(handler, query: dict) -> pagination.Page:
    """The page of images matching `query`, newest first, that the address asks for."""
    cursor, backward = position(handler)
    return await pagination.page(handler.db.images, query, cursor, pagination.PAGE_SIZE,
                                 backward=backward)
