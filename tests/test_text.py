"""Numbers as the pages write them."""

import pytest

from app.text import plural, size_text


@pytest.mark.parametrize(("size", "shown"), [
    (12, "12 bytes"), (1536, "1.5 KB"), (50 * 2**20, "50 MB"), (150 * 2**20, "150 MB"),
    (1023 * 1024 + 512, "1024 KB"),  # three digits would need an exponent: '1.02e+03 KB'
    (int(1.5 * 2**30), "1.5 GB"),
])
def test_size_text(size, shown):
    assert size_text(size) == shown


def test_plural():
    assert (plural(1, "image"), plural(2, "image"), plural(0, "link")) == (
        "1 image", "2 images", "0 links")
