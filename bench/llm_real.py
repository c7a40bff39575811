"""Run eval questions through a real OpenAI-compatible server and report what the checker kept.

Not part of CI: it needs a running model server. For example, with llama.cpp's server and
the Qwen2.5-Coder-1.5B-Instruct GGUF (README, "Running on a local model"):

    python -m llama_cpp.server --model qwen2.5-coder-1.5b-instruct-q4_k_m.gguf \\
        --host 127.0.0.1 --port 8080 --n_ctx 4096
    python -m bench.llm_real --url http://127.0.0.1:8080/v1 --model qwen2.5-coder-1.5b \\
        --answerable 25 --unanswerable 8 --seed 12 --timeout 240

Per eval set it reports: answers kept by the checker (the LLM's answer shown, not the quoted
fallback), kept with correct citations (a cited passage holds the `cite_any` evidence),
sentences dropped, declines, fallbacks by reason, time to first token and total time.
Results are rewritten after every question into bench/results/llm-real-<model>.json/.md,
so a run cut short still leaves its numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import time
from pathlib import Path

from retrieval.answering.answerer import Answerer
from retrieval.answering.citations import verify_generated
from retrieval.evaluation.harness import EvalItem, groups_met, load_questions
from retrieval.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SETS = [REPO / "tests/eval/heldout.jsonl", REPO.parent / "shared/eval/dev.jsonl"]


def pick(items: list[EvalItem], answerable: int, unanswerable: int, seed: int) -> list[EvalItem]:
    """A fixed-seed sample: single questions only (no multi-turn, no injections)."""
    rng = random.Random(seed)
    yes = [i for i in items if i.q and not i.abstain and i.kind not in ("injection",
                                                                       "multiturn")]
    no = [i for i in items if i.q and i.abstain and i.kind != "injection"]
    chosen = rng.sample(yes, min(answerable, len(yes))) + rng.sample(no, min(unanswerable, len(no)))
    rng.shuffle(chosen)  # mixed, so a run cut short still has both kinds
    return chosen


async def run_one(answerer: Answerer, item: EvalItem) -> dict:
    started = time.perf_counter()
    first: list[float] = []
    raw: list[str] = []

    def on_token(piece: str) -> None:
        if not first:
            first.append(time.perf_counter() - started)
        raw.append(piece)

    answer = await answerer.aanswer(item.q or "", on_token=on_token)
    total = time.perf_counter() - started
    verified = verify_generated("".join(raw), answer.retrieved) if raw else None
    # Judged on what is shown: the quotes under the answer and the answer's text.
    cited = [c.quote for c in answer.citations]
    llm_kept = answer.generator == "llm" and not answer.abstained
    return {
        "id": item.id, "kind": item.kind, "question": item.q, "abstain_expected": item.abstain,
        "raw": "".join(raw), "answer": answer.answer, "generator": answer.generator,
        "abstained": answer.abstained, "notice": answer.notice,
        "llm_kept": llm_kept,
        "citations_correct": bool(llm_kept and item.cite_any
                                  and all(groups_met(item.cite_any, cited))
                                  and all(groups_met(item.answer_any, [answer.answer]))),
        "answer_correct": bool(llm_kept and all(groups_met(item.answer_any, [answer.answer]))),
        "evidence_retrieved": bool(item.cite_any and all(
            groups_met(item.cite_any, [r.text for r in answer.retrieved]))),
        "sentences_kept": verified.kept if verified else 0,
        "sentences_dropped": len(verified.dropped) if verified else 0,
        "dropped": verified.dropped if verified else [],
        "attributed": verified.attributed if verified else [],
        "declined_in_words": bool(verified and verified.declined and not verified.kept),
        "ttft_s": round(first[0], 2) if first else None, "total_s": round(total, 2),
    }


def fallback_reason(row: dict) -> str | None:
    if row["generator"] != "extractive":
        return None
    notice = row["notice"] or ""
    if "did not finish" in notice:
        return "deadline"
    if "stopped sending" in notice:
        return "server stopped sending (client timeout)"
    if "unavailable" in notice:
        return "unavailable"
    return "checker dropped every sentence" if "not shown" in notice else "other"


def summarise(rows: list[dict]) -> dict:
    # A row the model did not finish before the deadline says nothing about the checker.
    cut_off = [r for r in rows if fallback_reason(r) == "deadline"]
    rows = [r for r in rows if fallback_reason(r) != "deadline"]
    answerable = [r for r in rows if not r["abstain_expected"]]
    unanswerable = [r for r in rows if r["abstain_expected"]]
    kept = [r for r in answerable if r["llm_kept"]]
    ttft = [r["ttft_s"] for r in rows if r["ttft_s"] is not None]
    totals = [r["total_s"] for r in rows]
    reasons: dict[str, int] = {}
    for r in rows:
        reason = fallback_reason(r)
        if reason:
            reasons[reason] = reasons.get(reason, 0) + 1

    def attributed(how: str) -> int:
        return sum(kind == how for r in rows for _, kind in r.get("attributed", []))

    def share(part: int, whole: int) -> str:
        return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"

    return {
        "questions": len(rows),
        "cut_off_at_deadline": len(cut_off),
        "answerable": len(answerable),
        "kept_by_checker": share(len(kept), len(answerable)),
        "kept_with_correct_citations": share(sum(r["citations_correct"] for r in answerable),
                                             len(answerable)),
        "citation_accuracy_of_kept": share(sum(r["citations_correct"] for r in kept), len(kept)),
        "answer_text_correct": share(sum(r["answer_correct"] for r in answerable),
                                     len(answerable)),
        "evidence_retrieved": share(sum(r["evidence_retrieved"] for r in answerable),
                                    len(answerable)),
        "sentences_dropped": share(sum(r["sentences_dropped"] for r in rows),
                                   sum(r["sentences_dropped"] + r["sentences_kept"]
                                       for r in rows)),
        # kept sentences the checker cited itself (retrieval/answering/citations.py, attribute)
        "kept_sentences_without_marker": attributed("uncited"),
        "kept_sentences_re_pointed": attributed("re-pointed"),
        "declines_on_answerable": sum(r["abstained"] for r in answerable),
        "unanswerable_declined": share(sum(r["abstained"] for r in unanswerable),
                                       len(unanswerable)),
        "declined_in_words": sum(r["declined_in_words"] for r in rows),
        "fallbacks": reasons,
        "ttft_s_median": round(statistics.median(ttft), 1) if ttft else None,
        "total_s_median": round(statistics.median(totals), 1) if totals else None,
        "total_s_max": round(max(totals), 1) if totals else None,
    }


def named(out: Path, ext: str) -> Path:
    """out + ext. Not Path.with_suffix: a model name's dots ("qwen2.5-coder-1.5b") would be
    taken for a suffix and cut off ("llm-real-qwen2.5-coder-1.md")."""
    base = str(out)
    for known in (".json", ".md"):
        base = base.removesuffix(known)
    return Path(base + ext)


def write(out: Path, meta: dict, results: dict[str, list[dict]]) -> None:
    summary = {name: summarise(rows) for name, rows in results.items() if rows}
    named(out, ".json").write_text(json.dumps(
        {"meta": meta, "summary": summary, "rows": results}, indent=1, ensure_ascii=False))
    lines = [f"# LLM path against a real model: {meta['model']}", "",
             f"Command: `{meta['command']}`", "",
             f"Server: {meta['url']}; deadline {meta['timeout_s']} s; k={meta['k']}; "
             f"sample seed {meta['seed']}; started {meta['started']}; "
             f"{'complete' if meta.get('finished') else 'partial (still running or cut short)'}.",
             ""]
    keys = list(next(iter(summary.values())).keys()) if summary else []
    lines += ["| | " + " | ".join(summary) + " |", "|---|" + "---|" * len(summary)]
    for key in keys:
        lines.append(f"| {key.replace('_', ' ')} | "
                     + " | ".join(str(s[key]) for s in summary.values()) + " |")
    lines += ["", "## Answers", ""]
    for name, rows in results.items():
        for r in rows:
            status = ("kept, cited right" if r["citations_correct"] else "kept" if r["llm_kept"]
                      else f"fallback ({fallback_reason(r)})" if fallback_reason(r)
                      else "declined" if r["abstained"] else "?")
            lines.append(f"- `{name}` {r['id']} ({status}; ttft {r['ttft_s']} s, total "
                         f"{r['total_s']} s): {r['question']}")
            said = " ".join(r["raw"].split())[:400]
            lines.append(f"  - model: {said}")
            for sentence, why in r["dropped"][:3]:
                lines.append(f"  - dropped ({why}): {sentence[:160]}")
    named(out, ".md").write_text("\n".join(lines) + "\n")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="OpenAI-compatible base URL, e.g. .../v1")
    parser.add_argument("--model", default="local")
    parser.add_argument("--sets", nargs="*", default=[str(p) for p in DEFAULT_SETS])
    parser.add_argument("--answerable", type=int, default=25, help="per run, over all sets")
    parser.add_argument("--unanswerable", type=int, default=8)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=240.0, help="deadline per LLM call")
    parser.add_argument("--k", type=int, default=None, help="passages per question "
                        "(default: the Settings default)")
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    settings = Settings(openai_base_url=args.url, llm_model=args.model, generator="llm",
                        llm_timeout_s=args.timeout, llm_retries=0,
                        **({"k": args.k} if args.k else {}), data_dir=Path(args.data_dir), corpus_dir=REPO / "corpus")
    answerer = Answerer(settings)
    answerer.ensure_index()
    answerer.prepare("warm-up")  # load the embedder and the index before anything is timed
    items: list[tuple[str, EvalItem]] = []
    for path in map(Path, args.sets):
        if path.exists():
            items += [(path.stem, i) for i in load_questions(path)]
    chosen = pick([i for _, i in items], args.answerable, args.unanswerable, args.seed)
    set_of = {id(i): name for name, i in items}
    slug = re.sub(r"[^\w.-]+", "-", args.model).strip("-")
    out = Path(args.out or REPO / f"bench/results/llm-real-{slug}")
    meta = {"model": args.model, "url": args.url, "timeout_s": args.timeout, "k": settings.k,
            "seed": args.seed, "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "command": "python -m bench.llm_real " + " ".join(
                f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
                if v is not None and k not in ("sets", "data_dir", "out"))}
    results: dict[str, list[dict]] = {}
    for n, item in enumerate(chosen, 1):
        row = await run_one(answerer, item)
        results.setdefault(set_of[id(item)], []).append(row)
        write(out, meta, results)
        print(f"[{n}/{len(chosen)}] {item.id}: {row['generator']} kept={row['llm_kept']} "
              f"cited_right={row['citations_correct']} ttft={row['ttft_s']} "
              f"total={row['total_s']}", flush=True)
    meta["finished"] = True
    write(out, meta, results)
    print(json.dumps({name: summarise(rows) for name, rows in results.items()}, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
