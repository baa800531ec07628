"""`/api/v1/me` and `/api/v1/tokens`: who I am, and my API tokens."""

from app.api.handlers.base import ApiHandler
from app.auth import tokens
from app.auth.scopes import needs
from app.images import fields
from app.images.quota import quota_of


def token_json(token: dict) -> dict:
    """The JSON form of a token: its id (the secret's sha256), never the secret."""
    return {"id": token["_id"], "name": token["name"], "scope": token["scope"],
            "created": token["created"], "expires": token["expires"],
            "last_used": token["last_used"]}


class ApiMeHandler(ApiHandler):
    @needs("read", "upload")
    async def get(self) -> None:
        user = self.current_user
        self.write_json({
            "id": user["_id"], "username": user["username"], "role": user["role"],
            "created": user["created"],
            "default_visibility": fields.default_visibility(user),
            "used_bytes": user.get("used_bytes", 0), "quota_bytes": quota_of(user, self.settings),
        })


class ApiTokensHandler(ApiHandler):
    """`GET` my tokens (newest first); `POST` a new one, from a browser session or a `full`
    token (then one that never outlives it, see `tokens.create_token`)."""

    @needs("read")
    async def get(self) -> None:
        items = await tokens.list_tokens(self.db, self.current_user["_id"], self.now())
        self.write_json({"items": [token_json(token) for token in items]})

    @needs("full")
    async def post(self) -> None:
        body = self.json_body("TokenCreate")
        token, secret = await tokens.create_token(
            self.db, self.current_user["_id"], body["name"], scope=body.get("scope", "full"),
            expires_in_days=body.get("expires_in_days"), parent=self.bearer, now=self.now(),
            address=self.request.remote_ip)
        self.keep_secret()
        self.write_json({**token_json(token), "token": secret}, 201)


class ApiTokenHandler(ApiHandler):
    """`DELETE /api/v1/tokens/{id}`: revoke one of my tokens (204), this one included."""

    @needs("full")
    async def delete(self, token_id: str) -> None:
        await tokens.revoke_token(self.db, self.current_user["_id"], token_id, now=self.now(),
                                  address=self.request.remote_ip)
        self.no_content()


ROUTES = [
    (r"/api/v1/me", ApiMeHandler),
    (r"/api/v1/tokens", ApiTokensHandler),
    (r"/api/v1/tokens/([^/]+)", ApiTokenHandler),
]
