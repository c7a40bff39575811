"""What each lever of the question-reading reader adds (issue 21): one set, levers switched off.

    python bench/reader_ablation.py --set heldout                 # all levers on
    python bench/reader_ablation.py --set squad --off slot,brief  # two levers off
    python bench/reader_ablation.py --set xquad

Sets: `heldout` (tests/eval/heldout.jsonl), `squad` (the held-out SQuAD 2.0 test articles,
300 seeded questions, as `backstory eval --squad`), `xquad` (the same hash split applied to
XQuAD's English articles: its 4 test articles, every question), `followups`
(bench/followups.jsonl), `tuning` (tests/eval/questions.jsonl, the set tuned on). Levers (module switches read at answer time):

    slot      a "how many X" sentence must count X (retrieval/answering/slots.py); the
              near-miss decline; a support sentence must fill the slot when the lead does
    typed     sentences holding the asked kind of thing shortlisted first
    trust     a lead the parse saw fill the slot is not vetoed by the cross-encoder
    brief     lead + at most one supporting sentence (off: up to three, as before)
    now       now-questions lead with the latest-dated sentence, "As of ..."
    followup  a follow-up is searched with its pronoun replaced by the name it stands for
    article   questions about the article read its passages first; the article leads ties
    support   the supporting sentence must come from the lead's document
    entity    a capital counts as its state in word coverage ("Washington" / "US")
    lead      a leading two-sentence quote shows its answering sentence first; a pair
              answers only through its sentence holding the asked kind (lead.py)
    opening   a background note's opening sentence ranks lower for a date/number/name question
    outlet    "does Sputnik say ..." asks what the article says
    then      "when this article came out" favours sentences naming the article's month
    unmet     a lead that leaves the asked slot empty becomes an honest near-miss (unmet.py)
    absence   a sentence saying the asked thing was not said or done leads (absence.py)
    years     a sentence dated to other years than the question names ranks lower
              (event_match.py, session 8)
    relation  a document's opening without the question's own verb ("headquartered") ranks
              lower
    swap      the cross-encoder overrules a lead it rates < 0.3 for one it rates >= 0.7
    untyped   an article sentence answering a question about the article is never vetoed
    names     follow-up pronouns take the parse's entity labels (followup_names.py)
    parts     "X and who Y?": each part of a two-part question is scored alone too

Prints one JSON object; DATA_DIR (BACKSTORY_DATA_DIR) holds the indexes, built on first use.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SQUAD_FILE = REPO.parent / "shared" / "eval" / "squad" / "dev-v2.0-cs224n.json"
XQUAD_FILE = REPO.parent / "shared" / "eval" / "xquad" / "xquad.en.json"
# Each lever: the module switches (in retrieval.answering) that turn it off, and their off values.
SWITCHES = {
    "slot": [("extractive", "SLOT_FILLING", False)],
    "typed": [("extractive", "TYPED_SHORTLIST", False)],
    "trust": [("extractive", "SLOT_OVERRIDES_VETO", False)],
    "brief": [("extractive", "MAX_SENTENCES", 3)],
    "now": [("extractive", "LATEST_FOR_NOW", False)],
    "followup": [("answerer", "FOLLOWUP_SEARCHES_STANDALONE", False)],
    "article": [("article_focus", "ARTICLE_FOCUS", False), ("article_focus", "ARTICLE_TIE", 0.0)],
    "support": [("extractive", "SUPPORT_FROM_LEAD_DOCUMENT", False)],
    "entity": [("extractive", "ENTITY_WORDS", False)],
    "lead": [("lead", "ANSWERING_PART_FIRST", False)],
    "opening": [("lead", "OPENING_DEMOTION", 0.0)],
    "outlet": [("article_focus", "OUTLET_AS_ARTICLE", False)],
    "then": [("article_focus", "ARTICLE_TIME_BONUS", 0.0)],
    "unmet": [("unmet", "UNMET_DECLINES", False)],
    "absence": [("absence", "ABSENCE_LEADS", False)],
    "years": [("event_match", "YEAR_MISMATCH", False)],
    "relation": [("event_match", "RELATION_WORDS", False)],
    "swap": [("event_match", "READER_SWAP", False)],
    "untyped": [("article_focus", "UNTYPED_NO_VETO", False)],
    "names": [("followup_names", "PARSED_KINDS", False)],
    "parts": [("event_match", "QUESTION_PARTS", False)],
}
LEVERS = tuple(SWITCHES)


def switch_off(levers: set[str]) -> None:
    for lever in levers:
        for module, name, value in SWITCHES[lever]:
            setattr(importlib.import_module(f"retrieval.answering.{module}"), name, value)


def answer_words(run) -> float | None:
    words = [len(r.answer.split()) for r in run.results if not r.abstained]
    return statistics.median(words) if words else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=("heldout", "tuning", "squad", "xquad", "followups"),
                        required=True)
    parser.add_argument("--off", default="", help=f"comma list of {', '.join(LEVERS)}")
    parser.add_argument("--on", default="", help="comma list of levers off by default: "
                        "constraints (a passage must hold the question's names and numbers)")
    parser.add_argument("--reader-weight", type=float, default=None,
                        help="the reader's weight in choosing the lead (extractive.READER_WEIGHT)")
    parser.add_argument("--reader-cut", type=float, default=None,
                        help="decline below this reader probability "
                        "(extractive.MIN_READER_PROBABILITY)")
    parser.add_argument("--max-sentences", type=int, default=None,
                        help="sentences an answer may show (extractive.MAX_SENTENCES)")
    parser.add_argument("--split", default="test", help="squad/xquad articles: test or val")
    parser.add_argument("--constraints-in", default=None, choices=("none", "sentence", "paragraph", "passage"),
                        help="the question's names and numbers must be in the answer's lead "
                        "sentence or its passage (unmet.ANSWER_CONSTRAINTS)")
    args = parser.parse_args()
    off = {lever for lever in args.off.split(",") if lever}
    unknown = off - set(LEVERS)
    if unknown:
        sys.exit(f"unknown levers: {', '.join(sorted(unknown))}")
    switch_off(off)
    if "constraints" in args.on.split(","):
        from retrieval.answering import extractive

        extractive.CONSTRAINTS = True
    if args.constraints_in is not None:
        from retrieval.answering import unmet

        unmet.ANSWER_CONSTRAINTS = None if args.constraints_in == "none" else args.constraints_in
    if args.max_sentences is not None:
        from retrieval.answering import extractive

        extractive.MAX_SENTENCES = args.max_sentences
    if args.reader_cut is not None:
        from retrieval.answering import extractive

        extractive.MIN_READER_PROBABILITY = args.reader_cut
    if args.reader_weight is not None:
        from retrieval.answering import extractive

        extractive.READER_WEIGHT = args.reader_weight

    from retrieval.settings import Settings

    settings = Settings()
    out: dict = {"set": args.set, "off": sorted(off), "on": args.on, "split": args.split,
                 "reader_cut": args.reader_cut, "constraints_in": args.constraints_in}
    if args.set in ("squad", "xquad"):
        from retrieval.evaluation.squad import evaluate

        path = SQUAD_FILE if args.set == "squad" else XQUAD_FILE
        if args.set == "xquad":  # its own index: the articles differ from SQuAD's
            settings = settings.model_copy(update={"data_dir": settings.data_dir / "xquad"})
        report = evaluate(settings, path, args.split, sample=300 if args.set == "squad" else 0)
        summary = report.to_json_dict()
        out.update({key: summary[key] for key in (
            "questions", "answerable", "unanswerable", "answer_rate", "citation_rate",
            "abstention_recall", "abstention_precision", "median_answer_words",
            "latency_ms_p50", "latency_ms_p95")})
    else:
        from bot.startup import make_answerer
        from retrieval.evaluation.harness import load_questions, run_eval

        path = REPO / {"heldout": "tests/eval/heldout.jsonl",
                       "tuning": "tests/eval/questions.jsonl",
                       "followups": "bench/followups.jsonl"}[args.set]
        answerer = make_answerer(settings)
        answerer.ensure_index()
        run = run_eval(answerer, load_questions(path), settings.k, name="ours")
        summary = run.to_json_dict()
        out["by_kind"] = {kind: {"n": row["n"], "answer_pass": row["answer_pass"],
                                 "abstention_accuracy": row["abstention_accuracy"]}
                          for kind, row in summary["by_kind"].items()}
        out["median_answer_words"] = answer_words(run)
        out["latency_ms"] = summary["overall"]["latency_ms"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
