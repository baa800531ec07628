"""The JSON API v1 (`/api/v1`), its OpenAPI document and its human-readable guide (`/api`)."""

from app.api import account, albums, docs, images, openapi, shares

ROUTES = [
    *account.ROUTES,
    *images.ROUTES,
    *albums.ROUTES,
    *shares.ROUTES,
    *openapi.ROUTES,
    *docs.ROUTES,
]
