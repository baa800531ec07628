"""Finding an owner's images: words of their title, description, tags and file name (see
`app.images.terms`), filters (visibility, album, format, tag, date range) and one of four
orders.

Every word typed must begin one of the image's words ("harb" finds "Harbour"). Each shape
of query is answered by a declared index (`app.db`): a search or a tag filter by (owner_id,
terms, created, _id), an album by (album_ids, created, _id), a plain listing by the
order's own index; the other filters are checked on the documents the index yields.
A search sorted by title or size either walks the owner's images in that order or sorts
its matches in memory (the terms index keeps date order only), as the database's planner
finds faster; either is bounded at `db_timeout_ms`: a search too broad to answer in that
time is answered with a request for a narrower one.

Work is bounded: at most `MAX_QUERY` characters and `MAX_WORDS` words.
"""

import datetime
from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ExecutionTimeout

from app.errors import Invalid
from app.ids import is_id
from app.images import pagination, tags, terms
from app.images.fields import check_visibility

MAX_QUERY = 200  # characters in the search box
MAX_WORDS = 6
# Pixvault's format names (`processing.formats.FORMAT_NAMES`, which loads Pillow's plugins).
FORMATS = ("jpeg", "png", "gif", "webp", "avif", "heif", "tiff", "bmp")
# Each order; OWNER_NEWEST, OWNER_TITLE and OWNER_LARGEST (`app.db`) walk the owner's
# images in them.
SORTS = {"newest": pagination.NEWEST, "oldest": pagination.OLDEST, "title": pagination.TITLE,
         "size": pagination.LARGEST}
_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Search:
    """What the gallery is asked for, as typed: every field optional (empty: any)."""

    q: str = ""
    sort: str = "newest"
    visibility: str = ""
    album: str = ""
    format: str = ""
    tag: str = ""
    since: str = ""  # first day, YYYY-MM-DD (UTC)
    until: str = ""  # last day, included

    def filtering(self) -> bool:
        """True if anything narrows the listing (the gallery then offers to show all)."""
        return any((self.q, self.visibility, self.album, self.format, self.tag, self.since,
                    self.until))


def terms_filter(text: str) -> dict:
    """A filter for images having, for every word of `text`, a term that begins with it
    (empty for blank text); `Invalid` for an over-long search."""
    if len(text) > MAX_QUERY:
        raise Invalid(f"Search for at most {MAX_QUERY} characters.")
    typed = list(dict.fromkeys(terms.words(text)))
    if len(typed) > MAX_WORDS:
        raise Invalid(f"Search for at most {MAX_WORDS} words.")
    # The server bounds its index scan by one entry: the longest word is the most selective.
    typed.sort(key=len, reverse=True)
    wanted = [entry for word in typed for entry in terms.word_match(word)]
    return {"terms": {"$all": wanted}} if wanted else {}


def _day(text: str, label: str, later: int = 0) -> datetime.datetime:
    """The start (UTC) of the day `text` names, or of the `later`-th day after it."""
    try:
        day = datetime.date.fromisoformat(text) + later * _DAY
    except (ValueError, OverflowError):
        raise Invalid(f"{label} must be a date, YYYY-MM-DD.") from None
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)


def _filters(search: Search) -> tuple[dict, list]:
    """The filter fields of `search` besides its words, and the `terms` entries it needs."""
    query, needed = {}, []
    if search.visibility:
        query["visibility"] = check_visibility(search.visibility)
    if search.album:
        if not is_id(search.album):
            raise Invalid("That album is not one of yours.")
        query["album_ids"] = search.album
    if search.format:
        if search.format not in FORMATS:
            raise Invalid(f"Format must be one of {', '.join(FORMATS)}.")
        query["format"] = search.format
    if search.tag:
        needed.append(terms.tag_match(tags.one(search.tag)))
    created = {}
    if search.since:
        created["$gte"] = _day(search.since, "The first day")
    if search.until:
        created["$lt"] = _day(search.until, "The last day", later=1)
    if created:
        query["created"] = created
    return query, needed


def gallery_listing(owned: dict, search: Search) -> tuple[dict, pagination.Order]:
    """What the owner's gallery shows: `(query, order)` for `pagination.page`, from `owned`
    (`access.owned`: the owner's images) and what `search` asks for.

    `Invalid` for an unknown sort, visibility or format, or a malformed album id or date.
    An album that is not the owner's simply matches nothing (`owned` holds the owner).
    """
    if search.sort not in SORTS:
        raise Invalid("Sort by newest, oldest, title or size.")
    order = SORTS[search.sort]
    filters, needed = _filters(search)
    query = {**owned, **filters}
    words = terms_filter(search.q)
    if words or needed:
        query["terms"] = {"$all": needed + (words["terms"]["$all"] if words else [])}
    return query, order


async def gallery_page(db: AsyncDatabase, owned: dict, search: Search = Search(), *,
                       cursor: str | None = None, backward: bool = False,
                       limit: int | None = None) -> pagination.Page:
    """One page of the owner's gallery (see `gallery_listing`), of `limit` images (an HTML
    page's by default). A search the database stopped at its time limit is `Invalid`,
    asking for a narrower one: the database answered, so it is the search that is too
    broad (a database that does not answer stays a 503)."""
    query, order = gallery_listing(owned, search)
    try:
        return await pagination.page(db.images, query, cursor, limit or pagination.PAGE_SIZE,
                                     order=order, backward=backward)
    except ExecutionTimeout:
        if "terms" not in query:
            raise
        raise Invalid("That search matches too many images to sort in time: type more of a "
                      "word, or more words, or sort by date.") from None
