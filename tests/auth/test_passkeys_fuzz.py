"""Fuzzing the answers a browser posts for passkeys: whatever is sent in place of a real
registration or assertion, the passkey rules refuse it with a domain error (a 400, never a
500), and nothing but the untouched assertion signs anyone in."""

import base64
import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.auth import passkeys
from app.errors import DomainError
from app.ids import new_id
from tests.auth.authenticator import SoftAuthenticator, b64url
from tests.fuzzing import APP

RP = passkeys.RelyingParty("pixvault.test", "https://pixvault.test")
CHALLENGE = b"c" * 32
OPTIONS = {"rp": {"id": RP.id}, "challenge": b64url(CHALLENGE)}
ASSERTION_FIELDS = ["id", "rawId", "type", "response", "response.clientDataJSON",
                    "response.authenticatorData", "response.signature", "response.userHandle"]
FIELDS = [*ASSERTION_FIELDS, "response.attestationObject", "response.transports"]
VALUES = st.one_of(
    st.none(), st.integers(), st.text(max_size=40), st.lists(st.text(max_size=5), max_size=3),
    st.binary(max_size=80).map(lambda data: base64.urlsafe_b64encode(data).decode()),
    st.binary(max_size=80).map(b64url), st.dictionaries(st.text(max_size=5), st.integers(),
                                                        max_size=2))


def mutated(credential: str, field: str, value) -> str:
    """`credential` with `field` (a dotted path) set to `value`."""
    data = json.loads(credential)
    *parents, last = field.split(".")
    target = data
    for name in parents:
        if not isinstance(target.get(name), dict):
            target[name] = {}
        target = target[name]
    target[last] = value
    return json.dumps(data)


@pytest.fixture
async def holder(db, clock):
    """A user with one registered passkey, and the authenticator holding it."""
    user = {"_id": new_id(), "username": "alice", "disabled": False}
    await db.users.insert_one(user)
    device = SoftAuthenticator(RP.origin, count_step=0)
    options = {**OPTIONS, "user": {"id": b64url(user["_id"].encode())}}
    await passkeys.register(db, user, device.create(options), challenge=CHALLENGE, rp=RP,
                            name="Phone", now=clock.now)
    return user, device


@APP
@given(field=st.sampled_from(ASSERTION_FIELDS), value=VALUES)
async def test_an_altered_assertion_is_refused(holder, db, clock, field, value):
    user, device = holder
    credential = mutated(device.get(OPTIONS), field, value)
    if credential == device.get(OPTIONS) or field == "response.userHandle" and value is None:
        return  # unchanged, or the handle left out (browsers may): still a valid answer
    with pytest.raises(passkeys.PasskeyRefused):
        await passkeys.authenticate(db, credential, challenge=CHALLENGE, rp=RP, now=clock.now)


@APP
@given(field=st.sampled_from(FIELDS), value=VALUES, text=st.text(max_size=60))
async def test_any_registration_answer_is_a_domain_error_or_a_passkey(db, clock, field, value,
                                                                      text):
    user = {"_id": new_id(), "username": "bob"}
    device = SoftAuthenticator(RP.origin)
    options = {**OPTIONS, "user": {"id": b64url(user["_id"].encode())}}
    for credential in (mutated(device.create(options), field, value), text):
        with contextlib.suppress(DomainError):  # any other exception fails the test
            await passkeys.register(db, user, credential, challenge=CHALLENGE, rp=RP,
                                    name="Key", now=clock.now)
