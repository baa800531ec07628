"""The JSON Schemas of the API's request bodies, published in `app.api.schemas.SCHEMAS` and
checked by `app.api.validation`."""

from app.api.schema_fields import (
    ALT,
    DESCRIPTION,
    DROP_LIMITS,
    TAG_RULE,
    TITLE,
    TOKEN_SCOPE,
    UPLOAD_FIELDS,
)
from app.api.schema_parts import ID, TEXT, URL, closed, nullable, ref
from app.auth.tokens import EXPIRY_DAYS
from app.auth.tokens import MAX_NAME as MAX_TOKEN_NAME
from app.images import renditions
from app.images.bulk import ACTIONS as BULK_ACTIONS
from app.images.bulk import MAX_IMAGES as MAX_BULK
from app.images.fields import MAX_TITLE
from app.images.inbox import MAX_SELECTION
from app.images.intake.remote import MAX_URL_LENGTH
from app.images.shares import MAX_EXPIRES_IN, MAX_LABEL, MAX_VIEWS
from app.images.tags import MAX_TAG, MAX_TAGS

_tags = {"type": "array", "maxItems": MAX_TAGS,
         "items": {"type": "string", "maxLength": MAX_TAG * 2},
         "description": "The image's tags, replacing the ones it had. " + TAG_RULE}
_link_password = {
    **nullable({"type": "string", "minLength": 8, "maxLength": 72}),
    "description": "Visitors must type it (on the link's page) before the link opens "
                   "anything, bytes included. 8 to 72 bytes of UTF-8; null: none."}
_share_fields = {
    "expires_in": {**nullable({"type": "integer", "minimum": 60, "maximum": MAX_EXPIRES_IN}),
                   "description": "Seconds until the link stops working; absent: a week "
                                  "(604800); null: never."},
    "label": {"type": "string", "maxLength": MAX_LABEL,
              "description": "A note for yourself: who got the link."},
    "max_views": {**nullable({"type": "integer", "minimum": 1, "maximum": MAX_VIEWS}),
                  "description": "How many times the link's page may be opened (previews "
                                 "of chat apps do not count); then everything under it is "
                                 "404. Absent or null: no limit. Cannot be changed later."},
    "password": _link_password,
}

REQUESTS: dict[str, dict] = {
    # ----- requests -----
    "TokenCreate": closed({
        "name": {**TEXT, "maxLength": MAX_TOKEN_NAME},
        "scope": {**TOKEN_SCOPE, "default": "full"},
        "expires_in_days": {"anyOf": [{"type": "integer", "enum": list(EXPIRY_DAYS)},
                                      {"type": "null"}],
                            "description": "Days until it stops working; absent or null: "
                                           "never. A token made with a token never outlives "
                                           "it."}}, ("name",)),
    "UploadFields": closed({**UPLOAD_FIELDS, "filename": {
        "type": "string", "maxLength": 255,
        "description": "Display name of a raw-body upload (query string only)."}}),
    "UploadMultipart": closed({"file": {"type": "string", "contentMediaType": "image/*",
                                        "description": "The image file."}, **UPLOAD_FIELDS},
                              ("file",)),
    "UrlUpload": closed({"url": {**URL, "maxLength": MAX_URL_LENGTH, "description":
                                 "http(s) URL of an image; fetched by the server, which "
                                 "refuses private and loopback addresses."},
                         **UPLOAD_FIELDS}, ("url",)),
    "ImageChanges": closed({"title": TITLE, "alt": ALT, "description": DESCRIPTION,
                            "tags": _tags, "visibility": ref("Visibility")}),
    "BulkChange": closed({
        "action": {"type": "string", "enum": list(BULK_ACTIONS), "description":
                   "delete (to your trash), visibility, album_add, album_remove, tag_add, "
                   "tag_remove."},
        "image_ids": {"type": "array", "items": ID, "minItems": 1, "maxItems": MAX_BULK},
        "visibility": {**ref("Visibility"), "description": "For `visibility`."},
        "album_id": {**ID, "description": "For `album_add` and `album_remove`."},
        "tag": {"type": "string", "maxLength": MAX_TAG * 2,
                "description": "For `tag_add` and `tag_remove`. " + TAG_RULE}},
        ("action", "image_ids")),
    "RenditionCreate": closed({
        "width": {"type": "integer", "minimum": 1, "maximum": renditions.MAX_BOX,
                  "description": "CSS pixels; give a width, a height or both."},
        "height": {"type": "integer", "minimum": 1, "maximum": renditions.MAX_BOX},
        "fit": {"type": "string", "enum": list(renditions.FITS), "default": "contain",
                "description": "contain: inside the box; cover: fill it, cropped around the "
                               "centre; smart: fill it, cropped around the busiest part; "
                               "fill: stretched to it. All but contain need both sides."},
        "format": {"type": "string", "enum": list(renditions.FORMATS), "default": "auto",
                   "description": "auto: AVIF, WebP or JPEG by the client's Accept."},
        "quality": {"type": "integer", "minimum": renditions.QUALITIES[0],
                    "maximum": renditions.QUALITIES[-1], "description":
                    "Lossy formats only; absent: the format's default."},
        "dpr": {"type": "integer", "enum": list(renditions.DPRS), "default": 1,
                "description": "Device pixel ratio: the box in pixels is the CSS box times "
                               f"it, at most {renditions.MAX_BOX} on a side."}}),
    "ShareCreate": closed(_share_fields),
    "ShareChanges": closed({"password": _link_password}),
    "AlbumCreate": closed({"title": {**TEXT, "maxLength": MAX_TITLE},
                           "description": DESCRIPTION, "visibility": ref("Visibility")},
                          ("title",)),
    "AlbumChanges": closed({"title": {**TEXT, "maxLength": MAX_TITLE},
                            "description": DESCRIPTION, "visibility": ref("Visibility"),
                            "cover": {**nullable(ID), "description":
                                      "An image in the album, or null for none."}}),
    "DropCreate": closed({**DROP_LIMITS, "label": {
        "type": "string", "maxLength": MAX_LABEL, "description":
        "What guests see; empty or absent: the album's title."},
        "expires_in": _share_fields["expires_in"]}),
    "InboxSelection": closed({
        "image_ids": {"type": "array", "items": ID, "maxItems": MAX_SELECTION,
                      "description": "Images of the inbox; others are skipped."},
        "all": {"type": "boolean", "description": "Every image of the inbox instead (up to "
                                                  f"{MAX_SELECTION} a request)."}}),
}
