"""Settings and strategies shared by the property-based (fuzz) tests.

Pure parsers get a few hundred examples each (`PURE`); properties that use the real
application or database get fewer (`APP`), so every fuzz test takes seconds. Those suppress
the `function_scoped_fixture` health check on purpose: one application and database serve
all the examples of a test, as a long-running server serves many requests. Failing examples are
not saved (`database=None`): hypothesis prints them, and a regression gets an `@example`.
"""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

PURE = settings(max_examples=200, deadline=None, database=None)
APP = settings(max_examples=60, deadline=None, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])

# Characters a client can put in a header value: printable Latin-1, tab included.
HEADER_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f",
                             include_characters="\t")


def numbers() -> st.SearchStrategy[str]:
    """Decimal strings: small and large ones, and runs of digits past any integer limit."""
    return st.one_of(st.integers(0, 3000).map(str), st.integers(0, 10**20).map(str),
                     st.integers(0, 6000).map("9".__mul__))


def header_text(*parts: str) -> st.SearchStrategy[str]:
    """Header values: pieces of the expected syntax (`parts`), numbers and odd characters,
    joined in any order, so most examples are nearly valid."""
    piece = st.one_of(st.sampled_from(parts), numbers(), st.text(HEADER_CHARS, max_size=4))
    return st.lists(piece, max_size=8).map("".join)


def ok_status(response) -> None:
    """The server answered (no 5xx, no dropped connection)."""
    assert 200 <= response.code < 500, (response.code, (response.body or b"")[:300])
