"""Search terms: words and their prefixes, tags, bounds, and writes that keep them right
while edits race."""

import asyncio

from app.images import terms
from app.images.processing.formats import FORMAT_NAMES
from app.images.search import FORMATS
from tests.client import upload_one
from tests.images.images import jpeg


def test_terms_hold_words_with_their_prefixes_and_tags():
    image = {"title": "Café", "description": "rain", "filename": "IMG_2041.JPG",
             "tags": ["new-york"]}
    assert terms.image_terms(image) == [
        "#new-york", "c", "ca", "caf", "cafe", "n", "ne", "new", "y", "yo", "yor", "york",
        "i", "im", "img", "2", "20", "204", "2041", "j", "jp", "jpg", "r", "ra", "rai", "rain"]


def test_long_words_keep_a_prefix_and_the_whole_word():
    stored = terms.image_terms({"title": "Photographically"})
    assert stored[-2:] == ["photograph", "photographically"]
    assert len(stored) == terms.PREFIX + 1


def test_terms_are_bounded_and_the_description_is_cut_first():
    image = {"title": "Harbour", "description": " ".join(f"w{i}x" for i in range(2000)),
             "filename": "", "tags": ["sea"]}
    stored = terms.image_terms(image)
    assert len(stored) <= terms.MAX_ENTRIES
    assert {"#sea", "harbour", "sea"} <= set(stored)
    assert max(map(len, terms.image_terms({"title": "x" * 500}))) == terms.MAX_TERM


def test_search_formats_are_the_pipelines():
    assert set(FORMATS) == set(FORMAT_NAMES.values())


async def test_racing_edits_leave_terms_matching_the_stored_fields(alice, db):
    image = await upload_one(alice, jpeg(), "x.jpg", title="Start")
    stored = await db.images.find_one({"_id": image["id"]})
    # Both computed from the same read: the second write must see the first and redo.
    await asyncio.gather(
        terms.write(db, [stored], lambda current: {"title": "Harbour"}),
        terms.write(db, [stored], lambda current: {"tags": ["dusk"]}))
    final = await db.images.find_one({"_id": image["id"]})
    assert (final["title"], final["tags"]) == ("Harbour", ["dusk"])
    assert final["terms"] == terms.image_terms(final)
