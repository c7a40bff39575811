"""Train the decline model (retrieval/answerability.py) and choose its threshold.

    python -m retrieval.train.answerability

1. The SQuAD 2.0 training articles (retrieval/train/squad.py; CC BY-SA 4.0) are ingested into
   an index of their own and every one of their questions is asked: the answerer's evidence
   for its best quotes becomes a row of features, labelled by whether SQuAD marks the
   question unanswerable. Questions the first stage already declines give no row.
2. A logistic regression (L2, Newton's method; numpy only) is fitted to those rows.
3. The threshold is chosen on questions nothing was fitted on: the SQuAD validation articles
   and our calibration set (tests/calibration/questions.jsonl), together, by the rule in
   `choose_threshold`. The test articles are not read here.

Features are cached under DATA_DIR/answerability-features/ (delete it after changing the
answerer, or pass --fresh). Writes retrieval/assets/answerability.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval import extractive
from retrieval.answerability import FEATURES, MODEL_FILE, DeclineModel
from retrieval.settings import Settings
from retrieval.squad_eval import items_for, prepare_index, squad_settings
from retrieval.train import squad

ASSET = Path(__file__).resolve().parents[1] / "assets" / MODEL_FILE
OWN_SET = Path(__file__).resolve().parents[2] / "tests" / "calibration" / "questions.jsonl"
L2 = 1.0
# A decline must be right at least this often on the threshold sets (the bar).
MIN_PRECISION = 0.75


@dataclass
class Rows:
    """Features of the questions that reached the decision, and their labels (1: the
    sources do not answer); `first_stage_declines` counts those declined before it."""

    x: np.ndarray
    y: np.ndarray
    first_stage_unanswerable: int = 0
    first_stage_answerable: int = 0

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, x=self.x, y=self.y,
                 fs=np.array([self.first_stage_unanswerable, self.first_stage_answerable]))

    @classmethod
    def load(cls, path: Path) -> Rows:
        data = np.load(path)
        return cls(data["x"], data["y"], int(data["fs"][0]), int(data["fs"][1]))

    def __add__(self, other: Rows) -> Rows:
        return Rows(np.vstack([self.x, other.x]), np.concatenate([self.y, other.y]),
                    self.first_stage_unanswerable + other.first_stage_unanswerable,
                    self.first_stage_answerable + other.first_stage_answerable)


def collect(answerer, questions: list[tuple[str, bool]], label: str = "") -> Rows:
    """Ask each (question, unanswerable) and keep the decision's features."""
    from tqdm import tqdm

    xs, ys, fs_u, fs_a = [], [], 0, 0
    for question, unanswerable in tqdm(questions, desc=f"features {label}".strip(),
                                       unit="q", mininterval=5):
        prepared = answerer.prepare(question)
        extract = extractive.choose(prepared.question, prepared.retrieved,
                                    answerer.sentence_vectors, lexicon=answerer.store.lexical(),
                                    scorer=answerer.scorer, decline_model=False)
        if extract.features is None:
            if unanswerable:
                fs_u += 1
            else:
                fs_a += 1
            continue
        xs.append(extract.features)
        ys.append(int(unanswerable))
    x = np.array(xs, dtype=np.float64).reshape(-1, len(FEATURES))
    return Rows(x, np.array(ys, dtype=np.float64), fs_u, fs_a)


def squad_rows(settings: Settings, split: str, sample: int | None, seed: int) -> Rows:
    articles = squad.split_articles(squad.load_articles())[split]
    answerer = prepare_index(squad_settings(settings, split), articles)
    items = items_for(articles, sample, seed)
    return collect(answerer, [(i.q or "", i.abstain) for i in items], f"squad-{split}")


def own_rows(settings: Settings, path: Path = OWN_SET) -> Rows:
    from retrieval.answer import Answerer

    answerer = Answerer(settings)
    answerer.ensure_index()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return collect(answerer, [(r["q"], not r["answerable"]) for r in rows], "own")


def fit(rows: Rows, l2: float = L2, iterations: int = 50) -> tuple[np.ndarray, ...]:
    """Standardise, then Newton's method on the L2-penalised log loss."""
    mean = rows.x.mean(axis=0)
    scale = rows.x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    x = np.hstack([(rows.x - mean) / scale, np.ones((len(rows.x), 1))])
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - rows.y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, w[:-1], float(w[-1])


def trade_offs(model: DeclineModel, rows: Rows, cuts) -> list[dict]:
    """Per threshold: recall and precision of declines, answerable questions kept; the
    first stage's declines count as declines at every threshold."""
    p = np.array([model.probability(f) for f in rows.x])
    unanswerable = rows.y == 1
    total_u = int(unanswerable.sum()) + rows.first_stage_unanswerable
    total_a = int((~unanswerable).sum()) + rows.first_stage_answerable
    out = []
    for cut in cuts:
        declined = p >= cut
        right = int((declined & unanswerable).sum()) + rows.first_stage_unanswerable
        wrong = int((declined & ~unanswerable).sum()) + rows.first_stage_answerable
        out.append({
            "threshold": round(float(cut), 3),
            "recall": round(right / max(1, total_u), 3),
            "precision": round(right / max(1, right + wrong), 3),
            "answerable_kept": round(1 - wrong / max(1, total_a), 3),
        })
    return out


def choose_threshold(table: list[dict]) -> dict:
    """The threshold declining most unanswerable questions while declines stay right at
    least MIN_PRECISION of the time; if none reaches that, the most precise one."""
    good = [row for row in table if row["precision"] >= MIN_PRECISION]
    if good:
        return max(good, key=lambda row: (row["recall"], row["threshold"]))
    return max(table, key=lambda row: (row["precision"], row["threshold"]))


CUTS = [round(0.3 + 0.02 * i, 2) for i in range(31)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--val-sample", type=int, default=400,
                        help="SQuAD validation questions for the threshold (default 400)")
    parser.add_argument("--fresh", action="store_true", help="recompute cached features")
    parser.add_argument("--out", type=Path, default=ASSET)
    args = parser.parse_args(argv)
    settings = Settings()
    cache = settings.data_dir / "answerability-features"

    def cached(name: str, make) -> Rows:
        path = cache / f"{name}.npz"
        if path.exists() and not args.fresh:
            return Rows.load(path)
        rows = make()
        rows.save(path)
        return rows

    train = cached("squad-train", lambda: squad_rows(settings, "train", None, 0))
    val = cached(f"squad-val-{args.val_sample}",
                 lambda: squad_rows(settings, "val", args.val_sample, 5))
    own = cached("own", lambda: own_rows(settings))
    mean, scale, weights, bias = fit(train)
    draft = DeclineModel(mean, scale, weights, bias, 0.5, {})
    tables = {name: trade_offs(draft, rows, CUTS)
              for name, rows in (("squad-train", train), ("squad-val", val), ("own", own),
                                 ("val+own", val + own))}
    chosen = choose_threshold(tables["val+own"])
    for name, table in tables.items():
        print(f"\n{name}\nthreshold  recall  precision  answerable-kept")
        for row in table:
            mark = "  <- chosen" if name == "val+own" and row is chosen else ""
            print(f"{row['threshold']:9.2f}  {row['recall']:6.3f}  {row['precision']:9.3f}  "
                  f"{row['answerable_kept']:15.3f}{mark}")
    print("\nweights (standardised features):")
    for name, w in sorted(zip(FEATURES, weights), key=lambda t: -abs(t[1])):
        print(f"  {name:20s} {w:+.3f}")
    model = DeclineModel(mean, scale, weights, bias, chosen["threshold"], {
        "trained": dt.date.today().isoformat(),
        "command": "python -m retrieval.train.answerability",
        "data": "SQuAD 2.0 (CC BY-SA 4.0): training articles of retrieval/train/squad.py; "
                "threshold on its validation articles and tests/calibration/questions.jsonl",
        "train_rows": int(len(train.y)),
        "threshold_rule": f"most unanswerable declined at precision >= {MIN_PRECISION} "
                          "on validation + calibration together",
        "at_threshold_on_val_plus_own": chosen,
    })
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(f"\nthreshold {chosen['threshold']}; wrote {args.out}")


if __name__ == "__main__":
    main()
