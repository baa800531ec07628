"""The fields that the API's request bodies, answers and query parameters share
(`app.api.schemas`): an image's texts, the tag rule, an upload's fields, a token's scope,
a drop link's limits.
"""

from app.api.schema_parts import ID, ref
from app.auth.tokens import SCOPES
from app.images.drops import MAX_FILES as MAX_DROP_FILES
from app.images.drops import MIB
from app.images.fields import MAX_ALT, MAX_DESCRIPTION, MAX_TITLE
from app.images.tags import MAX_INPUT as MAX_TAGS_TEXT
from app.images.tags import MAX_TAG, MAX_TAGS

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
