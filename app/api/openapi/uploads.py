"""The OpenAPI paths of resumable uploads (tus 1.0.0, `app.api.tus`)."""

from app.api import tus
from app.api.openapi.parts import NO_CONTENT, answer, id_param, op

_TUS = "https://tus.io/protocols/resumable-upload"
_UPLOAD_ID = id_param("upload_id", "An upload id (the end of its `Location`).")


def _header(description: str) -> dict:
    return {"description": description, "schema": {"type": "string"}}


_TUS_OPTIONS = {"summary": "What the resumable upload server supports", "tags": ["uploads"],
                "security": [], "responses": {"204": {"description": "Its capabilities.",
                                                      "headers": {
    "Tus-Version": _header(tus.VERSION), "Tus-Extension": _header(tus.EXTENSIONS),
    "Tus-Max-Size": _header("The largest file, in bytes."),
    "Tus-Checksum-Algorithm": _header(",".join(tus.CHECKSUMS))}}}}
_UPLOAD_STATE = {"Upload-Offset": _header("Bytes received so far."),
                 "Upload-Expires": _header("When it is deleted unless more bytes come."),
                 "Pixvault-Image-Id": _header("Once complete: the id of the image it made.")}
_UPLOADS_DESCRIPTION = f"""\
Resumable uploads for big files on unreliable connections: the [tus 1.0.0]({_TUS})
protocol with its creation, termination, expiration and checksum extensions, so any tus
client works. Every tus request (all but `OPTIONS` and `GET`) carries `Tus-Resumable:
1.0.0` (412 without it), as tus clients do; the protocol's headers are described here in
words rather than as parameters. Create the upload with `Upload-Length` (the file's
size) and optionally `Upload-Metadata` (`filename`, `title`, `alt`, `description`,
`visibility`, `album`, each base64; other keys are ignored), then `PATCH` its bytes to the
`Location`; after a broken connection, `HEAD` says how many arrived. Once all are in, the
file goes through the same checks as any upload (413 when it would not fit your storage,
unfinished uploads counted; 429 past 10 unfinished uploads). Unfinished uploads are
deleted after the server's `resumable_hours` without new bytes."""

PATHS = {
    "/uploads": {
        "post": op("Start a resumable upload", "createUpload", "uploads",
                   {"201": {"description": "Created; send its bytes to `Location`.",
                            "headers": {"Location": _header("The upload's URL."),
                                        "Upload-Expires": _UPLOAD_STATE["Upload-Expires"]}}},
                   errors="400 404 412 413 429", description=_UPLOADS_DESCRIPTION),
        "options": {**_TUS_OPTIONS, "operationId": "describeUploads"},
    },
    "/uploads/{upload_id}": {
        "parameters": [_UPLOAD_ID],
        "head": op("How far an upload got", "headUpload", "uploads",
                   {"200": {"description": "Its state.", "headers": {
                       **_UPLOAD_STATE, "Upload-Length": _header("The file's size."),
                       "Upload-Metadata": _header("As sent when created.")}}},
                   errors="404 412"),
        "get": op("An upload as JSON, with the image it made", "getUpload", "uploads",
                  {"200": answer("The upload.", "Upload")}, errors="404",
                  description="Not part of tus: no `Tus-Resumable` needed."),
        "patch": {**op("Append bytes to an upload", "appendUpload", "uploads",
                       {"204": {"description": "Kept; the last bytes also made the image.",
                                "headers": _UPLOAD_STATE}},
                       errors="400 404 409 412 413 415 429 460",
                       description="`Upload-Offset` must be the upload's offset (409 "
                                   "otherwise); an `Upload-Checksum` (`sha1`, `sha256` or "
                                   "`md5` and the base64 digest of the body) that does not "
                                   "match answers 460 and drops the body. With the last "
                                   "byte the file is checked and stored like any upload: "
                                   "an error then (400, 413, 415) is the file's, kept in "
                                   "`GET`'s `error`."),
                  "requestBody": {"required": True, "content": {tus.OFFSET_TYPE: {
                      "schema": {"type": "string", "contentMediaType": tus.OFFSET_TYPE}}}}},
        "delete": op("Give up an upload", "deleteUpload", "uploads", NO_CONTENT,
                     errors="404 412",
                     description="Its bytes are deleted; an image it made stays."),
    },
}
