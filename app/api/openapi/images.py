"""The OpenAPI paths of your images: listing and searching, uploading, editing, deleting,
sharing, renditions."""

from app.api.openapi.parts import IMAGE_ID, NO_CONTENT, TRASH_NOTE, answer, op, share_path
from app.api.schemas import SEARCH_QUERY, UPLOAD_QUERY, ref
from app.images import slots

_IMAGE_LINKS = ("getImage", "updateImage", "deleteImage", "shareImage")
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
    "/images": {
        "get": op("List, search and filter my images", "listImages", "images",
                  {"200": answer("Newest first unless `sort` says otherwise.", "ImageList")},
                  errors="400", params=("limit", "cursor", "visibility", "album",
                                        *SEARCH_QUERY)),
        "post": {**op("Upload an image", "uploadImage", "images",
                      {"201": answer("Stored.", "UploadedImage", _IMAGE_LINKS, "image_id"),
                       "200": answer("You already had this image; here it is.",
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
        "post": op("Change many images", "bulkImages", "images",
                   {"200": answer("Done to every one.", "BulkDone")},
                   errors="400 404 409 415", body="BulkChange",
                   description="Every image (and the album) is checked first: one that is "
                               "not yours, or not there, changes nothing (404). Deleting "
                               "moves them to your trash as `DELETE /images/{image_id}` "
                               "does."),
    },
    "/images/{image_id}": {
        "parameters": [IMAGE_ID],
        "get": op("Get an image", "getImage", "images", {"200": answer("The image.", "Image")},
                  errors="404"),
        "patch": op("Edit an image", "updateImage", "images",
                    {"200": answer("The edited image.", "Image")},
                    errors="400 403 404 415", body="ImageChanges"),
        "delete": op("Delete an image", "deleteImage", "images", NO_CONTENT,
                     errors="403 404", description=TRASH_NOTE),
    },
    "/images/{image_id}/shares": share_path(IMAGE_ID, "an image", "shareImage"),
    "/images/{image_id}/renditions": {
        "parameters": [IMAGE_ID],
        "post": op("Get a signed rendition URL of my image", "renditionImage", "images",
                   {"201": answer("The URL.", "Rendition")}, errors="400 404 415",
                   body="RenditionCreate",
                   description="A URL of the image at this size and format, signed by the "
                               "server (`/r/<signature>/<image_id>/<options>`): only URLs "
                               "made here work. Nothing is stored until it is fetched.")},
}
