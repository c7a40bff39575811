"""Passage-embedding throughput and query latency of the two packaged embedders on the corpus.

    python bench/embed_speed.py

What the first index costs with each embedder (the whole corpus, as ingest chunks it) and
what one question's embedding costs, warm. Prints one line per embedder.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = ["Кто такой Станислав Тарасов?", "¿Qué es el corredor de Lachin?",
             "Who is Stanislav Tarasov?"]


def main() -> None:
    from retrieval.index.chunking import chunk_document
    from retrieval.index.corpus import load_targets
    from retrieval.index.embeddings import E5Embeddings, MiniLMEmbeddings
    from retrieval.settings import Settings

    settings = Settings(corpus_dir=REPO / "corpus", _env_file=None)
    loaded = load_targets([str(settings.corpus_dir)], settings.corpus_dir,
                          settings.max_file_bytes, settings.fetch_timeout_s)
    texts = [chunk.text for doc in loaded.docs
             for chunk in chunk_document(doc, settings.chunk_chars, settings.chunk_overlap)]
    print(f"{len(texts)} passages, {sum(map(len, texts)) / len(texts):.0f} characters on average")
    for cls in (MiniLMEmbeddings, E5Embeddings):
        embedder = cls(threads=settings.embed_threads)
        started = time.perf_counter()
        embedder.embed_query("load the model")
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        embedder.embed_array(texts)
        passages_s = time.perf_counter() - started
        latencies = []
        for i, question in enumerate(QUESTIONS * 7):  # distinct texts: no cache hits
            started = time.perf_counter()
            embedder.embed_array([f"{question} {i}"], query=True)
            latencies.append((time.perf_counter() - started) * 1000)
        print(f"{cls.name}: load {load_s:.2f} s; passages {passages_s:.1f} s "
              f"({len(texts) / passages_s:.1f}/s); query p50 {statistics.median(latencies):.1f} ms")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
