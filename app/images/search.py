"""Finding an owner's images: words of their title, description and file name, one of four
orders, and a visibility filter.

Each image stores `terms`: the distinct words of those three fields, case-folded and
without accents ("Café_Night.JPG" gives cafe, night, jpg). The multikey compound index
(owner_id, terms) answers a search, and every word typed must begin one of the image's
terms ("harb" finds "Harbour"). A text index would match whole words only, and the
embedded database refuses them.

Work is bounded: a search has at most `MAX_WORDS` words, an image at most `MAX_TERMS`
terms of at most `MAX_TERM` characters, and the database gives up on a query after the
server's per-operation bound (`db_timeout_ms`): a search too broad to sort in that time is
answered with a request for a narrower one.
"""

import re
import unicodedata

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ExecutionTimeout

from app.db import OWNER_LARGEST, OWNER_NEWEST, OWNER_TERMS, OWNER_TITLE
from app.errors import Invalid
from app.images import pagination
from app.images.fields import check_visibility

MAX_QUERY = 200  # characters in the search box
MAX_WORDS = 6
MAX_TERMS = 300
MAX_TERM = 40
SOURCES = ("title", "description", "filename")
# Letters and digits: punctuation, spaces and "_" (common in file names) separate words.
_WORD = re.compile(r"[^\W_]+")
# Each order, and the index that walks the owner's images in it.
SORTS = {
    "newest": (pagination.NEWEST, OWNER_NEWEST),
    "oldest": (pagination.OLDEST, OWNER_NEWEST),
    "title": (pagination.TITLE, OWNER_TITLE),
    "size": (pagination.LARGEST, OWNER_LARGEST),
}


def words(text: str) -> list[str]:
    """The words of `text` as terms are stored: case-folded, accents removed, each cut to
    `MAX_TERM` characters."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [word[:MAX_TERM] for word in _WORD.findall(plain)]


def image_terms(image: dict) -> list[str]:
    """The `terms` to store on an image document: the distinct words of its title,
    description and file name, in that order, at most `MAX_TERMS`."""
    found = dict.fromkeys(word for field in SOURCES for word in words(image.get(field) or ""))
    return list(found)[:MAX_TERMS]


def terms_filter(text: str) -> dict:
    """A filter for images having, for every word of `text`, a term that begins with it
    (empty for blank text); `Invalid` for an over-long search."""
    if len(text) > MAX_QUERY:
        raise Invalid(f"Search for at most {MAX_QUERY} characters.")
    typed = list(dict.fromkeys(words(text)))
    if len(typed) > MAX_WORDS:
        raise Invalid(f"Search for at most {MAX_WORDS} words.")
    if not typed:
        return {}
    # The server bounds its index scan by one prefix: the longest is the most selective.
    typed.sort(key=len, reverse=True)
    return {"terms": {"$all": [re.compile("^" + re.escape(word)) for word in typed]}}


def gallery_listing(
    owned: dict, text: str = "", sort: str = "newest", visibility: str = ""
) -> tuple[dict, pagination.Order, list]:
    """What the owner's gallery shows: `(query, order, index)` for `pagination.page`, from
    `owned` (`access.owned`: the owner's images).

    A search is answered by the (owner_id, terms) index and its matches sorted; a plain
    listing walks the order's own index. `Invalid` for an unknown sort or visibility.
    """
    if sort not in SORTS:
        raise Invalid("Sort by newest, oldest, title or size.")
    order, index = SORTS[sort]
    query = dict(owned)
    if visibility:
        query["visibility"] = check_visibility(visibility)
    matching = terms_filter(text)
    if matching:
        return {**query, **matching}, order, OWNER_TERMS
    return query, order, index


async def gallery_page(
    db: AsyncDatabase,
    owned: dict,
    *,
    text: str = "",
    sort: str = "newest",
    visibility: str = "",
    cursor: str | None = None,
    backward: bool = False,
) -> pagination.Page:
    """One page of the owner's gallery (see `gallery_listing`). A search the database
    stopped at its time limit is `Invalid`, asking for a narrower one: the database
    answered, so it is the search that is too broad (a database that does not answer
    stays a 503)."""
    query, order, index = gallery_listing(owned, text, sort, visibility)
    try:
        return await pagination.page(db.images, query, cursor, pagination.PAGE_SIZE, index,
                                     order=order, backward=backward)
    except ExecutionTimeout:
        if index is not OWNER_TERMS:
            raise
        raise Invalid("That search matches too many images to sort in time: type more of a "
                      "word, or more words.") from None


async def backfill_terms(db: AsyncDatabase) -> int:
    """Give `terms` to images stored before search existed, and return how many changed.

    Idempotent, and safe beside a running site: an image edited meanwhile already has its
    terms, and the filter leaves it alone.
    """
    changed = 0
    old = db.images.find({"terms": {"$exists": False}}, {field: 1 for field in SOURCES})
    async for image in old:
        result = await db.images.update_one({"_id": image["_id"], "terms": {"$exists": False}},
                                            {"$set": {"terms": image_terms(image)}})
        changed += result.modified_count
    return changed
