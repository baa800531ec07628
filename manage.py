#!/usr/bin/env python3
"""Pixvault command line: `python manage.py COMMAND --help` for each command."""

import argparse
import asyncio
import contextlib
import getpass
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app import config, utcnow
from app.db import (
    DB_UNAVAILABLE,
    DataDirInUse,
    EmbeddedDatabase,
    connect,
    ensure_indexes,
    missing_indexes,
)
from app.errors import DomainError, NotFound

# `check` exit codes, so scripts can tell which part failed.
EXIT_CONFIG, EXIT_DATABASE, EXIT_INDEXES = 2, 3, 4


@contextlib.contextmanager
def database_uri(options, *, exclusive: bool = False):
    """The configured MongoDB URI, or the embedded database's (started here if needed).

    A command other than `serve` joins an embedded database that a running server already
    owns; `serve` (exclusive) refuses to share its data dir.
    """
    if options.mongodb_uri:
        yield options.mongodb_uri
        return
    embedded = EmbeddedDatabase(Path(options.data_dir) / "db")
    try:
        uri = embedded.start()
    except DataDirInUse:
        if exclusive:
            raise
        yield embedded.running_uri()
        return
    try:
        yield uri
    finally:
        embedded.stop()


@contextlib.asynccontextmanager
async def open_database(options, uri: str):
    """An `AsyncDatabase` for one command, closed afterwards."""
    client = connect(uri, options.db_timeout_ms)
    try:
        yield client[options.database]
    finally:
        await client.close()


async def create_user(options, uri: str, name: str, password: str, admin: bool) -> None:
    """Insert one user (`manage.py createuser`)."""
    from app.auth import users

    async with open_database(options, uri) as db:
        await ensure_indexes(db)
        with ThreadPoolExecutor(max_workers=1) as executor:
            await users.create_user(db, name, password, rounds=options.bcrypt_rounds,
                                    executor=executor, now=utcnow(),
                                    role="admin" if admin else "user")


async def create_token(options, uri: str, name: str, token_name: str) -> str:
    """Create an API token for user `name` (`manage.py createtoken`); returns the secret."""
    from app.auth import tokens, users

    async with open_database(options, uri) as db:
        await ensure_indexes(db)
        user = await users.find_by_username(db, name)
        if user is None:
            raise NotFound(f"There is no user named {name!r}.")
        _, secret = await tokens.create_token(db, user["_id"], token_name, now=utcnow())
        return secret


async def collect_garbage(options, uri: str, grace_seconds: int) -> tuple[int, int]:
    """`manage.py gc`: purge what deleted accounts left, then GridFS files no image refers
    to; returns (images, files) deleted."""
    import datetime

    from gridfs import AsyncGridFSBucket

    from app.images import gc

    async with open_database(options, uri) as db:
        bucket = AsyncGridFSBucket(db, bucket_name="images")
        images = await gc.sweep_ownerless(db, bucket)
        files = await gc.sweep_orphans(db, bucket, now=utcnow(),
                                       grace=datetime.timedelta(seconds=grace_seconds))
        return images, files


async def check_database(options, uri: str) -> int:
    """Ping the database and verify the indexes; return an exit code."""
    async with open_database(options, uri) as db:
        try:
            await db.command("ping")
        except Exception as error:  # noqa: BLE001 - any failure means "unreachable" here
            print(f"FAIL database: {error}")
            return EXIT_DATABASE
        print("ok   database answers ping")
        missing = await missing_indexes(db)
        for index in missing:
            print(f"FAIL index missing: {index}")
        if missing:
            print("     run `manage.py serve` once, or any command that creates indexes")
            return EXIT_INDEXES
        print("ok   indexes present")
        return 0


def read_password(from_stdin: bool) -> str:
    """The new user's password: first line of stdin, or typed twice at a prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat password: "):
        sys.exit("error: the two passwords do not match")
    return password


def seconds(value: str) -> int:
    """An argparse type: a whole, non-negative number of seconds."""
    if not (value.isascii() and value.isdigit()):
        raise argparse.ArgumentTypeError("must be a whole number of seconds, 0 or more")
    return int(value)


def build_argparser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        for setting in config.SETTINGS:
            # Both spellings: --data-dir as usual, --data_dir as tornado.options writes it.
            flags = {"--" + setting.name.replace("_", "-"), "--" + setting.name}
            flags = sorted(flags, key=lambda flag: "_" in flag)
            if setting.type is bool:
                # `--debug` alone turns it on; `--debug=false` turns it off.
                sub.add_argument(*flags, dest=setting.name, nargs="?", const="true",
                                 default=argparse.SUPPRESS, metavar="BOOL", help=setting.help)
            else:
                sub.add_argument(*flags, dest=setting.name, default=argparse.SUPPRESS,
                                 metavar=setting.type.__name__.upper(),
                                 help=f"{setting.help} (default: {setting.default!r})")
        return sub

    command("serve", "Run the web server (starts the embedded database if no --mongodb-uri)")
    create = command("createuser", "Create a user account")
    create.add_argument("name", help="username")
    create.add_argument("--admin", action="store_true", help="give the user the admin role")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    token = command("createtoken", "Create an API token for a user and print it (only once)")
    token.add_argument("name", help="username")
    token.add_argument("token_name", help="a name for the token, e.g. 'backup script'")
    command("check", "Check configuration, database connection and indexes")
    gc = command("gc", "Delete what deleted accounts left behind and stored files that no "
                       "image refers to (left by a crash)")
    gc.add_argument("--grace", type=seconds, default=3600, metavar="SECONDS",
                    help="leave files younger than this alone: an upload may still be "
                         "writing them (default: 3600)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = vars(build_argparser().parse_args(argv))
    command = args.pop("command")
    extra = {key: args.pop(key) for key in ("name", "admin", "password_stdin", "token_name",
                                            "grace") if key in args}
    try:
        options = config.load(args)
    except Exception as error:  # noqa: BLE001 - a bad config file can raise anything
        print(f"FAIL configuration: {error}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        if command == "serve":
            from app import server

            with database_uri(options, exclusive=True) as uri:
                return server.run(options, uri)
        elif command == "createuser":
            password = read_password(extra["password_stdin"])
            with database_uri(options) as uri:
                asyncio.run(create_user(options, uri, extra["name"], password, extra["admin"]))
            print(f"Created user {extra['name']}")
        elif command == "createtoken":
            with database_uri(options) as uri:
                secret = asyncio.run(create_token(options, uri, extra["name"],
                                                  extra["token_name"]))
            # The secret alone on stdout, so `TOKEN=$(manage.py createtoken ...)` works.
            print(secret)
        elif command == "gc":
            with database_uri(options) as uri:
                images, files = asyncio.run(collect_garbage(options, uri, extra["grace"]))
            print(f"Deleted {images} image{'s' if images != 1 else ''} of deleted accounts "
                  f"and {files} orphaned file{'s' if files != 1 else ''}")
        elif command == "check":
            print(f"ok   configuration (database {options.database!r})")
            with database_uri(options) as uri:
                return asyncio.run(check_database(options, uri))
    except DataDirInUse as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except DB_UNAVAILABLE as error:
        print(f"error: the database is not answering: {error}", file=sys.stderr)
        return EXIT_DATABASE
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
