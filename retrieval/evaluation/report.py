"""The eval report: a Markdown table per kind of question, systems side by side, then each failure
with what was retrieved.
"""

from __future__ import annotations

from retrieval.evaluation.harness import RECALL_CUTOFFS, EvalRun, ItemResult

ANSWER_CHARS = 240


# --- reporting ------------------------------------------------------------------------------
def format_report(runs: list[EvalRun], failures_of: int = 0) -> str:
    """A Markdown table (per kind, then overall; systems side by side) and failure list.

    `failures_of` names the run (by position) whose failures are listed in full.
    """
    k = runs[0].k
    cut = sorted({*RECALL_CUTOFFS, k})
    header = (
        ["kind", "n", "system", "answer", "citation", "abstention"]
        + [f"R@{c}" for c in cut]
        + ["MRR", "p50 ms", "p95 ms"]
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    summaries = [run.summary() for run in runs]
    kinds = sorted({kind for s in summaries for kind in s["by_kind"]}) + ["overall"]
    for kind in kinds:
        for run, summary in zip(runs, summaries):
            m = summary["overall"] if kind == "overall" else summary["by_kind"].get(kind)
            if m is None:
                continue
            label = f"**{kind}**" if kind == "overall" else kind
            cells = [
                label,
                str(m["n"]),
                run.name,
                _pct(m["answer_pass"]),
                _pct(m["citation_pass"]),
                _pct(m["abstention_accuracy"]),
            ]
            cells += [_pct(m["recall"][str(c)]) for c in cut]
            cells += [
                _num(m["mrr"], 2),
                _num(m["latency_ms"]["p50"], 0),
                _num(m["latency_ms"]["p95"], 0),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        "answer: answer_any matched, answer_none absent, abstained iff it should; "
        "citation: cite_any in a cited passage; R@n: cite_any in the top n retrieved."
    )
    for run in runs:
        notes = ", ".join(f"{key} {value}" for key, value in run.notes.items())
        lines.append(
            f"{run.name}: {len(run.results)} questions in {run.seconds:.1f} s"
            + (f" ({notes})" if notes else "")
        )
    run = runs[failures_of]
    failed = [r for r in run.results if not r.passed]
    lines.append("")
    lines.append(
        f"## {len(failed)} failures ({run.name}); E: passage holds the cite_any "
        "evidence, C: passage cited"
    )
    for r in failed:
        lines.extend(_failure_lines(r))
    for other in runs:
        if other is not run:
            ids = [r.id for r in other.results if not r.passed]
            lines.append("")
            lines.append(f"{other.name} failed {len(ids)}: {' '.join(ids) or '-'}")
    return "\n".join(lines)


def _failure_lines(r: ItemResult) -> list[str]:
    lines = ["", f"- {r.id} [{r.kind}] {'; '.join(r.failed)}: {r.question}"]
    if r.error:
        lines.append(f"  error: {r.error}")
        return lines
    answer = " ".join(r.answer.split())
    answer = answer if len(answer) <= ANSWER_CHARS else answer[: ANSWER_CHARS - 1] + "…"
    lines.append(f"  answer{' (abstained)' if r.abstained else ''}: {answer}")
    where = (
        f"evidence at rank {r.rank}"
        if r.rank
        else "evidence not retrieved"
        if r.has_evidence
        else "no evidence named"
    )
    lines.append(f"  retrieved ({where}):")
    cited = set(r.cited)
    for n, row in enumerate(r.retrieved, 1):
        marks = ("E" if row["evidence"] else "-") + ("C" if row["chunk_id"] in cited else "-")
        lines.append(f"    {n}. {marks} {row['doc_id']}: {row['snippet']}")
    return lines


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"
