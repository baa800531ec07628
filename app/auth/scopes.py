"""API token scopes, in one place: what each scope grants, and the declaration each handler
method taking tokens makes of the scopes that may call it.

- `upload`: add images (a file, raw bytes or a URL) and read the account summary (`GET /me`)
  and nothing else: what the ShareX config carries, so a leaked one cannot read or delete.
- `read`: every read (`GET`, image bytes included) and no change.
- `full`: anything the account may do, creating tokens included; a browser session is full.
"""

SCOPES = ("upload", "read", "full")
UNDECLARED = ("full",)  # a method nobody declared is open to full tokens only


def grants(scope: str, needed: tuple[str, ...]) -> bool:
    """True if a token of `scope` may call an operation open to the scopes `needed`."""
    return scope == "full" or scope in needed


def needs(*scopes: str):
    """Declare the token scopes that may call the decorated handler method (`full` always
    may). The handlers' base enforces it; the OpenAPI document shows it."""
    def declare(method):
        method.scopes = scopes
        return method
    return declare


def scopes_of(handler_class: type, method: str) -> tuple[str, ...]:
    """The scopes declared on `handler_class`'s method for HTTP `method` (HEAD is GET's)."""
    name = "get" if method.upper() == "HEAD" else method.lower()
    return getattr(getattr(handler_class, name, None), "scopes", UNDECLARED)


def accepted(needed: tuple[str, ...]) -> tuple[str, ...]:
    """Every scope that may call an operation open to `needed`, `full` last."""
    return tuple(dict.fromkeys((*needed, "full")))
