"""Domain errors raised by stores and services; `app.web.BaseHandler` maps them to HTTP.

Stores never import Tornado's HTTPError: they say what went wrong in domain terms and the web
layer decides the status, so the same store serves HTML pages, the JSON API and the CLI.
"""


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


class RateLimited(DomainError):
    """Too many attempts; try again in `retry_after` seconds (429 with `Retry-After`)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int = 60):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))
