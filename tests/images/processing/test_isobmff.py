"""Capture times in AVIF containers: the `full` variant carries none, the original keeps them.

Pillow (libavif) writes animated AVIF with version 1 (64-bit) movie, track and media headers;
the version 0 (32-bit) layout is made from the same real file by rewriting the box tree.
"""

import io
import struct
from urllib.parse import urlsplit

from PIL import Image

from app.images.processing.isobmff import strip_isobmff
from tests.client import upload_one
from tests.images import samples as s

HEADERS = (b"mvhd", b"tkhd", b"mdhd")
CONTAINERS = (b"moov", b"trak", b"mdia")
CAPTURED = 0xE2F0_1234  # seconds since 1904: a moment in 2024
# Field widths after version and flags, version 1 layout: creation, modification, then
# timescale + duration (mvhd, mdhd) or track_ID + reserved + duration (tkhd).
V1_FIELDS = {b"mvhd": (8, 8, 4, 8), b"mdhd": (8, 8, 4, 8), b"tkhd": (8, 8, 4, 4, 8)}


def parse(data: bytes) -> list:
    """[kind, children or payload] for each box, opening the boxes down to the headers."""
    boxes, pos = [], 0
    while pos < len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8 : pos + size]
        boxes.append([kind, parse(body) if kind in CONTAINERS else body])
        pos += size
    return boxes


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def serialize(boxes: list) -> bytes:
    return b"".join(box(kind, serialize(body) if isinstance(body, list) else body)
                    for kind, body in boxes)


def headers(data: bytes) -> dict:
    """{kind: (version, creation, modification, payload after the times)} of each header."""
    found = {}

    def walk(boxes):
        for kind, body in boxes:
            if isinstance(body, list):
                walk(body)
            elif kind in HEADERS:
                width = 8 if body[0] == 1 else 4
                times = [int.from_bytes(body[4 + i * width : 4 + (i + 1) * width], "big")
                         for i in (0, 1)]
                found[kind] = (body[0], *times, body[4 + 2 * width :])

    walk(parse(data))
    return found


def with_times(data: bytes, version: int) -> bytes:
    """The animated AVIF `data` with CAPTURED as every header time, in layout `version`.

    Going to version 0 shrinks the headers; a `free` box at the end of `moov` takes up the
    difference, so `mdat` and the offsets pointing into it stay where they were.
    """
    tree, shrunk = parse(data), 0

    def rewrite(boxes):
        nonlocal shrunk
        for box in boxes:
            kind, body = box
            if isinstance(body, list):
                rewrite(body)
            elif kind in HEADERS:
                assert body[0] == 1
                fields, pos, out = V1_FIELDS[kind], 4, []
                for index, width in enumerate(fields):
                    value = CAPTURED if index < 2 else int.from_bytes(body[pos : pos + width])
                    pos += width
                    if version == 0 and width == 8:
                        value, width = min(value, 0xFFFF_FFFF), 4
                    out.append(value.to_bytes(width, "big"))
                new = bytes([version]) + body[1:4] + b"".join(out) + body[pos:]
                shrunk += len(body) - len(new)
                box[1] = new

    rewrite(tree)
    if shrunk:
        moov = next(box for box in tree if box[0] == b"moov")
        moov[1].append([b"free", bytes(shrunk - 8)])
    rewritten = serialize(tree)
    assert len(rewritten) == len(data)
    return rewritten


def frames(data: bytes) -> list[bytes]:
    with Image.open(io.BytesIO(data)) as im:
        pixels = []
        for index in range(im.n_frames):
            im.seek(index)
            pixels.append(im.convert("RGB").tobytes())
        return pixels


def test_pillow_writes_animated_avif_with_capture_times():
    found = headers(s.avif(frames=3))
    assert set(found) == set(HEADERS)
    assert all(version == 1 and creation and modification
               for version, creation, modification, _ in found.values())


async def test_full_animated_avif_carries_no_capture_times(alice, client):
    for version in (1, 0):
        original = with_times(s.avif(frames=3), version)
        image = await upload_one(alice, original, "clip.avif", visibility="unlisted")
        owners = await alice.get(urlsplit(image["urls"]["original"]).path)
        full = await client.get(urlsplit(image["urls"]["full"]).path)
        assert owners.body == original
        assert len(full.body) == len(original)
        kept, cleaned = headers(owners.body), headers(full.body)
        for kind in HEADERS:
            assert kept[kind][:3] == (version, CAPTURED, CAPTURED), kind
            assert cleaned[kind][:3] == (version, 0, 0), kind
            assert cleaned[kind][3] == kept[kind][3], kind  # timescale, duration... kept
        assert frames(full.body) == frames(original)
        assert not s.private_metadata(full.body)


def with_properties(still: bytes, extra: bytes) -> bytes:
    """The still AVIF `still` (Pillow's layout: `meta` first, 32-bit `iloc` offsets) with the
    boxes `extra` appended to its property container, every size and offset moved to match."""
    ipco = still.index(b"ipco") - 4
    end = ipco + struct.unpack_from(">I", still, ipco)[0]  # after the last property, so the
    grown = bytearray(still[:end] + extra + still[end:])  # associations' indices still hold
    for kind in (b"meta", b"iprp", b"ipco"):
        at = grown.index(kind) - 4
        struct.pack_into(">I", grown, at, struct.unpack_from(">I", grown, at)[0] + len(extra))
    iloc = grown.index(b"iloc") + 4
    assert grown[iloc] == 0 and grown[iloc + 4 : iloc + 6] == b"\x44\x00"
    count, pos = struct.unpack_from(">H", grown, iloc + 6)[0], iloc + 8
    for _ in range(count):  # item id, data reference, extent count, (offset, length)...
        extents = struct.unpack_from(">H", grown, pos + 4)[0]
        for at in range(pos + 6, pos + 6 + extents * 8, 8):
            struct.pack_into(">I", grown, at, struct.unpack_from(">I", grown, at)[0] + len(extra))
        pos += 6 + extents * 8
    return bytes(grown)


def test_item_properties_with_a_capture_time_or_a_description_are_zeroed():
    still = s.avif()
    itai = box(b"itai", bytes(4) + CAPTURED.to_bytes(8, "big") + b"\x80")
    udes = box(b"udes", bytes(4) + b"en\x00" + s.SECRET.encode() + b"\x00\x00\x00")
    original = with_properties(still, itai + udes)
    assert frames(original) == frames(still)
    cleaned = strip_isobmff(original)
    assert len(cleaned) == len(original)
    for prop in (itai, udes):
        at = cleaned.index(prop[4:8]) - 4
        assert cleaned[at : at + len(prop)] == prop[:8] + bytes(len(prop) - 8)
    assert frames(cleaned) == frames(still)


def test_stale_bytes_in_top_level_free_boxes_are_zeroed():
    stale = box(b"free", s.SECRET.encode()) + box(b"skip", CAPTURED.to_bytes(4, "big"))
    original = s.avif() + stale
    cleaned = strip_isobmff(original)
    assert cleaned[: -len(stale)] == strip_isobmff(s.avif())
    assert cleaned[-len(stale) :] == box(b"free", bytes(len(s.SECRET))) + box(b"free", bytes(4))
