"""backstory's engine: corpus, index, retrieval and cited answers. No Discord, no terminal."""
