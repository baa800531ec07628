"""Checking API input against the schemas the OpenAPI document publishes (`app.api.schemas`).

One layer for every endpoint: JSON bodies and query strings are validated with `jsonschema`
(draft 2020-12, the dialect of OpenAPI 3.1) and every failure becomes an `Invalid` (400) whose
message names the field and the rule, e.g. "'visibility' must be one of: private, ...".
"""

import functools
import json
import re

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from app.api.schemas import PARAMETERS, SCHEMAS
from app.errors import Invalid

_BASE = "urn:pixvault:api"
_REGISTRY = Registry().with_resource(_BASE, Resource.from_contents({
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "components": {"schemas": SCHEMAS, "parameters": PARAMETERS}}))
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_TYPE_NAMES = {"string": "a string", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "object": "an object", "array": "an array",
               "null": "null"}


@functools.cache
def _validator(pointer: str) -> Draft202012Validator:
    # Through the registry, so `$ref`s inside the schemas resolve as they do in the document;
    # formats are asserted (a `date` that is empty or not a day is refused, as documented).
    return Draft202012Validator({"$ref": f"{_BASE}#/components/{pointer}"}, registry=_REGISTRY,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _check(value, pointer: str, name: str = ""):
    error = best_match(_validator(pointer).iter_errors(value))
    if error is not None:
        if name:
            error.path.appendleft(name)
        raise Invalid(describe(error))
    return value


def check(value, schema_name: str) -> dict:
    """`value` if it matches the component schema `schema_name`, else `Invalid`."""
    return _check(value, f"schemas/{schema_name}")


def parse_json(body: bytes, schema_name: str) -> dict:
    """Decode a JSON request body and check it against `schema_name`."""
    try:
        value = json.loads(body)
        # Lone surrogates ("\ud800") decode, but no database can store them.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeError) as error:
        raise Invalid(f"The body is not valid JSON: {error}") from None
    except RecursionError:
        raise Invalid("The body is not valid JSON: nested too deeply.") from None
    return check(value, schema_name)


def parse_query(arguments: dict[str, list[bytes]], *names: str) -> dict:
    """The query parameters `names` (defined in `schemas.PARAMETERS`), converted to their
    schema's type and checked; absent ones take their default or are left out."""
    values = {}
    for name in names:
        schema = PARAMETERS[name]["schema"]
        raw = arguments.get(name)
        if not raw:
            if "default" in schema:
                values[name] = schema["default"]
            continue
        if len(raw) > 1:
            raise Invalid(f"Give '{name}' once.")
        text = raw[0].decode("utf-8", "replace")
        if schema.get("type") == "integer":
            if not _INTEGER.fullmatch(text):
                raise Invalid(f"'{name}' must be a whole number.")
            values[name] = int(text)
        else:
            values[name] = text
    for name, value in values.items():
        _check(value, f"parameters/{name}/schema", name)
    return values


def describe(error: ValidationError) -> str:
    """A short, actionable message for one validation failure."""
    where = ".".join(str(part) for part in error.absolute_path)
    field = f"'{where}'" if where else "The body"
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        allowed = ", ".join(schema.get("properties", {})) or "none"
        return f"Unknown field {', '.join(map(repr, extra))}; allowed: {allowed}."
    if kind == "required":
        return error.message.replace("is a required property", "is required") + "."
    if kind == "type":
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return f"{field} must be {' or '.join(_TYPE_NAMES.get(t, t) for t in types)}."
    if kind == "enum":
        return f"{field} must be one of: {', '.join(map(str, schema['enum']))}."
    if kind == "maxLength":
        return f"{field} must be at most {schema['maxLength']} characters."
    if kind in ("minimum", "maximum"):
        return f"{field} must be between {schema.get('minimum', '-∞')} and " \
               f"{schema.get('maximum', '∞')}."
    if kind == "anyOf":
        types = [e.schema["type"] for e in error.context if e.validator == "type"]
        if len(types) == len(error.context):
            return f"{field} must be {' or '.join(_TYPE_NAMES.get(t, t) for t in types)}."
    if kind == "pattern":
        blank = schema["pattern"] == r"\S"
        return f"{field} {'must not be blank' if blank else 'is not in the expected form'}."
    return f"{field}: {error.message[:200]}"
