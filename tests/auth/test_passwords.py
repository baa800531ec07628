"""Password rules and hashing cost."""

import pytest

from app.auth import passwords
from app.config import DEFAULTS, build_parser
from app.errors import Invalid


def test_production_cost_is_12(make_client):
    assert DEFAULTS["bcrypt_rounds"] == 12
    assert build_parser().bcrypt_rounds == 12
    hashed = passwords.hash_password("production password", DEFAULTS["bcrypt_rounds"])
    assert passwords.rounds_of(hashed) == 12
    assert passwords.check_password("production password", hashed, 12)


@pytest.mark.parametrize("password", ["", "x" * 7, "x" * 73, "é" * 37])
def test_rejected_new_passwords(password):
    with pytest.raises(Invalid):
        passwords.validate_new_password(password)


def test_check_password_never_raises_on_long_input():
    hashed = passwords.hash_password("x" * 72, 4)
    assert passwords.check_password("x" * 72, hashed, 4)
    assert not passwords.check_password("x" * 73, hashed, 4)
    assert not passwords.check_password("x" * 1000, None, 4)
