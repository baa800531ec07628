"""Domain errors raised by stores and services; `app.web.BaseHandler` maps them to HTTP.

Stores never import Tornado's HTTPError: they say what went wrong in domain terms and the web
layer decides the status, so the same store serves HTML pages, the JSON API and the CLI.
"""

import math

NOT_FOUND_MESSAGE = "Nothing here: it does not exist or is not shared with you."


class DomainError(Exception):
    """Base class: `status` is the HTTP status, `code` the stable JSON error code."""

    status = 400
    code = "invalid"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Invalid(DomainError):
    """The request is well-formed but its content is not acceptable (400)."""


class Unauthorized(DomainError):
    """No valid credentials were presented (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    """The requester is known but may not do this (403). Never used to hide existence."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """Missing, or not visible to the requester: both look the same from outside (404)."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = NOT_FOUND_MESSAGE):
        super().__init__(message)


class Conflict(DomainError):
    """The change clashes with existing state, e.g. a taken username (409)."""

    status = 409
    code = "conflict"


class TooLarge(DomainError):
    """The upload or body exceeds a configured limit (413)."""

    status = 413
    code = "too_large"


class Unsupported(DomainError):
    """The media type is not one Pixvault accepts (415)."""

    status = 415
    code = "unsupported_media_type"


class RetryLater(DomainError):
    """Refused for now: the answer carries `Retry-After: retry_after` (seconds)."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        # Rounded up: a client that waits exactly this long is never turned away again.
        self.retry_after = max(1, math.ceil(retry_after))


class RateLimited(RetryLater):
    """Too many attempts from this client or for this account (429). `first` is True for
    the attempt that went over the limit, so a flood is recorded once, not per attempt."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float, first: bool = False):
        super().__init__(message, retry_after)
        self.first = first


class Busy(RetryLater):
    """The server has too much of this work waiting already (503); the request was fine."""

    status = 503
    code = "unavailable"
