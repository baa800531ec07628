"""JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of every API body, parameter and answer.

They are written once, here: `app.api.openapi` publishes them as `components`, and
`app.api.validation` checks request bodies and query strings against the very same objects,
so the document cannot drift from what the server accepts.
"""

from app.auth.tokens import EXPIRY_DAYS, SCOPES
from app.auth.tokens import MAX_NAME as MAX_TOKEN_NAME
from app.images.bulk import ACTIONS as BULK_ACTIONS
from app.images.bulk import MAX_IMAGES as MAX_BULK
from app.images.drops import MAX_FILES as MAX_DROP_FILES
from app.images.drops import MIB
from app.images.fields import MAX_ALT, MAX_DESCRIPTION, MAX_TITLE, VISIBILITIES
from app.images.inbox import MAX_SELECTION
from app.images.intake.remote import MAX_URL_LENGTH
from app.images.pagination import MAX_LIMIT
from app.images.search import FORMATS, MAX_QUERY, SORTS
from app.images.shares import LOG_CAP, MAX_EXPIRES_IN, MAX_LABEL, MAX_VIEWS
from app.images.tags import MAX_INPUT as MAX_TAGS_TEXT
from app.images.tags import MAX_TAG, MAX_TAGS

DEFAULT_LIMIT = 30
ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{22}$", "description": "A random id."}
DIGEST = {"type": "string", "pattern": "^[0-9a-f]{64}$",
          "description": "sha256 (hex) of the secret; names the secret without revealing it."}
TIME = {"type": "string", "format": "date-time"}
URL = {"type": "string", "format": "uri"}
TEXT = {"type": "string", "pattern": r"\S", "description": "Not blank."}


def ref(name: str) -> dict:
    """A JSON reference to the component schema `name`."""
    return {"$ref": f"#/components/schemas/{name}"}


def closed(properties: dict, required: tuple[str, ...] = (), **extra) -> dict:
    """An object schema that rejects unknown fields (a typo is an error, not a no-op)."""
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False, **extra}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


_title = {"type": "string", "maxLength": MAX_TITLE}
_description = {"type": "string", "maxLength": MAX_DESCRIPTION}
_alt = {"type": "string", "maxLength": MAX_ALT,
        "description": "Text alternative: what the image shows, for people who cannot see "
                       "it. Pages fall back to the title when it is empty."}
_TAG_RULE = (f"Tags are normalised (NFKC, case-folded, runs of anything but letters, "
             f"digits, marks and `+._&` made one `-`); at most {MAX_TAGS} of {MAX_TAG} "
             f"characters each.")
_tags = {"type": "array", "maxItems": MAX_TAGS,
         "items": {"type": "string", "maxLength": MAX_TAG * 2},
         "description": "The image's tags, replacing the ones it had. " + _TAG_RULE}
_upload_fields = {"title": _title, "alt": _alt, "description": _description,
                  "tags": {"type": "string", "maxLength": MAX_TAGS_TEXT,
                           "description": "Tags, comma-separated. " + _TAG_RULE},
                  "visibility": ref("Visibility"),
                  "album": {**ID, "description": "Also put the image in this album of yours."}}
_link_password = {
    **_nullable({"type": "string", "minLength": 8, "maxLength": 72}),
    "description": "Visitors must type it (on the link's page) before the link opens "
                   "anything, bytes included. 8 to 72 bytes of UTF-8; null: none."}
_share_fields = {
    "expires_in": {**_nullable({"type": "integer", "minimum": 60, "maximum": MAX_EXPIRES_IN}),
                   "description": "Seconds until the link stops working; absent: a week "
                                  "(604800); null: never."},
    "label": {"type": "string", "maxLength": MAX_LABEL,
              "description": "A note for yourself: who got the link."},
    "max_views": {**_nullable({"type": "integer", "minimum": 1, "maximum": MAX_VIEWS}),
                  "description": "How many times the link's page may be opened (previews "
                                 "of chat apps do not count); then everything under it is "
                                 "404. Absent or null: no limit. Cannot be changed later."},
    "password": _link_password,
}

_token_scope = {"type": "string", "enum": list(SCOPES), "description":
                "upload: upload images and read `GET /me`, nothing else (what ShareX gets); "
                "read: every `GET`; full: everything, creating tokens included."}
_token_props = {"id": DIGEST, "name": {"type": "string"}, "scope": _token_scope,
                "created": TIME,
                "expires": {**_nullable(TIME), "description": "When it stops working; null: "
                            "never."}}

_image_props = {
    "id": ID, "title": {"type": "string"}, "alt": {"type": "string", "description": _alt[
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
_next_cursor = {**_nullable({"type": "string"}),
                "description": "Pass as `cursor` for the next page; null on the last page."}
_share_props = {
    "id": DIGEST, "kind": {"type": "string", "enum": ["image", "album"]}, "target_id": ID,
    "label": {"type": "string"}, "created": TIME, "expires": _nullable(TIME),
    "revoked": {"type": "boolean"}, "views": {"type": "integer"},
    "max_views": {**_nullable({"type": "integer"}), "description": "The view limit; null: none."},
    "used_up": {"type": "boolean", "description": "It had all its views: it opens nothing."},
    "has_password": {"type": "boolean", "description": "Visitors must type a password."},
}
_view_log = {"type": "array", "maxItems": LOG_CAP, "description":
             f"The link's views, newest first (the last {LOG_CAP}); no address is kept.",
             "items": closed({"at": TIME, "device": {"type": "string", "description":
                                                     "Browser and system, e.g. 'Firefox "
                                                     "128 on Windows 10'."}},
                             ("at", "device"))}

_drop_limits = {
    "max_files": {"type": "integer", "minimum": 1, "maximum": MAX_DROP_FILES,
                  "description": "Files the link takes in all."},
    "max_bytes": {"type": "integer", "minimum": MIB, "description":
                  "Bytes the link takes in all (originals as sent); at least `max_file_bytes`, "
                  "at most `max_files` times the server's file size limit."},
    "max_file_bytes": {"type": "integer", "minimum": MIB, "description":
                       "The largest file: 1 MiB at least, the server's own limit at most."}}
_drop_props = {
    "id": DIGEST, "album_id": ID, "label": {"type": "string", "description":
                                            "What guests see as the page's title."},
    "created": TIME, "expires": _nullable(TIME), "revoked": {"type": "boolean"},
    **_drop_limits, "files": {"type": "integer", "description": "Files taken so far."},
    "bytes": {"type": "integer", "description": "Bytes taken so far."},
    "used_up": {"type": "boolean", "description": "It took all its files or bytes."},
}
_inbox_image = closed({**_image_props, "dropped": closed(
    {"drop_id": DIGEST, "album_id": ID, "at": TIME,
     "device": {"type": "string", "description": "The guest's browser and system; no "
                                                 "address is kept."}},
    ("drop_id", "album_id", "at", "device"))}, (*_image_required, "dropped"))

SCHEMAS: dict[str, dict] = {
    "Visibility": {"type": "string", "enum": list(VISIBILITIES), "description":
                   "private: you only (and share links); unlisted: anyone with the URL; "
                   "public: also listed on your profile and the front page."},
    "Error": closed({"error": closed(
        {"code": {"type": "string", "examples": ["not_found", "invalid", "unauthorized"]},
         "message": {"type": "string", "description": "For people; may change."}},
        ("code", "message"))}, ("error",)),
    # ----- requests -----
    "TokenCreate": closed({
        "name": {**TEXT, "maxLength": MAX_TOKEN_NAME},
        "scope": {**_token_scope, "default": "full"},
        "expires_in_days": {"anyOf": [{"type": "integer", "enum": list(EXPIRY_DAYS)},
                                      {"type": "null"}],
                            "description": "Days until it stops working; absent or null: "
                                           "never. A token made with a token never outlives "
                                           "it."}}, ("name",)),
    "UploadFields": closed({**_upload_fields, "filename": {
        "type": "string", "maxLength": 255,
        "description": "Display name of a raw-body upload (query string only)."}}),
    "UploadMultipart": closed({"file": {"type": "string", "contentMediaType": "image/*",
                                        "description": "The image file."}, **_upload_fields},
                              ("file",)),
    "UrlUpload": closed({"url": {**URL, "maxLength": MAX_URL_LENGTH, "description":
                                 "http(s) URL of an image; fetched by the server, which "
                                 "refuses private and loopback addresses."},
                         **_upload_fields}, ("url",)),
    "ImageChanges": closed({"title": _title, "alt": _alt, "description": _description,
                            "tags": _tags, "visibility": ref("Visibility")}),
    "BulkChange": closed({
        "action": {"type": "string", "enum": list(BULK_ACTIONS), "description":
                   "delete (to your trash), visibility, album_add, album_remove, tag_add, "
                   "tag_remove."},
        "image_ids": {"type": "array", "items": ID, "minItems": 1, "maxItems": MAX_BULK},
        "visibility": {**ref("Visibility"), "description": "For `visibility`."},
        "album_id": {**ID, "description": "For `album_add` and `album_remove`."},
        "tag": {"type": "string", "maxLength": MAX_TAG * 2,
                "description": "For `tag_add` and `tag_remove`. " + _TAG_RULE}},
        ("action", "image_ids")),
    "ShareCreate": closed(_share_fields),
    "ShareChanges": closed({"password": _link_password}),
    "AlbumCreate": closed({"title": {**TEXT, "maxLength": MAX_TITLE},
                           "description": _description, "visibility": ref("Visibility")},
                          ("title",)),
    "AlbumChanges": closed({"title": {**TEXT, "maxLength": MAX_TITLE},
                            "description": _description, "visibility": ref("Visibility"),
                            "cover": {**_nullable(ID), "description":
                                      "An image in the album, or null for none."}}),
    "DropCreate": closed({**_drop_limits, "label": {
        "type": "string", "maxLength": MAX_LABEL, "description":
        "What guests see; empty or absent: the album's title."},
        "expires_in": _share_fields["expires_in"]}),
    "InboxSelection": closed({
        "image_ids": {"type": "array", "items": ID, "maxItems": MAX_SELECTION,
                      "description": "Images of the inbox; others are skipped."},
        "all": {"type": "boolean", "description": "Every image of the inbox instead (up to "
                                                  f"{MAX_SELECTION} a request)."}}),
    # ----- answers -----
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
                     "last_used": {**_nullable(TIME), "description": "To the minute."}},
                    (*_token_props, "last_used")),
    "TokenCreated": closed({**_token_props, "last_used": {"type": "null"},
                            "token": {"type": "string", "description":
                                      "The secret, shown this once: send it as "
                                      "`Authorization: Bearer <token>`."}},
                           (*_token_props, "last_used", "token")),
    "TokenList": closed({"items": {"type": "array", "items": ref("Token")}}, ("items",)),
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
                     "visibility": ref("Visibility"), "cover": _nullable(ID),
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
                  "quota_bytes": {**_nullable({"type": "integer"}), "description":
                                  "Most bytes you may store (null: no limit); an upload "
                                  "that would pass it is refused with 413."}},
                 ("id", "username", "role", "created", "default_visibility", "used_bytes",
                  "quota_bytes")),
}

# The search and filters of `GET /images` (`app.images.search.Search`), with `visibility`
# and `album` below.
SEARCH_QUERY = ("q", "sort", "format", "tag", "since", "until")
_day = {"type": "string", "format": "date", "maxLength": 10}
# The fields a raw-body upload takes in its query string.
UPLOAD_QUERY = ("title", "alt", "description", "tags", "visibility", "album", "filename")
PARAMETERS: dict[str, dict] = {
    "limit": {"name": "limit", "in": "query", "required": False,
              "description": "Items per page.",
              "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                         "default": DEFAULT_LIMIT}},
    "cursor": {"name": "cursor", "in": "query", "required": False,
               "description": "`next_cursor` of the previous page.",
               "schema": {"type": "string", "maxLength": 200}},
    "target_id": {"name": "target_id", "in": "query", "required": False,
                  "description": "Only the links to this image or album.", "schema": ID},
    "album_id": {"name": "album_id", "in": "query", "required": False,
                 "description": "Only the links into this album.", "schema": ID},
    "title": {"name": "title", "in": "query", "required": False, "schema": _title},
    "alt": {"name": "alt", "in": "query", "required": False, "schema": _alt},
    "description": {"name": "description", "in": "query", "required": False,
                    "schema": _description},
    "tags": {"name": "tags", "in": "query", "required": False,
             "schema": _upload_fields["tags"]},
    "visibility": {"name": "visibility", "in": "query", "required": False,
                   "schema": ref("Visibility")},
    "album": {"name": "album", "in": "query", "required": False, "schema": ID},
    "q": {"name": "q", "in": "query", "required": False, "description":
          "Words that each begin a word of the title, description, tags or file name.",
          "schema": {"type": "string", "maxLength": MAX_QUERY}},
    "sort": {"name": "sort", "in": "query", "required": False,
             "schema": {"type": "string", "enum": list(SORTS), "default": "newest"}},
    "format": {"name": "format", "in": "query", "required": False,
               "schema": {"type": "string", "enum": list(FORMATS)}},
    "tag": {"name": "tag", "in": "query", "required": False, "description": "Only images "
            "with this tag (normalised as tags are).",
            "schema": {"type": "string", "maxLength": MAX_TAG * 2}},
    "since": {"name": "since", "in": "query", "required": False,
              "description": "Uploaded on this day (UTC) or later.", "schema": _day},
    "until": {"name": "until", "in": "query", "required": False,
              "description": "Uploaded on this day (UTC) or earlier.", "schema": _day},
    "filename": {"name": "filename", "in": "query", "required": False,
                 "description": "Display name of a raw-body upload.",
                 "schema": {"type": "string", "maxLength": 255}},
}

