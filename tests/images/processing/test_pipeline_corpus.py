"""A generated corpus of malformed images through the pipeline and the upload endpoint.

Small seeds of every accepted format (made here with Pillow and pillow-heif) are truncated at
many offsets, bit-flipped, overwritten with garbage, given another format's signature, given
huge declared dimensions and, for animations, thousands of frames. Every file must end in
success or a 4xx domain error (`Invalid`, `Unsupported`), never another exception, and
within a generous bound of CPU time (not wall time, which a busy machine stretches) that
only catches runaway work.
"""

import random
import struct
import time
import zlib

import pytest

from app.config import DEFAULTS
from app.errors import DomainError
from app.images.ingest import decode_limits
from app.images.processing.pipeline import process_image
from tests.client import upload
from tests.images import samples as s

# Pillow warns about the damage it reads past (corrupt EXIF, tags past the end): expected here.
pytestmark = pytest.mark.filterwarnings(r"ignore::UserWarning:PIL\.\w+")
LIMITS = decode_limits(DEFAULTS)
# CPU seconds: the worst files here declare tens of megapixels (within the limits) and take
# a few seconds; a runaway loop or an unbounded allocation takes far longer.
RUNAWAY = 10.0
HUGE = 0x7FFF_FFFF
MAGICS = [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\0\0\0\0WEBP",
          b"\0\0\0\x1cftypavif", b"\0\0\0\x18ftypheic", b"II*\0", b"BM"]


def _png_chunk_set(data: bytes, kind: bytes, offset: int, value: bytes) -> bytes:
    """`data` with `value` written at `offset` into the first `kind` chunk, CRC fixed."""
    at = data.index(kind) - 4
    (length,) = struct.unpack_from(">I", data, at)
    body = bytearray(data[at + 8 : at + 8 + length])
    body[offset : offset + len(value)] = value
    crc = struct.pack(">I", zlib.crc32(kind + body))
    return data[: at + 8] + bytes(body) + crc + data[at + 12 + length :]


def _patch(data: bytes, at: int, value: bytes) -> bytes:
    return data[:at] + value + data[at + len(value) :]


def _tiff_dims(data: bytes, width: int, height: int) -> bytes:
    (ifd,) = struct.unpack_from("<I", data, 4)
    out = bytearray(data)
    for index in range(struct.unpack_from("<H", data, ifd)[0]):
        entry = ifd + 2 + 12 * index
        tag, kind = struct.unpack_from("<HH", data, entry)
        if tag in (256, 257):
            value = width if tag == 256 else height
            struct.pack_into("<I" if kind == 4 else "<H", out, entry + 8,
                             value if kind == 4 else min(value, 0xFFFF))
    return bytes(out)


def _ispe(data: bytes, width: int, height: int) -> bytes:
    return _patch(data, data.index(b"ispe") + 8, struct.pack(">II", width, height))


def _jpeg_dims(data: bytes, width: int, height: int) -> bytes:
    return _patch(data, data.index(b"\xff\xc0") + 5, struct.pack(">HH", height, width))


def _gif_screen(data: bytes, width: int, height: int) -> bytes:
    return _patch(data, 6, struct.pack("<HH", width, height))


SEEDS = {
    "jpeg": lambda: s.jpeg(size=(32, 24), gps=True, icc=True),
    "png": lambda: s.png_with_text_and_exif(size=(24, 16)),
    "apng": lambda: s.apng(frames=3, size=(16, 12)),
    "gif": lambda: s.animated_gif(frames=3, size=(16, 12)),
    "webp": lambda: s.webp_with_exif(size=(24, 16)),
    "animated webp": lambda: s.animated_webp(frames=3, size=(16, 12)),
    "avif": lambda: s.avif(size=(24, 16)),
    "animated avif": lambda: s.avif(size=(16, 12), frames=3),
    "heic": lambda: s.heic(size=(24, 16)),
    "tiff": lambda: s.tiff(size=(24, 16)),
    "bmp": lambda: s.bmp(size=(24, 16)),
}
# Huge (or zero) declared dimensions, written where each format declares them.
HUGE_SIZES = {
    "jpeg": [lambda d: _jpeg_dims(d, 0xFFFF, 0xFFFF), lambda d: _jpeg_dims(d, 0, 24)],
    "png": [lambda d: _png_chunk_set(d, b"IHDR", 0, struct.pack(">II", HUGE, HUGE)),
            lambda d: _png_chunk_set(d, b"IHDR", 0, struct.pack(">II", 100_000, 2000))],
    "apng": [lambda d: _png_chunk_set(d, b"acTL", 0, struct.pack(">I", HUGE)),
             lambda d: _png_chunk_set(d, b"fcTL", 4, struct.pack(">II", HUGE, HUGE))],
    "gif": [lambda d: _gif_screen(d, 0xFFFF, 0xFFFF),
            lambda d: _patch(d, d.index(b"\x2c", 13) + 5, struct.pack("<HH", 0xFFFF, 0xFFFF)),
            lambda d: s.gif_with_frames(5000),  # thousands of frames
            lambda d: _gif_screen(s.gif_with_frames(950), 400, 400)],  # 152 M pixels of work
    "webp": [lambda d: _patch(d, 24, b"\xff\xff\xff\xff\xff\xff"),
             lambda d: _patch(d, 24, struct.pack("<I", 16383)[:3] * 2)],
    "animated webp": [lambda d: _patch(d, 24, b"\xff\xff\xff\xff\xff\xff")],
    "avif": [lambda d: _ispe(d, HUGE, HUGE), lambda d: _ispe(d, 100_000, 100_000)],
    "animated avif": [lambda d: _ispe(d, HUGE, HUGE)],
    "heic": [lambda d: _ispe(d, HUGE, HUGE), lambda d: _ispe(d, 20_000, 20_000)],
    "tiff": [lambda d: _tiff_dims(d, HUGE, HUGE), lambda d: _tiff_dims(d, 60_000, 60_000)],
    "bmp": [lambda d: _patch(d, 18, struct.pack("<ii", HUGE, HUGE)),
            lambda d: _patch(d, 18, struct.pack("<ii", 24, -HUGE))],
}


def corpus(name: str) -> list[tuple[str, bytes]]:
    """(label, bytes) of the malformed variants of the seed `name`, the same every run."""
    seed = SEEDS[name]()
    rng = random.Random(f"{name}-corpus")  # noqa: S311 - reproducible damage, not secrets
    files = [("seed", seed)]
    cuts = sorted({1, 2, 4, 8, 16, 32, len(seed) - 1,
                   *(len(seed) * i // 16 for i in range(1, 16))})
    files += [(f"cut at {cut}", seed[:cut]) for cut in cuts]
    for index in range(20):  # half of the flips in the headers, where parsers decide most
        at = rng.randrange(min(64, len(seed)) if index % 2 else len(seed))
        flipped = bytes([seed[at] ^ 1 << rng.randrange(8)])
        files.append((f"bit flip at {at}", _patch(seed, at, flipped)))
    for _ in range(4):
        at = rng.randrange(len(seed))
        files.append((f"garbage at {at}", _patch(seed, at, rng.randbytes(16))[: len(seed)]))
    for magic in rng.sample(MAGICS, 3) + [bytes(8)]:
        files.append((f"magic {magic[:12]!r}", magic + seed[len(magic) :]))
    files += [(f"declared size {index}", patch(seed))
              for index, patch in enumerate(HUGE_SIZES[name])]
    return files


def _outcome(tmp_path, data: bytes) -> str:
    path = tmp_path / "upload"
    path.write_bytes(data)
    try:
        result = process_image(str(path), LIMITS)
    except DomainError as error:
        assert 400 <= error.status < 500, error
        return type(error).__name__
    assert result.variants["full"].data
    return "stored"


@pytest.mark.parametrize("name", SEEDS)
def test_every_malformed_file_is_stored_or_refused_in_bounded_time(tmp_path, name):
    outcomes = {}
    for label, data in corpus(name):
        start = time.process_time()
        outcomes[label] = _outcome(tmp_path, data)
        assert time.process_time() - start < RUNAWAY, label
    assert outcomes["seed"] == "stored"
    assert set(outcomes.values()) - {"stored"}, "the corpus should damage something"


async def test_malformed_uploads_answer_as_the_pipeline_decides(alice, tmp_path):
    rng = random.Random("upload-sample")  # noqa: S311 - a reproducible sample
    statuses = {"stored": (200, 201), "Invalid": (400,), "Unsupported": (415,)}
    for name in SEEDS:
        files = corpus(name)
        for label, data in [files[0], *rng.sample(files[1:], 2)]:
            response = await upload(alice, [(f"{label}.bin", data)])
            expected = statuses[_outcome(tmp_path, data)]
            assert response.code in expected, (name, label, response.code, response.body)
