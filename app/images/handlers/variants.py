"""Sending image bytes from GridFS: chunked streaming with validators, ranges and caching.

Every byte URL (`/i/<id>/<variant>` and share links) goes through `VariantSender.send_variant`
after the access check, so caching, negotiation and privacy headers are decided once.

A `public` answer may be stored by a shared cache (a CDN, an nginx cache) and replayed to
anyone, so every header and byte of it is the same whoever asks: the file name it offers is
the one everybody sees. The owner's own name for the file rides only on private answers
(the `original`, which only the owner may fetch, and private images). Private answers are
`no-cache` with validators: a browser keeps them but asks again each time, so signing out or
losing access takes effect at once while an unchanged file still costs only a 304.
"""

import contextlib
import email.utils
import re
import urllib.parse
from pathlib import PurePath

from tornado.iostream import StreamClosedError

from app.auth.scopes import needs
from app.errors import NotFound
from app.images import access, lookups, store
from app.images.handlers.hot import OffersHotAnswers
from app.images.urls import EXTENSIONS, VARIANT_SUFFIX, display_title
from app.web import IMAGE_CONTENT_SECURITY_POLICY, BaseHandler

PUBLIC_CACHE = "public, max-age=31536000, immutable"
_RANGE_RE = re.compile(r"bytes=([0-9]*)-([0-9]*)")
_PAST_ANY_FILE = 10**18


# What serves a size whose derivative was not kept because it came out larger than this.
_STANDS_IN = {"thumb": "thumb2x", "thumb2x": "large", "large": "full"}


def choose_file(image: dict, variant: str, accept: str) -> dict:
    """The stored file serving `variant`: AVIF when the client takes it and we made one;
    for a size not kept (`derivatives.without_larger`), the next larger one."""
    files = image["files"]
    while variant in _STANDS_IN:
        if "image/avif" in accept and f"{variant}_avif" in files:
            return files[f"{variant}_avif"]
        if f"{variant}_webp" in files:
            return files[f"{variant}_webp"]
        variant = _STANDS_IN[variant]
    if variant not in files:
        raise NotFound()
    return files[variant]


def parse_range(header: str, length: int) -> tuple[int, int] | None | bool:
    """(first, last) byte of a single `Range`, None to send it all, False if unsatisfiable.

    Multiple ranges are answered with the whole file, which RFC 9110 allows.
    """
    match = _RANGE_RE.fullmatch(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":  # suffix: the last N bytes
        count = _position(last)
        return (max(0, length - count), length - 1) if count and length else False
    first = _position(first)
    last = min(_position(last), length - 1) if last else length - 1
    if first >= length or first > last:
        return False
    return first, last


def _position(digits: str) -> int:
    # int() refuses numbers of 4300+ digits; any number that long is past the end anyway.
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) < 19 else _PAST_ANY_FILE


def content_disposition(entry: dict, name: str, download: bool) -> str:
    """RFC 6266: an ASCII fallback name and the UTF-8 name, never a path."""
    name = f"{PurePath(name).stem or 'image'}.{EXTENSIONS.get(entry['type'], 'bin')}"
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    kind = "attachment" if download else "inline"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name)}"


class VariantSender(BaseHandler):
    """Streams one variant with ETag, Last-Modified, Range and HEAD support."""

    async def send_variant(
        self,
        image: dict,
        variant: str,
        *,
        include_body: bool,
        viewer: dict | None,
        public: bool,
    ) -> None:
        """Send `variant` of `image` (access already checked). A `public` answer is cached
        for a year by anyone and names the file as everybody sees it; otherwise it is
        private and offers the name `viewer` may see."""
        entry = choose_file(image, variant, self.request.headers.get("Accept", ""))
        self.set_header("Content-Security-Policy", IMAGE_CONTENT_SECURITY_POLICY)
        etag = f'"{entry["sha256"][:32]}"'
        modified = image["created"].replace(microsecond=0)
        negotiated = variant not in ("original", "full")  # AVIF or WebP by Accept
        if public:
            self.mark_public(PUBLIC_CACHE, vary="Accept" if negotiated else None)
            viewer = None
        elif negotiated:
            self.set_header("Vary", f"{self.viewer_headers}, Accept")
        self.set_header("ETag", etag)
        self.set_header("Last-Modified", modified)
        self.set_header("Accept-Ranges", "bytes")
        if self._not_modified(etag, modified):
            self.set_status(304)
            return
        self.set_header("Content-Type", entry["type"])
        self.set_header(
            "Content-Disposition",
            content_disposition(
                entry,
                display_title(image, viewer) or image["_id"],
                download=self.get_query_argument("download", "") == "1",
            ),
        )
        length = entry["bytes"]
        byte_range = None
        if "Range" in self.request.headers and self.request.headers.get("If-Range", etag) == etag:
            byte_range = parse_range(self.request.headers["Range"], length)
        if byte_range is False:
            self.set_status(416)
            self.set_header("Content-Range", f"bytes */{length}")
            self.clear_header("Content-Disposition")
            return
        first, last = byte_range or (0, length - 1)
        if byte_range:
            self.set_status(206)
            self.set_header("Content-Range", f"bytes {first}-{last}/{length}")
        self.set_header("Content-Length", last - first + 1 if length else 0)
        if not (include_body and length):
            return
        cache = self.application.variant_cache
        if cache.accepts(length):
            data = cache.get(entry["id"])
            self.application.metrics.cache.labels("miss" if data is None else "hit").inc()
            if data is None:
                data = await store.read_file(self.application.bucket, entry)
                cache.put(entry["id"], data)
            self.write(data[first:last + 1])
            return
        await self._stream(entry, first, last)

    def _not_modified(self, etag: str, modified) -> bool:
        if_none_match = self.request.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return etag in tags or "*" in tags
        since = self.request.headers.get("If-Modified-Since")
        if since:
            try:
                return modified <= email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError, OverflowError):  # e.g. a year of 20 digits
                return False
        return False

    async def _stream(self, entry: dict, first: int, last: int) -> None:
        async with contextlib.aclosing(
                store.stream_file(self.application.bucket, entry, first, last)) as chunks:
            try:
                async for chunk in chunks:
                    self.write(chunk)
                    await self.flush()
            except StreamClosedError:
                pass  # the client went away (a cancelled download, a closed tab)


class ImageBytesHandler(OffersHotAnswers, VariantSender):
    """`/i/<id>/<variant>`: the bytes of an image the requester may see. Scripts holding an
    API token may fetch what its owner may (the `original` URL the API hands out, say).
    A public answer is kept for the hot path (`hot`)."""

    accepts_bearer = True

    @needs("read")
    async def get(self, image_id: str, variant: str, include_body: bool = True) -> None:
        image = await lookups.visible_image(self.db, image_id, self.current_user)
        if variant == "original" and not access.can_view_original(image, self.current_user):
            raise NotFound()
        public = access.same_for_everyone(image, variant)
        if public:
            self.offer_hot(image, choose_file(image, variant,
                                              self.request.headers.get("Accept", "")))
        await self.send_variant(image, variant, include_body=include_body,
                                viewer=self.current_user, public=public)

    async def head(self, image_id: str, variant: str) -> None:
        await self.get(image_id, variant, include_body=False)


ROUTES = [(rf"/i/([^/]+)/{VARIANT_SUFFIX}", ImageBytesHandler)]
