"""A byte view over a stored file: a variant served from another file's bytes.

`full` of a JPEG, PNG/APNG, GIF or WebP is the original minus its metadata blocks, so it is
not stored twice: its entry in the image's `files` has no GridFS file of its own but a
`view` `{"of": <the original's GridFS id>, "pieces": [...]}`, each piece either
`[offset, length]` of that file or inserted bytes (a rebuilt Orientation-only Exif segment,
a RIFF size). The pieces were checked at upload to rebuild the cleaned file exactly, and
its sha256 stays the entry's `sha256` (the ETag), so serving cannot tell the layouts apart.
Its `id` still names its bytes (caches key on it) but no GridFS file has it.

Entries stored before views (a `full` with an `id`) read the same way: a stored file is a
view of itself in one piece.
"""

from collections.abc import Iterator

from bson import ObjectId

Piece = list[int] | tuple[int, int] | bytes


def view_document(source_id: ObjectId, pieces: list) -> dict:
    """The `view` field of an entry made of `pieces` (`app.images.processing.splice`) of
    the stored file `source_id`."""
    return {"of": source_id, "pieces": [p if isinstance(p, bytes) else list(p) for p in pieces]}


def has_file(entry: dict) -> bool:
    """True when the entry has a GridFS file of its own (False for a view)."""
    return "view" not in entry


def layout(entry: dict) -> tuple[ObjectId, list[Piece] | None]:
    """(the GridFS file the entry's bytes come from, its pieces; None: the whole file)."""
    if has_file(entry):
        return entry["id"], None
    return entry["view"]["of"], entry["view"]["pieces"]


def spans(pieces: list[Piece], first: int, last: int) -> Iterator[tuple[int, int] | bytes]:
    """What makes bytes `first` to `last` (inclusive) of the view, in order: (offset,
    length) ranges of the source file and inserted bytes, cut to the range, so a range
    across seams reads exactly the kept pieces it covers."""
    position = 0
    for piece in pieces:
        size = len(piece) if isinstance(piece, bytes) else piece[1]
        start, end = max(first, position), min(last + 1, position + size)
        if start < end:
            if isinstance(piece, bytes):
                yield piece[start - position : end - position]
            else:
                yield piece[0] + start - position, end - start
        position += size
        if position > last:
            return
