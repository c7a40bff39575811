"""The bulk loader's precomputed vectors: read from a memory map, found by key, released.

bench/synth.py serves 1M x 384 vectors to the 1M bench build without holding them in
memory (session 8); a wrong row here would load wrong vectors silently.
"""

from __future__ import annotations

import mmap

import numpy as np
import pytest

from bench import synth


class NoModel:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def embed_documents(self, texts):
        self.asked.extend(texts)
        return [[9.0] * 4 for _ in texts]


@pytest.fixture
def vectors_file(tmp_path):
    bodies = [f"body number {i}" for i in range(50)]
    vectors = np.random.default_rng(3).standard_normal((50, 4)).astype(np.float32)
    path = tmp_path / "vectors.npz"
    np.savez(path, keys=np.array([synth.key(b) for b in bodies]), vectors=vectors)
    return path, bodies, vectors


def test_the_vectors_are_mapped_not_read(vectors_file):
    path, _, vectors = vectors_file
    mapped = synth.open_vectors(path)
    assert isinstance(mapped, np.memmap)
    assert np.array_equal(mapped, vectors)


def test_each_passage_gets_its_own_vector(vectors_file):
    path, bodies, vectors = vectors_file
    model = NoModel()
    embedder = synth.CachedEmbedder(model, path)
    # Passages are "Title\n\nbody"; the key is the body's.
    texts = [f"A title\n\n{bodies[i]}" for i in (7, 0, 49, 23)] + ["A title\n\nnot generated"]
    got = embedder.vectors_for(texts)
    assert got.dtype == np.float32
    assert np.array_equal(got[:4], vectors[[7, 0, 49, 23]])
    assert embedder.misses == 1 and model.asked == ["A title\n\nnot generated"]
    assert np.array_equal(got[4], [9.0] * 4)


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * mmap.PAGESIZE / 2**20


def test_read_pages_leave_the_process(tmp_path):
    """A memory map keeps each page it read resident: at 1M passages, 1.5 GB of RSS."""
    n, dim = 40_000, 128  # 20 MB of vectors
    bodies = [f"body {i}" for i in range(n)]
    path = tmp_path / "big.npz"
    np.savez(path, keys=np.array([synth.key(b) for b in bodies]),
             vectors=np.ones((n, dim), dtype=np.float32))
    embedder = synth.CachedEmbedder(NoModel(), path)
    texts = [f"T\n\n{b}" for b in bodies]
    before = _rss_mb()
    for start in range(0, n, 5_000):
        got = embedder.vectors_for(texts[start : start + 5_000])
        del got
    assert _rss_mb() - before < 8  # without the release: +20 MB


def test_streaming_reads_the_same_documents(tmp_path):
    from tests.conftest import make_corpus

    corpus = make_corpus(tmp_path / "corpus")
    streamed = [d.doc_id for d in synth.iter_docs(corpus, files_per_batch=2)]
    assert sorted(streamed) == [d.doc_id for d in synth.real_docs(corpus)]
    assert len(streamed) == len(set(streamed)) > 2
