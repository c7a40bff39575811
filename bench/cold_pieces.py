"""Where a cold `ask` spends its time, piece by piece, one after the other on one thread.

    BACKSTORY_DATA_DIR=DIR BACKSTORY_CORPUS_DIR=CORPUS python bench/cold_pieces.py

Prints a Markdown table: wall and CPU seconds of each piece a fresh process's first answer
needs (imports, opening the index, spaCy, the two ONNX sessions, Chroma's vector index, the
articles' first passages), with the background preloading of retrieval/preload.py turned
off so that each piece is timed alone. The CLI overlaps them (docs/performance.md,
"Session 8: cold start"); this shows what there is to overlap. Give the load average with
the numbers: on a shared machine wall time is mostly other processes' load.
"""

from __future__ import annotations

import os
import resource
import sys
import time

QUESTION = "How many Russian peacekeepers were deployed?"


def main() -> None:
    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    last = [time.perf_counter(), cpu()]

    def step(what: str) -> None:
        wall, used = time.perf_counter(), cpu()
        print(f"| {what} | {wall - last[0]:.2f} | {used - last[1]:.2f} |", flush=True)
        last[:] = [wall, used]

    print(f"load average {os.getloadavg()[0]:.2f}\n\n| piece | wall s | CPU s |\n|---|---|---|")
    import bot.cli  # noqa: F401
    from bot.startup import load_settings

    settings = load_settings()
    step("CLI and settings imports")
    import chromadb  # noqa: F401

    step("import chromadb")
    import retrieval.answering.answerer as answerer_module

    step("import the rest of the answerer")
    answerer_module.warm_up_in_background = lambda: None  # each piece alone, in order
    answerer_module.load_models_in_background = lambda *models: None
    answerer = answerer_module.Answerer(settings)
    size = answerer.store.count()
    step(f"open Chroma and the lexical index ({size:,} passages)")
    pipeline = sys.modules["retrieval.linguistics.pipeline"]
    with pipeline._torch_hidden():
        import spacy  # noqa: F401
    step("import spaCy (torch hidden)")
    pipeline.pipeline()
    step("load the spaCy pipeline")
    answerer.embedder.load()
    step("embedder ONNX session")
    answerer.scorer.load()
    step("reader ONNX session")
    answerer.store.dense_search([1.0] + [0.0] * 383, 1)
    step("Chroma's vector index (first query)")
    answerer.store.article_openings()
    step("the articles' first passages (metadata filter)")
    answer = answerer.answer(QUESTION)
    step(f"the first answer, all loaded ({answer.timings_ms['total']:.0f} ms inside)")
    answerer.answer("Who is Stanislav Tarasov?")
    step("a second answer")
    print(f"\nload average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
