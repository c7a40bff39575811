"""The word tokenizer shared by the BM25 index (fts.py), retrieval and sentence scoring."""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

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
