"""BM25 over passages (bm25s), with a tokenizer shared by retrieval and sentence scoring."""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

WORD = re.compile(r"\w+", re.UNICODE)
# Function words carry no topic; question words ("who", "when") are dropped for the same reason.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves tell know say said says please whose many much""".split()  # noqa: SIM905
)


# A snowballstemmer object keeps the word it is working on in its own fields, so two threads
# stemming with one object corrupt each other's words (an IndexError, or a wrong stem, in a
# burst of questions answered on worker threads). Each thread gets its own.
_per_thread = threading.local()


def _stemmer():
    stemmer = getattr(_per_thread, "stemmer", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _per_thread.stemmer = snowballstemmer.stemmer("english")
    return stemmer


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-worded, stemmed word tokens (numbers kept, "2,000" -> "2000")."""
    text = re.sub(r"(?<=\d)[,.](?=\d{3}\b)", "", text)
    return [stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS]


class LexicalIndex:
    """A BM25 index over passage ids, saved beside the vector index so a start loads it."""

    def __init__(self, ids: list[str], model) -> None:
        self.ids = ids
        self._model = model

    def knows(self, token: str) -> bool:
        """True when the (stemmed) word occurs in some passage."""
        return token in self._model.vocab_dict if self.ids else False

    def document_frequency(self, token: str) -> int:
        """How many passages hold the (stemmed) word."""
        column = self._model.vocab_dict.get(token) if self.ids else None
        # bm25s keeps its scores as a sparse matrix by word: the gap between consecutive
        # column pointers is the number of passages with that word.
        pointers = self._model.scores["indptr"] if column is not None else ()
        if column is None or column + 1 >= len(pointers):
            return 0
        return int(pointers[column + 1] - pointers[column])

    def idf(self, token: str) -> float:
        """BM25's inverse document frequency: high for rare words, near 0 for ubiquitous ones.
        A word no passage holds gets the highest value."""
        passages = len(self.ids)
        found = self.document_frequency(token)
        return math.log(1 + (passages - found + 0.5) / (found + 0.5))

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25()
        if ids:
            model.index([tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
        return cls(list(ids), model)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        tokens = tokenize(query)
        if not self.ids or not tokens:
            return []
        vocab = self._model.vocab_dict
        known = [t for t in tokens if t in vocab]
        if not known:
            return []
        scores = self._model.get_scores(known)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder.with_suffix(".tmp")
        _rmtree(tmp)  # left over by a run that was killed
        if self.ids:
            self._model.save(str(tmp))
        else:
            tmp.mkdir(parents=True, exist_ok=True)
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        # Replace the old index only once the new one is complete on disk.
        old = folder.with_suffix(".old")
        _rmtree(old)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        _rmtree(old)

    @staticmethod
    def saved_ids(folder: Path) -> list[str] | None:
        """The passage ids a saved index covers, without loading the index itself."""
        try:
            return json.loads((folder / "ids.json").read_text())
        except (OSError, ValueError):
            return None

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        import bm25s

        ids_file = folder / "ids.json"
        if not ids_file.exists():
            return None
        try:
            ids = json.loads(ids_file.read_text())
            model = bm25s.BM25.load(str(folder), mmap=False) if ids else bm25s.BM25()
        except Exception:  # a damaged cache is rebuilt from Chroma
            logger.warning("lexical index at %s unreadable; rebuilding", folder, exc_info=True)
            return None
        return cls(ids, model)


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
