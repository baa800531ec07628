"""Images: storage (GridFS + image documents), processing, access rules, sharing, albums."""

from app.images import pages

ROUTES = [*pages.ROUTES]
