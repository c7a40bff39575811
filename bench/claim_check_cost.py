"""What the meaning check costs (not CI; rerunnable).

    python -m bench.claim_check_cost [--data-dir DIR] [--repeat 5]

1. Warm: `verify_generated` on each stored real-model answer of
   bench/results/llm-real-qwen2.5-coder-1.5b-instruct-q4_k_m.json over the passages its
   question retrieves (retrieval not timed). "first" is the first check of each answer in a
   process whose parser is loaded (its passages and sentences not yet parsed); "again" is the
   same answer checked again (everything parsed is cached). p50 and max per answer.
2. Cold: in a fresh process, how long loading the parser and the first check of one answer
   take, and whether importing the answering code (what `ask` and `chat` import before their
   first prompt) loads spaCy at all.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STORED = REPO / "bench/results/llm-real-qwen2.5-coder-1.5b-instruct-q4_k_m.json"

COLD = """
import sys, time
t0 = time.perf_counter()
import bot.cli, retrieval.answering.answerer, retrieval.answering.citations
imported = time.perf_counter() - t0
spacy_loaded = "spacy" in sys.modules
from retrieval.answering.citations import verify_generated
from retrieval.models import Retrieved
passage = Retrieved(chunk_id="c", doc_id="d", score=1.0, metadata={}, text=(
    "Lachin corridor\\n\\nOn 23 April 2023 Azerbaijan set up a checkpoint at the Hakari bridge, "
    "at the Lachin corridor's entrance near the Armenian border. Azerbaijan said the Hakari "
    "checkpoint was needed to stop Armenia using the road to move weapons."))
t1 = time.perf_counter()
verify_generated("Azerbaijan set up a checkpoint at the Hakari bridge on 23 April 2023 [1].",
                 [passage])
first_check = time.perf_counter() - t1
print(f"{imported:.2f} {spacy_loaded} {first_check:.2f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout.split()
    print(f"cold process: importing the CLI and the answering code {out[0]} s, spaCy loaded "
          f"by those imports: {out[1]}; first check (loads the parser, parses) {out[2]} s")

    from retrieval.answering.answerer import Answerer
    from retrieval.answering.citations import verify_generated
    from retrieval.linguistics import pipeline
    from retrieval.settings import Settings

    stored = json.loads(STORED.read_text())
    answerer = Answerer(Settings(generator="extractive", k=stored["meta"]["k"],
                                 data_dir=Path(args.data_dir), corpus_dir=REPO / "corpus"))
    answerer.ensure_index()
    rows = [r for rs in stored["rows"].values() for r in rs if r["raw"].strip()]
    cases = [(r["raw"], answerer.prepare(r["question"]).retrieved) for r in rows]
    pipeline()
    first, again = [], []
    for raw, retrieved in cases:
        t = time.perf_counter()
        verify_generated(raw, retrieved)
        first.append(time.perf_counter() - t)
    for _ in range(args.repeat):
        for raw, retrieved in cases:
            t = time.perf_counter()
            verify_generated(raw, retrieved)
            again.append(time.perf_counter() - t)
    for name, times in (("first", first), ("again", again)):
        print(f"warm, {name}: {len(times)} checks, p50 {1000 * statistics.median(times):.1f} ms, "
              f"max {1000 * max(times):.1f} ms")


if __name__ == "__main__":
    main()
