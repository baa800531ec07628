"""The intake of a streamed body: files and fields are capped apart, as their parts start."""

import pytest

from app.errors import Invalid
from tests.images.intake.test_parts import body, part, receive


def test_a_field_may_come_once():
    """The parser would append a repeat to the first value: the second is refused."""
    title = part('Content-Disposition: form-data; name="title"', b"a")
    with pytest.raises(Invalid, match="'title' came more than once"):
        receive(body(title, title))


def test_empty_files_count_against_the_file_cap():
    empty = part('Content-Disposition: form-data; name="file"; filename="e.png"')
    with pytest.raises(Invalid, match="At most 3 files"):
        receive(body(*[empty] * 4), max_files=3)


def test_empty_files_are_dropped_at_the_end():
    received = receive(body(part('Content-Disposition: form-data; name="file"; filename="e"'),
                            part('Content-Disposition: form-data; name="file"; filename="f"',
                                 b"bytes")))
    try:
        assert [f.filename for f in received.files] == ["f"]
    finally:
        received.discard()
