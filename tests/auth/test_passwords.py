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


@pytest.mark.parametrize("stored_cost", [None, 4, 5, 6])
@pytest.mark.parametrize("password", ["the right password", "a wrong password", "x" * 73])
def test_every_check_costs_one_check_at_the_current_cost(bcrypt_calls, stored_cost,
                                                         password):
    """Whatever the stored hash's cost (None: no such user) and whether the password
    matches, a check does the work of one bcrypt check at the current cost, 6 here."""
    hashed = passwords.hash_password("the right password", stored_cost) if stored_cost else None
    bcrypt_calls.clear()
    matched = passwords.check_password(password, hashed, 6)
    assert matched == (stored_cost is not None and password == "the right password")
    assert sum(2**cost for name, cost in bcrypt_calls if name == "checkpw") == 2**6
