"""Training the reader's models from public data (needs the `train` extra: torch, transformers;
scikit-learn for cross_lingual_judge)."""
