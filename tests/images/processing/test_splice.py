"""Finding `full` as pieces of the upload, and reading pieces back through any range."""

import random

import pytest

from app.images import views
from app.images.processing import metadata, splice
from tests.images import samples

CLEANED = {
    "jpeg": (lambda: samples.jpeg(gps=True, xmp=True, icc=True, iptc=True, comment=True,
                                  trailer=True), metadata.strip_jpeg),
    "jpeg turned": (lambda: samples.jpeg(exif_orientation=6, gps=True),
                    lambda data: metadata.strip_jpeg(data, 6)),
    "jpeg progressive cmyk": (lambda: samples.jpeg(cmyk=True, progressive=True),
                              metadata.strip_jpeg),
    "png": (samples.png_with_text_and_exif, metadata.strip_png),
    "apng": (samples.apng, metadata.strip_png),
    "gif": (samples.animated_gif, metadata.strip_gif),
    "webp": (samples.webp_with_exif, metadata.strip_webp),
    "webp lossless": (lambda: samples.webp_with_exif(lossless=True), metadata.strip_webp),
    "webp animated": (samples.animated_webp, metadata.strip_webp),
}


def rebuilt(source: bytes, pieces: list) -> bytes:
    """The bytes a view of `source` made of `pieces` serves, read the way serving does."""
    return b"".join(span if isinstance(span, bytes) else source[span[0]:span[0] + span[1]]
                    for span in views.spans(pieces, 0, 1 << 62))


@pytest.mark.parametrize("kind", sorted(CLEANED))
def test_cleaned_files_are_pieces_of_the_upload(kind):
    make, clean = CLEANED[kind]
    original = make()
    cleaned = clean(original)
    pieces = splice.find_pieces(original, cleaned)
    assert pieces is not None
    assert rebuilt(original, pieces) == cleaned
    inserted = b"".join(piece for piece in pieces if isinstance(piece, bytes))
    assert len(inserted) * 8 <= len(cleaned)
    assert samples.SECRET.encode() not in inserted


def test_a_photo_sized_jpeg_is_a_few_pieces():
    original = samples.jpeg(size=(1200, 900), exif_orientation=6, gps=True, xmp=True)
    pieces = splice.find_pieces(original, metadata.strip_jpeg(original, 6))
    assert pieces is not None and len(pieces) <= 4


def test_a_re_encoded_file_is_not_a_view():
    original = samples.png_with_text_and_exif(size=(64, 48))
    assert splice.find_pieces(original, samples.screenshot(size=(64, 48))) is None
    assert splice.find_pieces(original, b"") == []


def test_too_many_seams_are_stored_as_a_file():
    rng = random.Random(3)  # noqa: S311 - reproducible bytes, not secrets
    source = rng.randbytes(200_000)
    # A byte changed every 1000: far more seams than a document should hold.
    derived = bytearray(source)
    for at in range(500, len(derived), 1000):
        derived[at] ^= 0xFF
    assert splice.find_pieces(source, bytes(derived)) is None
    few = bytearray(source)
    few[100_000] ^= 0xFF
    assert splice.find_pieces(source, bytes(few)) == [(0, 100_000), bytes(few[100_000:100_001]),
                                                      (100_001, 99_999)]


def test_a_repetitive_source_is_bounded_work():
    """Searches that fail scan the rest of the source: their number is bounded."""
    source = bytes(2_000_000)
    derived = b"\x01" * 10 + bytes(1_000_000) + b"\x02" * 600 + bytes(500_000)
    assert splice.find_pieces(source, derived) is None


@pytest.mark.parametrize(("first", "last", "expected"), [
    (0, 12, [(10, 5), b"ab", (30, 3)]),
    (0, 0, [(10, 1)]),
    (4, 5, [(14, 1), b"a"]),
    (6, 6, [b"b"]),
    (6, 8, [b"b", (30, 2)]),
    (9, 40, [(32, 1)]),
    (10, 40, []),
])
def test_spans_cut_pieces_to_a_range(first, last, expected):
    pieces = [(10, 5), b"ab", [30, 3]]
    assert [tuple(span) if not isinstance(span, bytes) else span
            for span in views.spans(pieces, first, last)] == expected
