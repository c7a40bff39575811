"""Should the offline answerer answer at all? A small learned judge of its own best quotes.

The cross-encoder (retrieval/scorer.py) rates near-miss sentences about as likely as right
ones: "When was the lighthouse demolished?" and "When was it built?" both get ~0.9 from the
sentence that says when it was built. What tells them apart is mostly what the sentence
and its passage lack: the question's rarest word ("demolished") appears nowhere near the
quote. This module turns the answerer's evidence into a few such features and a logistic
model trained on SQuAD 2.0 (`python -m retrieval.train.answerability`, weights in
retrieval/assets/answerability.json) gives the probability that the question is one the
sources do not answer.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from retrieval.lexical import tokenize

MODEL_FILE = "answerability.json"
_NUMBER = re.compile(r"^\d+$")
# Capitalised words inside the question (not its first word): names, places, titles.
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'-]+")

FEATURES = (
    "evidence",            # the first stage's best score (similarity + word coverage)
    "margin",              # best evidence minus the runner-up's
    "candidates",          # log(1 + sentences above the first stage's threshold)
    "reader_lead",         # the cross-encoder's probability for the leading quote, as a logit
    "reader_best",         # its best probability over the chosen quotes, as a logit
    "cover_quote",         # share of the question's words in the lead quote and its title
    "rare_cover_quote",    # the same, each word weighted by its rarity in the corpus
    "rare_cover_passage",  # rarity-weighted share found anywhere in the lead's passage
    "missing_passage",     # rarity of the rarest question word missing from that passage
    "missing_retrieved",   # rarity of the rarest question word missing from every passage
    "missing_number",      # a number in the question that the lead's passage lacks
    "missing_names",       # share of the question's capitalised words the passage lacks
    "typed",               # the question asks for a kind of thing (a date, a number, ...)
    "question_words",      # log(1 + the question's content words)
)


@dataclass(frozen=True)
class Evidence:
    """What the answerer knows about its best answer when it decides."""

    question: str
    lead_quote: str
    lead_title: str
    lead_passage: str
    retrieved_texts: tuple[str, ...]
    evidence: float
    runner_up: float
    candidates: int
    reader_lead: float
    reader_best: float
    typed: bool


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _coverage(weights: dict[str, float], tokens: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in tokens) / total if total else 0.0


def featurize(ev: Evidence, idf) -> np.ndarray:
    """The FEATURES of one decision; `idf` maps a stemmed word to its rarity (BM25 idf),
    normalised here by the rarity of a word no passage holds, so corpora of any size
    give features on one scale."""
    words = list(dict.fromkeys(tokenize(ev.question)))
    unseen = max(idf("\u2205never\u2205"), 1e-6)
    rarity = {w: min(1.0, idf(w) / unseen) for w in words}
    uniform = {w: 1.0 for w in words}
    quote_tokens = set(tokenize(ev.lead_quote)) | set(tokenize(ev.lead_title))
    passage_tokens = set(tokenize(ev.lead_passage)) | quote_tokens
    everywhere = set(passage_tokens)
    for text in ev.retrieved_texts:
        everywhere |= set(tokenize(text))
    numbers = [w for w in words if _NUMBER.match(w)]
    names = {t for m in _NAME.findall(ev.question) for t in tokenize(m)}
    return np.array([
        ev.evidence,
        ev.evidence - ev.runner_up,
        math.log1p(ev.candidates),
        _logit(ev.reader_lead),
        _logit(ev.reader_best),
        _coverage(uniform, quote_tokens),
        _coverage(rarity, quote_tokens),
        _coverage(rarity, passage_tokens),
        max((rarity[w] for w in words if w not in passage_tokens), default=0.0),
        max((rarity[w] for w in words if w not in everywhere), default=0.0),
        float(any(n not in passage_tokens for n in numbers)),
        (sum(1 for n in names if n not in passage_tokens) / len(names)) if names else 0.0,
        float(ev.typed),
        math.log1p(len(words)),
    ], dtype=np.float64)


@dataclass(frozen=True)
class DeclineModel:
    """Logistic regression over standardised FEATURES; `threshold` on P(unanswerable)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float
    about: dict

    def probability(self, features: np.ndarray) -> float:
        z = float(((features - self.mean) / self.scale) @ self.weights + self.bias)
        return 1.0 / (1.0 + math.exp(-z))

    def declines(self, features: np.ndarray) -> bool:
        return self.probability(features) >= self.threshold

    def to_json(self) -> str:
        return json.dumps({
            "features": list(FEATURES),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "weights": self.weights.round(6).tolist(),
            "bias": round(self.bias, 6),
            "threshold": self.threshold,
            "about": self.about,
        }, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DeclineModel:
        data = json.loads(text)
        if list(data["features"]) != list(FEATURES):
            raise ValueError("answerability model was trained on other features; retrain it "
                             "with `python -m retrieval.train.answerability`")
        return cls(np.array(data["mean"]), np.array(data["scale"]), np.array(data["weights"]),
                   float(data["bias"]), float(data["threshold"]), data.get("about", {}))


@lru_cache(maxsize=1)
def packaged_model() -> DeclineModel:
    text = (resources.files("retrieval") / "assets" / MODEL_FILE).read_text(encoding="utf-8")
    return DeclineModel.from_json(text)
