"""The pieces the API's JSON Schemas are built of (`app.api.schemas`): the common types and
the helpers that write a schema.
"""

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
