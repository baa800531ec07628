"""The database a command works on: the configured MongoDB, or the embedded one (joined if a
server already runs it, else started for the command)."""

import contextlib
from pathlib import Path

from app.auth import users
from app.db import connect
from app.embedded import DataDirInUse, EmbeddedDatabase
from app.errors import NotFound


@contextlib.contextmanager
def database(options, *, exclusive: bool = False):
    """`(uri, alive)`: the configured MongoDB URI, or the embedded database's (started here
    if needed), and a check that the database this process started is still running.

    A command other than `serve` joins an embedded database that a running server already
    owns; `serve` (exclusive) refuses to share its data dir.
    """
    if options.mongodb_uri:
        yield options.mongodb_uri, lambda: True
        return
    embedded = EmbeddedDatabase(Path(options.data_dir) / "db")
    try:
        uri = embedded.start()
    except DataDirInUse:
        if exclusive:
            raise
        yield embedded.running_uri(), lambda: True
        return
    try:
        yield uri, embedded.alive
    finally:
        embedded.stop()


@contextlib.asynccontextmanager
async def open_database(options):
    """An `AsyncDatabase` for one command, closed afterwards."""
    with database(options) as (uri, _):
        client = connect(uri, options.db_timeout_ms, bound_operations=False)
        try:
            yield client[options.database]
        finally:
            await client.close()


async def find_user(db, name: str) -> dict:
    """The user called `name`; `NotFound` (printed as an error) if there is none, or if
    the account is being deleted."""
    user = await users.find_by_username(db, name)
    if user is None or user.get("deleted_at") is not None:
        raise NotFound(f"There is no user named {name!r}.")
    return user
