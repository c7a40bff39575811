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
import mmap
import random
import re
import shutil
import struct
import time
import zipfile
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from retrieval.answering.extractive import embed_array
from retrieval.index.chunking import chunk_document, passage_text
from retrieval.index.corpus import load_targets
from retrieval.index.safe_files import walk_corpus
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


def iter_docs(corpus_dir: Path, files_per_batch: int = 500):
    """The corpus's documents a few hundred files at a time, in real_docs's order of files.

    At 1M passages the whole corpus held at once (100,000 documents with their texts) was
    a large part of the bulk load's peak memory; a batch is all a loader needs.
    """
    corpus_dir = corpus_dir.resolve()
    files = walk_corpus(corpus_dir).files
    for start in range(0, len(files), files_per_batch):
        batch = [str(f) for f in files[start : start + files_per_batch]]
        yield from sorted(load_targets(batch, corpus_dir, 10**9, 5.0).docs,
                          key=lambda d: d.doc_id)


def open_vectors(vectors_file: Path, member: str = "vectors") -> np.ndarray:
    """One array of a vectors.npz as a read-only memory map, not a copy in memory.

    np.load(mmap_mode=...) ignores the mode for .npz files; np.savez stores its members
    uncompressed, so the member's bytes can be mapped where they lie in the zip file.
    """
    with zipfile.ZipFile(vectors_file) as archive:
        info = archive.getinfo(f"{member}.npy")
    if info.compress_type != zipfile.ZIP_STORED:
        return np.load(vectors_file)[member]
    with open(vectors_file, "rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)  # the zip local file header: name and extra lengths at 26..30
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        version = np.lib.format.read_magic(fh)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, fortran, dtype = read_header(fh)
        offset = fh.tell()
    return np.memmap(vectors_file, dtype=dtype, mode="r", shape=shape,
                     order="F" if fortran else "C", offset=offset)


def _key64(keys: np.ndarray, step: int = 100_000) -> np.ndarray:
    """The first 16 hex digits of each sha1 key as an unsigned 64-bit number, a slice at
    a time (1M keys as 40-character strings are 160 MB; the numbers, 8 MB)."""
    out = np.empty(len(keys), dtype=np.uint64)
    for start in range(0, len(keys), step):
        out[start : start + step] = [int(str(k)[:16], 16) for k in keys[start : start + step]]
    return out


class CachedEmbedder(Embeddings):
    """Precomputed passage vectors for ingest; the real model for queries and sentences.

    The vectors stay in a memory map and the keys are a sorted array of 64-bit numbers
    (8 MB at 1M passages, against ~150 MB for a dict of 1M strings): only the rows a
    batch asks for are read.
    """

    def __init__(self, inner: Embeddings, vectors_file: Path) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        keys = _key64(open_vectors(vectors_file, "keys"))
        self._order = np.argsort(keys, kind="stable")
        self._keys = keys[self._order]
        self._vectors = open_vectors(vectors_file)
        self.misses = 0
        self.seconds = 0.0

    def _row(self, text: str) -> int | None:
        wanted = np.uint64(int(key(text.partition("\n\n")[2] or text)[:16], 16))
        at = int(np.searchsorted(self._keys, wanted))
        if at < len(self._keys) and self._keys[at] == wanted:
            return int(self._order[at])
        return None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.vectors_for(texts).tolist()

    def vectors_for(self, texts: list[str]) -> np.ndarray:
        """The texts' vectors as one float32 array (what Chroma takes without converting;
        lists of Python floats cost the bulk load memory and time)."""
        started = time.perf_counter()
        out = np.empty((len(texts), self._vectors.shape[1]), dtype=np.float32)
        missing = []
        for i, text in enumerate(texts):
            row = self._row(text)
            if row is None:
                missing.append(i)
            else:
                out[i] = self._vectors[row]
        self._release()
        if missing:
            self.misses += len(missing)
            for i, v in zip(missing, self.inner.embed_documents([texts[i] for i in missing])):
                out[i] = v
        self.seconds += time.perf_counter() - started
        return out

    def _release(self) -> None:
        """Drop the pages just read from this process's memory (they stay in the page
        cache): a memory map keeps every page it touched resident, which at 1M passages
        would be 1.5 GB of RSS by the end of the load."""
        mapped = getattr(self._vectors, "_mmap", None)
        if mapped is not None:
            mapped.madvise(mmap.MADV_DONTNEED)

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
