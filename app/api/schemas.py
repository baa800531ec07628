"""JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of every API body, parameter and answer.

They are written once: request bodies in `app.api.schema_requests`, answers in
`app.api.schema_answers` (both built of the types of `app.api.schema_parts` and the fields
of `app.api.schema_fields`), query parameters here.
`SCHEMAS` and `PARAMETERS` gather them: `app.api.openapi.document` publishes them as
`components`, and `app.api.validation` checks request bodies and query strings against the
very same objects, so the document cannot drift from what the server accepts.
"""

from app.api.schema_answers import ANSWERS
from app.api.schema_fields import ALT, DESCRIPTION, TITLE, UPLOAD_FIELDS
from app.api.schema_parts import ID, closed, ref
from app.api.schema_requests import REQUESTS
from app.images.fields import VISIBILITIES
from app.images.pagination import MAX_LIMIT
from app.images.search import FORMATS, MAX_QUERY, SORTS
from app.images.tags import MAX_TAG

DEFAULT_LIMIT = 30

SCHEMAS: dict[str, dict] = {
    "Visibility": {"type": "string", "enum": list(VISIBILITIES), "description":
                   "private: you only (and share links); unlisted: anyone with the URL; "
                   "public: also listed on your profile and the front page."},
    "Error": closed({"error": closed(
        {"code": {"type": "string", "examples": ["not_found", "invalid", "unauthorized"]},
         "message": {"type": "string", "description": "For people; may change."}},
        ("code", "message"))}, ("error",)),
    **REQUESTS,
    **ANSWERS,
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
    "title": {"name": "title", "in": "query", "required": False, "schema": TITLE},
    "alt": {"name": "alt", "in": "query", "required": False, "schema": ALT},
    "description": {"name": "description", "in": "query", "required": False,
                    "schema": DESCRIPTION},
    "tags": {"name": "tags", "in": "query", "required": False,
             "schema": UPLOAD_FIELDS["tags"]},
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

