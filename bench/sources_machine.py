"""The sources state machine of tests/test_sources_machine.py, run longer and not derandomized.

    PYTHONPATH=$PWD OMP_WAIT_POLICY=PASSIVE python bench/sources_machine.py --examples 40 --steps 15
    PYTHONPATH=$PWD OMP_WAIT_POLICY=PASSIVE python bench/sources_machine.py --kill --examples 10

The test runs 4 sequences of 8 steps with a fixed seed; this runs as many as asked with a
random seed and prints the seed hypothesis used, so a failure can be replayed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=40)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--kill", action="store_true",
                        help="add the steps that kill -9 a real ingest process while it writes")
    args = parser.parse_args()

    from hypothesis import HealthCheck, Phase, settings
    from hypothesis.stateful import run_state_machine_as_test

    from retrieval.index.embeddings import make_embedder
    from retrieval.settings import Settings
    from tests.test_sources_machine import KilledSourcesMachine, SourcesMachine

    embedder = make_embedder(Settings(_env_file=None))
    started = time.perf_counter()
    run_state_machine_as_test(
        lambda: (KilledSourcesMachine if args.kill else SourcesMachine)(embedder),
        settings=settings(max_examples=args.examples, stateful_step_count=args.steps,
                          deadline=None, suppress_health_check=list(HealthCheck),
                          phases=[p for p in Phase if p != Phase.shrink],
                          print_blob=True),
    )
    if args.kill:
        for (run, outcome, step), times in sorted(KilledSourcesMachine.followed.items()):
            print(f"  {run} {outcome}, then {step}: {times}")
    print(f"{args.examples} sequences of up to {args.steps} steps"
          f"{' with kill -9 steps' if args.kill else ''}: no loss, no duplicate "
          f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
