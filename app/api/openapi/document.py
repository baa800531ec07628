"""The OpenAPI 3.1 description of the JSON API, served at `GET /api/v1/openapi.json`.

Schemas come from `app.api.schemas`, the same objects the server validates input with, and
each operation's token scopes from the declaration on the handler method serving it (see
`app.api.security`); the paths of each feature come from its module of `app.api.openapi`.
A test checks that every route of `app.api.ROUTES` and each of its methods is described.
"""

import copy
import functools

from app.api.openapi import account, albums, drops, images, shares, trash, uploads
from app.api.openapi.parts import answer
from app.api.schemas import PARAMETERS, SCHEMAS
from app.api.security import DEFAULT_SECURITY, SECURITY_SCHEMES, with_scopes

_ERRORS = {
    "400": "The input is not valid: malformed JSON, wrong types, unknown fields, bad values.",
    "401": "No valid credentials.",
    "403": "Not allowed: the item is someone else's, the feature is turned off, or the "
           "token's scope does not cover the operation (the message names the scope needed).",
    "404": "No such item, or not visible to you (the two look the same).",
    "409": "The change clashes with the current state (edited at the same time): try again; "
           "for a resumable upload, it is at another offset than the request says (ask with "
           "`HEAD`), or it is finished.",
    "413": "The body or file is too large.",
    "415": "Wrong Content-Type.",
    "429": "Too many at once; try again after `Retry-After` seconds.",
    "412": "The `Tus-Resumable` version is not the server's (see `Tus-Version`).",
    "460": "Checksum mismatch: the body does not match its `Upload-Checksum`; it was dropped.",
}
_ERROR_HEADERS = {
    "401": {"WWW-Authenticate": {
        "description": "`Bearer realm=\"pixvault\"`, with `error=\"invalid_token\"` when a "
                       "token was sent.", "schema": {"type": "string"}}},
    "429": {"Retry-After": {"description": "Seconds to wait before trying again.",
                            "schema": {"type": "integer"}}},
}

# Each feature's paths, in the order the document lists them.
PATHS = {
    **account.PATHS, **images.PATHS, **albums.PATHS, **shares.PATHS, **drops.PATHS,
    **trash.PATHS, **uploads.PATHS,
    "/openapi.json": {
        "get": {"summary": "This document", "operationId": "getOpenApi", "tags": ["meta"],
                "security": [], "responses": {"200": {
                    "description": "OpenAPI 3.1.", "content": {"application/json": {
                        "schema": {"type": "object"}}}}}},
    },
}


def _error_response(description: str, headers: dict | None = None) -> dict:
    response = answer(description, "Error")
    if headers:
        response["headers"] = headers
    return response


@functools.cache
def _document(operations: tuple) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pixvault API", "version": "1",
                 "description": "Upload, list, edit, share and organise your images. "
                                "Every error is JSON: `{\"error\": {\"code\", \"message\"}}`. "
                                "Human-readable guide: `/api`."},
        "security": DEFAULT_SECURITY,
        "paths": with_scopes(PATHS, operations),
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": {**{code: _error_response(text, _ERROR_HEADERS.get(code))
                             for code, text in _ERRORS.items()},
                          "default": _error_response("Any other error (405, 503, 500...).")},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def document(server_url: str, operations: tuple) -> dict:
    """The OpenAPI document of the routes `operations`, its server set to `server_url` (this
    site's `/api/v1`)."""
    doc = copy.copy(_document(operations))
    doc["servers"] = [{"url": server_url}]
    return doc
