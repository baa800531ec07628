"""The part guard: every multipart body the parser sees has a bounded number of parts with
small, plainly shaped headers, wherever the chunks are cut."""

import pytest

from app.errors import Invalid
from app.images.intake.spool import FORM_FIELDS, Intake
from tests.client import multipart

BOUNDARY = "guard-test-boundary"
HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def intake(max_files: int = 50) -> Intake:
    return Intake(HEADERS, max_file_bytes=1 << 20, max_files=max_files)


def receive(body: bytes, chunk: int = 65536, max_files: int = 50) -> Intake:
    """Feed `body` in `chunk`-byte pieces and finish; the caller discards."""
    received = intake(max_files)
    try:
        for offset in range(0, len(body), chunk):
            received.feed(body[offset:offset + chunk])
        received.finish()
    except BaseException:
        received.discard()
        raise
    return received


def part(headers: str, content: bytes = b"") -> bytes:
    return f"--{BOUNDARY}\r\n{headers}\r\n\r\n".encode() + content + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def file_part(filename: str, content: bytes, extra: str = "") -> bytes:
    return part(f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                f"Content-Type: image/png{extra}", content)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000, 65536])
def test_a_form_parses_the_same_however_it_is_cut(chunk):
    content = b"\x89PNG" + b"\r\n--guard-test-boundar" + b"y-not-a-delimiter" + bytes(range(256))
    received = receive(body(
        part('Content-Disposition: form-data; name="title"', "Ünïcode title".encode()),
        file_part("my holiday photo (1).png", content),
        file_part('say \\"cheese\\".png', b"two", "; charset=binary"),
        part("Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"; "
             "filename*=UTF-8''%E6%BC%A2.png", b"three"),
    ), chunk)
    try:
        assert received.fields == {"title": "Ünïcode title"}
        assert [f.filename for f in received.files] == [
            "my holiday photo (1).png", 'say "cheese".png', "a.png"]
        assert received.files[0].path.read_bytes() == content
    finally:
        received.discard()


def test_the_test_clients_form_passes():
    content_type, data = multipart([("a.jpg", b"jpeg bytes"), ("b.png", b"png")],
                                   {"title": "T", "visibility": "public"})
    received = Intake({"Content-Type": content_type}, max_file_bytes=1 << 20, max_files=50)
    try:
        for offset in range(0, len(data), 5):
            received.feed(data[offset:offset + 5])
        received.finish()
        assert len(received.files) == 2 and received.fields["visibility"] == "public"
    finally:
        received.discard()


@pytest.mark.parametrize("headers", [
    'Content-Disposition: form-data; name="title"',  # a field, sent again and again
    "Content-Disposition: form-data",  # no name: no target ever hears of these
    "X-Nothing: at all",  # no Content-Disposition either
])
def test_parts_beyond_the_cap_are_refused_before_the_parser_sees_them(headers):
    """Thousands of empty parts cost the parser ~0.2 ms each on the event loop; the chunk
    that starts a part beyond 50 files and the form's fields is refused as a whole."""
    received = intake()
    try:
        cap = 50 + len(FORM_FIELDS)
        with pytest.raises(Invalid, match=f"Too many parts in one form: at most {cap}"):
            received.feed(part(headers) * 10_000)
    finally:
        received.discard()


def test_parts_are_counted_across_chunks():
    received = intake()
    try:
        for _ in range(50):
            received.feed(part('Content-Disposition: form-data; name="file"; filename="x"'))
        for name in FORM_FIELDS:
            received.feed(part(f'Content-Disposition: form-data; name="{name}"'))
        with pytest.raises(Invalid, match=f"at most {50 + len(FORM_FIELDS)}"):
            received.feed(part("Content-Disposition: form-data"))
    finally:
        received.discard()


@pytest.mark.parametrize(("headers", "why"), [
    # 40 000 header lines of one part: each line is a run of the email parser.
    ('Content-Disposition: form-data; name="title"\r\n' + "X-A: b\r\n" * 40_000, "too long"),
    ('Content-Disposition: form-data; name="title"\r\n' + "X-A: b\r\n" * 4, "too long"),
    # Nested comments: the email parser recurses until RecursionError.
    ("Content-Disposition: form-data" + "(" * 600 + ")" * 600 + '; name="title"', "not one"),
    # Hundreds of parameters: quadratic in the email parser.
    ('Content-Disposition: form-data; name="title"' + "; a=b" * 150, "not one"),
    ('Content-Disposition: form-data; name="title"\r\nContent-Type: text/plain'
     + '; a="x y"' * 100, "not one"),
    ('Content-Disposition: form-data; name="file"; filename="' + "a " * 40 + '"', "not one"),
    ('Content-Disposition: form-data; name="file"; filename="' + "x" * 2000 + '"', "not one"),
    ("Content-Disposition: attachment; name=title", "not one"),
    ("not a header line", "not one"),
])
def test_part_headers_of_unusual_shape_are_refused(headers, why):
    received = intake()
    try:
        with pytest.raises(Invalid, match=why):
            received.feed(body(part(headers, b"x")))
    finally:
        received.discard()


def test_a_header_arriving_a_byte_at_a_time_is_checked_before_its_end():
    received = intake()
    try:
        with pytest.raises(Invalid, match="too long"):
            for byte in part("X-A: " + "b" * 5000):
                received.feed(bytes([byte]))
    finally:
        received.discard()
