"""The OpenAPI paths of your account: who you are, your API tokens."""

from app.api.openapi.parts import NO_CONTENT, answer, id_param, op

PATHS = {
    "/me": {"get": op("Who am I", "getMe", "account", {"200": answer("You.", "Me")})},
    "/tokens": {
        "get": op("List my API tokens", "listTokens", "account",
                  {"200": answer("Newest first.", "TokenList")}),
        "post": op("Create an API token", "createToken", "account",
                   {"201": answer("The token; its secret is shown this once.", "TokenCreated",
                                  ("revokeToken",), "token_id")},
                   errors="400 403 415", body="TokenCreate",
                   description="A token made with a token never expires later than it, "
                               "and revoking a token also revokes the tokens made with it."),
    },
    "/tokens/{token_id}": {
        "parameters": [id_param("token_id", "The token's id (sha256 of its secret).",
                                "^[0-9a-f]{64}$")],
        "delete": op("Revoke an API token", "revokeToken", "account", NO_CONTENT,
                     errors="404"),
    },
}
