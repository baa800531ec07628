"""A downscale made in bands on several cores is one bicubic downscale, without seams."""

import numpy as np
import pytest
from PIL import Image

from app.images.processing import pixels
from app.images.processing.pixels import shrink

BICUBIC = Image.Resampling.BICUBIC
in_bands = pixels._in_bands


def noise(mode: str, size: tuple[int, int]) -> Image.Image:
    bands = len(Image.new(mode, (1, 1)).getbands())
    pixels = np.random.default_rng(7).integers(0, 256, (size[1], size[0], bands), np.uint8)
    return Image.fromarray(pixels.squeeze(axis=2) if bands == 1 else pixels, mode)


def across_then_down(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The whole picture resampled as Pillow resamples a wide one: across, then down."""
    return img.resize((size[0], img.height), BICUBIC).resize(size, BICUBIC)


@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
@pytest.mark.parametrize(("source", "target"), [
    ((2000, 1500), (1600, 1200)),  # a 12 MP photo's half-size draft to `large`
    ((3000, 2000), (1600, 1067)),  # 24 MP
    ((1001, 2999), (539, 1615)),  # odd sizes, tall
])
@pytest.mark.parametrize("bands", [2, 3, 4])
def test_bands_meet_without_seams(mode, source, target, bands, monkeypatch):
    made = []
    monkeypatch.setattr(pixels, "_in_bands", lambda *args: made.append(args) or
                        in_bands(*args))
    img = noise(mode, source)
    banded = shrink(img, target, bands=bands)
    assert made  # it was made in bands, not in one piece
    assert (banded.mode, banded.size) == (mode, target)
    difference = np.abs(np.asarray(banded, dtype=int)
                        - np.asarray(across_then_down(img, target), dtype=int))
    assert difference.max() <= 1  # a coefficient a hair off may round the other way
    assert (difference > 0).mean() < 0.001


@pytest.mark.parametrize(("source", "target"), [((2000, 1500), (1600, 1200)),
                                               ((1500, 2000), (1200, 1600))])
def test_a_photo_s_bands_equal_its_one_piece_resize(source, target):
    img = noise("RGB", source)  # landscape or portrait
    assert shrink(img, target, bands=2).tobytes() == shrink(img, target).tobytes()


@pytest.mark.parametrize(("mode", "source", "target"), [
    ("RGB", (2000, 1000), (400, 200)),  # reduced by an integer factor first
    ("RGBA", (2000, 1500), (1600, 1200)),  # alpha: premultiplied while resampled
    ("LA", (2000, 1500), (1600, 1200)),
])
def test_what_bands_would_change_is_made_in_one_piece(mode, source, target):
    img = noise(mode, source)
    assert shrink(img, target, bands=2).tobytes() == shrink(img, target).tobytes()
