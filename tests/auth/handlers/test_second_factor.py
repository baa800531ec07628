"""The second step of signing in: codes from an authenticator app or recovery codes, the
signed pending state between the steps, the throttle, and `next` surviving it all."""

import base64
import datetime
import json

import pyotp
import pytest

from app.auth import recovery
from app.auth.second_factor import PENDING_COOKIE
from tests.client import text, visible_text

SECRET = pyotp.random_base32()


def code_at(when: datetime.datetime, secret: str = SECRET) -> str:
    """The code an authenticator app shows at `when`."""
    return pyotp.TOTP(secret).at(when)


@pytest.fixture
async def enrolled(make_client, db, clock) -> list[str]:
    """'bob' with TOTP on (as enrolment leaves it, a step before now) and recovery codes,
    which are returned."""
    await make_client().register("bob")
    codes = recovery.new_codes()
    step = pyotp.TOTP(SECRET).timecode(clock.now) - 2
    await db.users.update_one({"username": "bob"}, {"$set": {
        "totp": {"secret": SECRET, "since": clock.now, "last_step": step},
        "recovery_codes": [recovery.digest(code) for code in codes]}})
    return codes


async def first_step(client, next_url: str = "") -> None:
    response = await client.login("bob", next=next_url)
    assert response.code == 302
    assert response.headers["Location"] == "/auth/second-factor"
    assert "session" not in client.cookies


async def second_step(client, code: str):
    return await client.post("/auth/second-factor", {"code": code})


async def test_password_alone_gives_no_session(enrolled, client):
    await first_step(client)
    assert (await client.get("/gallery")).code == 302  # still anonymous
    page = await client.get("/auth/second-factor")
    assert page.code == 200
    assert "Code from your authenticator app" in text(page)


async def test_right_code_signs_in_and_keeps_next(enrolled, client, clock):
    await first_step(client, "/albums?page=2")
    response = await second_step(client, code_at(clock.now))
    assert response.code == 302
    assert response.headers["Location"] == "/albums?page=2"
    assert (await client.get("/gallery")).code == 200
    assert PENDING_COOKIE not in client.cookies


async def test_code_with_spaces_is_accepted(enrolled, client, clock):
    await first_step(client)
    code = code_at(clock.now)
    response = await second_step(client, f" {code[:3]} {code[3:]} ")
    assert response.headers["Location"] == "/gallery"


async def test_wrong_code_is_refused(enrolled, client, clock):
    await first_step(client)
    right = code_at(clock.now)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = await second_step(client, wrong)
    assert response.code == 400
    assert "not right" in visible_text(response)
    assert "session" not in client.cookies
    assert (await second_step(client, "")).code == 400
    assert (await second_step(client, "x" * 5000)).code == 400


@pytest.mark.parametrize("seconds", [-30, 30])
async def test_one_step_of_drift_is_allowed(enrolled, client, clock, seconds):
    await first_step(client)
    when = clock.now + datetime.timedelta(seconds=seconds)
    assert (await second_step(client, code_at(when))).code == 302


@pytest.mark.parametrize("seconds", [-90, 90])
async def test_more_drift_is_refused(enrolled, client, clock, seconds):
    await first_step(client)
    when = clock.now + datetime.timedelta(seconds=seconds)
    assert (await second_step(client, code_at(when))).code == 400


async def test_a_code_works_once(enrolled, make_client, clock, db):
    first, second = make_client(), make_client()
    await first_step(first)
    await first_step(second)
    code = code_at(clock.now)
    assert (await second_step(first, code)).code == 302
    assert (await second_step(second, code)).code == 400
    # Nor does the code of the step before, once a later one was used.
    assert (await second_step(second, code_at(clock.now - datetime.timedelta(seconds=30)))
            ).code == 400
    user = await db.users.find_one({"username": "bob"})
    assert user["totp"]["last_step"] == pyotp.TOTP(SECRET).timecode(clock.now)


async def test_recovery_code_works_once(enrolled, make_client, db):
    first, second = make_client(), make_client()
    await first_step(first)
    await first_step(second)
    code = enrolled[3].upper().replace("-", " ")
    response = await second_step(first, code)
    assert response.code == 302
    assert "9 codes left" in text(await first.get("/gallery"))
    assert (await second_step(second, enrolled[3])).code == 400
    user = await db.users.find_one({"username": "bob"})
    assert len(user["recovery_codes"]) == 9
    assert recovery.digest(enrolled[3]) not in user["recovery_codes"]
    entry = await db.audit.find_one({"action": "recovery_codes.used"})
    assert entry["target"] == user["_id"]
    assert entry["details"] == {"left": 9}


async def test_pending_state_expires(enrolled, client, clock):
    await first_step(client, "/albums")
    clock.advance(minutes=6)
    response = await second_step(client, code_at(clock.now))
    assert response.code == 302
    assert response.headers["Location"] == "/auth/login"
    assert "session" not in client.cookies
    assert "took too long" in text(await client.get("/auth/login"))


def forged(cookie: str, **changes) -> str:
    """A signed cookie (Tornado's version 2) with its value changed and the old signature."""
    version, key, stamp, name, value, signature = cookie.split("|")
    state = json.loads(base64.b64decode(value.split(":", 1)[1]))
    encoded = base64.b64encode(json.dumps({**state, **changes}).encode()).decode()
    return "|".join([version, key, stamp, name, f"{len(encoded)}:{encoded}", signature])


async def test_tampered_pending_state_is_refused(enrolled, client, make_client, clock, db):
    # Carol has the same authenticator as bob: only the signature stops bob becoming her.
    await make_client().register("carol")
    bob = await db.users.find_one({"username": "bob"})
    carol = await db.users.find_one_and_update({"username": "carol"},
                                               {"$set": {"totp": bob["totp"]}})
    await first_step(client)
    assert forged(client.cookies[PENDING_COOKIE]) == client.cookies[PENDING_COOKIE]
    client.cookies[PENDING_COOKIE] = forged(client.cookies[PENDING_COOKIE], user=carol["_id"])
    response = await second_step(client, code_at(clock.now))
    assert response.headers["Location"] == "/auth/login"
    assert "session" not in client.cookies
    assert (await client.get("/auth/second-factor")).headers["Location"] == "/auth/login"


async def test_no_pending_state_leads_to_sign_in(client):
    response = await client.get("/auth/second-factor")
    assert response.code == 302
    assert response.headers["Location"] == "/auth/login"


async def test_guessing_is_throttled(enrolled, client, clock):
    await first_step(client)
    right = code_at(clock.now)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(10):
        assert (await second_step(client, wrong)).code == 400
    blocked = await second_step(client, right)
    assert blocked.code == 429
    assert int(blocked.headers["Retry-After"]) == 900
    assert "session" not in client.cookies


async def test_a_passkey_alone_also_asks_for_the_second_step(make_client, client, db, clock):
    await make_client().register("carol")
    carol = await db.users.find_one({"username": "carol"})
    await db.passkeys.insert_one({"_id": "cred", "user_id": carol["_id"], "public_key": b"k",
                                  "sign_count": 0, "transports": [], "name": "Laptop",
                                  "created": clock.now, "last_used": None})
    response = await client.login("carol")
    assert response.headers["Location"] == "/auth/second-factor"
    page = visible_text(await client.get("/auth/second-factor"))
    assert "Recovery code" in page and "authenticator" not in page


async def test_users_without_second_factor_sign_in_at_once(make_client, client):
    await make_client().register("carol")
    response = await client.login("carol", next="/albums")
    assert response.headers["Location"] == "/albums"
    assert "session" in client.cookies
