"""The second-factor stores against the real database: TOTP steps, recovery codes, the
pending state, who has a second factor, and removing them all."""

import asyncio
import datetime

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.auth import recovery, second_factor, totp
from app.errors import Conflict, Invalid

SECRET = pyotp.random_base32()


@pytest.fixture
async def user(db) -> dict:
    doc = {"_id": "u1", "username": "alice"}
    await db.users.insert_one(doc)
    return doc


async def enabled(db, user, clock) -> dict:
    await totp.enable(db, user["_id"], SECRET, pyotp.TOTP(SECRET).at(clock.now), clock.now,
                      ["digest"])
    return await db.users.find_one({"_id": user["_id"]})


async def test_enable_stores_the_contract_fields(db, user, clock):
    stored = await enabled(db, user, clock)
    assert stored["totp"] == {"secret": SECRET, "since": clock.now,
                              "last_step": pyotp.TOTP(SECRET).timecode(clock.now)}
    assert stored["recovery_codes"] == ["digest"]
    with pytest.raises(Conflict):
        await totp.enable(db, user["_id"], SECRET, pyotp.TOTP(SECRET).at(clock.now),
                          clock.now, [])


@pytest.mark.parametrize("secret", ["", "JBSWY3DP", "a" * 32, "JBSWY3DPEHPK3PXP" * 2 + "A"])
async def test_enable_refuses_a_malformed_secret(db, user, clock, secret):
    with pytest.raises(Invalid):
        await totp.enable(db, user["_id"], secret, "123456", clock.now, [])


async def test_verify_takes_each_step_once_even_when_raced(db, user, clock):
    stored = await enabled(db, user, clock)
    later = clock.now + datetime.timedelta(seconds=30)
    code = pyotp.TOTP(SECRET).at(later)
    results = await asyncio.gather(*[totp.verify(db, stored, code, later) for _ in range(8)])
    assert results.count(True) == 1
    assert not await totp.verify(db, stored, "12345", later)  # not even the shape
    assert not await totp.verify(db, {"_id": user["_id"]}, code, later)  # TOTP off


async def test_disable(db, user, clock):
    await enabled(db, user, clock)
    assert await totp.disable(db, user["_id"])
    assert not await totp.disable(db, user["_id"])


def test_codes_are_ten_distinct_and_typed_loosely():
    codes = recovery.new_codes()
    assert len(set(codes)) == recovery.COUNT == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    assert recovery.digest(codes[0]) == recovery.digest(" " + codes[0].upper().replace("-", " "))


async def test_recovery_code_is_consumed_once_even_when_raced(db, user):
    codes = await recovery.replace(db, user["_id"])
    results = await asyncio.gather(*[recovery.consume(db, user["_id"], codes[0])
                                     for _ in range(8)])
    assert results.count(True) == 1
    assert await recovery.remaining(db, user["_id"]) == 9
    assert not await recovery.consume(db, user["_id"], "not-a-code")
    new = await recovery.replace(db, user["_id"])
    assert not await recovery.consume(db, user["_id"], codes[1])  # voided
    assert await recovery.consume(db, user["_id"], new[1])
    await recovery.clear(db, user["_id"])
    assert await recovery.remaining(db, user["_id"]) == 0


async def test_has_second_factor(db, user, clock):
    assert not await second_factor.has_second_factor(db, user)
    await recovery.replace(db, user["_id"])  # recovery codes alone are not one
    assert not await second_factor.has_second_factor(db, await db.users.find_one())
    await db.passkeys.insert_one({"_id": "cred", "user_id": user["_id"]})
    assert await second_factor.has_second_factor(db, user)
    await db.passkeys.delete_many({})
    assert await second_factor.has_second_factor(db, await enabled(db, user, clock))


async def test_remove_all(db, user, clock):
    await enabled(db, user, clock)
    await db.passkeys.insert_many([{"_id": "a", "user_id": user["_id"]},
                                   {"_id": "b", "user_id": "someone else"}])
    assert await second_factor.remove_all(db, user["_id"])
    assert await db.users.find_one({"_id": user["_id"]}) == user
    assert await db.passkeys.count_documents({}) == 1
    assert not await second_factor.remove_all(db, user["_id"])


def test_pending_state_round_trip_and_expiry(clock):
    value = second_factor.pending_value("u1", "/albums", clock.now).encode()
    assert second_factor.read_pending(value, clock.now) == ("u1", "/albums")
    late = clock.now + second_factor.PENDING_LIFETIME + datetime.timedelta(seconds=1)
    assert second_factor.read_pending(value, late) is None
    early = clock.now - datetime.timedelta(seconds=1)  # from the future: not honoured
    assert second_factor.read_pending(value, early) is None


@pytest.mark.parametrize("raw", [None, b"", b"[]", b"{}", b"not json", b'{"user": 1}',
                                 b'{"user": "u", "next": "/", "at": "soon"}',
                                 b'{"user": ["u"], "next": "/", "at": 0}'])
def test_malformed_pending_state_is_none(raw, clock):
    assert second_factor.read_pending(raw, clock.now) is None


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_pending_cookie_value_reads_as_none_or_a_pending_state(raw):
    now = datetime.datetime.now(datetime.UTC)
    state = second_factor.read_pending(raw, now)
    assert state is None or isinstance(state, second_factor.Pending)


@settings(max_examples=300, deadline=None)
@given(code=st.text(max_size=100))
def test_any_typed_code_is_checked_without_error(code):
    normal = recovery.normalize(code)
    assert len(recovery.digest(code)) == 64
    step = totp.matching_step(SECRET, normal, datetime.datetime.now(datetime.UTC))
    assert step is None or totp.is_code(normal)
