"""Draw docs/answer.svg, the README's picture: a real `backstory ask` on the shipped corpus.

    python docs/make_answer_svg.py            # builds a throwaway index first (~20 s-2 min)

The answer is whatever the current code gives; nothing in the picture is typed by hand.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
QUESTION = "How many Russian peacekeepers were deployed in Nagorno-Karabakh?"
OUT = REPO / "docs" / "answer.svg"
WIDTH = 100


def main() -> None:
    from rich.console import Console
    from rich.text import Text

    from bot.render import answer_rich
    from retrieval.answering.answerer import Answerer
    from retrieval.settings import Settings

    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data), corpus_dir=REPO / "corpus", _env_file=None)
        answerer = Answerer(settings)
        answerer.ensure_index()
        answer = answerer.answer(QUESTION)
    console = Console(record=True, width=WIDTH, force_terminal=True, color_system="truecolor",
                      file=io.StringIO())
    console.print(Text(f'$ backstory ask "{QUESTION}"', style="bold"))
    console.print(answer_rich(answer))
    console.save_svg(str(OUT), title="backstory ask")
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
