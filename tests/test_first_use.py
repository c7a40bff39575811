"""Several processes started at once on an empty data dir all answer: one builds the index,
the others wait for it (real subprocesses, real Chroma, the packaged embedder)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROCESSES = 3


def test_processes_started_at_once_on_an_empty_index_all_answer(corpus, tmp_path):
    """Before the fix every process but the builder failed with "another backstory process
    is writing" (after BACKSTORY_LOCK_TIMEOUT_S; 0 here so the test does not wait 10 s)."""
    for article in (corpus / "articles").iterdir():
        article.unlink()  # three short notes: the build still takes seconds, not a minute
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTORY_")}
    env.update(BACKSTORY_DATA_DIR=str(tmp_path / "data"), BACKSTORY_CORPUS_DIR=str(corpus),
               BACKSTORY_LOCK_TIMEOUT_S="0", OMP_WAIT_POLICY="PASSIVE", PYTHONPATH=str(REPO))
    runs = [subprocess.Popen([sys.executable, "-m", "bot.cli", "ask", "--json",
                              "When was the CSTO founded?"], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(PROCESSES)]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err
        assert "csto" in out.lower(), out
    # Exactly one of them built the index.
    built = [err for _, err in outputs if "Built the index" in err]
    assert len(built) == 1, [err for _, err in outputs]
