"""Where an upload's bytes come from: a streamed request body (`spool`) or a URL fetched
server-side (`remote`). Both end as spooled temporary files with their sha256."""
