"""The OpenAPI paths of your albums and the images in them."""

from app.api.openapi.parts import ALBUM_ID, IMAGE_ID, NO_CONTENT, TRASH_NOTE, answer, op, share_path

_ALBUM_LINKS = ("getAlbum", "updateAlbum", "deleteAlbum", "listAlbumImages", "shareAlbum")

PATHS = {
    "/albums": {
        "get": op("List my albums", "listAlbums", "albums",
                  {"200": answer("Newest first.", "AlbumList")}, errors="400",
                  params=("limit", "cursor")),
        "post": op("Create an album", "createAlbum", "albums",
                   {"201": answer("The album.", "Album", _ALBUM_LINKS, "album_id")},
                   errors="400 415",
                   body="AlbumCreate"),
    },
    "/albums/{album_id}": {
        "parameters": [ALBUM_ID],
        "get": op("Get an album", "getAlbum", "albums", {"200": answer("The album.", "Album")},
                  errors="404"),
        "patch": op("Edit an album", "updateAlbum", "albums",
                    {"200": answer("The edited album.", "Album")},
                    errors="400 403 404 415", body="AlbumChanges"),
        "delete": op("Delete an album (its images stay)", "deleteAlbum", "albums",
                     NO_CONTENT, errors="403 404", description=TRASH_NOTE),
    },
    "/albums/{album_id}/images": {
        "parameters": [ALBUM_ID],
        "get": op("List an album's images", "listAlbumImages", "albums",
                  {"200": answer("Newest first. Others see the public images of a public "
                                 "album, the unlisted and public ones of an unlisted album.",
                                 "ImageList")},
                  errors="400 404", params=("limit", "cursor")),
    },
    "/albums/{album_id}/images/{image_id}": {
        "parameters": [ALBUM_ID, IMAGE_ID],
        "put": op("Put an image in an album", "addAlbumImage", "albums", NO_CONTENT,
                  errors="400 403 404"),
        "delete": op("Take an image out of an album", "removeAlbumImage", "albums",
                     NO_CONTENT, errors="403 404"),
    },
    "/albums/{album_id}/shares": share_path(ALBUM_ID, "an album", "shareAlbum"),
}
