"""The pieces the API's JSON Schemas are built of (`app.api.schemas`): the common types,
the helpers that write an object schema, and the fields that request bodies, answers and
query parameters share.
"""

from app.auth.tokens import SCOPES
from app.images.drops import MAX_FILES as MAX_DROP_FILES
from app.images.drops import MIB
from app.images.fields import MAX_ALT, MAX_DESCRIPTION, MAX_TITLE
from app.images.tags import MAX_INPUT as MAX_TAGS_TEXT
from app.images.tags import MAX_TAG, MAX_TAGS

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


def nullable(schema: dict) -> dict:
    """`schema` or null."""
    return {"anyOf": [schema, {"type": "null"}]}


TITLE = {"type": "string", "maxLength": MAX_TITLE}
DESCRIPTION = {"type": "string", "maxLength": MAX_DESCRIPTION}
ALT = {"type": "string", "maxLength": MAX_ALT,
       "description": "Text alternative: what the image shows, for people who cannot see "
                      "it. Pages fall back to the title when it is empty."}
TAG_RULE = (f"Tags are normalised (NFKC, case-folded, runs of anything but letters, "
            f"digits, marks and `+._&` made one `-`); at most {MAX_TAGS} of {MAX_TAG} "
            f"characters each.")
UPLOAD_FIELDS = {"title": TITLE, "alt": ALT, "description": DESCRIPTION,
                 "tags": {"type": "string", "maxLength": MAX_TAGS_TEXT,
                          "description": "Tags, comma-separated. " + TAG_RULE},
                 "visibility": ref("Visibility"),
                 "album": {**ID, "description": "Also put the image in this album of yours."}}
TOKEN_SCOPE = {"type": "string", "enum": list(SCOPES), "description":
               "upload: upload images and read `GET /me`, nothing else (what ShareX gets); "
               "read: every `GET`; full: everything, creating tokens included."}
DROP_LIMITS = {
    "max_files": {"type": "integer", "minimum": 1, "maximum": MAX_DROP_FILES,
                  "description": "Files the link takes in all."},
    "max_bytes": {"type": "integer", "minimum": MIB, "description":
                  "Bytes the link takes in all (originals as sent); at least `max_file_bytes`, "
                  "at most `max_files` times the server's file size limit."},
    "max_file_bytes": {"type": "integer", "minimum": MIB, "description":
                       "The largest file: 1 MiB at least, the server's own limit at most."}}
