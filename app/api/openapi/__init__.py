"""The OpenAPI 3.1 description of the JSON API: `document` builds it from the paths of each
feature (one module each) and the parts they share."""
