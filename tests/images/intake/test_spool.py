"""The intake of a streamed body: files and fields are capped apart, as their parts start."""

import pytest

from app.errors import Invalid
from app.images.intake.spool import Intake, Spool, spool_dir, sweep_spool
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


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=a; b*",
                                          "multipart/form-data; boundary=\x85a"])
def test_a_content_type_the_email_parser_trips_over_is_a_400(content_type):
    with pytest.raises(Invalid, match="Content-Type header is malformed"):
        Intake({"Content-Type": content_type}, max_file_bytes=1, max_files=1)


def test_sweep_spool_removes_only_stale_spool_files(tmp_path):
    folder = spool_dir(tmp_path)
    assert folder.stat().st_mode & 0o777 == 0o700
    left = Spool(folder, 100, "left.jpg")
    left.write(b"partial")
    left.handle.close()
    other = folder / "notes.txt"
    other.write_text("not ours")
    assert sweep_spool(folder, grace=3600) == 0  # may belong to an upload still arriving
    assert sweep_spool(folder, grace=0) == 1
    assert sorted(folder.iterdir()) == [other]
