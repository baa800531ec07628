"""The JSON API's handlers, its OpenAPI document and its guide, and their routes."""

from app.api.handlers import account, albums, drops, guide, images, shares, trash

# The operations: their OpenAPI document shows the token scopes their methods declare.
OPERATIONS = [
    *account.ROUTES,
    *images.ROUTES,
    *albums.ROUTES,
    *shares.ROUTES,
    *trash.ROUTES,
    *drops.ROUTES,
]
ROUTES = [*OPERATIONS, *guide.routes(OPERATIONS)]
