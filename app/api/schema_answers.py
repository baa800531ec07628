"""The JSON Schemas of the API's answers, published in `app.api.schemas.SCHEMAS` (tests
check real answers against them)."""

from app.api.schema_fields import ALT, DROP_LIMITS, TOKEN_SCOPE, UPLOAD_FIELDS
from app.api.schema_parts import DIGEST, ID, TIME, URL, closed, nullable, ref
from app.images.shares import LOG_CAP

_token_props = {"id": DIGEST, "name": {"type": "string"}, "scope": TOKEN_SCOPE,
                "created": TIME,
                "expires": {**nullable(TIME), "description": "When it stops working; null: "
                            "never."}}

_image_props = {
    "id": ID, "title": {"type": "string"}, "alt": {"type": "string", "description": ALT[
        "description"]}, "description": {"type": "string"},
    "visibility": ref("Visibility"), "width": {"type": "integer"},
    "height": {"type": "integer"}, "bytes": {"type": "integer",
                                             "description": "Size of the original."},
    "format": {"type": "string", "examples": ["jpeg", "png", "webp"]}, "created": TIME,
    "page_url": URL,
    "urls": closed({"original": {**URL, "description": "The untouched upload, with its "
                                 "metadata; present, and served, for the owner only."},
                    "full": {**URL, "description": "Full size without metadata."},
                    "large": URL, "thumb": URL}, ("full", "large", "thumb")),
    "album_ids": {"type": "array", "items": ID},
    "tags": {"type": "array", "items": {"type": "string"}, "description":
             "Normalised; a public image's tags list it at `/t/<tag>`."},
}
_image_required = ("id", "title", "alt", "description", "tags", "visibility", "width", "height",
                   "bytes", "format", "created", "page_url", "urls", "album_ids")
_next_cursor = {**nullable({"type": "string"}),
                "description": "Pass as `cursor` for the next page; null on the last page."}
_share_props = {
    "id": DIGEST, "kind": {"type": "string", "enum": ["image", "album"]}, "target_id": ID,
    "label": {"type": "string"}, "created": TIME, "expires": nullable(TIME),
    "revoked": {"type": "boolean"}, "views": {"type": "integer"},
    "max_views": {**nullable({"type": "integer"}), "description": "The view limit; null: none."},
    "used_up": {"type": "boolean", "description": "It had all its views: it opens nothing."},
    "has_password": {"type": "boolean", "description": "Visitors must type a password."},
}
_view_log = {"type": "array", "maxItems": LOG_CAP, "description":
             f"The link's views, newest first (the last {LOG_CAP}); no address is kept.",
             "items": closed({"at": TIME, "device": {"type": "string", "description":
                                                     "Browser and system, e.g. 'Firefox "
                                                     "128 on Windows 10'."}},
                             ("at", "device"))}

_drop_props = {
    "id": DIGEST, "album_id": ID, "label": {"type": "string", "description":
                                            "What guests see as the page's title."},
    "created": TIME, "expires": nullable(TIME), "revoked": {"type": "boolean"},
    **DROP_LIMITS, "files": {"type": "integer", "description": "Files taken so far."},
    "bytes": {"type": "integer", "description": "Bytes taken so far."},
    "used_up": {"type": "boolean", "description": "It took all its files or bytes."},
}
_inbox_image = closed({**_image_props, "dropped": closed(
    {"drop_id": DIGEST, "album_id": ID, "at": TIME,
     "device": {"type": "string", "description": "The guest's browser and system; no "
                                                 "address is kept."}},
    ("drop_id", "album_id", "at", "device"))}, (*_image_required, "dropped"))

ANSWERS: dict[str, dict] = {
    "Image": closed(_image_props, _image_required),
    "BulkDone": closed({"message": {"type": "string", "description": "What was done, "
                                    "for people."}}, ("message",)),
    "UploadedImage": closed(
        {**_image_props, "duplicate": {"type": "boolean", "description":
                                       "True when you already had these exact bytes: this "
                                       "is the image you had, nothing new was stored."}},
        (*_image_required, "duplicate")),
    "ImageList": closed({"items": {"type": "array", "items": ref("Image")},
                         "next_cursor": _next_cursor},
                        ("items", "next_cursor")),
    "Token": closed({**_token_props,
                     "last_used": {**nullable(TIME), "description": "To the minute."}},
                    (*_token_props, "last_used")),
    "TokenCreated": closed({**_token_props, "last_used": {"type": "null"},
                            "token": {"type": "string", "description":
                                      "The secret, shown this once: send it as "
                                      "`Authorization: Bearer <token>`."}},
                           (*_token_props, "last_used", "token")),
    "TokenList": closed({"items": {"type": "array", "items": ref("Token")}}, ("items",)),
    "Rendition": closed({"url": {**URL, "description": "The signed URL: it answers whoever "
                                 "may see the image, follows its visibility, and is made on "
                                 "first use, never larger than the original."},
                         "options": {"type": "string", "examples": ["w640_h480_cover_webp_2x"],
                                     "description": "The canonical options in the URL."}},
                        ("url", "options")),
    "Share": closed({**_share_props, "url": {**URL, "description":
                                             "The link, for its owner, while it is live "
                                             "(absent for links made before links could be "
                                             "shown again)."}}, tuple(_share_props)),
    "ShareDetails": closed({**_share_props, "log": _view_log, "url": {
        **URL, "description": "The link, while it is live."}}, (*_share_props, "log")),
    "ShareCreated": closed({**_share_props, "url": {**URL, "description": "The link."}},
                           (*_share_props, "url")),
    "ShareList": closed({"items": {"type": "array", "items": ref("Share")},
                         "next_cursor": _next_cursor}, ("items", "next_cursor")),
    "Album": closed({"id": ID, "title": {"type": "string"}, "description": {"type": "string"},
                     "visibility": ref("Visibility"), "cover": nullable(ID),
                     "created": TIME, "page_url": URL},
                    ("id", "title", "description", "visibility", "cover", "created",
                     "page_url")),
    "AlbumList": closed({"items": {"type": "array", "items": ref("Album")},
                         "next_cursor": _next_cursor}, ("items", "next_cursor")),
    "TrashItem": closed({"kind": {"type": "string", "enum": ["image", "album"]}, "id": ID,
                         "title": {"type": "string"},
                         "filename": {"type": "string", "description": "Images only."},
                         "bytes": {"type": "integer", "description":
                                   "Images only: size of the original."},
                         "deleted_at": TIME,
                         "purge_at": {**TIME, "description": "When it is deleted forever."}},
                        ("kind", "id", "title", "deleted_at", "purge_at")),
    "TrashList": closed({"items": {"type": "array", "items": ref("TrashItem")},
                         "next_cursor": _next_cursor}, ("items", "next_cursor")),
    "Upload": closed({
        "id": ID, "length": {"type": "integer", "description": "Upload-Length: the file's size."},
        "offset": {"type": "integer", "description": "Bytes received so far."},
        "expires": {**TIME, "description": "When it is deleted unless more bytes come."},
        "fields": closed({**UPLOAD_FIELDS, "filename": {"type": "string"}}),
        "image": {**nullable(ref("UploadedImage")), "description":
                  "The image it made, once complete; null before (or once it was deleted)."},
        "error": {**nullable(closed({"code": {"type": "string"}, "message": {
            "type": "string"}}, ("code", "message"))), "description":
                  "Why the complete file was refused (not an image, over a limit...)."}},
        ("id", "length", "offset", "expires", "fields", "image", "error")),
    "Drop": closed({**_drop_props, "url": {**URL, "description":
                                           "The link, for its owner, while it opens."}},
                   tuple(_drop_props)),
    "DropList": closed({"items": {"type": "array", "items": ref("Drop")}}, ("items",)),
    "InboxImage": _inbox_image,
    "InboxList": closed({"items": {"type": "array", "items": ref("InboxImage")},
                         "next_cursor": _next_cursor}, ("items", "next_cursor")),
    "InboxCount": closed({"count": {"type": "integer", "description":
                                    "How many images it applied to."}}, ("count",)),
    "Me": closed({"id": ID, "username": {"type": "string"},
                  "role": {"type": "string", "enum": ["user", "admin"]}, "created": TIME,
                  "default_visibility": ref("Visibility"),
                  "used_bytes": {"type": "integer", "description":
                                 "Bytes stored: every original and every variant."},
                  "quota_bytes": {**nullable({"type": "integer"}), "description":
                                  "Most bytes you may store (null: no limit); an upload "
                                  "that would pass it is refused with 413."}},
                 ("id", "username", "role", "created", "default_visibility", "used_bytes",
                  "quota_bytes")),
}
