"""`PartGuard`: bounds the work a multipart body can make the form parser do, checked on
each chunk before the parser sees it.

streaming-form-data runs every line of a part's header through the standard library's
email parser on the event loop: about 0.3-0.9 ms for a Content-Disposition or Content-Type
line, and far more for crafted values (parameters, blanks and encoded words grow the cost
quadratically; nested comments recurse until Python gives up). So the guard finds part
boundaries with `bytes.find` (C speed), counts every part as it starts (empty and nameless
ones too), refuses the body at part `max_parts + 1`, and lets through only part headers of
the shape forms send: at most four lines of at most 1 KiB; `Content-Disposition: form-data`
with at most three parameters and 32 blanks or encoded words; `Content-Type: type/subtype`
with at most one plain parameter. A part's header then costs at most ~2 ms of CPU (0.7 ms
for a usual one), a whole request at most ~0.1 s, however the body is cut into chunks.
"""

import re

from app.errors import Invalid

MAX_HEADER_LINES = 4  # Content-Disposition, Content-Type and two more per part
MAX_HEADER_LINE = 1024  # bytes; room for a 255-character file name in any script
MAX_WORDS = 32  # blanks and encoded words ("=?") in a parsed header: each costs a token

_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = rb'"(?:[^"\\\r\n]|\\[^\r\n])*"'


def _params(most: int, value: bytes) -> bytes:
    param = rb"[ \t]*;[ \t]*" + _TOKEN + rb"[ \t]*=[ \t]*" + value
    return rb"(?:" + param + rb"){0,%d}[ \t]*;?[ \t]*" % most


# The two headers the parser interprets, in shapes it parses quickly.
_STRUCTURED = {
    b"content-disposition": re.compile(
        rb"[ \t]*form-data" + _params(3, rb"(?:" + _TOKEN + rb"|" + _QUOTED + rb")"),
        re.IGNORECASE),
    b"content-type": re.compile(rb"[ \t]*" + _TOKEN + rb"/" + _TOKEN + _params(1, _TOKEN)),
}
_NAME = re.compile(_TOKEN)
_MALFORMED = "Malformed multipart body: a part's header is not one a form sends."


class PartGuard:
    """Watches one multipart body; `check(chunk)` raises `Invalid` before the parser is fed
    a chunk that starts part number `max_parts + 1` or carries an unusual part header."""

    def __init__(self, boundary: bytes, max_parts: int):
        self._delimiter = b"\r\n--" + boundary
        self._max_parts = max_parts
        self.parts = 0
        # Bytes not settled yet: the first delimiter has no CRLF before it, so start with one.
        self._pending = b"\r\n"
        self._in_header = False  # between a part's delimiter and the blank line ending its header
        self._closed = False  # after the closing delimiter: the rest is ignored

    def check(self, chunk: bytes) -> None:
        """Scan `chunk` (the next bytes of the body); `Invalid` if the body is refused."""
        if self._closed:
            return
        data = self._pending + chunk
        pos = 0
        while True:
            if self._in_header:
                pos = self._header(data, pos)
                if pos < 0:
                    return
            start = data.find(self._delimiter, pos)
            after = start + len(self._delimiter)
            if start < 0 or after + 2 > len(data):
                # Keep what could be the start of a delimiter and the two bytes after it.
                keep = start if start >= 0 else max(pos, len(data) - len(self._delimiter) + 1)
                self._pending = data[keep:]
                return
            ending = data[after:after + 2]
            if ending == b"--":
                self._closed = True
                return
            if ending != b"\r\n":  # "--boundary" followed by more: part of a body
                pos = start + 1
                continue
            self.parts += 1
            if self.parts > self._max_parts:
                raise Invalid(f"Too many parts in one form: at most {self._max_parts}.")
            self._in_header = True
            pos = after

    def _header(self, data: bytes, pos: int) -> int:
        """Check the header section starting at `pos` (the CRLF that ends the delimiter's
        line); the position of the part's body, or -1 when the section goes on in the
        next chunk (kept pending)."""
        end = data.find(b"\r\n\r\n", pos)
        section = data[pos:end] if end >= 0 else data[pos:]
        complete = section if end >= 0 else section[:section.rfind(b"\r\n")]
        lines = complete.split(b"\r\n")[1:]  # the first is the delimiter line's empty rest
        if len(lines) > MAX_HEADER_LINES or len(section) > MAX_HEADER_LINES * MAX_HEADER_LINE:
            raise Invalid("Malformed multipart body: a part's header is too long.")
        for line in lines:
            _check_line(line)
        if end < 0:
            self._pending = data[pos:]
            return -1
        self._in_header = False
        return end + 4


def _check_line(line: bytes) -> None:
    name, colon, value = line.partition(b":")
    if len(line) > MAX_HEADER_LINE or not colon or not _NAME.fullmatch(name):
        raise Invalid(_MALFORMED)
    shape = _STRUCTURED.get(name.lower())
    if shape is not None and (
        sum(value.count(mark) for mark in (b" ", b"\t", b"=?")) > MAX_WORDS
        or not shape.fullmatch(value)
    ):
        raise Invalid(_MALFORMED)
