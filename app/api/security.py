"""The OpenAPI document's security: its schemes (an API token, the browser session) and each
operation's requirements, from the token scopes the handler method serving it declares
(`app.auth.scopes.needs`), so the document cannot drift from what the server enforces."""

import copy
import re

from app.auth.scopes import accepted, scopes_of

DEFAULT_SECURITY = [{"bearer": []}, {"session": []}]
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description":
               "An API token from the account page, `manage.py createtoken` or `POST /tokens`. "
               "Its scope limits what it may do: `upload` uploads images and reads `GET /me` "
               "(the ShareX token), `read` makes every `GET`, `full` does anything; each "
               "operation's security lists the scopes it accepts."},
    "session": {"type": "apiKey", "in": "cookie", "name": "session", "description":
                "The site's sign-in cookie; writes also need the `X-XSRFToken` header (the "
                "`_xsrf` cookie's value)."},
}


def _route_pattern(path: str) -> str:
    """The route pattern (as in `app.api.handlers.ROUTES`) serving the documented `path`."""
    return "/api/v1" + re.sub(r"\{\w+\}", "([^/]+)", path).replace(".", "\\.")


def with_scopes(paths: dict, operations: tuple) -> dict:
    """`paths` with each operation's security requirements: a token of one of the scopes its
    handler method declares, or a browser session; its description says so too."""
    handlers = {pattern: handler for pattern, handler, *_ in operations}
    paths = copy.deepcopy(paths)
    for path, item in paths.items():
        handler = handlers.get(_route_pattern(path))
        for method, operation in item.items():
            if handler is None or method == "parameters" or operation.get("security") == []:
                continue  # this document, tus's OPTIONS: open to all
            names = accepted(scopes_of(handler, method))
            operation["security"] = [*({"bearer": [name]} for name in names), {"session": []}]
            listed = " or ".join(f"`{name}`" for name in names)
            sentence = f"Token scope: {listed} (403 with another)."
            operation["description"] = "\n\n".join(
                filter(None, (operation.get("description"), sentence)))
    return paths
