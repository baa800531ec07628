"""The passkey rules that need no browser: who the relying party is, and names."""

import pytest

from app.auth.passkeys import DEFAULT_NAME, NAME_MAX, check_name, relying_party
from app.errors import Invalid


@pytest.mark.parametrize(("public_url", "protocol", "host", "rp_id", "origin"), [
    ("https://img.example.org", "http", "127.0.0.1:8000", "img.example.org",
     "https://img.example.org"),
    ("https://img.example.org:8443/base/", "http", "x", "img.example.org",
     "https://img.example.org:8443"),
    (None, "http", "localhost:8000", "localhost", "http://localhost:8000"),
    ("", "https", "Photos.Example.org", "photos.example.org", "https://photos.example.org"),
])
def test_relying_party_is_the_public_url_host_else_the_requests(public_url, protocol, host,
                                                                rp_id, origin):
    party = relying_party(public_url, protocol, host)
    assert (party.id, party.origin) == (rp_id, origin)


def test_names_are_tidied_defaulted_and_bounded():
    assert check_name("  my \n phone ") == "my phone"
    assert check_name("   ") == DEFAULT_NAME
    with pytest.raises(Invalid):
        check_name("x" * (NAME_MAX + 1))
