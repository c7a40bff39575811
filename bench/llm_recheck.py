"""Re-check a real model's stored answers with the current checker, without the model.

    python -m bench.llm_recheck bench/results/llm-real-<model>.json [--data-dir DIR]

A run of bench/llm_real.py against a small local model takes most of an hour; its JSON
keeps every raw answer. This retrieves each question's passages again (same corpus, same
k, so the passages the model saw, as long as the index and retriever are unchanged) and
runs `verify_generated` on the stored text, printing per answer what is kept now, with
which citations, and what is dropped and why. It shows what a checker change does to real
model output; it is no substitute for a new run (the model's text does not change).

"Cited right" is judged on what is shown: the quotes under the answer (each citation's
quote is the passage sentence the checker found saying the claim) must hold the question's
evidence (`cite_any`), and the shown text its answer (`answer_any`); an evidence string
somewhere else in the cited passage does not count. Rows the model did not finish before
the run's deadline are reported apart.
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
    cut_off = []
    for name, rows in stored["rows"].items():
        for row in rows:
            if "did not finish" in (row.get("notice") or ""):
                cut_off.append(row["id"])  # the model's text stops mid-answer
                continue
            if not row["raw"].strip() or "NOT_IN_SOURCES" in row["raw"]:
                continue
            item = items.get(row["id"])
            retrieved = answerer.prepare(row["question"]).retrieved
            verified = verify_generated(row["raw"], retrieved)
            right = shown_right(item, verified)
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
    print(f"\nanswerable with text: {answerable}; kept: {kept}; kept and right on the shown "
          f"quotes: {cited_right}; cut off at the deadline (not counted): "
          f"{', '.join(cut_off) or 'none'}")


def shown_right(item, verified) -> bool:
    """Kept, the shown quotes hold the evidence, and the shown text holds the answer."""
    if not (item and item.cite_any and verified.kept):
        return False
    quotes = [c.quote for c in verified.citations]
    return all(groups_met(item.cite_any, quotes)) and all(
        groups_met(item.answer_any, [verified.text]))


if __name__ == "__main__":
    main()
