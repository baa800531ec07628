"""What decoding an upload may cost, judged from its header before any pixel is decoded, and
the memory the pipeline really takes for a compression bomb within the pixel limit."""

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from app.errors import TooLarge
from app.images.processing.decoding import Limits, memory_needed, probe_image
from app.images.processing.pipeline import process_image
from app.images.processing.pixels import banded
from tests.images import samples as s

ROOT = Path(__file__).resolve().parents[3]
MIB = 1024 * 1024
BOMB_PIXELS = 10_000 * 10_000


def write(tmp_path, data: bytes, name: str = "upload") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def memory_growth(tmp_path, path: str, warm_up: bytes) -> int:
    """Bytes by which processing the image at `path` raises the peak memory of a fresh
    process that first processed `warm_up` (so the codecs are loaded). The peak is VmHWM,
    which starts afresh at exec, unlike ru_maxrss, which a child inherits from its parent
    (the test runner, already larger than the peaks measured here)."""
    script = textwrap.dedent(f"""
        import re
        from app.images.processing.pipeline import process_image

        def peak():
            status = open("/proc/self/status").read()
            return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) * 1024

        process_image({write(tmp_path, warm_up, "warm-up")!r})
        before = peak()
        process_image({path!r})
        print(peak() - before)
    """)
    return int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, timeout=300, cwd=ROOT).stdout)


def test_a_16_bit_bomb_over_the_memory_limit_is_refused_from_its_header(tmp_path):
    path = write(tmp_path, s.grey16_bomb())
    tight = Limits(max_decode_bytes=64 * MIB)
    with pytest.raises(TooLarge, match=r"10000x10000 pixels in mode I;16 need .* of memory"):
        probe_image(path, tight)
    with pytest.raises(TooLarge, match="at most 64 MB"):
        process_image(path, tight)  # the pipeline checks too, before decoding


def test_the_estimate_counts_the_decoded_picture_and_its_conversions(tmp_path):
    grey16 = probe_image(write(tmp_path, s.grey16_bomb()), Limits())
    assert grey16 >= BOMB_PIXELS * (2 + 1)  # 16-bit picture, then its 8-bit copy
    with Image.open(io.BytesIO(s.palette_png_transparent())) as palette:
        # A palette with transparency becomes RGBA, premultiplied again to be resampled.
        keyed = memory_needed(palette, False, 0)
        palette.info.pop("transparency")
        assert keyed - memory_needed(palette, False, 0) == 32 * 32 * 4


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: no bands")
def test_the_estimate_counts_the_rows_a_banded_downscale_copies():
    picture = Image.new("RGB", (8000, 6000))  # zeros: its pages are never touched
    # To `large` (1600 px) Pillow reduces first: one piece. To a 4096 px rendition: bands.
    assert not banded("RGB", picture.size, (1600, 1200))  # 5 times smaller
    assert banded("RGB", picture.size, (4096, 3072))
    one_piece = memory_needed(picture, False, 0)
    assert memory_needed(picture, False, 0, (4096, 3072)) - one_piece == 8000 * 6000 * 4


def test_a_jpeg_is_judged_at_the_reduced_size_it_decodes_at(tmp_path):
    photo = s.jpeg(size=(3200, 2400))
    needed = probe_image(write(tmp_path, photo), Limits())
    assert needed < 3200 * 2400 * 4 / 4 + 3 * len(photo) + 64 * MIB  # draft: a quarter


@pytest.mark.parametrize("mode", ["I;16", "I", "F"])
def test_wide_greys_are_scaled_to_8_bits_across_strips(tmp_path, mode):
    """16-bit and 32-bit greys are brought to 8 bits a band of rows at a time."""
    ramp = Image.linear_gradient("L").resize((64, 700))  # 0 at the top, 255 at the bottom
    wide = ramp.convert("I").point(lambda v: v * 257)  # 0..65535
    if mode == "F":
        wide = wide.convert("F").point(lambda v: v / 65535)  # 0..1
    buffer = io.BytesIO()
    (wide.convert("I;16") if mode == "I;16" else wide).save(buffer, "TIFF")
    large = Image.open(io.BytesIO(process_image(write(tmp_path, buffer.getvalue()))
                                  .variants["large.webp"].data)).convert("L")
    top, middle, bottom = (large.getpixel((32, y)) for y in (5, 350, 694))
    assert top < 10 and 110 < middle < 150 and bottom > 245


def test_a_16_bit_bomb_is_converted_without_wide_full_size_copies(tmp_path):
    """10 000 x 10 000 16-bit pixels are 200 MB decoded; converting them at full size to
    32-bit and back took another 500 MB (1.2 GB peaks under concurrent uploads)."""
    grew = memory_growth(tmp_path, write(tmp_path, s.grey16_bomb()), s.png16())
    # ~310 MiB now, ~670 MiB before: a generous bound between, 2.5 decoded pictures.
    assert grew < BOMB_PIXELS * 2 * 2.5


def animated_webp(size: int) -> bytes:
    frames = [Image.new("RGBA", (size, size), (90 * i, 20, 200, 255)) for i in range(2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], lossless=True,
                   duration=100)
    return buffer.getvalue()


def test_an_animation_never_takes_more_memory_than_its_estimate(tmp_path):
    """An 800-byte animated WebP may declare a canvas of many megapixels: the estimate that
    the decode budget and `max_decode_mb` rely on must cover what processing it takes."""
    path = write(tmp_path, animated_webp(3000))
    estimate = probe_image(path, Limits())
    grew = memory_growth(tmp_path, path, animated_webp(16))
    assert grew <= estimate, (grew, estimate)
