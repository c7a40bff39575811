"""Answer or decline: a small logistic model over what the reader saw.

The cross-encoder rates one sentence at a time. SQuAD 2.0's near-miss questions ("When was
it demolished?" of a passage that says when it was built) often ask about a word the passage
never uses, and the scorer alone rates such sentences too high. So the decision combines the
scorer's best and second-best probabilities with how much of the question's rare vocabulary
the leading sentence, and its whole passage, leave out. Weights come from
`python -m retrieval.train decline` (logistic regression on SQuAD validation articles) and
ship as retrieval/assets/decline.json.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from retrieval.lexical import tokenize

FEATURES = ("best_logit", "second_logit", "missing_from_sentence", "missing_from_passage",
            "rarest_missing")
WEIGHTS_FILE = "decline.json"


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def features(question: str, probabilities: list[float], sentence: str, passage: str,
             idf) -> list[float]:
    """The model's inputs; `idf` maps a stemmed word to its rarity (unknown words rarest)."""
    ranked = sorted(probabilities, reverse=True) + [0.0, 0.0]
    words = dict.fromkeys(tokenize(question))
    rarity = {w: idf(w) if idf else 1.0 for w in words}
    total = sum(rarity.values()) or 1.0
    in_sentence, in_passage = set(tokenize(sentence)), set(tokenize(passage))
    missing_s = [w for w in words if w not in in_sentence]
    missing_p = [w for w in words if w not in in_passage]
    top = max(rarity.values(), default=1.0) or 1.0
    return [
        _logit(ranked[0]),
        _logit(ranked[1]),
        sum(rarity[w] for w in missing_s) / total,
        sum(rarity[w] for w in missing_p) / total,
        max((rarity[w] for w in missing_p), default=0.0) / top,
    ]


@dataclass(frozen=True)
class DeclineModel:
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def probability(self, x: list[float]) -> float:
        """Probability that answering with the leading sentence is right."""
        z = self.bias + sum(w * (v - m) / s for w, v, m, s in
                            zip(self.weights, x, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
                "mean": list(self.mean), "scale": list(self.scale)}

    @classmethod
    def from_json(cls, data: dict) -> DeclineModel:
        if data.get("features") != list(FEATURES):
            raise ValueError("decline weights were trained on other features")
        return cls(tuple(data["weights"]), float(data["bias"]), tuple(data["mean"]),
                   tuple(data["scale"]))


@lru_cache(maxsize=1)
def packaged_model() -> DeclineModel | None:
    """The shipped weights, or None when none ship (the scorer alone decides then)."""
    path = resources.files("retrieval") / "assets" / WEIGHTS_FILE
    if not path.is_file():
        return None
    return DeclineModel.from_json(json.loads(path.read_text(encoding="utf-8")))
