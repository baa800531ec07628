"""The OpenAPI paths of your share links (`parts.share_path` makes them)."""

from app.api.openapi.parts import NO_CONTENT, answer, id_param, op

PATHS = {
    "/shares": {
        "get": op("List my share links", "listShares", "shares",
                  {"200": answer("Newest first, revoked ones included.", "ShareList")},
                  errors="400", params=("target_id", "limit", "cursor")),
    },
    "/shares/{share_id}": {
        "parameters": [id_param("share_id", "The link's id.", "^[0-9a-f]{64}$")],
        "get": op("Get a share link with its view log", "getShare", "shares",
                  {"200": answer("The link and its views.", "ShareDetails")}, errors="404"),
        "patch": op("Set or remove a share link's password", "updateShare", "shares",
                    {"200": answer("The link as it is now.", "ShareDetails")},
                    errors="400 404 415", body="ShareChanges",
                    description="Visitors who typed the old password must type the new "
                                "one; with `null`, the link opens without one."),
        "delete": op("Revoke a share link", "revokeShare", "shares", NO_CONTENT,
                     errors="404"),
    },
}
