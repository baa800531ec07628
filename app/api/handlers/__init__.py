"""The JSON API's handlers, its OpenAPI document and its guide, and their routes."""

from app.api.handlers import (
    account,
    albums,
    drops,
    guide,
    images,
    renditions,
    shares,
    trash,
    uploads,
)

# The operations: their OpenAPI document shows the token scopes their methods declare.
OPERATIONS = [
    *account.ROUTES,
    *images.ROUTES,
    *renditions.ROUTES,
    *albums.ROUTES,
    *shares.ROUTES,
    *trash.ROUTES,
    *uploads.ROUTES,
    *drops.ROUTES,
]
ROUTES = [*OPERATIONS, *guide.routes(OPERATIONS)]
