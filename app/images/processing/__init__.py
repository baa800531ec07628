"""The image pipeline: decode once, derive every variant, strip metadata. Pure and
synchronous (no database, no Tornado): `pipeline.process_image` runs in a thread pool."""
