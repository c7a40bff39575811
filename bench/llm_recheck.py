"""Re-check a real model's stored answers with the current checker, without the model.

    python -m bench.llm_recheck bench/results/llm-real-<model>.json [--data-dir DIR]

A run of bench/llm_real.py against a small local model takes most of an hour; its JSON
keeps every raw answer. This retrieves each question's passages again (same corpus, same
k, so the passages the model saw, as long as the index and retriever are unchanged) and
runs `verify_generated` on the stored text, printing per answer what is kept now, with
which citations, and what is dropped and why. It shows what a checker change does to real
model output; it is no substitute for a new run (the model's text does not change).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from retrieval.answering.answerer import Answerer
from retrieval.answering.citations import verify_generated
from retrieval.evaluation.harness import groups_met, load_questions
from retrieval.settings import Settings

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", help="a bench/results/llm-real-*.json file")
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--sets", nargs="*", default=[str(REPO / "tests/eval/heldout.jsonl"),
                                                      str(REPO.parent / "shared/eval/dev.jsonl")])
    args = parser.parse_args()
    stored = json.loads(Path(args.results).read_text())
    settings = Settings(generator="extractive", k=stored["meta"]["k"],
                        data_dir=Path(args.data_dir), corpus_dir=REPO / "corpus")
    answerer = Answerer(settings)
    answerer.ensure_index()
    items = {i.id: i for path in args.sets if Path(path).exists()
             for i in load_questions(Path(path))}
    answerable = kept = cited_right = 0
    for name, rows in stored["rows"].items():
        for row in rows:
            if not row["raw"].strip() or "NOT_IN_SOURCES" in row["raw"]:
                continue
            item = items.get(row["id"])
            retrieved = answerer.prepare(row["question"]).retrieved
            verified = verify_generated(row["raw"], retrieved)
            quotes = [c.text for c in verified.citations]
            right = bool(item and item.cite_any and verified.kept
                         and all(groups_met(item.cite_any, quotes)))
            if not row["abstain_expected"]:
                answerable += 1
                kept += bool(verified.kept)
                cited_right += right
            status = "kept, cited right" if right else "kept" if verified.kept else "dropped"
            print(f"- {name} {row['id']} ({status}): {row['question']}")
            if verified.kept:
                print(f"  - shown: {verified.text[:300]}")
            for sentence, why in verified.dropped:
                print(f"  - dropped ({why}): {sentence[:160]}")
    print(f"\nanswerable with text: {answerable}; kept: {kept}; kept with correct citations: "
          f"{cited_right}")


if __name__ == "__main__":
    main()
