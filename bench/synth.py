"""Synthetic corpora of N passages grown from the real corpus, and vectors for them.

A corpus of size N holds the real corpus (so eval questions still find their answers) plus
synthetic background notes. Each synthetic section is a handful of real sentences, mostly
from one source document, with names swapped and years shifted, so no two passages are
duplicates; each section is short enough to be exactly one passage.

Embedding 100k passages with the packaged model would take ~1.5 h on 2 cores, so sizes
beyond the real corpus get precomputed vectors: a synthetic passage's vector is the mean of
its source sentences' real vectors plus a little noise (close to what the model would
give, and cheap), and the real passages' vectors are the model's own, cached once.
`CachedEmbedder` serves those vectors to ingest, and the real model for queries.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import time
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from retrieval.answering.extractive import embed_array
from retrieval.index.chunking import chunk_document, passage_text
from retrieval.index.corpus import load_targets
from retrieval.text import split_sentences

SECTIONS_PER_DOC = 10
MIN_BODY, MAX_BODY = 420, 840  # below the 900-character passage size: one section, one passage
FOREIGN_SENTENCE_SHARE = 0.2  # sentences taken from another document than the section's source
NOISE = 0.01  # per-dimension noise on approximate vectors (norm ~0.2 before normalising)
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-2]\d)\b")
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{3,}\b")


def key(body: str) -> str:
    return hashlib.sha1(body.strip().encode()).hexdigest()


def real_docs(corpus_dir: Path):
    corpus_dir = corpus_dir.resolve()  # the loader skips paths with a part starting "."
    loaded = load_targets([str(corpus_dir)], corpus_dir, 10**9, 5.0)
    return sorted(loaded.docs, key=lambda d: d.doc_id)


def sentence_pool(docs) -> tuple[list[str], list[int]]:
    """Every usable body sentence of the real corpus, with the index of its document."""
    sentences, owners = [], []
    for i, doc in enumerate(docs):
        for _, _, s in split_sentences(doc.text):
            if len(s) >= 40 and not s.startswith("#") and s.endswith((".", '"', "”")):
                sentences.append(" ".join(s.split()))
                owners.append(i)
    return sentences, owners


def _cached(path: Path, texts: list[str], embedder) -> np.ndarray:
    digest = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:16]
    file = path.with_name(f"{path.stem}-{digest}.npy")
    if file.exists():
        return np.load(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    vectors = embed_array(embedder, texts)
    np.save(file, vectors)
    return vectors


def real_passage_vectors(docs, embedder, cache_dir: Path) -> dict[str, np.ndarray]:
    """The model's own vectors of the real corpus's passages, keyed by passage body."""
    pairs = [(c.text, passage_text(d, c)) for d in docs for c in chunk_document(d)]
    vectors = _cached(cache_dir / "real-passages", [p for _, p in pairs], embedder)
    return {key(body): v for (body, _), v in zip(pairs, vectors)}


def _mutate(sentence: str, rng: random.Random, names: list[str]) -> str:
    sentence = _YEAR.sub(lambda m: str(int(m.group()) + rng.randint(-12, 12)), sentence)
    found = list(_NAME.finditer(sentence))
    for match in rng.sample(found, min(len(found), rng.randint(1, 2))):
        sentence = sentence.replace(match.group(), rng.choice(names), 1)
    return sentence


def generate(
    corpus_dir: Path, out_dir: Path, size: int, embedder, cache_dir: Path, seed: int = 7
) -> dict:
    """Write a corpus of about `size` passages under out_dir/corpus and its vectors.

    Returns a manifest; reuses what an earlier call wrote for the same size and seed.
    """
    marker = out_dir / "manifest.npz"
    if marker.exists():
        data = np.load(marker, allow_pickle=False)
        return {
            "size": size,
            "passages": int(data["passages"]),
            "docs": int(data["docs"]),
            "seconds": 0.0,
            "reused": True,
        }
    started = time.perf_counter()
    shutil.rmtree(out_dir, ignore_errors=True)
    docs = real_docs(corpus_dir)
    real = real_passage_vectors(docs, embedder, cache_dir)
    sentences, owners = sentence_pool(docs)
    svec = _cached(cache_dir / "sentences", sentences, embedder)
    by_doc: dict[int, list[int]] = {}
    for idx, owner in enumerate(owners):
        by_doc.setdefault(owner, []).append(idx)
    names = sorted({m.group() for s in sentences for m in _NAME.finditer(s)})
    headings = sorted({h for d in docs for h in re.findall(r"^#{2,3} (.+)$", d.text, re.MULTILINE)})

    shutil.copytree(corpus_dir, out_dir / "corpus", ignore=shutil.ignore_patterns("README*"))
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    keys, vectors = list(real), list(real.values())
    synth_dir = out_dir / "corpus" / "background" / "synthetic"
    synth_dir.mkdir(parents=True)
    n_docs = 0
    while len(keys) < size:
        source = rng.randrange(len(docs))
        title = f"{docs[source].title}: {rng.choice(names)} and {rng.choice(names)}"
        year = rng.randint(1995, 2024)
        front = (
            f"---\ntitle: {json.dumps(title)}\nkind: background\n"
            f"outlet: synthetic bench corpus\n"
            f"published: {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n---\n"
        )
        parts = [front]
        for _ in range(min(SECTIONS_PER_DOC, size - len(keys))):
            body, used = _section(rng, sentences, by_doc, source, names)
            parts.append(f"## {_mutate(rng.choice(headings), rng, names)}\n\n{body}\n")
            mean = svec[used].mean(axis=0) + np_rng.normal(0, NOISE, svec.shape[1])
            keys.append(key(body))
            vectors.append((mean / np.linalg.norm(mean)).astype(np.float32))
        (synth_dir / f"synth-{n_docs:06d}.md").write_text("\n".join(parts), encoding="utf-8")
        n_docs += 1
    np.savez(out_dir / "vectors.npz", keys=np.array(keys), vectors=np.stack(vectors))
    np.savez(marker, passages=len(keys), docs=n_docs + len(docs))
    return {
        "size": size,
        "passages": len(keys),
        "docs": n_docs + len(docs),
        "seconds": round(time.perf_counter() - started, 1),
        "reused": False,
    }


def _section(rng, sentences, by_doc, source, names) -> tuple[str, list[int]]:
    target = rng.randint(MIN_BODY, MAX_BODY)
    own = by_doc[source]
    start = rng.randrange(len(own))
    picked: list[int] = []
    text: list[str] = []
    length = 0
    while True:
        if rng.random() < FOREIGN_SENTENCE_SHARE:
            idx = rng.randrange(len(sentences))
        else:
            idx = own[(start + len(picked)) % len(own)]
        sentence = _mutate(sentences[idx], rng, names)
        if length + len(sentence) + 1 > MAX_BODY:
            if picked:
                break
            sentence = sentence[: MAX_BODY - 1].rsplit(" ", 1)[0] + "."
        picked.append(idx)
        text.append(sentence)
        length += len(sentence) + 1
        if length >= target:
            break
    return " ".join(text), picked


class CachedEmbedder(Embeddings):
    """Precomputed passage vectors for ingest; the real model for queries and sentences."""

    def __init__(self, inner: Embeddings, vectors_file: Path) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        data = np.load(vectors_file)
        self._rows = {str(k): i for i, k in enumerate(data["keys"])}
        self._vectors = data["vectors"]
        self.misses = 0
        self.seconds = 0.0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        out: list = [None] * len(texts)
        missing = []
        for i, text in enumerate(texts):
            row = self._rows.get(key(text.partition("\n\n")[2] or text))
            if row is None:
                missing.append(i)
            else:
                out[i] = self._vectors[row].tolist()
        if missing:
            self.misses += len(missing)
            for i, v in zip(missing, self.inner.embed_documents([texts[i] for i in missing])):
                out[i] = v
        self.seconds += time.perf_counter() - started
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def embed_array(self, texts: list[str], query: bool = False) -> np.ndarray:
        return embed_array(self.inner, texts)


class TimedEmbedder(Embeddings):
    """The real model, with the time spent embedding passages added up."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self.seconds = 0.0
        self.texts = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        vectors = self.inner.embed_documents(texts)
        self.seconds += time.perf_counter() - started
        self.texts += len(texts)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def embed_array(self, texts: list[str], query: bool = False) -> np.ndarray:
        return embed_array(self.inner, texts)
