"""`backstory eval`: our answerer (and the naive baseline) on an eval set, or SQuAD 2.0."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.options import KOption
from bot.progress import progress_bar
from bot.startup import load_settings, make_answerer
from bot.terminal_text import json_line, say
from bot.user_errors import user_errors

# SQuAD 2.0 (CC BY-SA 4.0) is not shipped: its dev file is a public download.
SQUAD_URL = "https://rajpurkar.github.io/SQuAD-explorer/"
SQUAD_NEEDS_FILE = (
    "--squad needs the SQuAD 2.0 JSON file: `backstory eval --squad FILE`. It is public "
    f"(CC BY-SA 4.0): download dev-v2.0.json from {SQUAD_URL}; docs/evaluation.md says "
    "which split the published numbers used")


# --- eval -------------------------------------------------------------------------------
def eval_command(
    file: Annotated[Path | None, typer.Argument(
        metavar="FILE", show_default=False, help="Questions, one JSON object a line (default: tests/eval/questions.jsonl).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    k: KOption = None,
    baseline: Annotated[str | None, typer.Option(
        "--baseline", help="Also run a baseline side by side: naive (textbook dense RAG).")
    ] = None,
    squad: Annotated[bool, typer.Option(
        "--squad", help="Evaluate on SQuAD 2.0 instead; FILE is a SQuAD 2.0 JSON (public: "
                        f"{SQUAD_URL}). Ingests its articles into their own index under "
                        "DATA_DIR and reports answers, citations and abstention P/R.")] = False,
    split: Annotated[str, typer.Option(
        "--split", help="With --squad: which articles, test (held out), val or train.")
    ] = "test",
    sample: Annotated[int, typer.Option(
        "--sample", help="With --squad or --xquad: questions to ask (per language with "
                         "--xquad), a seeded sample (0: all).")] = 300,
    xquad: Annotated[str | None, typer.Option(
        "--xquad", help="Questions in other languages instead: XQuAD's English paragraphs as "
                        "documents, these languages' questions (e.g. en,ru,es,de,ar,tr,zh; "
                        "FILE: the XQuAD folder, default the shared copy); --split tuning or "
                        "held-out (default).")] = None,
) -> None:
    """Score answers, citations, abstentions, retrieval and latency on an eval set."""
    with user_errors():
        from retrieval.errors import BackstoryError
        from retrieval.evaluation.harness import DEFAULT_FILE, load_questions
        from retrieval.evaluation.report import format_report

        if squad:
            _squad_eval(file, split, sample, k, as_json)
            return
        if xquad:
            _xquad_eval(file, xquad, "held-out" if split == "test" else split, sample, k,
                        as_json)
            return

        if baseline not in (None, "naive"):
            raise BackstoryError(f"unknown baseline {baseline!r}; the one baseline is `naive`")
        items = load_questions(file or DEFAULT_FILE)
        settings = load_settings()
        k = settings.k if k is None else k
        if not 1 <= k <= settings.max_k:
            raise BackstoryError(f"k must be between 1 and {settings.max_k}")
        runs = [_eval_run(make_answerer(settings), items, k, "ours")]
        if baseline:
            from retrieval.evaluation.baseline import NaiveRAG

            say("Building the naive baseline's index…", err=True)
            with NaiveRAG(settings) as naive:
                naive.build()
                run = _eval_run(naive, items, k, "naive")
                run.notes = {"chunks": naive.chunks, "index_seconds": round(naive.build_seconds, 1)}
                runs.append(run)
        if as_json:
            typer.echo(json_line({"file": str(file or DEFAULT_FILE), "k": k,
                                   "questions": len(items),
                                   **{run.name: run.to_json_dict() for run in runs}}))
        else:
            say(format_report(runs))


def _squad_eval(file: Path | None, split: str, sample: int, k: int | None,
                as_json: bool) -> None:
    from retrieval.errors import BackstoryError
    from retrieval.evaluation.squad import SPLITS, evaluate

    if split not in SPLITS:
        raise BackstoryError(f"--split must be one of {', '.join(SPLITS)}, not {split!r}")
    if file is None:
        raise BackstoryError(SQUAD_NEEDS_FILE)
    path = file
    if not path.is_file():
        raise BackstoryError(f"no SQuAD file at {path}. {SQUAD_NEEDS_FILE}")
    settings = load_settings()
    say(f"Indexing the SQuAD {split} articles (first run only)…", err=True)
    progress, update = progress_bar("Evaluating (squad)")
    if progress:
        with progress:
            report = evaluate(settings, path, split, sample or None, k=k, progress=update)
    else:
        report = evaluate(settings, path, split, sample or None, k=k)
    summary = report.to_json_dict()
    if as_json:
        typer.echo(json_line(summary))
        return
    for key, value in summary.items():
        say(f"{key:22} {', '.join(value) if isinstance(value, list) else value}")


def _xquad_eval(folder: Path | None, languages: str, split: str, sample: int,
                k: int | None, as_json: bool) -> None:
    from retrieval.errors import BackstoryError
    from retrieval.evaluation import crosslingual

    if split not in crosslingual.SPLITS:
        raise BackstoryError(f"with --xquad, --split is tuning or held-out, not {split!r}")
    folder = folder or crosslingual.DEFAULT_XQUAD
    wanted = tuple(code.strip() for code in languages.split(",") if code.strip())
    missing = [c for c in ("en", *wanted) if not (folder / f"xquad.{c}.json").is_file()]
    if missing:
        raise BackstoryError(f"no xquad.{missing[0]}.json in {folder}")
    say(f"Indexing XQuAD's {split} articles (English and multilingual; first run only)…",
        err=True)
    report = crosslingual.evaluate(load_settings(), folder, split, wanted, sample or None,
                                   k=k).to_json_dict()
    if as_json:
        typer.echo(json_line(report))
        return
    say(f"{len(report['articles'])} articles, {report['passages']} passages")
    for row in report["languages"]:
        say(f"{row['language']:3} n={row['questions']:<4} answer {row['answer_rate']:.2f}  "
            f"citation {row['citation_rate']:.2f}  answered {row['answered_rate']:.2f}  "
            f"p50 {row['latency_ms_p50']} ms  p95 {row['latency_ms_p95']} ms")


def _eval_run(system, items, k: int, name: str):
    from retrieval.evaluation.harness import run_eval

    progress, update = progress_bar(f"Evaluating ({name})")
    if progress:
        with progress:
            return run_eval(system, items, k, name=name, progress=update)
    return run_eval(system, items, k, name=name)
