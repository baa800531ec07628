"""Fuzzing the byte server's header parsing: Range, If-Range, If-None-Match and
If-Modified-Since, on `parse_range` directly and through APP on a real stored image."""

import email.utils
import re
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.images.handlers.variants import parse_range
from tests.client import upload_one
from tests.fuzzing import APP, PURE, header_text, numbers, ok_status
from tests.images.images import jpeg

_SPEC = st.tuples(st.just("") | numbers(), st.just("") | numbers()).map("-".join)
RANGE = st.one_of(
    _SPEC.map("bytes={}".format),
    _SPEC.map("bytes={}".format),
    st.builds("{}={}".format, st.sampled_from(["bytes", "Bytes", "lines", ""]),
              st.lists(_SPEC, min_size=1, max_size=3).map(",".join)),
    header_text("bytes", "=", "-", ",", " ", "bytes=", "0", "-0"),
)
# "{etag}" and "{modified}" stand for the image's own ETag and Last-Modified values.
ETAG = header_text("{etag}", "{etag}", '"', "W/", ",", "*", " ")
DATE = st.one_of(
    st.just("{modified}"),
    st.datetimes().map(lambda moment: email.utils.format_datetime(moment, usegmt=False)),
    header_text("{modified}", "Mon, ", "Jan ", "GMT", "+0000", "-0000", " ", ":", ",",
                "00:00:00"),
)


@PURE
@given(header=RANGE, length=st.integers(0, 10**12) | st.integers(0, 3000))
@example(header="bytes=0-" + "1" * 5000, length=10)
def test_parse_range_answers_whole_part_or_unsatisfiable(header, length):
    result = parse_range(header, length)
    if result is None or result is False:
        return
    first, last = result
    assert 0 <= first <= last < length
    single = re.fullmatch(r"bytes=([0-9]+)-([0-9]*)", header.strip())
    if single and len(header) < 4000:  # a plain first-last range means exactly that
        assert first == int(single[1])
        assert last == min(int(single[2] or length - 1), length - 1)


@pytest.fixture
async def full_path(alice):
    image = await upload_one(alice, jpeg(size=(120, 80)), visibility="public")
    return urlsplit(image["urls"]["full"]).path


@APP
@given(range_=st.none() | RANGE, if_range=st.one_of(st.none(), st.none(), ETAG, DATE),
       none_match=st.one_of(st.none(), st.none(), ETAG), since=st.none() | DATE)
@example(range_="bytes=0-" + "9" * 5000, if_range=None, none_match=None, since=None)
@example(range_=None, if_range=None, none_match=None,
         since="Mon, 01 Jan 99999999999999999999 00:00:00 GMT")
async def test_byte_requests_never_fail_on_odd_headers(client, full_path, range_, if_range,
                                                       none_match, since):
    whole = await client.get(full_path)
    own = {"{etag}": whole.headers["ETag"], "{modified}": whole.headers["Last-Modified"]}
    headers = {}
    for name, value in (("Range", range_), ("If-Range", if_range),
                        ("If-None-Match", none_match), ("If-Modified-Since", since)):
        if value is not None:
            headers[name] = re.sub("{etag}|{modified}", lambda m: own[m[0]], value)
    response = await client.get(full_path, headers=headers)
    ok_status(response)
    assert response.code in (200, 206, 304, 416)
    if response.code == 200:
        assert response.body == whole.body
    elif response.code == 206:
        first, last, length = map(int, re.fullmatch(
            r"bytes (\d+)-(\d+)/(\d+)", response.headers["Content-Range"]).groups())
        assert length == len(whole.body) and response.body == whole.body[first : last + 1]
