"""XQuAD: questions in 7 languages about English Wikipedia paragraphs, on the default settings.

    python bench/xquad.py                      # held-out articles, 60 questions a language
    python bench/xquad.py --split tuning       # the half that may be looked at while tuning
    python bench/xquad.py --languages ru,es --sample 0    # every question of two languages

The English paragraphs of one split's articles are ingested with the default embedder
(MiniLM) and the multilingual mirror is built (timed); then each language's questions,
matched to the English ones by id, go through the same Answerer as `backstory ask`. Writes
bench/results/xquad-SPLIT.{md,json}. Data: XQuAD (CC BY-SA 4.0), ../shared/eval/xquad/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def markdown(report: dict, build: dict, sample: int) -> str:
    lines = [
        f"# XQuAD {report['split']} articles, default settings",
        "",
        (f"{len(report['articles'])} articles ({', '.join(report['articles'])}), "
         f"{report['passages']} passages; up to {sample or 'all'} questions a language "
         "(seeded sample, same ids in every language). Gold answer = XQuAD's English answer "
         "text; `answer` = it appears in the offline answer, `citation` = in a cited passage."),
        "",
        "| language | n | answer | citation | answered | p50 ms | p95 ms | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in report["languages"]:
        lines.append(
            f"| {m['language']} | {m['questions']} | {m['answer_rate']:.2f} | "
            f"{m['citation_rate']:.2f} | {m['answered_rate']:.2f} | {m['latency_ms_p50']} | "
            f"{m['latency_ms_p95']} | {m['errors']} |")
    lines += ["", (f"Index build: English (MiniLM) {build['english_s']} s, multilingual "
                   f"mirror (e5) {build['multilingual_s']} s, {report['passages']} passages.")]
    return "\n".join(lines) + "\n"


def main() -> None:
    from retrieval.answering import other_languages
    from retrieval.answering.answerer import Answerer
    from retrieval.evaluation import crosslingual
    from retrieval.index.ingest import ingest
    from retrieval.settings import Settings
    from retrieval.train import squad

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=crosslingual.SPLITS, default="held-out")
    parser.add_argument("--languages", default=",".join(crosslingual.LANGUAGES))
    parser.add_argument("--sample", type=int, default=60, help="questions a language; 0: all")
    parser.add_argument("--xquad", type=Path, default=crosslingual.DEFAULT_XQUAD)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--also-before", action="store_true",
                        help="first run the questions through the reader used before "
                             "retrieval/answering/cross_lingual.py (writes xquad-SPLIT-before)")
    args = parser.parse_args()

    documents = crosslingual.split_articles(
        crosslingual.load(args.xquad / "xquad.en.json"))[args.split]
    root = args.work / f"xquad-{args.split}"
    shutil.rmtree(root, ignore_errors=True)
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", _env_file=None)
    squad.as_documents(documents, settings.corpus_dir / "background")
    answerer = Answerer(settings)
    answerer.embedder.embed_query("load the model before the clock starts")
    started = time.perf_counter()
    ingest(answerer.store)
    english_s = time.perf_counter() - started
    answerer.other_languages.index.embedder.embed_query("load the model before the clock starts")
    started = time.perf_counter()
    answerer.other_languages.build_index()
    build = {"english_s": round(english_s, 1),
             "multilingual_s": round(time.perf_counter() - started, 1)}
    print(f"built: {build}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for before in (True, False) if args.also_before else (False,):
        other_languages.OWN_READER = not before
        report = crosslingual.evaluate(
            settings, args.xquad, args.split, tuple(args.languages.split(",")),
            args.sample or None, answerer=answerer).to_json_dict()
        name = f"xquad-{args.split}" + ("-before" if before else "")
        (args.out / f"{name}.json").write_text(json.dumps({**report, "build": build}, indent=1))
        text = markdown(report, build, args.sample)
        (args.out / f"{name}.md").write_text(text)
        print(("reader before cross_lingual.py\n" if before else "") + text, flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
