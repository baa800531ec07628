"""Lossless removal of Exif and XMP from AVIF files (ISOBMFF/HEIF containers), in place.

Rewriting the box tree would shift the absolute offsets in `iloc`, so nothing moves: every box
keeps its size and position and only payloads are overwritten.

- items that are not pictures (an allowlist of coded and derived image types) are blanked:
  `Exif` items become an empty TIFF directory (readers that parse them find no tags), `mime`
  items (XMP, other XML) spaces, anything else (`uri `, unknown types) zeros;
- `udta`/`meta` boxes inside `moov` (sequence user data, e.g. capture location) and top-level
  `uuid` boxes are renamed `free`, which every reader skips, and zeroed, like the payload of
  top-level `free`/`skip` boxes (where editors leave stale metadata);
- the creation and modification times of a sequence's `mvhd`, `tkhd` and `mdhd` boxes (the
  capture time, to the second) are zeroed, as muxers write them when they know no time;
- the item properties `itai` (TAI capture timestamp) and `udes` (user description: name,
  description, tags) are zeroed: an all-zero payload is a valid "time 0" or empty strings;
- in a still AVIF, `mdat` bytes that no item points at are zeroed.

Orientation is not Exif's business in AVIF: the `irot`/`imir` item properties carry it and are
kept. Layouts this module cannot vouch for raise `CannotStrip`; the caller then re-encodes.
"""

import struct

# The 4-byte exif_tiff_header_offset of a HEIF Exif item, then a big-endian TIFF header
# pointing at an IFD with zero entries and no next IFD.
_EMPTY_EXIF = b"\x00\x00\x00\x00" + b"MM\x00*\x00\x00\x00\x08" + b"\x00\x00" + b"\x00\x00\x00\x00"
# Item types that hold or assemble pixels (AV1 images incl. alpha/depth/gain-map auxiliaries,
# grids, overlays, identity transforms, tone maps) are kept; every other item is blanked.
_PICTURE_ITEMS = {b"av01", b"grid", b"iovl", b"iden", b"tmap"}
_TOP_LEVEL = {b"ftyp", b"meta", b"moov", b"mdat", b"free", b"skip", b"uuid"}
# Movie, track and media headers: creation_time and modification_time follow version and
# flags, 32-bit each in version 0, 64-bit in version 1.
_TIMED_HEADERS = {b"mvhd", b"tkhd", b"mdhd"}
_PRIVATE_PROPERTIES = {b"itai", b"udes"}


class CannotStrip(Exception):
    """The file's layout is not one this module can clean with certainty."""


def strip_isobmff(data: bytes) -> bytes:
    """Return a copy of an AVIF file with its metadata payloads blanked (pixels untouched)."""
    buf = bytearray(data)
    end = 0
    pictures, media, sequence = None, [], False
    try:
        for kind, pos, body, end in _boxes(buf, 0, len(buf)):
            if kind not in _TOP_LEVEL:
                raise CannotStrip(f"unexpected top-level box {kind!r}")
            if kind == b"meta":
                pictures = _strip_meta(buf, body + 4, end)  # FullBox: skip version and flags
            elif kind == b"moov":
                sequence = True
                _clean_moov(buf, body, end)
            elif kind in (b"uuid", b"free", b"skip"):
                _free(buf, pos, body, end)
            elif kind == b"mdat":
                media.append((body, end))
    except (IndexError, struct.error):
        raise CannotStrip("box contents are shorter than their fields") from None
    if pictures is not None and not sequence:
        # In a still AVIF, `mdat` holds item data only: bytes no item points at (metadata
        # an `iinf`/`iloc` mix-up hid from the pass above) are zeroed too.
        for first, last in media:
            _zero_outside(buf, first, last, pictures)
    return bytes(buf[:end])  # bytes after the last complete box are not part of the file


def _zero_outside(buf: bytearray, first: int, last: int, keep: list[tuple[int, int]]) -> None:
    pos = first
    for start, stop in sorted(keep):
        if start > pos:
            buf[pos : min(start, last)] = bytes(max(0, min(start, last) - pos))
        pos = max(pos, stop)
    if pos < last:
        buf[pos:last] = bytes(last - pos)


def _boxes(buf: bytearray, start: int, end: int):
    """Yield (type, box start, payload start, box end) for each box in buf[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", buf, pos)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", buf, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise CannotStrip("box runs past its parent")
        yield kind, pos, pos + header, pos + size
        pos += size


def _free(buf: bytearray, pos: int, body: int, end: int) -> None:
    buf[pos + 4 : pos + 8] = b"free"
    buf[body:end] = bytes(end - body)


def _clean_moov(buf: bytearray, start: int, end: int) -> None:
    """Free the user data and zero the header times of a `moov` box (or a `trak`, `mdia`)."""
    for kind, pos, body, box_end in _boxes(buf, start, end):
        if kind in (b"udta", b"meta"):
            _free(buf, pos, body, box_end)
        elif kind in _TIMED_HEADERS:
            version = buf[body]
            if version > 1:
                raise CannotStrip(f"unknown {kind.decode()} version")
            times = body + 4, body + 4 + 2 * (8 if version else 4)
            if times[1] > box_end:
                raise CannotStrip(f"{kind.decode()} box is truncated")
            buf[times[0] : times[1]] = bytes(times[1] - times[0])
        elif kind in (b"trak", b"mdia"):
            _clean_moov(buf, body, box_end)


def _strip_meta(buf: bytearray, start: int, end: int) -> list[tuple[int, int]] | None:
    """Blank the non-picture items; return the file ranges of all items' data, or None when
    they cannot all be told (data by reference, no item table)."""
    children = {kind: (body, box_end) for kind, _, body, box_end in _boxes(buf, start, end)}
    if b"iprp" in children:
        _zero_private_properties(buf, *children[b"iprp"])
    if b"iinf" not in children or b"iloc" not in children:
        return None
    types = _item_types(buf, *children[b"iinf"])
    pictures: list[tuple[int, int]] | None = []
    for item_id, method, extents in _locations(buf, *children[b"iloc"]):
        item_type = types.get(item_id, b"")  # data of an undeclared item is blanked too
        blank = item_type not in _PICTURE_ITEMS
        if method == 0:
            base, limit = 0, len(buf)
        elif method == 1 and b"idat" in children:
            base, limit = children[b"idat"]
        elif blank:
            raise CannotStrip("metadata item stored by reference")
        else:
            pictures = None
            continue
        ranges = []
        for offset, length in extents:
            first = base + offset
            last = limit if length == 0 else first + length  # length 0: up to the end
            if not base <= first <= last <= limit:
                raise CannotStrip("item extent outside the file")
            ranges.append((first, last))
        if blank:
            _overwrite(buf, ranges, item_type)
        if method == 0 and pictures is not None:
            pictures.extend(ranges)  # blanked items stay too: readers expect a valid payload
    return pictures


def _zero_private_properties(buf: bytearray, start: int, end: int) -> None:
    """Zero the payload of the private properties in an `iprp` box's property container."""
    for kind, _, body, box_end in _boxes(buf, start, end):
        if kind != b"ipco":
            continue
        for prop, _, prop_body, prop_end in _boxes(buf, body, box_end):
            if prop in _PRIVATE_PROPERTIES:
                buf[prop_body:prop_end] = bytes(prop_end - prop_body)


def _item_types(buf: bytearray, start: int, end: int) -> dict[int, bytes]:
    """Map item id -> item type for the items of an `iinf` box."""
    version = buf[start]
    items = {}
    for kind, _, body, _box_end in _boxes(buf, start + (6 if version == 0 else 8), end):
        if kind != b"infe":
            continue
        infe_version = buf[body]
        if infe_version < 2:
            raise CannotStrip("legacy item info entry")
        if infe_version == 2:
            (item_id,) = struct.unpack_from(">H", buf, body + 4)
            kind_at = body + 8
        else:
            (item_id,) = struct.unpack_from(">I", buf, body + 4)
            kind_at = body + 10
        items[item_id] = bytes(buf[kind_at : kind_at + 4])
    return items


def _locations(buf: bytearray, start: int, end: int):
    """Yield (item id, construction method, [(offset, length)]) from an `iloc` box."""
    version = buf[start]
    if version > 2:
        raise CannotStrip("unknown iloc version")
    pos = start + 4
    offset_size, length_size = buf[pos] >> 4, buf[pos] & 15
    base_size, index_size = buf[pos + 1] >> 4, (buf[pos + 1] & 15) if version else 0
    pos += 2

    def read(size: int) -> int:
        nonlocal pos
        if pos + size > end:
            raise CannotStrip("iloc box is truncated")
        value = int.from_bytes(buf[pos : pos + size], "big")
        pos += size
        return value

    id_size = 4 if version == 2 else 2
    for _ in range(read(id_size)):
        item_id = read(id_size)
        method = read(2) & 15 if version else 0
        if read(2) != 0:  # data_reference_index: 0 means this file
            raise CannotStrip("item data in another file")
        base = read(base_size)
        extents = []
        for _ in range(read(2)):
            read(index_size)
            offset = read(offset_size)
            extents.append((base + offset, read(length_size)))
        yield item_id, method, extents


def _overwrite(buf: bytearray, ranges: list[tuple[int, int]], item_type: bytes) -> None:
    total = sum(last - first for first, last in ranges)
    head = _EMPTY_EXIF if item_type == b"Exif" and total >= len(_EMPTY_EXIF) else b""
    filler = b" " if item_type == b"mime" else b"\x00"
    content = head + filler * (total - len(head))
    done = 0
    for first, last in ranges:
        buf[first:last] = content[done : done + last - first]
        done += last - first
