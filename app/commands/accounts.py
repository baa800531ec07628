"""`createuser`, `setpassword` and `createtoken`: accounts and API tokens from the operator's
shell."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from app import audit
from app.auth import accounts, tokens, users
from app.commands.database import find_user, open_database
from app.db import ensure_indexes, utcnow


def run_createuser(options, name: str, password: str, admin: bool) -> int:
    """`createuser`: one account."""

    async def create() -> None:
        async with open_database(options) as db:
            await ensure_indexes(db, audit_days=options.audit_days)
            with ThreadPoolExecutor(max_workers=1) as executor:
                await users.create_user(db, name, password, rounds=options.bcrypt_rounds,
                                        executor=executor, now=utcnow(),
                                        role="admin" if admin else "user")

    asyncio.run(create())
    print(f"Created user {name}")
    return 0


def run_createtoken(options, name: str, token_name: str, *, scope: str = "full",
                    expires_days: int | None = None) -> int:
    """`createtoken`: prints the secret alone, so `TOKEN=$(manage.py createtoken ...)` works.
    The token has `scope` and expires after `expires_days` (None: never)."""

    async def create() -> str:
        async with open_database(options) as db:
            await ensure_indexes(db, audit_days=options.audit_days)
            _, secret = await tokens.create_token(db, (await find_user(db, name))["_id"],
                                                  token_name, scope=scope,
                                                  expires_in_days=expires_days, now=utcnow(),
                                                  address=None)
            return secret

    print(asyncio.run(create()))
    return 0


def run_setpassword(options, name: str, password: str) -> int:
    """`setpassword`: a new password for NAME, as a reset link would set it: every session
    ends and every API token is revoked; second factors stay. Recorded in the audit log
    with no actor (the operator's shell)."""

    async def reset() -> None:
        async with open_database(options) as db:
            user = await find_user(db, name)
            with ThreadPoolExecutor(max_workers=1) as executor:
                await accounts.set_password(db, user["_id"], password,
                                            rounds=options.bcrypt_rounds, executor=executor)
            await audit.record(db, action="password.set_by_operator", actor=None,
                               target=user["_id"], address=None, now=utcnow(),
                               details={"username": user["username"]})

    asyncio.run(reset())
    print(f"Set the password of {name}: their sessions ended and API tokens were revoked")
    return 0
