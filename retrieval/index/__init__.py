"""The ingest flow: corpus -> SourceDoc -> chunks -> embeddings -> Chroma + BM25."""
