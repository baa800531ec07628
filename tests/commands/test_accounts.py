"""`manage.py setpassword`: the operator's password reset."""

import uuid

import bcrypt
import pytest
from pymongo import MongoClient

from tests.test_manage import manage


@pytest.fixture
def database(mongodb_uri):
    name = f"cli_{uuid.uuid4().hex[:12]}"
    client = MongoClient(mongodb_uri)
    yield ["--mongodb-uri", mongodb_uri, "--database", name, "--bcrypt-rounds=4"], client[name]
    client.drop_database(name)
    client.close()


def test_setpassword_from_stdin_ends_sessions_and_revokes_tokens(database):
    args, db = database
    assert manage("createuser", "carol", "--password-stdin", *args,
                  stdin="the old password\n").returncode == 0
    user = db.users.find_one({"username": "carol"})
    db.users.update_one({"_id": user["_id"]}, {"$set": {"totp": {"since": 1}}})
    db.sessions.insert_one({"_id": "s" * 64, "user_id": user["_id"]})
    db.api_tokens.insert_one({"_id": "t" * 64, "user_id": user["_id"], "name": "script"})
    result = manage("setpassword", "CAROL", "--password-stdin", *args,
                    stdin="the new password\n")
    assert result.returncode == 0, result.stderr
    user = db.users.find_one({"username": "carol"})
    assert bcrypt.checkpw(b"the new password", user["password_hash"].encode())
    assert user["totp"] == {"since": 1}  # second factors stay
    assert db.sessions.count_documents({}) == 0
    assert db.api_tokens.count_documents({}) == 0
    entry = db.audit.find_one({"action": "password.set_by_operator"})
    assert entry["actor"] is None and entry["target"] == user["_id"]


def test_setpassword_refuses_a_short_password_and_an_unknown_user(database):
    args, db = database
    manage("createuser", "dan", "--password-stdin", *args, stdin="the old password\n")
    before = db.users.find_one({"username": "dan"})["password_hash"]
    short = manage("setpassword", "dan", "--password-stdin", *args, stdin="short\n")
    assert short.returncode == 1 and "at least 8" in short.stderr
    assert db.users.find_one({"username": "dan"})["password_hash"] == before
    unknown = manage("setpassword", "nobody", "--password-stdin", *args, stdin="long enough!\n")
    assert unknown.returncode == 1 and "no user named 'nobody'" in unknown.stderr
    assert "Traceback" not in short.stderr + unknown.stderr
