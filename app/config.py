"""Every setting of Pixvault, defined once.

Values are read, lowest precedence first, from: the defaults below, an optional config file
(`--config`, Python syntax as tornado.options reads it), `PIXVAULT_<NAME>` environment
variables, and the command line. `manage.py` builds its argparse options from `SETTINGS`, so
`--help` always lists exactly what is defined here.
"""

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tornado.options import OptionParser

ENV_PREFIX = "PIXVAULT_"
SECRET_FILE = "cookie_secret"  # noqa: S105 - a file name, not a secret
SHARE_KEY_FILE = "share_key"


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: object
    help: str
    group: str = "server"
    choices: tuple[str, ...] = ()  # the only values allowed, when given


SETTINGS: tuple[Setting, ...] = (
    Setting("config", str, "", "Path to a config file (Python syntax: name = value lines)"),
    Setting("address", str, "127.0.0.1", "Interface to listen on (0.0.0.0 for all)"),
    Setting("port", int, 8000, "TCP port to listen on"),
    Setting("data_dir", str, "./data", "Folder for the embedded database and the cookie secret"),
    Setting("debug", bool, False, "Tracebacks in error pages and template reloading; never "
            "in production"),
    Setting("public_url", str, "", "Absolute base URL for links, e.g. https://img.example.org "
            "(default: taken from each request)"),
    Setting("workers", int, 1, "Server processes sharing the port (each with its own "
            "database pool); 0 or 1 for one"),
    Setting("log_format", str, "text", "Log lines as plain text, or as one JSON object each "
            "for log shippers: text or json", choices=("text", "json")),
    Setting("xheaders", bool, False, "Trust X-Real-Ip, X-Forwarded-For and -Proto from a "
            "reverse proxy (which must set them itself, overwriting the client's)"),
    Setting("cookie_secret", str, "", "Secret that signs cookies; shared by every worker and "
            "host. Default: generated once and kept in <data_dir>/cookie_secret", "security"),
    Setting("share_key", str, "", "Secret from which share-link tokens are derived, so their "
            "owner can copy a link again; never the cookie secret, shared by every worker and "
            "host. Default: generated once and kept in <data_dir>/share_key", "security"),
    Setting("share_keys_old", str, "", "Earlier share keys, comma-separated, after a change "
            "of share_key: links made under them can still be shown", "security"),
    Setting("metrics_allow_loopback", bool, True, "Answer /metrics to any request from a "
            "loopback address (127.0.0.0/8, ::1) without credentials (turn off behind a "
            "same-host proxy)",
            "security"),
    Setting("bcrypt_rounds", int, 12, "bcrypt cost factor for new password hashes", "security"),
    Setting("session_days", int, 30, "Days a sign-in session lasts at most", "security"),
    Setting("session_idle_days", int, 14, "Days without a request after which a session "
            "ends", "security"),
    Setting("registration", str, "open", "Who may create an account: open (anyone), invite "
            "(with an admin's invitation link) or closed. Default only: an admin's choice on "
            "/admin wins", "security", choices=("open", "invite", "closed")),
    Setting("registrations_per_hour", int, 20, "Registration attempts one address may make "
            "in an hour (IPv6: one /64)", "security"),
    Setting("admins_require_2fa", bool, False, "Admins must sign in with a second factor: "
            "one without is sent to set it up and cannot open /admin until then", "security"),
    Setting("audit_days", int, 365, "Days the audit log keeps each entry (security events "
            "and admin actions)", "security"),
    Setting("bcrypt_queue", int, 32, "Password checks that may wait for a free core; past "
            "that, sign-ins and registrations answer 503 at once", "security"),
    Setting("mongodb_uri", str, "", "MongoDB URI; empty starts the embedded SecantusDB "
            "under <data_dir>/db", "database"),
    Setting("database", str, "pixvault", "Database name", "database"),
    Setting("db_timeout_ms", int, 2000, "How long to wait for the database before "
            "answering 503", "database"),
    Setting("max_upload_mb", int, 50, "Largest accepted image file, in MiB", "images"),
    Setting("max_image_mpx", int, 100, "Largest accepted image, in megapixels per frame", "images"),
    Setting("max_frames", int, 1000, "Most frames accepted in an animation", "images"),
    Setting("max_decode_mb", int, 512, "Most memory decoding one image may take, in MiB, "
            "estimated from its header (larger ones are refused with 413)", "images"),
    Setting("decode_memory_mb", int, 0, "Memory the image decodes of one process may "
            "take at once, in MiB; further decodes wait their turn. 0: 128 MiB per core, at "
            "most a quarter of the memory available at start", "images"),
    Setting("default_quota_mb", int, 0, "Storage each user may fill, in MiB, originals and "
            "variants counted; 0 for unlimited. A user's own quota_bytes overrides it",
            "images"),
    Setting("url_uploads", bool, True, "Allow uploading by URL (fetched server-side)", "images"),
    Setting("trash_days", int, 30, "Days a deleted image or album stays in its owner's "
            "trash, restorable, before it is purged; 0 deletes at once", "images"),
    Setting("rendition_cache_mb", int, 1024, "Storage for rendered renditions (signed /r/ "
            "URLs) in GridFS, in MiB; the least recently used go first", "images"),
    Setting("rendition_image_mb", int, 32, "Storage for the renditions of one image, in "
            "MiB; the least recently used go first", "images"),
    Setting("renditions_per_hour", int, 200, "New renditions (not cached ones) one image, "
            "and one client address, may have made in an hour; then 429", "images"),
    Setting("cache_mb", int, 64, "Memory for keeping small, hot variants (thumbnails) per "
            "process, in MiB; 0 turns the cache off", "images"),
    Setting("hot_cache_mb", int, 64, "Memory for whole public answers served with no "
            "database round trip, per process, in MiB; 0 turns the hot path off", "images"),
    Setting("hot_cache_entries", int, 10000, "Most public answers the hot path keeps per "
            "process", "images"),
    Setting("resumable_hours", int, 24, "Hours an unfinished resumable upload (tus, "
            "/api/v1/uploads) waits for its next bytes before it is deleted", "images"),
    Setting("resumable_mb", int, 8, "The web uploader sends files of at least this many "
            "MiB resumably (tus), in pieces of this size", "images"),
)


# Every option's default, by name.
DEFAULTS = {setting.name: setting.default for setting in SETTINGS}


def build_parser() -> OptionParser:
    """A fresh tornado OptionParser holding every setting at its default."""
    parser = OptionParser()
    for setting in SETTINGS:
        parser.define(setting.name, default=setting.default, type=setting.type,
                      help=setting.help, group=setting.group)
    return parser


def load(cli_values: Mapping[str, str] | None = None,
         environ: Mapping[str, str] | None = None) -> OptionParser:
    """Resolve every setting from defaults, config file, environment and command line.

    `cli_values` maps setting names to the raw strings given on the command line; only the
    options actually given should be present, so that lower layers are not overridden.
    """
    environ = os.environ if environ is None else environ
    cli_values = dict(cli_values or {})
    parser = build_parser()
    env_values = {s.name: environ[ENV_PREFIX + s.name.upper()] for s in SETTINGS
                  if ENV_PREFIX + s.name.upper() in environ}
    config_file = cli_values.get("config") or env_values.get("config")
    if config_file:
        parser.parse_config_file(config_file, final=False)
    for layer in (env_values, cli_values):
        # tornado parses "--name=value" with each option's type; reuse it for every layer.
        args = [f"--{name}={value}" for name, value in layer.items()]
        parser.parse_command_line(["pixvault", *args], final=False)
    for setting in SETTINGS:
        if setting.choices and parser[setting.name] not in setting.choices:
            raise ValueError(f"{setting.name} must be one of {', '.join(setting.choices)}, "
                             f"not {parser[setting.name]!r}")
    return parser


def cookie_secret(options: OptionParser) -> str:
    """The configured secret, or one generated on first use and kept in the data dir (0600)."""
    return _kept_secret(options.cookie_secret, Path(options.data_dir) / SECRET_FILE)


def share_key(options: OptionParser) -> str:
    """The configured share key, or one generated on first use and kept in the data dir
    (0600), apart from the cookie secret: either can leak or change without the other."""
    return _kept_secret(options.share_key, Path(options.data_dir) / SHARE_KEY_FILE)


def _kept_secret(configured: str, path: Path) -> str:
    if configured:
        return configured
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once must not each write a different secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
