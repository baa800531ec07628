"""Fuzzing `safe_next`: whatever `next` a link carries, sign-in only ever sends the browser to
a path on this site."""

import re
from urllib.parse import quote, urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from app.forms import safe_next
from tests.fuzzing import APP, PURE, ok_status

PIECES = ["/", "//", "\\", "/\\", "%2F", "%2f", "%5C", "%5c", "%09", "%0a", "%0D", "%00", "%",
          "%25", "%252F", "http:", "https://", "javascript:", "@", ":", "evil.example", ".",
          "..", "?", "#", " ", "\t", "\n", "\r", "\x00", "\x7f", "\x85", "\u2028", "\uff0f",
          "gallery", "i/abc"]
TARGETS = st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=8).map("".join)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def same_origin_path(url: str) -> bool:
    """Whether a browser following `Location: url` stays on this site, by the WHATWG URL
    rules: tabs and newlines are dropped, C0 and spaces trimmed, `\\` read as `/`; then only
    a path that does not start with `//` (a host) and has no scheme stays here."""
    seen = re.sub("[\t\n\r]", "", url).strip("".join(map(chr, range(0x21)))).replace("\\", "/")
    return seen.startswith("/") and not seen.startswith("//") and not _SCHEME.match(seen)


@PURE
@given(target=TARGETS | st.text())
@example(target="/%2F%2Fevil.example")
@example(target="/\t/evil.example")
def test_next_is_the_target_or_the_default_and_stays_on_the_site(target):
    result = safe_next(target, default="/gallery")
    assert result in (target, "/gallery")
    assert same_origin_path(result)
    assert not re.search("[\x00-\x1f\x7f]", result)  # nothing that could split a header


@APP
@given(target=TARGETS)
async def test_signed_in_login_redirects_only_inside_the_site(alice, target):
    response = await alice.get("/auth/login?next=" + quote(target, safe=""))
    ok_status(response)
    assert response.code == 302, response.code
    location = response.headers["Location"]
    assert same_origin_path(location), location
    assert not urlsplit(location).netloc
