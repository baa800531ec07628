"""Password guessing limits beyond the sign-in form, and what a password change revokes."""

import asyncio

import pytest

from app.auth import throttle
from app.errors import RateLimited
from tests.api.conftest import Api, create_token
from tests.client import PASSWORD, text


async def test_parallel_guesses_cannot_slip_past_the_limit(alice, make_client):
    """Attempts are counted before the password is checked, so 40 guesses at once still get
    at most 10 answers of 'wrong password'."""
    browsers = [make_client() for _ in range(4)]
    for browser in browsers:
        await browser.xsrf_token()
    attempts = [browser.login("alice", f"guess {i}") for browser in browsers for i in range(10)]
    codes = [response.code for response in await asyncio.gather(*attempts)]
    assert codes.count(400) <= 10, f"{codes.count(400)} guesses checked, limit is 10: {codes}"


async def test_current_password_check_on_account_forms_is_rate_limited(alice, clock):
    """Whoever holds a session cookie (a borrowed laptop, a stolen cookie) must not be able
    to guess the password through /account/password or /account/delete."""
    for i in range(throttle.PER_USER):
        response = await alice.post("/account/password", {
            "current_password": f"guess number {i}", "new_password": "another password"})
        assert response.code == 400
    clock.advance(minutes=5)
    for form, fields in [("password", {"current_password": PASSWORD,
                                       "new_password": "another password"}),
                         ("delete", {"password": PASSWORD})]:
        response = await alice.post(f"/account/{form}", fields)
        assert response.code == 429
        assert response.headers["Retry-After"] == "600"  # the window opened 5 minutes ago
        assert "Try again in 10 minutes." in text(response)
    clock.advance(minutes=10)
    assert (await alice.post("/account/password", {
        "current_password": PASSWORD, "new_password": "another password"})).code == 302


async def test_password_change_revokes_api_tokens(alice, make_client):
    """Someone who knew the old password may have made a token meanwhile: a password change
    revokes tokens as well as other sessions."""
    api = Api(make_client(), (await create_token(alice, "made by an intruder"))["token"])
    assert (await api.get("/api/v1/me")).code == 200
    response = await alice.post("/account/password", {
        "current_password": PASSWORD, "new_password": "a brand new password"})
    assert response.code == 302
    assert (await api.get("/api/v1/me")).code == 401


def test_mapped_ipv4_addresses_are_counted_per_ipv4_address():
    attacker = throttle.sign_in_limits("alice", "::ffff:198.51.100.7")
    owner = throttle.sign_in_limits("alice", "::ffff:203.0.113.9")
    assert attacker != owner  # not one '::/64' bucket


async def test_attacker_on_a_mapped_address_cannot_lock_out_the_owner(db, clock):
    attacker = throttle.sign_in_limits("alice", "::ffff:198.51.100.7")
    for _ in range(throttle.PER_ACCOUNT):
        await throttle.attempt(db, attacker, clock())
    with pytest.raises(RateLimited):
        await throttle.attempt(db, attacker, clock())
    # the owner, somewhere else on the IPv4 internet
    await throttle.attempt(db, throttle.sign_in_limits("alice", "::ffff:203.0.113.9"), clock())
