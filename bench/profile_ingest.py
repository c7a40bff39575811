"""cProfile of `ingest FILE` (one 3-passage note) into an index of N x 10 passages.

    python bench/profile_ingest.py /tmp/prof/i100k 10000     # builds it first (~5-10 min)

The index is built cheaply: 8-dimensional fake vectors written straight into Chroma, the
record manager and the lexical index (as tests/test_large_index.py does), so what the
profile shows is everything `ingest FILE` does beyond embedding, at that index size.
"""
import cProfile
import pstats
import sys
import time
from pathlib import Path

import numpy as np
from langchain_core.embeddings import DeterministicFakeEmbedding

from retrieval.index.fts import COMPLETE, FtsIndex
from retrieval.index.store import Store
from retrieval.settings import Settings

root = Path(sys.argv[1]); n_docs = int(sys.argv[2])
settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", _env_file=None)
(root / "corpus").mkdir(parents=True, exist_ok=True)
emb = DeterministicFakeEmbedding(size=8)
store = Store(settings, emb)
if not (root / "built").exists():
    t = time.time()
    rng = np.random.default_rng(26)
    lex = FtsIndex(store.lexical_path)
    for start in range(0, n_docs, 500):
        docs = [f"background/note-{d:05d}.md" for d in range(start, min(n_docs, start + 500))]
        rows = [(d, p) for d in docs for p in range(10)]
        ids = [f"{d}#{p}" for d, p in rows]
        texts = [f"Title of {d}\n\nPassage {p} of {d}: the ceasefire line near village {d[-9:-3]} in {1990+p}." for d, p in rows]
        store.collection.upsert(ids=ids, documents=texts,
            metadatas=[{"doc_id": d, "position": p, "kind": "background", "origin": f"/nowhere/{d}", "title": d} for d, p in rows],
            embeddings=rng.standard_normal((len(rows), 8)).astype(np.float32))
        store.record_manager.update(ids, group_ids=[d for d, _ in rows])
        lex.put([(i, d, p, t) for i, (d, p), t in zip(ids, rows, texts)])
    lex.set_mark(COMPLETE, "1")
    (root / "built").write_text("1")
    print("built", time.time() - t, flush=True)
from retrieval.index.ingest import ingest

store = Store(settings, emb)
store.collection, store.record_manager, store.lexical()
from langchain_core.indexing import index  # noqa
note = root / f"note-{time.time_ns()}.md"
note.write_text("---\ntitle: Bench note\nkind: background\n---\n\n" + " ".join(f"In {1980 + i} the Zorblatt pass road was closed for {i + 2} weeks by snow." for i in range(40)) + "\n")
prof = cProfile.Profile()
t = time.perf_counter()
prof.enable()
report = ingest(store, [str(note)])
prof.disable()
print("ingest s", round(time.perf_counter() - t, 2), "added", report.added, "count", store.count(), flush=True)
pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
