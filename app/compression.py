"""Compressed answers: Tornado's gzip for HTML, CSS, JavaScript, JSON and SVG, except where
compression would leak a secret.

A compressed answer that shows a secret next to text an attacker can choose (a form value
echoed back, a search term) gives the secret away through its length, one guessed character
at a time (BREACH). So answers that show secrets are sent as they are; they are the ones
marked `Cache-Control: no-store` (see `BaseHandler.shows_secrets`), which they must be anyway
so that no cache keeps the secret. Partial content (206) is not compressed either: its byte
range counts bytes of the uncompressed file.
"""

from tornado.httputil import HTTPHeaders
from tornado.web import GZipContentEncoding


class GzipUnlessNoStore(GZipContentEncoding):
    """Tornado's `compress_response` transform, skipping no-store and 206 answers.

    Answers it never compresses (those, and types such as images) are left exactly as they
    are, without the `Vary: Accept-Encoding` Tornado would add: a cache in front of the site
    would otherwise keep one copy of an image per Accept-Encoding its visitors send.
    """

    def transform_first_chunk(self, status_code: int, headers: HTTPHeaders, chunk: bytes,
                              finishing: bool) -> tuple[int, HTTPHeaders, bytes]:
        content_type = headers.get("Content-Type", "").split(";")[0]
        if (status_code == 206 or "no-store" in headers.get("Cache-Control", "")
                or not self._compressible_type(content_type)):
            self._gzipping = False
            return status_code, headers, chunk
        return super().transform_first_chunk(status_code, headers, chunk, finishing)
