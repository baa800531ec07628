"""Images: documents and rules at this level (store, albums, shares, access, fields, ingest,
gc, pagination, urls, cache); `processing/` the Pillow pipeline, `intake/` where bytes come
from, `handlers/` the pages and byte URLs. Importing this package loads nothing else."""
