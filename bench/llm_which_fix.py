"""Which checker change kept each sentence of a real model's stored answers (not CI).

    python -m bench.llm_which_fix bench/results/llm-real-<model>.json [--data-dir DIR]

For every answerable question it re-runs the current checker on the stored text (as
bench/llm_recheck.py does) and labels each kept sentence: "uncited" (no marker; the checker
cited it), "re-pointed" (its marker's passage failed, another passed), and "names/numbers/
dates as written" when the facts check of commit c6ac821 (before issue 12's second round)
finds something missing in the passage now cited. "kept before too" needed none of these.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from retrieval.answering.answerer import Answerer
from retrieval.answering.citations import _checkable, attach_markers, verify_generated
from retrieval.settings import Settings

REPO = Path(__file__).resolve().parent.parent
BEFORE = "c6ac821"


def old_support():
    # At that commit the module lived at retrieval/support.py and imported the tokenizer from
    # retrieval/lexical.py (both moved by the layout change of issue 16).
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{BEFORE}:retrieval/support.py"],
                            check=True, capture_output=True, text=True).stdout
    source = source.replace("from retrieval.lexical import", "from retrieval.index.lexical import")
    path = Path(tempfile.mkdtemp()) / "support_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("support_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results")
    parser.add_argument("--data-dir", default="data")
    args = parser.parse_args()
    before = old_support()
    stored = json.loads(Path(args.results).read_text())
    answerer = Answerer(Settings(generator="extractive", k=stored["meta"]["k"],
                                 data_dir=Path(args.data_dir), corpus_dir=REPO / "corpus"))
    answerer.ensure_index()
    for rows in stored["rows"].values():
        for row in rows:
            if not row["raw"].strip() or row["abstain_expected"]:
                continue
            retrieved = answerer.prepare(row["question"]).retrieved
            verified = verify_generated(row["raw"], retrieved)
            how = dict(verified.attributed)
            by_n = {c.n: c.text for c in verified.citations}
            print(f"- {row['id']}: kept {verified.kept}, dropped {len(verified.dropped)}")
            for claim in attach_markers(verified.text):
                cited = [_checkable(r) for r in retrieved
                         if r.text in {by_n[n] for n in claim.cited}]
                labels = [how[claim.text]] if claim.text in how else []
                missed = before.missing_facts(claim.text, cited)
                if missed:
                    labels.append("names/numbers/dates as written (before: missing "
                                  + ", ".join(missed) + ")")
                print(f"  - {'; '.join(labels) or 'kept before too'}: {claim.text[:100]}")
            for sentence, why in verified.dropped:
                print(f"  - still dropped ({why}): {sentence[:100]}")


if __name__ == "__main__":
    main()
