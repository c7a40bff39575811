"""Turn bench results into results.md and PNG plots (matplotlib, Agg: no display needed).

python bench/report.py [bench/results]     # redraw from results.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

TARGET_ANSWER_MS = 100
TARGET_RETRIEVAL_P95_MS = 20
TARGET_RETRIEVAL_SIZE = 100_000
TARGET_INGEST_SHARE = 0.85  # ingest within 15% of the embedder's own throughput
TARGET_CHAT_S = 1.5


def write(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    plots = [
        _latency_plot(results, out),
        _ingest_plot(results, out),
        _memory_plot(results, out),
        _startup_plot(results, out),
    ]
    (out / "results.md").write_text(markdown(results, [p for p in plots if p]))


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def markdown(r: dict, plots: list[str]) -> str:
    m = r["machine"]
    lines = [
        "# Benchmark results",
        "",
        (
            f"Run {r['started']} in {r['minutes']} min by `python bench/run.py` "
            f"(sizes {', '.join(f'{s:,}' for s in r['sizes'])}; medians of {r['repeats']} repeats "
            "where repeated). The machine is shared: absolute times are noisy, ratios less so."
        ),
        "",
        (
            f"Machine: {m['cpu']}, {m['nproc']} cores, {m['memory_gb']} GB RAM; Python "
            f"{m['python']}, chromadb {m['chromadb']}, onnxruntime {m['onnxruntime']}; "
            f"load average {m['load_average_at_start']} at start, "
            f"{m.get('load_average_at_end')} at end. Settings: {r['settings']}; env {m['env']}."
        ),
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *_targets(r),
        "",
        "## Ingest",
        "",
        (
            f"Embedder alone: **{_fmt(r['embedder']['chunks_per_s'])} passages/s** "
            f"({r['embedder']['passages']} real passages of ~{r['embedder']['mean_chars']} "
            "characters, batches of 32)."
        ),
        "",
        (
            "| passages | how | passages/s | without the model | embedder share | "
            "Chroma add s | BM25 build s | peak RSS MB |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in r["ingest"]:
        share = row.get("embed_share")
        lines.append(
            f"| {row['passages']:,} ({row['label']}) | {row['mode']} | "
            f"{_fmt(row['chunks_per_s'])} | {_fmt(row.get('chunks_per_s_without_embedding'))} | "
            f"{_fmt(100 * share, 0) + '%' if share is not None and not row.get('cached_vectors') else '–'} | "
            f"{_fmt(row.get('chroma_add_seconds'))} | {_fmt(row.get('bm25_seconds'), 2)} | "
            f"{_fmt(row.get('peak_rss_mb'), 0)} |"
        )
    lines += [
        "",
        (
            'With cached vectors the model is out of the loop, so "without the model" is the '
            "pipeline's own ceiling; end to end, ingest runs at about 1 / (1/model + 1/pipeline)."
        ),
        "",
        f"## Query latency (k={r['settings']['k']})",
        "",
        (
            "| passages | retrieval p50 ms | retrieval p95 ms | answer p50 ms | answer p95 ms | "
            "answer again p50 ms | retrieval parts ms (query embed / dense / BM25 / fetch) | "
            "open + first query s | peak RSS MB |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for q in r["query"]:
        b = q["retrieval_breakdown_ms"]
        lines.append(
            f"| {q['passages']:,} | {_fmt(q['retrieval_p50'])} | {_fmt(q['retrieval_p95'])} | "
            f"{_fmt(q['answer_p50'])} | {_fmt(q['answer_p95'])} | {_fmt(q['answer_cached_p50'])} | "
            f"{b['embed_query']} / {b['dense']} / {b['bm25']} / {b['fetch']} | "
            f"{_fmt(q['open_and_first_query_s'], 2)} | {_fmt(q['peak_rss_mb'], 0)} |"
        )
    lines += [
        "",
        (
            f"{r['query'][0]['questions'] if r['query'] else 0} questions from the eval set "
            'per run, in a warm process. "answer": whole offline answer (retrieval + extractive '
            'generation), starting with no sentence vectors remembered; "answer again": the same '
            "questions once more, their sentences' vectors now cached."
        ),
        "",
        "## Start-up",
        "",
        "| what | median s | runs s | peak RSS MB |",
        "|---|---|---|---|",
    ]
    s = r["startup"]
    large = s.get("ask_large", {}).get("size", 0)
    for name, label in [
        ("help", "`backstory --help`"),
        ("ask_real", "`backstory ask` (real corpus index), cold process"),
        ("ask_large", f"`backstory ask`, cold, {large:,}-passage index"),
        ("chat_first_prompt", "`backstory chat` to first prompt (pty)"),
    ]:
        row = s.get(name)
        if row is None:
            continue
        if "median_s" not in row:
            lines.append(f"| {label} | – | {row.get('skipped') or row.get('error')} | – |")
            continue
        lines.append(
            f"| {label} | {row['median_s']:.2f} | "
            f"{', '.join(f'{x:.2f}' for x in row['runs_s'])} | "
            f"{_fmt(row.get('peak_rss_mb'), 0)} |"
        )
    lines += ["", *[f"![{p}]({p})" for p in plots], ""]
    return "\n".join(lines)


def _targets(r: dict) -> list[str]:
    rows = []
    q1 = r["query"][0] if r["query"] else None
    if q1:
        ok = q1["answer_p50"] <= TARGET_ANSWER_MS
        rows.append(
            f"| whole offline answer p50 ≤ {TARGET_ANSWER_MS} ms warm | "
            f"{q1['answer_p50']:.0f} ms at {q1['passages']:,} passages (again: "
            f"{q1['answer_cached_p50']:.0f} ms) | {'yes' if ok else 'no'} |"
        )
    big = next((q for q in r["query"] if q["passages"] >= TARGET_RETRIEVAL_SIZE), None)
    if big:
        ok = big["retrieval_p95"] <= TARGET_RETRIEVAL_P95_MS
        rows.append(
            f"| retrieval p95 ≤ {TARGET_RETRIEVAL_P95_MS} ms at 100k passages | "
            f"{big['retrieval_p95']:.1f} ms | {'yes' if ok else 'no'} |"
        )
    else:
        rows.append(
            f"| retrieval p95 ≤ {TARGET_RETRIEVAL_P95_MS} ms at 100k passages | "
            "not measured in this run | – |"
        )
    real = r["ingest"][0]
    ok = real["embed_share"] >= TARGET_INGEST_SHARE
    rows.append(
        f"| ingest within 15% of the embedder's throughput | ingest "
        f"{real['chunks_per_s']:.1f}/s vs embedder {real['embedder_chunks_per_s']:.1f}/s "
        f"in the same run ({100 * real['embed_share']:.0f}% of the time embedding) | "
        f"{'yes' if ok else 'no'} |"
    )
    chat = r["startup"].get("chat_first_prompt", {})
    if "median_s" in chat:
        ok = chat["median_s"] <= TARGET_CHAT_S
        rows.append(
            f"| `chat` first prompt ≤ {TARGET_CHAT_S} s | {chat['median_s']:.2f} s | "
            f"{'yes' if ok else 'no'} |"
        )
    else:
        rows.append(
            f"| `chat` first prompt ≤ {TARGET_CHAT_S} s | "
            f"{chat.get('skipped') or chat.get('error')} | – |"
        )
    return rows


def _latency_plot(r: dict, out: Path) -> str | None:
    if not r["query"]:
        return None
    x = [q["passages"] for q in r["query"]]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for key, label, style in [
        ("retrieval_p50", "retrieval p50", "o-"),
        ("retrieval_p95", "retrieval p95", "o--"),
        ("answer_p50", "whole answer p50", "s-"),
        ("answer_p95", "whole answer p95", "s--"),
        ("answer_cached_p50", "answer again p50 (sentences cached)", "^:"),
    ]:
        ax.plot(x, [q[key] for q in r["query"]], style, label=label)
    ax.axhline(TARGET_RETRIEVAL_P95_MS, color="grey", lw=0.8, ls=":")
    ax.axhline(TARGET_ANSWER_MS, color="grey", lw=0.8, ls="-.")
    ax.text(x[0], TARGET_RETRIEVAL_P95_MS * 1.05, "retrieval p95 target", fontsize=7)
    ax.text(x[0], TARGET_ANSWER_MS * 1.05, "answer p50 target", fontsize=7)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="passages in the index",
        ylabel="ms per question",
        title="Query latency (warm process, median of repeats)",
    )
    ax.legend(fontsize=7)
    return _save(fig, out, "latency.png")


def _ingest_plot(r: dict, out: Path) -> str:
    fig, ax = plt.subplots(figsize=(7, 4.2))
    labels, values, colours = [], [], []
    for row in r["ingest"]:
        labels.append(f"{row['passages']:,}\n{row['mode'].replace(', ', chr(10))}")
        values.append(row["chunks_per_s"])
        colours.append("tab:orange" if not row.get("cached_vectors") else "tab:blue")
    ax.bar(labels, values, color=colours)
    ax.axhline(
        r["embedder"]["chunks_per_s"],
        color="tab:red",
        ls="--",
        label=f"embedder alone ({r['embedder']['chunks_per_s']:.1f}/s)",
    )
    ax.set(yscale="log", ylabel="passages per second", title="Ingest throughput")
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=8)
    return _save(fig, out, "ingest.png")


def _memory_plot(r: dict, out: Path) -> str:
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ing = [row for row in r["ingest"] if row.get("peak_rss_mb")]
    ax.plot(
        [row["passages"] for row in ing],
        [row["peak_rss_mb"] for row in ing],
        "o-",
        label="ingest / load process",
    )
    ax.plot(
        [q["passages"] for q in r["query"]],
        [q["peak_rss_mb"] for q in r["query"]],
        "s-",
        label="query process (index open, answering)",
    )
    ax.set(xscale="log", xlabel="passages in the index", ylabel="peak RSS, MB", title="Memory")
    ax.legend(fontsize=8)
    return _save(fig, out, "memory.png")


def _startup_plot(r: dict, out: Path) -> str:
    s = r["startup"]
    items = [
        (label, s[key]["median_s"])
        for key, label in [
            ("help", "--help"),
            ("ask_real", "ask, real corpus"),
            ("ask_large", f"ask, {s.get('ask_large', {}).get('size', 0):,} passages"),
            ("chat_first_prompt", "chat first prompt"),
        ]
        if key in s and "median_s" in s[key]
    ]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.barh([i[0] for i in items], [i[1] for i in items], color="tab:green")
    ax.axvline(TARGET_CHAT_S, color="grey", ls="--", label="chat target 1.5 s")
    ax.set(xlabel="seconds, cold process (median)", title="Start-up")
    ax.legend(fontsize=8)
    return _save(fig, out, "startup.png")


def _save(fig, out: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out / name, dpi=110)
    plt.close(fig)
    return name


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results"
    write(json.loads((folder / "results.json").read_text()), folder)
