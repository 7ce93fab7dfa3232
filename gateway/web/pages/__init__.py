"""Routes of the web UI, one module per area of work."""
