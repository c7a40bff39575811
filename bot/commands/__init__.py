"""`backstory` commands that have grown past a few lines: ingest and sources, eval."""
