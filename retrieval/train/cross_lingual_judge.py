"""Fit the judge of the answering sentence for questions in other languages (XQuAD tuning only).

    python bench/xquad.py --split tuning --languages ru --sample 1   # builds the tuning index
    python -m retrieval.train.cross_lingual_judge collect             # retrieval, e5 vectors
    python -m retrieval.train.cross_lingual_judge fit                 # CV, then the weights

`collect` asks every question of XQuAD's *tuning* articles, in each language, of the tuning
index bench/xquad.py built, once, and keeps the retrieved passages and the e5 vectors of the
question and of every sentence read (bench/work/judge-*.pkl, *.npz), so fitting runs
without e5. `fit` reads each question with cross_lingual.read (the features the reader
computes at run time), labels a quote 1 when it holds XQuAD's English answer, and chooses
the regularisation and feature set by cross-validation across articles (6 folds of 3
tuning articles; the score is gold answer in the final answer, through the reader's own
finishing steps, against the hand-weighted sum on the same questions). The held-out
articles are never read here. Needs scikit-learn; the weights (bench/work/
cross-lingual-judge.npz, a few KB) need only numpy. None ship (docs/languages.md, "Session 8").
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import numpy as np

from retrieval.answering import cross_lingual
from retrieval.answering.cross_lingual_judge import SCALARS, Judge
from retrieval.answering.sentence_vectors import SentenceVectors

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "bench" / "work"
LANGUAGES = "ru,es,de,ar,tr,zh,el,hi,ro,th,vi"


class RememberedE5:
    """e5 as the reader calls it, answering from vectors kept on disk (and, while
    collecting, embedding and keeping what is missing)."""

    def __init__(self, model=None, queries=None, passages=None) -> None:
        from retrieval.index.embeddings import E5Embeddings

        self.model = model
        self.name = E5Embeddings.name
        self.cross_lingual_min_similarity = E5Embeddings.cross_lingual_min_similarity
        self.queries: dict[str, np.ndarray] = queries or {}
        self.passages: dict[str, np.ndarray] = passages or {}

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self.queries:
            if self.model is None:
                raise KeyError(f"no vector kept for the question {text!r}: collect again")
            self.queries[text] = np.asarray(self.model.embed_query(text), dtype=np.float32)
        return self.queries[text]

    def embed_array(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.passages]
        if missing:
            if self.model is None:
                raise KeyError(f"no vector kept for {len(missing)} sentences: collect again")
            self.passages.update(zip(missing, self.model.embed_array(missing)))
        return np.stack([self.passages[t] for t in texts]) if texts else np.zeros((0, 384))

    def save(self, path: Path) -> None:
        def pack(kept: dict) -> tuple[np.ndarray, np.ndarray]:
            return np.array(list(kept)), np.stack(list(kept.values())).astype(np.float32)

        qt, qv = pack(self.queries)
        pt, pv = pack(self.passages)
        np.savez_compressed(path, query_texts=qt, query_vectors=qv, passage_texts=pt,
                            passage_vectors=pv)

    @classmethod
    def load(cls, path: Path) -> RememberedE5:
        with np.load(path, allow_pickle=False) as kept:
            return cls(queries=dict(zip(map(str, kept["query_texts"]), kept["query_vectors"])),
                       passages=dict(zip(map(str, kept["passage_texts"]),
                                         kept["passage_vectors"])))


def _tuning_answerer(work: Path):
    from retrieval.answering.answerer import Answerer
    from retrieval.settings import Settings

    root = work / "xquad-tuning"
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", _env_file=None)
    return Answerer(settings)


def collect(args: argparse.Namespace) -> None:
    from retrieval.evaluation import crosslingual

    answerer = _tuning_answerer(args.work)
    others = answerer.other_languages
    documents = crosslingual.split_articles(
        crosslingual.load(args.xquad / "xquad.en.json"))["tuning"]
    article_of = {qa["id"]: a["title"] for a in documents for p in a["paragraphs"]
                  for qa in p["qas"]}
    asked_file, vectors_file = args.work / "judge-asked.pkl", args.work / "judge-e5.npz"
    asked = pickle.loads(asked_file.read_bytes()) if asked_file.exists() else []
    done = {(a["language"], a["id"]) for a in asked}
    e5 = RememberedE5.load(vectors_file) if vectors_file.exists() else RememberedE5()
    e5.model = others.sentence_vectors().embedder
    vectors = SentenceVectors(e5)
    lexicon = answerer.store.lexical()
    for language in args.languages.split(","):
        questions = [a for a in crosslingual.load(args.xquad / f"xquad.{language}.json")
                     if a["title"] in {d["title"] for d in documents}]
        for n, item in enumerate(crosslingual.items(documents, questions, None, 7, language)):
            if (language, item.id) in done:
                continue
            retrieved = others.retrieve(item.q, [], answerer.settings.k)[1]
            cross_lingual.read(item.q, retrieved, vectors, "", lexicon)  # embeds what it reads
            asked.append({"language": language, "id": item.id, "article": article_of[item.id],
                          "question": item.q, "gold": list(item.answer_any[0]),
                          "retrieved": retrieved})
            if n % 100 == 99:
                print(f"{language}: {n + 1} questions", flush=True)
        asked_file.write_bytes(pickle.dumps(asked))
        e5.save(vectors_file)
        print(f"{language}: done; {len(asked)} questions kept", flush=True)


def _holds(gold: list[str], text: str) -> bool:
    text = text.lower()
    return any(g.lower() in text for g in gold)


def _fit(rows: np.ndarray, labels: np.ndarray, c: float, columns: np.ndarray) -> Judge:
    """Logistic regression on the standardised `columns` of `rows`; the others weigh 0."""
    from sklearn.linear_model import LogisticRegression

    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(((rows - mean) / scale)[:, columns], labels)
    coef = np.zeros(rows.shape[1], dtype=np.float32)
    coef[columns] = model.coef_[0]
    return Judge(mean, scale, coef, float(model.intercept_[0]), RememberedE5().name)


def fit(args: argparse.Namespace) -> None:
    asked = pickle.loads((args.work / "judge-asked.pkl").read_bytes())
    e5 = RememberedE5.load(args.work / "judge-e5.npz")
    vectors = SentenceVectors(e5)
    lexicon = _tuning_answerer(args.work).store.lexical()
    languages = args.languages.split(",")
    asked = [a for a in asked if a["language"] in languages]
    for a in asked:
        a["read"] = cross_lingual.read(a["question"], a["retrieved"], vectors, "", lexicon,
                                       features=True)
        a["labels"] = np.array([_holds(a["gold"], c.quote) for c in a["read"].pool], dtype=bool)
    articles = sorted({a["article"] for a in asked})
    folds = [set(articles[i::args.folds]) for i in range(args.folds)]
    width = len(SCALARS) + len(next(iter(e5.queries.values())))
    feature_sets = {"scalars": np.arange(len(SCALARS)), "scalars+product": np.arange(width)}
    feature_sets = {k: v for k, v in feature_sets.items() if k in args.features.split(",")}

    def right(items: list[dict], judge) -> dict[str, float]:
        hits: dict[str, list[bool]] = {}
        for a in items:
            said = cross_lingual.ranked(a["read"], a["retrieved"], judge)
            hits.setdefault(a["language"], []).append(
                _holds(a["gold"], " ".join(c.quote for c in said.picks)))
        return {lang: float(np.mean(h)) for lang, h in sorted(hits.items())}

    def stacked(items: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        kept = [a for a in items if len(a["labels"])]
        return (np.concatenate([a["read"].features for a in kept]),
                np.concatenate([a["labels"] for a in kept]))

    print(f"{len(asked)} questions, {len(articles)} articles, {args.folds} folds; "
          f"{sum(len(a['labels']) for a in asked)} quotes over the bar", flush=True)
    baseline = right(asked, None)
    print(f"hand-weighted sum: mean {np.mean(list(baseline.values())):.3f} "
          + " ".join(f"{k} {v:.3f}" for k, v in baseline.items()), flush=True)
    results = {}
    for name, columns in feature_sets.items():
        for c in (float(x) for x in args.c.split(",")):
            judges = [_fit(*stacked([a for a in asked if a["article"] not in fold]), c, columns)
                      for fold in folds]
            for weight in (None if w == "none" else float(w) for w in args.weights.split(",")):
                cross_lingual.JUDGE_WEIGHT = weight
                hits: dict[str, float] = {}
                for fold, judge in zip(folds, judges):
                    tested = [a for a in asked if a["article"] in fold]
                    for lang, rate in right(tested, judge).items():
                        hits[lang] = hits.get(lang, 0.0) + rate * sum(
                            1 for a in tested if a["language"] == lang)
                per = {lang: v / sum(1 for a in asked if a["language"] == lang)
                       for lang, v in hits.items()}
                mean = float(np.mean(list(per.values())))
                results[(name, c, weight)] = mean
                print(f"{name} C={c} weight={weight}: mean {mean:.3f} "
                      + " ".join(f"{k} {v:.3f}" for k, v in sorted(per.items())), flush=True)
    name, c, weight = max(results, key=results.get)
    print(f"chosen: {name} C={c} weight={weight} (cross-validated mean "
          f"{results[(name, c, weight)]:.3f} against {np.mean(list(baseline.values())):.3f}); "
          "(cross_lingual.JUDGE_WEIGHT is that weight)", flush=True)
    if args.dry_run:
        return
    rows, labels = stacked(asked)
    judge = _fit(rows, labels, c, feature_sets[name])
    judge.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


def main() -> None:
    from retrieval.evaluation import crosslingual

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("collect", "fit"))
    parser.add_argument("--languages", default=LANGUAGES)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--xquad", type=Path, default=crosslingual.DEFAULT_XQUAD)
    parser.add_argument("--folds", type=int, default=6)
    parser.add_argument("--c", default="0.01,0.1,1.0", help="regularisations to compare")
    parser.add_argument("--weights", default="none,0.1,0.2,0.4",
                        help="cross_lingual.JUDGE_WEIGHT values to compare (none: the judge "
                             "alone ranks)")
    parser.add_argument("--features", default="scalars,scalars+product",
                        help="feature sets to compare: scalars (SCALARS), scalars+product "
                             "(also the question's e5 vector times the quote's)")
    parser.add_argument("--out", type=Path, default=WORK / "cross-lingual-judge.npz")
    parser.add_argument("--dry-run", action="store_true", help="cross-validate, write nothing")
    args = parser.parse_args()
    (collect if args.step == "collect" else fit)(args)


if __name__ == "__main__":
    main()
