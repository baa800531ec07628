"""The OpenAPI 3.1 description of the JSON API, served at `GET /api/v1/openapi.json`.

Schemas come from `app.api.schemas`, the same objects the server validates input with, and
each operation's token scopes from the declaration on the handler method serving it (see
`app.api.security`); a test checks that every route of `app.api.ROUTES` and each of its
methods is described here.
"""

import copy
import functools

from app.api.schemas import PARAMETERS, SCHEMAS, SEARCH_QUERY, UPLOAD_QUERY, ref
from app.api.security import DEFAULT_SECURITY, SECURITY_SCHEMES, with_scopes
from app.images import slots

_ERRORS = {
    "400": "The input is not valid: malformed JSON, wrong types, unknown fields, bad values.",
    "401": "No valid credentials.",
    "403": "Not allowed: the item is someone else's, the feature is turned off, or the "
           "token's scope does not cover the operation (the message names the scope needed).",
    "404": "No such item, or not visible to you (the two look the same).",
    "409": "The change clashes with the current state (edited at the same time): try again.",
    "413": "The body or file is too large.",
    "415": "Wrong Content-Type.",
    "429": "Too many at once; try again after `Retry-After` seconds.",
}
_ERROR_HEADERS = {
    "401": {"WWW-Authenticate": {
        "description": "`Bearer realm=\"pixvault\"`, with `error=\"invalid_token\"` when a "
                       "token was sent.", "schema": {"type": "string"}}},
    "429": {"Retry-After": {"description": "Seconds to wait before trying again.",
                            "schema": {"type": "integer"}}},
}


def _json(description: str, schema: str, links: tuple[str, ...] = (),
          parameter: str = "") -> dict:
    """A JSON response; `links` name the operations whose `parameter` is this answer's id."""
    response = {"description": description,
                "content": {"application/json": {"schema": ref(schema)}}}
    if links:
        response["links"] = {op_id: {"operationId": op_id,
                                     "parameters": {parameter: "$response.body#/id"}}
                             for op_id in links}
    return response


def _op(summary: str, op_id: str, tag: str, ok: dict, *, errors: str = "",
        body: str | None = None, params: tuple[str, ...] = (), description: str = "") -> dict:
    """One operation. `ok` maps success statuses to responses; `errors` lists the 4xx codes
    it can answer besides 401 and 403 (a token whose scope does not cover it, see
    `app.api.security`)."""
    responses = dict(ok)
    codes = [*errors.split(), "401", "403"]
    for code in sorted(set(codes)):
        responses[code] = {"$ref": f"#/components/responses/{code}"}
    responses["default"] = {"$ref": "#/components/responses/default"}
    operation = {"summary": summary, "operationId": op_id, "tags": [tag],
                 "responses": responses}
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = [{"$ref": f"#/components/parameters/{p}"} for p in params]
    if body:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": ref(body)}}}
    return operation


def _id_param(name: str, description: str, pattern: str = "^[A-Za-z0-9_-]{22}$") -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "pattern": pattern}}


_IMAGE_ID = _id_param("image_id", "An image id.")
_ALBUM_ID = _id_param("album_id", "An album id.")
_NO_CONTENT = {"204": {"description": "Done."}}
_DROP_ID = _id_param("drop_id", "The drop link's id.", "^[0-9a-f]{64}$")
_DROP_NOTE = ("Anyone with the link's `url` uploads into the album without an account (the "
              "page `/d/<token>`) within its limits; what they send waits, private, in your "
              "inbox. Absent limits: a week, 50 files, 500 MB, the server's file size limit.")
_IMAGE_LINKS = ("getImage", "updateImage", "deleteImage", "shareImage")
_ALBUM_LINKS = ("getAlbum", "updateAlbum", "deleteAlbum", "listAlbumImages", "shareAlbum")


def _share_path(param: dict, what: str, op_id: str) -> dict:
    """The path item that creates a share link to an image or album."""
    return {"parameters": [param],
            "post": _op(f"Share {what}", op_id, "shares",
                        {"201": _json("The link; its URL is shown this once.", "ShareCreated",
                                      ("getShare", "updateShare", "revokeShare"),
                                      "share_id")},
                        errors="400 403 404 415", body="ShareCreate")}


_TRASH_NOTE = ("Your own goes to your trash (`/trash`) for the server's `trash_days`, "
               "from where you can restore it with its share links; meanwhile it answers "
               "404 everywhere. An admin's deletion of someone else's is for good, and so "
               "is every deletion when the server keeps no trash.")


def _trash_paths(param: dict, kind: str, what: str, name: str) -> dict:
    """The path items restoring and deleting forever one image or album of the trash."""
    path = f"/trash/{kind}/{{{param['name']}}}"
    return {
        path: {"parameters": [param],
               "delete": _op(f"Delete {what} in my trash forever", f"purgeTrash{name}",
                             "trash", _NO_CONTENT, errors="404")},
        f"{path}/restore": {"parameters": [param],
                            "post": _op(f"Restore {what} from my trash",
                                        f"restoreTrash{name}", "trash", _NO_CONTENT,
                                        errors="404")},
    }


_UPLOAD_DESCRIPTION = f"""\
Three ways to send the image:

- `multipart/form-data` with the file in the field `file` (as `curl -F file=@photo.jpg`
  and ShareX send it) and optional fields `title`, `description`, `visibility`, `album`;
- a raw body with `Content-Type: image/...` or `application/octet-stream`, the fields in
  the query string (plus `filename`);
- JSON `{{"url": "https://..."}}`: the server downloads the image (public addresses only,
  same size limit). Answers 403 when the server has uploads by URL turned off.

Visibility defaults to your account's default. Uploading bytes you already have answers
200 with the existing image instead of 201.

413 when the file is over the size limit, when decoding it would take more memory than the
server allows, or when it would not fit your storage quota (`quota_bytes` of `GET /me`,
originals and variants counted). {slots.RUNNING} of your uploads are processed at a time and
{slots.QUEUED} more wait their turn; beyond that, 429 with `Retry-After`."""

PATHS = {
    "/me": {"get": _op("Who am I", "getMe", "account", {"200": _json("You.", "Me")})},
    "/tokens": {
        "get": _op("List my API tokens", "listTokens", "account",
                   {"200": _json("Newest first.", "TokenList")}),
        "post": _op("Create an API token", "createToken", "account",
                    {"201": _json("The token; its secret is shown this once.", "TokenCreated",
                                  ("revokeToken",), "token_id")},
                    errors="400 403 415", body="TokenCreate",
                    description="A token made with a token never expires later than it, "
                                "and revoking a token also revokes the tokens made with it."),
    },
    "/tokens/{token_id}": {
        "parameters": [_id_param("token_id", "The token's id (sha256 of its secret).",
                                 "^[0-9a-f]{64}$")],
        "delete": _op("Revoke an API token", "revokeToken", "account", _NO_CONTENT,
                      errors="404"),
    },
    "/images": {
        "get": _op("List, search and filter my images", "listImages", "images",
                   {"200": _json("Newest first unless `sort` says otherwise.", "ImageList")},
                   errors="400", params=("limit", "cursor", "visibility", "album",
                                         *SEARCH_QUERY)),
        "post": {**_op("Upload an image", "uploadImage", "images",
                       {"201": _json("Stored.", "UploadedImage", _IMAGE_LINKS, "image_id"),
                        "200": _json("You already had this image; here it is.",
                                     "UploadedImage", _IMAGE_LINKS, "image_id")},
                       errors="400 403 404 413 415 429", description=_UPLOAD_DESCRIPTION,
                       params=UPLOAD_QUERY),
                 "requestBody": {"required": True, "content": {
                     "multipart/form-data": {"schema": ref("UploadMultipart"),
                                             "encoding": {"file": {"contentType": "image/*"}}},
                     "image/*": {"schema": {"type": "string", "contentMediaType": "image/*"}},
                     "application/octet-stream": {"schema": {
                         "type": "string", "contentMediaType": "application/octet-stream"}},
                     "application/json": {"schema": ref("UrlUpload")}}}},
    },
    "/images/bulk": {
        "post": _op("Change many images", "bulkImages", "images",
                    {"200": _json("Done to every one.", "BulkDone")},
                    errors="400 404 409 415", body="BulkChange",
                    description="Every image (and the album) is checked first: one that is "
                                "not yours, or not there, changes nothing (404). Deleting "
                                "moves them to your trash as `DELETE /images/{image_id}` "
                                "does."),
    },
    "/images/{image_id}": {
        "parameters": [_IMAGE_ID],
        "get": _op("Get an image", "getImage", "images", {"200": _json("The image.", "Image")},
                   errors="404"),
        "patch": _op("Edit an image", "updateImage", "images",
                     {"200": _json("The edited image.", "Image")},
                     errors="400 403 404 415", body="ImageChanges"),
        "delete": _op("Delete an image", "deleteImage", "images", _NO_CONTENT,
                      errors="403 404", description=_TRASH_NOTE),
    },
    "/images/{image_id}/shares": _share_path(_IMAGE_ID, "an image", "shareImage"),
    "/albums": {
        "get": _op("List my albums", "listAlbums", "albums",
                   {"200": _json("Newest first.", "AlbumList")}, errors="400",
                   params=("limit", "cursor")),
        "post": _op("Create an album", "createAlbum", "albums",
                    {"201": _json("The album.", "Album", _ALBUM_LINKS, "album_id")},
                    errors="400 415",
                    body="AlbumCreate"),
    },
    "/albums/{album_id}": {
        "parameters": [_ALBUM_ID],
        "get": _op("Get an album", "getAlbum", "albums", {"200": _json("The album.", "Album")},
                   errors="404"),
        "patch": _op("Edit an album", "updateAlbum", "albums",
                     {"200": _json("The edited album.", "Album")},
                     errors="400 403 404 415", body="AlbumChanges"),
        "delete": _op("Delete an album (its images stay)", "deleteAlbum", "albums",
                      _NO_CONTENT, errors="403 404", description=_TRASH_NOTE),
    },
    "/albums/{album_id}/images": {
        "parameters": [_ALBUM_ID],
        "get": _op("List an album's images", "listAlbumImages", "albums",
                   {"200": _json("Newest first. Others see the public images of a public "
                                 "album, the unlisted and public ones of an unlisted album.",
                                 "ImageList")},
                   errors="400 404", params=("limit", "cursor")),
    },
    "/albums/{album_id}/images/{image_id}": {
        "parameters": [_ALBUM_ID, _IMAGE_ID],
        "put": _op("Put an image in an album", "addAlbumImage", "albums", _NO_CONTENT,
                   errors="400 403 404"),
        "delete": _op("Take an image out of an album", "removeAlbumImage", "albums",
                      _NO_CONTENT, errors="403 404"),
    },
    "/albums/{album_id}/shares": _share_path(_ALBUM_ID, "an album", "shareAlbum"),
    "/shares": {
        "get": _op("List my share links", "listShares", "shares",
                   {"200": _json("Newest first, revoked ones included.", "ShareList")},
                   errors="400", params=("target_id", "limit", "cursor")),
    },
    "/shares/{share_id}": {
        "parameters": [_id_param("share_id", "The link's id.", "^[0-9a-f]{64}$")],
        "get": _op("Get a share link with its view log", "getShare", "shares",
                   {"200": _json("The link and its views.", "ShareDetails")}, errors="404"),
        "patch": _op("Set or remove a share link's password", "updateShare", "shares",
                     {"200": _json("The link as it is now.", "ShareDetails")},
                     errors="400 404 415", body="ShareChanges",
                     description="Visitors who typed the old password must type the new "
                                 "one; with `null`, the link opens without one."),
        "delete": _op("Revoke a share link", "revokeShare", "shares", _NO_CONTENT,
                      errors="404"),
    },
    "/drops": {
        "get": _op("List my drop links", "listDrops", "drops",
                   {"200": _json("Newest first, revoked ones included.", "DropList")},
                   errors="400", params=("album_id",)),
    },
    "/drops/{drop_id}": {
        "parameters": [_DROP_ID],
        "get": _op("Get a drop link", "getDrop", "drops", {"200": _json("The link.", "Drop")},
                   errors="404"),
        "delete": _op("Revoke a drop link", "revokeDrop", "drops", _NO_CONTENT,
                      errors="404", description="What guests sent stays in the inbox."),
    },
    "/albums/{album_id}/drops": {
        "parameters": [_ALBUM_ID],
        "post": _op("Make a drop link into an album", "createDrop", "drops",
                    {"201": _json("The link.", "Drop", ("getDrop", "revokeDrop"), "drop_id")},
                    errors="400 404 415", body="DropCreate", description=_DROP_NOTE),
    },
    "/inbox": {
        "get": _op("List my inbox", "listInbox", "drops",
                   {"200": _json("Guests' uploads waiting, newest first.", "InboxList")},
                   errors="400", params=("limit", "cursor")),
    },
    "/inbox/approve": {
        "post": _op("Approve images of my inbox", "approveInbox", "drops",
                    {"200": _json("How many were approved.", "InboxCount")},
                    errors="400 415", body="InboxSelection",
                    description="Each joins the album of the link it came through, with your "
                                "default visibility. Bytes you already had: your image "
                                "joins the album and the guest's copy is deleted."),
    },
    "/inbox/reject": {
        "post": _op("Reject images of my inbox", "rejectInbox", "drops",
                    {"200": _json("How many were deleted.", "InboxCount")},
                    errors="400 415", body="InboxSelection",
                    description="Deleted for good at once with all their files (no trash)."),
    },
    "/trash": {
        "get": _op("List my trash", "listTrash", "trash",
                   {"200": _json("Newest deleted first, images and albums together.",
                                 "TrashList")}, errors="400", params=("limit", "cursor")),
        "delete": _op("Empty my trash", "emptyTrash", "trash", _NO_CONTENT,
                      description="Deletes everything in it forever."),
    },
    **_trash_paths(_IMAGE_ID, "images", "an image", "Image"),
    **_trash_paths(_ALBUM_ID, "albums", "an album", "Album"),
    "/openapi.json": {
        "get": {"summary": "This document", "operationId": "getOpenApi", "tags": ["meta"],
                "security": [], "responses": {"200": {
                    "description": "OpenAPI 3.1.", "content": {"application/json": {
                        "schema": {"type": "object"}}}}}},
    },
}


def _error_response(description: str, headers: dict | None = None) -> dict:
    response = _json(description, "Error")
    if headers:
        response["headers"] = headers
    return response


@functools.cache
def _document(operations: tuple) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pixvault API", "version": "1",
                 "description": "Upload, list, edit, share and organise your images. "
                                "Every error is JSON: `{\"error\": {\"code\", \"message\"}}`. "
                                "Human-readable guide: `/api`."},
        "security": DEFAULT_SECURITY,
        "paths": with_scopes(PATHS, operations),
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": {**{code: _error_response(text, _ERROR_HEADERS.get(code))
                             for code, text in _ERRORS.items()},
                          "default": _error_response("Any other error (405, 503, 500...).")},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def document(server_url: str, operations: tuple) -> dict:
    """The OpenAPI document of the routes `operations`, its server set to `server_url` (this
    site's `/api/v1`)."""
    doc = copy.copy(_document(operations))
    doc["servers"] = [{"url": server_url}]
    return doc
