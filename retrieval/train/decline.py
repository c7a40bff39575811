"""Fit the answer-or-decline model (retrieval/decline.py) on SQuAD validation articles.

    python -m retrieval.train decline [--sample N]

Each validation question is asked over an index of the validation articles with the decline
switched off; the label says whether answering with the sentence the reader leads with would
be right (an answerable question, and that sentence holds a gold answer). A logistic
regression on standardised features, fitted by Newton's method with a little L2: five
numbers, no library needed. The test articles are never touched.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from retrieval import extractive
from retrieval.decline import FEATURES, WEIGHTS_FILE, DeclineModel
from retrieval.eval import normalize
from retrieval.settings import Settings
from retrieval.squad_eval import items_for, prepare_index, squad_settings
from retrieval.train import squad

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "assets" / WEIGHTS_FILE
L2 = 1.0


def readings(settings: Settings, sample: int | None, seed: int = 5):
    """(features, label, question) for each validation question."""
    articles = squad.split_articles(squad.load_articles())["val"]
    answerer = prepare_index(squad_settings(settings, "val"), articles)
    rows = []
    saved, extractive.MIN_PROBABILITY = extractive.MIN_PROBABILITY, 0.0
    try:
        for item in items_for(articles, sample, seed):
            prepared = answerer.prepare(item.q or "")
            extract = extractive.choose(prepared.question, prepared.retrieved,
                                        answerer.sentence_vectors,
                                        lexicon=answerer.store.lexical(),
                                        scorer=answerer.scorer, decline_model=None)
            if not extract.features:
                continue
            lead = extract.picks[0].quote if extract.picks else ""
            golds = item.answer_any[0] if item.answer_any else []
            right = any(normalize(g) in normalize(lead) for g in golds)
            rows.append((list(extract.features), int(right), item.q))
    finally:
        extractive.MIN_PROBABILITY = saved
    return rows


def fit(x: np.ndarray, y: np.ndarray) -> DeclineModel:
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) + L2 * np.r_[0, w[1:]]
        hess = (z * (p * (1 - p))[:, None]).T @ z + L2 * np.diag(np.r_[0, np.ones(len(w) - 1)])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return DeclineModel(tuple(w[1:].tolist()), float(w[0]), tuple(mean.tolist()),
                        tuple(scale.tolist()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=0, help="questions (0: all)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dump", type=Path, default=None, help="also write the readings")
    args = parser.parse_args(argv)
    rows = readings(Settings(), args.sample or None)
    if args.dump:
        args.dump.write_text(json.dumps(rows))
    x = np.array([r[0] for r in rows], dtype=float)
    y = np.array([r[1] for r in rows], dtype=float)
    model = fit(x, y)
    args.out.write_text(json.dumps(model.to_json(), indent=2) + "\n")
    predicted = np.array([model.probability(list(v)) for v in x])
    print(json.dumps({"questions": len(rows), "right_leads": int(y.sum()),
                      "features": list(FEATURES), "weights": model.weights,
                      "train_accuracy": round(float(((predicted >= 0.5) == y).mean()), 3)}))


if __name__ == "__main__":
    main()
