"""The JSON API v1 (`/api/v1`): request and response schemas (`schemas`, which the OpenAPI
document of `openapi/` publishes and `validation` enforces) and the handlers in `handlers/`."""
