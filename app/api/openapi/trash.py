"""The OpenAPI paths of your trash: listing, restoring, deleting forever."""

from app.api.openapi.parts import ALBUM_ID, IMAGE_ID, NO_CONTENT, answer, op


def _trash_paths(param: dict, kind: str, what: str, name: str) -> dict:
    """The path items restoring and deleting forever one image or album of the trash."""
    path = f"/trash/{kind}/{{{param['name']}}}"
    return {
        path: {"parameters": [param],
               "delete": op(f"Delete {what} in my trash forever", f"purgeTrash{name}",
                            "trash", NO_CONTENT, errors="404")},
        f"{path}/restore": {"parameters": [param],
                            "post": op(f"Restore {what} from my trash",
                                       f"restoreTrash{name}", "trash", NO_CONTENT,
                                       errors="404")},
    }


PATHS = {
    "/trash": {
        "get": op("List my trash", "listTrash", "trash",
                  {"200": answer("Newest deleted first, images and albums together.",
                                 "TrashList")}, errors="400", params=("limit", "cursor")),
        "delete": op("Empty my trash", "emptyTrash", "trash", NO_CONTENT,
                     description="Deletes everything in it forever."),
    },
    **_trash_paths(IMAGE_ID, "images", "an image", "Image"),
    **_trash_paths(ALBUM_ID, "albums", "an album", "Album"),
}
