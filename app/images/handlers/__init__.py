"""The image pages, forms and byte URLs (Tornado handlers) and their routes."""

from app.images.handlers import (
    albums,
    bulk,
    drops,
    gallery,
    inbox,
    share_forms,
    shares,
    tags,
    trash,
    upload,
    variants,
)

ROUTES = [
    *gallery.ROUTES,
    *bulk.ROUTES,
    *variants.ROUTES,
    *albums.ROUTES,
    *shares.ROUTES,
    *share_forms.ROUTES,
    *upload.ROUTES,
    *trash.ROUTES,
    *drops.ROUTES,
    *inbox.ROUTES,
    *tags.ROUTES,
]
