"""Fuzzing the streamed multipart intake: whatever the headers, boundaries, parts and chunk
sizes, `Intake` either yields exactly the files and fields sent or refuses with a 4xx domain
error, and leaves no temporary file behind."""

import string

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from tornado.httputil import HTTPHeaders

from app.errors import DomainError, Invalid
from app.images.intake.spool import FORM_FIELDS, Intake, clean_filename
from tests.fuzzing import APP, PURE, ok_status
from tests.images.images import jpeg

MAX_FILE = 300
PHOTO = jpeg(size=(16, 16))
# RFC 2046 boundary characters (a space may not end it).
BOUNDARY_CHARS = string.ascii_letters + string.digits + "'()+_,-./:=? "
BOUNDARIES = st.text(BOUNDARY_CHARS, min_size=1, max_size=70).map(str.rstrip).filter(bool)
FILENAMES = st.text(st.characters(exclude_characters='"\\\r\n', exclude_categories=["Cs"]),
                    max_size=30)
FILE_PARTS = st.tuples(st.just("file"), FILENAMES, st.binary(max_size=MAX_FILE + 20))
FIELD_PARTS = st.tuples(st.sampled_from(FORM_FIELDS), st.none(),
                        st.text(max_size=50).map(str.encode))
PARTS = st.lists(FILE_PARTS | FIELD_PARTS, max_size=5,  # each text field once
                 unique_by=lambda part: part if part[0] == "file" else part[0])


def multipart(boundary: str, parts: list) -> bytes:
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += (f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def damaged(body: bytes, edits: list[tuple[int, bytes]], cut: int | None) -> bytes:
    """`body` with bytes overwritten at the `edits` positions, then cut at `cut`."""
    body = bytearray(body)
    for at, replacement in edits:
        at %= len(body) + 1
        body[at : at + len(replacement)] = replacement
    return bytes(body[:cut])


EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=3)), max_size=4)
CUTS = st.none() | st.integers(0, 10**6)


def chunked(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(body), *(cut % (len(body) + 1) for cut in cuts)})
    return [body[a:b] for a, b in zip(points, points[1:], strict=False)]


def receive(headers: dict, chunks: list[bytes], tmp_path, max_files: int = 4) -> Intake:
    """Feed `chunks` to a fresh intake as the upload handler does; errors are DomainErrors."""
    intake = Intake(HTTPHeaders(headers), max_file_bytes=MAX_FILE, max_files=max_files,
                    temp_dir=str(tmp_path))
    try:
        for chunk in chunks:
            intake.feed(chunk)
        intake.finish()
    except BaseException:
        intake.discard()
        raise
    return intake


@PURE
@given(boundary=BOUNDARIES, parts=PARTS, cuts=st.lists(st.integers(0, 10**6), max_size=8))
def test_well_formed_bodies_in_any_chunks_arrive_exactly(tmp_path_factory, boundary, parts,
                                                         cuts):
    body = multipart(boundary, parts)
    assume(all(f"\r\n--{boundary}".encode() not in b"\r\n" + part[2] + b"\r\n"
               for part in parts))
    files = [(clean_filename(name), data) for kind, name, data in parts if kind == "file"]
    tmp_path = tmp_path_factory.mktemp("intake")
    try:
        intake = receive({"Content-Type": f'multipart/form-data; boundary="{boundary}"'},
                         chunked(body, cuts), tmp_path)
    except DomainError as error:  # only for files past the limits
        assert error.status == 413 if any(len(data) > MAX_FILE for _, data in files) \
            else "At most" in error.message
        assert not any(tmp_path.iterdir())
        return
    try:
        assert [(f.filename, f.path.read_bytes()) for f in intake.files] == \
            [(name, data) for name, data in files if data]
        assert intake.fields == {name: value.decode() for name, _, value in parts
                                 if name != "file" and value}
    finally:
        intake.discard()
    assert not any(tmp_path.iterdir())


# A stray CR in a part's headers, then a delimiter line that also reads as a header line
# ("--a:b"): streaming-form-data then ended the first file part twice.
BROKEN_BOUNDARY = "a:b"
BROKEN_PART_HEADERS = (
    b'--a:b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nX: \r\x00'
    b'\r\n--a:b\r\nContent-Disposition: form-data; name="file"; filename="b.png"\r\n\r\n'
    b"B\r\n--a:b--\r\n"
)


def test_broken_part_headers_are_refused(tmp_path):
    with pytest.raises(Invalid, match="headers are broken"):
        receive({"Content-Type": f'multipart/form-data; boundary="{BROKEN_BOUNDARY}"'},
                [BROKEN_PART_HEADERS], tmp_path)
    assert not any(tmp_path.iterdir())


async def test_upload_with_broken_part_headers_is_a_400(alice):
    headers = {"Content-Type": f'multipart/form-data; boundary="{BROKEN_BOUNDARY}"',
               "Accept": "application/json", "X-XSRFToken": await alice.xsrf_token()}
    response = await alice.request("POST", "/upload", body=BROKEN_PART_HEADERS,
                                   headers=headers)
    assert response.code == 400, response.body


CONTENT_TYPES = st.one_of(
    st.builds("multipart/form-data; boundary={}".format, st.text(max_size=20)),
    st.builds("multipart/form-data; {}".format, st.text(max_size=30)),
    st.text(max_size=40),
)


@PURE
@given(content_type=CONTENT_TYPES, boundary=BOUNDARIES, parts=PARTS, edits=EDITS, cut=CUTS,
       cuts=st.lists(st.integers(0, 10**6), max_size=6))
@example(content_type="multipart/form-data; boundary=\x85a", boundary="a",
         parts=[], edits=[], cut=None, cuts=[])
@example(content_type='multipart/form-data; boundary="a"', boundary="a",
         parts=[("file", "x.png", b"data")], edits=[(60, b"\xff\xfe")], cut=None, cuts=[])
def test_damaged_bodies_and_headers_are_refused_cleanly(tmp_path_factory, content_type,
                                                        boundary, parts, edits, cut, cuts):
    body = damaged(multipart(boundary, parts), edits, cut)
    tmp_path = tmp_path_factory.mktemp("intake")
    for headers in ({"Content-Type": content_type},
                    {"Content-Type": f"multipart/form-data; boundary={boundary}"}):
        try:
            receive(headers, chunked(body, cuts), tmp_path, max_files=2).discard()
        except DomainError as error:
            assert 400 <= error.status < 500
        assert not any(tmp_path.iterdir())


@APP
@given(content_type=CONTENT_TYPES.map(lambda text: text.encode("latin-1", "replace")
                                      .decode("latin-1").replace("\r", "").replace("\n", ""))
       | st.just(None), parts=PARTS, edits=EDITS, cut=CUTS)
@example(content_type="multipart/form-data; boundary=\x85a", parts=[], edits=[], cut=None)
async def test_upload_answers_any_multipart_body_without_failing(alice, content_type, parts,
                                                                 edits, cut):
    boundary = "fuzz-boundary"
    body = damaged(multipart(boundary, [("file", "photo.jpg", PHOTO), *parts]), edits, cut)
    headers = {"Content-Type": content_type or f"multipart/form-data; boundary={boundary}",
               "X-XSRFToken": await alice.xsrf_token(), "Accept": "application/json"}
    response = await alice.request("POST", "/upload", body=body, headers=headers)
    ok_status(response)
    assert response.code in (200, 201, 400, 404, 413, 415), response.code  # 404: no such album
