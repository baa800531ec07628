"""Static files (CSS, JavaScript modules, icons) under a release path:
`/static/<release>/<path>`, where the release is a digest of every file under static/.

Tornado's own scheme versions each file with `?v=<hash>`, but the scripts are ES modules that
import each other by relative URL (`import "./copy.js"`), which carries no query string, so
an imported module would escape the versioning and could come from an older release than the
module importing it. A release path keeps every relative import inside the same release,
needs no build step and no rewriting, and makes every URL under it safe to cache for a year
as immutable. Any change to any static file changes every static URL, which for a few dozen
kilobytes of assets is a fair price for that simplicity.

A URL naming another release (during a rolling update, a page from one host asking another)
still gets today's file, but not cached for long, so no cache keeps it under the wrong name.
"""

import hashlib
import re
from pathlib import Path

import tornado.web

IMMUTABLE = "public, max-age=31536000, immutable"
_RELEASE = re.compile(r"[0-9a-f]{12}")


def release_of(root: str) -> str:
    """The release id of the static files under `root`: 12 hex digits of a sha256 over every
    file's path and bytes, the same on every host and worker serving the same files."""
    digest = hashlib.sha256()
    base = Path(root)
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest.update(f"{path.relative_to(base).as_posix()}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()[:12]


class ReleaseStaticFileHandler(tornado.web.StaticFileHandler):
    """Serves `/static/<release>/<path>`; `static_url()` in templates writes those URLs."""

    requested_release: str | None = None

    @classmethod
    def make_static_url(cls, settings: dict, path: str, include_version: bool = True) -> str:
        prefix = settings.get("static_url_prefix", "/static/")
        return f"{prefix}{settings['static_release']}/{path}" if include_version \
            else prefix + path

    def parse_url_path(self, url_path: str) -> str:
        release, _, rest = url_path.partition("/")
        if rest and _RELEASE.fullmatch(release):
            self.requested_release = release
            url_path = rest
        return super().parse_url_path(url_path)

    def get_cache_time(self, path: str, modified, mime_type: str) -> int:
        return 0  # Cache-Control is decided in set_extra_headers

    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        current = self.requested_release == self.settings["static_release"]
        # In debug mode files change under a running server: always revalidate there.
        if current and not self.settings.get("debug"):
            self.set_header("Cache-Control", IMMUTABLE)
        else:
            self.set_header("Cache-Control", "no-cache")
