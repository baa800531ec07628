"""Images: storage (GridFS + image documents), processing, access rules, sharing, albums."""

from app.images import album_pages, pages, serve, share_pages, upload

ROUTES = [
    *pages.ROUTES,
    *serve.ROUTES,
    *album_pages.ROUTES,
    *share_pages.ROUTES,
    (r"/upload", upload.UploadHandler),
]
