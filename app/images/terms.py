"""The `terms` of an image: what its owner's searches match, computed here and only here.

A search matches the beginnings of words ("harb" finds "Harbour"). Each word of the title,
tags, file name and description (case-folded, accents removed) is stored with its prefixes
up to `PREFIX` characters: "harbour" gives h, ha, har, ..., harbour. A typed word then is an
equality on the multikey index (owner_id, terms, created, _id), whose remaining fields keep
the images in date order, so a page of results reads a page of index entries on MongoDB
however many images match. A prefix regex would be a range over `terms` instead: the
server would read and sort every match to show the first page. The price is index size:
about `PREFIX` entries per distinct word instead of one. Words longer than `PREFIX` are also
stored whole, and a typed word that long is matched by its first `PREFIX` characters through
the index and by the whole word as a filter.

Each tag is also stored whole behind `TAG_MARK` ("#new-york"), which no typed word can
produce (words hold only letters and digits), so a tag filter is one exact equality too.

Bounded: at most `MAX_ENTRIES` entries, filled in the order title, tags, file name,
description, so a long description is what gets cut.
"""

import re
import unicodedata
from collections.abc import Callable

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from app.errors import Conflict

PREFIX = 10
MAX_TERM = 40
MAX_ENTRIES = 1000
TAG_MARK = "#"
SOURCES = ("title", "tags", "filename", "description")  # the order entries are kept in
# The fields terms are computed from: a write of terms is conditional on them.
TEXT_FIELDS = ("title", "description", "filename", "tags")
WRITE_ROUNDS = 5
# Letters and digits: punctuation, spaces and "_" (common in file names) separate words.
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of `text` as terms hold them: case-folded, accents removed, each cut to
    `MAX_TERM` characters."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [word[:MAX_TERM] for word in _WORD.findall(plain)]


def _entries(word: str) -> list[str]:
    shown = [word[:length] for length in range(1, min(len(word), PREFIX) + 1)]
    return shown + [word] if len(word) > PREFIX else shown


def image_terms(image: dict) -> list[str]:
    """The `terms` to store on an image document (see the module)."""
    found = dict.fromkeys(TAG_MARK + tag for tag in image.get("tags") or [])
    for field in SOURCES:
        value = image.get(field) or ""
        for text in value if isinstance(value, list) else [value]:
            for word in words(text):
                new = [entry for entry in _entries(word) if entry not in found]
                if len(found) + len(new) > MAX_ENTRIES:
                    return list(found)
                found.update(dict.fromkeys(new))
    return list(found)


def word_match(word: str) -> list:
    """What `terms` must hold for an image to have a word beginning with `word` (a word as
    `words` gives it): its first `PREFIX` characters, and the whole of a longer one."""
    if len(word) <= PREFIX:
        return [word]
    return [word[:PREFIX], re.compile("^" + re.escape(word))]


def tag_match(tag: str) -> str:
    """The entry of `terms` that an image with this (normalised) tag holds."""
    return TAG_MARK + tag


async def write(db: AsyncDatabase, images: list[dict],
                change: Callable[[dict], dict | None]) -> list[dict]:
    """Apply `change` to each of `images` and return them as stored.

    `change(image)` gives the fields to set (None: nothing to do), and the image's terms are
    recomputed with them. Each write holds only while the image's text fields are what the
    change was computed from: one edited meanwhile is read again and changed anew, so two
    edits at once never leave terms that match neither (`Conflict` after `WRITE_ROUNDS`).
    """
    pending, done = images, {}
    for _ in range(WRITE_ROUNDS):
        updates, changed = [], {}
        for image in pending:
            fields = change(image)
            if fields is None:
                done[image["_id"]] = image
                continue
            updated = {**image, **fields}
            updated["terms"] = image_terms(updated)
            as_read = {name: image.get(name) for name in TEXT_FIELDS}
            updates.append(UpdateOne({"_id": image["_id"], **as_read},
                                     {"$set": {**fields, "terms": updated["terms"]}}))
            changed[image["_id"]] = updated
        if not updates:
            break
        result = await db.images.bulk_write(updates, ordered=False)
        if result.matched_count == len(updates):
            done.update(changed)
            break
        # Some changed meanwhile: read them all again (applying a change twice is harmless).
        pending = await db.images.find({"_id": {"$in": list(changed)}}).to_list()
    else:
        raise Conflict("These images were being changed at the same time: try again.")
    return [done[image["_id"]] for image in images if image["_id"] in done]


async def refresh(db: AsyncDatabase, query: dict | None = None) -> int:
    """Give every image (matching `query`) the terms this version computes: images stored
    before terms, or with terms of an earlier shape. Returns how many changed.

    Idempotent, and safe beside a running site: each write holds only while the image's
    terms are still those it read, and an edit made meanwhile writes current terms itself.
    """
    changed = 0
    projection = {name: 1 for name in (*TEXT_FIELDS, "terms")}
    cursor = db.images.find(query or {}, projection)
    while batch := await cursor.to_list(200):
        updates = [UpdateOne({"_id": image["_id"], "terms": image.get("terms")},
                             {"$set": {"terms": terms}})
                   for image in batch if (terms := image_terms(image)) != image.get("terms")]
        if updates:
            changed += (await db.images.bulk_write(updates, ordered=False)).modified_count
    return changed
