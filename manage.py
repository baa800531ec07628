#!/usr/bin/env python3
"""Pixvault command line: `python manage.py COMMAND --help` for each command."""

import argparse
import getpass
import sys

from app import config
from app.auth.scopes import SCOPES
from app.auth.tokens import EXPIRY_DAYS
from app.commands.maintenance import EXIT_CONFIG, EXIT_DATABASE
from app.db import DB_UNAVAILABLE
from app.embedded import DataDirInUse
from app.errors import DomainError


def read_password(from_stdin: bool) -> str:
    """The new password: first line of stdin, or typed twice at a prompt."""
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
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
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
    setpw = command("setpassword", "Set a user's password (their sessions end and API "
                                   "tokens are revoked; second factors stay)")
    setpw.add_argument("name", help="username")
    setpw.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input")
    token = command("createtoken", "Create an API token for a user and print it (only once)")
    token.add_argument("name", help="username")
    token.add_argument("token_name", help="a name for the token, e.g. 'backup script'")
    token.add_argument("--scope", choices=SCOPES, default="full",
                       help="what it may do: upload images only, read only, or anything "
                            "(default: full)")
    token.add_argument("--expires-days", type=int, choices=EXPIRY_DAYS,
                       help="days until it stops working (default: never)")
    check = command("check", "Check configuration, database connection, indexes, "
                             "migrations and every user's storage use")
    check.add_argument("--fix", action="store_true",
                       help="set storage use that differs from the user's images right")
    command("migrate", "Bring the database up to this version: create missing indexes and "
                       "apply pending migrations (serve does this at start)")
    gc = command("gc", "Finish interrupted deletions (accounts, images, albums) and delete "
                       "stored files that no image refers to (left by a crash)")
    gc.add_argument("--grace", type=seconds, default=3600, metavar="SECONDS",
                    help="leave files younger than this alone: an upload may still be "
                         "writing them (default: 3600)")
    imp = command("import", "Import every image in a folder (and its subfolders) for a user")
    imp.add_argument("directory", metavar="DIR", help="folder to import; hidden files are "
                                                      "left alone")
    imp.add_argument("--user", dest="name", required=True, metavar="NAME",
                     help="the user who will own the images")
    imp.add_argument("--visibility", choices=("private", "unlisted", "public"),
                     help="visibility of the new images (default: the user's default)")
    exp = command("export", "Write a user's original images, albums and a manifest to a zip")
    exp.add_argument("name", help="username")
    exp.add_argument("out", metavar="OUT.zip", help="the zip file to write (replaced if it "
                                                    "exists)")
    return parser


def run(command: str, options, args: dict) -> int:
    """Call the command's implementation in `app.commands` with its own arguments. Each
    family is imported only when used: `createuser` never loads the web stack or Pillow."""
    if command == "serve":
        from app.commands.serve import run_serve
        return run_serve(options)
    if command in ("createuser", "setpassword", "createtoken"):
        from app.commands import accounts
        if command == "createuser":
            password = read_password(args["password_stdin"])
            return accounts.run_createuser(options, args["name"], password, args["admin"])
        if command == "setpassword":
            password = read_password(args["password_stdin"])
            return accounts.run_setpassword(options, args["name"], password)
        return accounts.run_createtoken(options, args["name"], args["token_name"],
                                        scope=args["scope"], expires_days=args["expires_days"])
    if command in ("check", "migrate", "gc"):
        from app.commands import maintenance
        if command == "check":
            return maintenance.run_check(options, args["fix"])
        if command == "migrate":
            return maintenance.run_migrate(options)
        return maintenance.run_gc(options, args["grace"])
    if command == "import":
        from app.commands.importer import run_import
        return run_import(options, args["directory"], args["name"], args["visibility"])
    from app.commands.exporter import run_export
    return run_export(options, args["name"], args["out"])


def main(argv: list[str] | None = None) -> int:
    args = vars(build_argparser().parse_args(argv))
    command = args.pop("command")
    names = {setting.name for setting in config.SETTINGS}
    settings = {key: value for key, value in args.items() if key in names}
    try:
        options = config.load(settings)
    except Exception as error:  # noqa: BLE001 - a bad config file can raise anything
        print(f"FAIL configuration: {error}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        return run(command, options, args)
    except DataDirInUse as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except DB_UNAVAILABLE as error:
        print(f"error: the database is not answering: {error}", file=sys.stderr)
        return EXIT_DATABASE
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
