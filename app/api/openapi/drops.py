"""The OpenAPI paths of drop links, guests' uploads into an album, and the inbox where
they wait."""

from app.api.openapi.parts import ALBUM_ID, NO_CONTENT, answer, id_param, op

_DROP_ID = id_param("drop_id", "The drop link's id.", "^[0-9a-f]{64}$")
_DROP_NOTE = ("Anyone with the link's `url` uploads into the album without an account (the "
              "page `/d/<token>`) within its limits; what they send waits, private, in your "
              "inbox. Absent limits: a week, 50 files, 500 MB, the server's file size limit.")

PATHS = {
    "/drops": {
        "get": op("List my drop links", "listDrops", "drops",
                  {"200": answer("Newest first, revoked ones included.", "DropList")},
                  errors="400", params=("album_id",)),
    },
    "/drops/{drop_id}": {
        "parameters": [_DROP_ID],
        "get": op("Get a drop link", "getDrop", "drops", {"200": answer("The link.", "Drop")},
                  errors="404"),
        "delete": op("Revoke a drop link", "revokeDrop", "drops", NO_CONTENT,
                     errors="404", description="What guests sent stays in the inbox."),
    },
    "/albums/{album_id}/drops": {
        "parameters": [ALBUM_ID],
        "post": op("Make a drop link into an album", "createDrop", "drops",
                   {"201": answer("The link.", "Drop", ("getDrop", "revokeDrop"), "drop_id")},
                   errors="400 404 415", body="DropCreate", description=_DROP_NOTE),
    },
    "/inbox": {
        "get": op("List my inbox", "listInbox", "drops",
                  {"200": answer("Guests' uploads waiting, newest first.", "InboxList")},
                  errors="400", params=("limit", "cursor")),
    },
    "/inbox/approve": {
        "post": op("Approve images of my inbox", "approveInbox", "drops",
                   {"200": answer("How many were approved.", "InboxCount")},
                   errors="400 415", body="InboxSelection",
                   description="Each joins the album of the link it came through, with your "
                               "default visibility. Bytes you already had: your image "
                               "joins the album and the guest's copy is deleted."),
    },
    "/inbox/reject": {
        "post": op("Reject images of my inbox", "rejectInbox", "drops",
                   {"200": answer("How many were deleted.", "InboxCount")},
                   errors="400 415", body="InboxSelection",
                   description="Deleted for good at once with all their files (no trash)."),
    },
}
