"""The JSON API's handlers, its OpenAPI document and its guide, and their routes."""

from app.api.handlers import account, albums, guide, images, shares, trash

ROUTES = [
    *account.ROUTES,
    *images.ROUTES,
    *albums.ROUTES,
    *shares.ROUTES,
    *trash.ROUTES,
    *guide.ROUTES,
]
