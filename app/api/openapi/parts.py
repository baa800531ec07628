"""The parts every path of the OpenAPI document is written with: an operation, a JSON answer,
an id in the path, and the notes and path items several features share."""

from app.api.schemas import ref


def answer(description: str, schema: str, links: tuple[str, ...] = (),
           parameter: str = "") -> dict:
    """A JSON response; `links` name the operations whose `parameter` is this answer's id."""
    response = {"description": description,
                "content": {"application/json": {"schema": ref(schema)}}}
    if links:
        response["links"] = {op_id: {"operationId": op_id,
                                     "parameters": {parameter: "$response.body#/id"}}
                             for op_id in links}
    return response


def op(summary: str, op_id: str, tag: str, ok: dict, *, errors: str = "",
       body: str | None = None, params: tuple[str, ...] = (), description: str = "") -> dict:
    """One operation. `ok` maps success statuses to responses; `errors` lists the 4xx codes
    it can answer besides 401 and 403 (a token whose scope does not cover it, see
    `app.api.security`)."""
    responses = dict(ok)
    codes = [*errors.split(), "401", "403"]
    for code in sorted(set(codes)):
        responses[code] = {"$ref": f"#/components/responses/{code}"}
    responses["default"] = {"$ref": "#/components/responses/default"}
    operation = {"summary": summary, "operationId": op_id, "tags": [tag],
                 "responses": responses}
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = [{"$ref": f"#/components/parameters/{p}"} for p in params]
    if body:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": ref(body)}}}
    return operation


def id_param(name: str, description: str, pattern: str = "^[A-Za-z0-9_-]{22}$") -> dict:
    """The path parameter `name`: an id matching `pattern`."""
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "pattern": pattern}}


IMAGE_ID = id_param("image_id", "An image id.")
ALBUM_ID = id_param("album_id", "An album id.")
NO_CONTENT = {"204": {"description": "Done."}}
TRASH_NOTE = ("Your own goes to your trash (`/trash`) for the server's `trash_days`, "
              "from where you can restore it with its share links; meanwhile it answers "
              "404 everywhere. An admin's deletion of someone else's is for good, and so "
              "is every deletion when the server keeps no trash.")


def share_path(param: dict, what: str, op_id: str) -> dict:
    """The path item that creates a share link to an image or album."""
    return {"parameters": [param],
            "post": op(f"Share {what}", op_id, "shares",
                       {"201": answer("The link; its URL is shown this once.", "ShareCreated",
                                      ("getShare", "updateShare", "revokeShare"),
                                      "share_id")},
                       errors="400 403 404 415", body="ShareCreate")}
