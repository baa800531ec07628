"""A derived file told as a splice of the upload's bytes: the pieces of the upload it keeps,
in order, and the few bytes it inserts.

Metadata removal by container surgery (`metadata`) copies the compressed picture verbatim
and changes only a few header bytes (a rebuilt Exif segment, a RIFF size, a VP8X flag), so
`full` need not be stored twice: it can be served from the stored original through these
pieces (`app.images.views`). The search knows nothing of formats: it aligns the two byte
strings, and a result is only ever returned once it rebuilds `derived` exactly, so a wrong
alignment can cost storage, never a wrong or private byte.
"""

import hashlib

Piece = tuple[int, int] | bytes  # (offset, length) in the source, or bytes inserted

MAX_PIECES = 64  # a document stays small; more seams than this are stored as a file
MAX_INSERTED = 1024  # bytes of inserted data kept in the document, at most
_MOSTLY = 8  # and at most an eighth of the file: a re-encoded file is not a view
_ANCHOR = 32  # bytes of `derived` looked up in the source to find where copying resumes
# How far past a mismatch the anchor is taken: 0 when the source only lost bytes there,
# further when `derived` inserted some (the anchor must lie past the insertion).
_DELAYS = (0, 16, 64, 256, MAX_INSERTED)
_MAX_SEARCHES = 16  # each failed search scans the rest of the source: bound the work
_BLOCK = 1 << 16


def find_pieces(source: bytes, derived: bytes) -> list[Piece] | None:
    """`derived` as pieces of `source` plus inserted bytes, or None when it is not (mostly)
    the source's bytes in order, or would need too many pieces."""
    pieces: list[Piece] = []
    i = j = inserted = 0
    searches = [_MAX_SEARCHES]
    while j < len(derived):
        same = _common_prefix(source, i, derived, j)
        if same:
            pieces.append((i, same))
            i, j = i + same, j + same
            continue
        resumed = _resync(source, i, derived, j, searches)
        if resumed is None:
            return None
        i, resume = resumed
        pieces.append(bytes(derived[j:resume]))
        inserted += resume - j
        j = resume
        if (len(pieces) > MAX_PIECES or inserted > MAX_INSERTED
                or inserted * _MOSTLY > len(derived)):
            return None
    pieces = _merged(pieces)
    # The surgery's output stays the reference: the pieces must hash to the same sha256.
    digest, whole = hashlib.sha256(), memoryview(source)  # slices of a view copy nothing
    for piece in pieces:
        digest.update(piece if isinstance(piece, bytes) else whole[piece[0]:sum(piece)])
    return pieces if digest.digest() == hashlib.sha256(derived).digest() else None


def _resync(source: bytes, i: int, derived: bytes, j: int,
            searches: list[int]) -> tuple[int, int] | None:
    """(where the source resumes, where `derived` resumes copying it) after a mismatch at
    (i, j); `derived[j:resume]` is inserted. None when no resumption is found."""
    for delay in _DELAYS:
        at = j + delay
        if at + _ANCHOR > len(derived):  # a short tail not in the source: inserted whole
            return i, len(derived)
        searches[0] -= 1
        if searches[0] < 0:
            return None
        found = source.find(derived[at : at + _ANCHOR], i)
        if found < 0:
            continue
        # Walk back over bytes that agree too: the insertion may be shorter than `delay`.
        back = 0
        while (back < delay and found - back > i
               and source[found - back - 1] == derived[at - back - 1]):
            back += 1
        return found - back, at - back
    return None


def _common_prefix(source: bytes, i: int, derived: bytes, j: int) -> int:
    """How many bytes from `source[i]` and `derived[j]` on are equal (memcmp by blocks,
    then a bisection inside the first block that differs)."""
    view = memoryview(derived)
    limit = min(len(source) - i, len(derived) - j)
    done = 0
    while done < limit:
        size = min(_BLOCK, limit - done)
        if source.startswith(view[j + done : j + done + size], i + done):
            done += size
            continue
        low, high = 0, size  # equal for `low` bytes, different within `high`
        while high - low > 1:
            middle = (low + high) // 2
            if source.startswith(view[j + done : j + done + middle], i + done):
                low = middle
            else:
                high = middle
        return done + low
    return done


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Adjacent pieces joined: empty inserts dropped, touching ranges made one."""
    merged: list[Piece] = []
    for piece in pieces:
        if piece == b"":
            continue
        last = merged[-1] if merged else None
        if isinstance(piece, bytes) and isinstance(last, bytes):
            merged[-1] = last + piece
        elif isinstance(piece, tuple) and isinstance(last, tuple) and sum(last) == piece[0]:
            merged[-1] = (last[0], last[1] + piece[1])
        else:
            merged.append(piece)
    return merged
