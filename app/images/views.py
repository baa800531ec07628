"""Reading stored bytes, and byte views over a stored file: a variant served from another
file's bytes.

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

from collections.abc import AsyncIterator, Iterator

from bson import ObjectId
from gridfs import AsyncGridFSBucket, AsyncGridOut
from gridfs.errors import NoFile

from app.errors import NotFound

Piece = list[int] | tuple[int, int] | bytes
_PAST_ANY_FILE = 1 << 62


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


async def stream_file(bucket: AsyncGridFSBucket, entry: dict, first: int,
                      last: int) -> AsyncIterator[bytes]:
    """Bytes `first` to `last` (inclusive) of one entry of an image's `files`, a chunk at
    a time, whether it has a file or is a view over the original; `NotFound` before the
    first chunk if the file is gone (its image was deleted meanwhile).

    Close it (`contextlib.aclosing`) when not read to the end.
    """
    source, pieces = layout(entry)
    try:
        grid_out: AsyncGridOut = await bucket.open_download_stream(source)
    except NoFile:
        raise NotFound() from None
    held_at, held = 0, b""  # the chunk read last and its offset: pieces often share one
    try:
        for span in spans(pieces or [(0, grid_out.length)], first, last):
            if isinstance(span, bytes):
                yield span
                continue
            offset, remaining = span
            while remaining > 0:
                if not held_at <= offset < held_at + len(held):
                    if grid_out.tell() != offset:  # a seek drops GridFS's read-ahead
                        await grid_out.seek(offset)
                    held_at, held = offset, await grid_out.readchunk()
                    if not held:
                        return
                part = held[offset - held_at : offset - held_at + remaining]
                yield part
                offset, remaining = offset + len(part), remaining - len(part)
    finally:
        await grid_out.close()


async def read_file(bucket: AsyncGridFSBucket, entry: dict) -> bytes:
    """The whole of one small stored entry (a thumbnail); `NotFound` if it is gone."""
    chunks = stream_file(bucket, entry, 0, _PAST_ANY_FILE)
    return b"".join([chunk async for chunk in chunks])
