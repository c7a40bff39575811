"""Recognise a model saying, in words, that its sources do not answer the question.

The prompt asks for the exact token NOT_IN_SOURCES, but real models often write a sentence
instead: Qwen2.5-Coder-1.5B wrote "The sources do not say ..." for 2 of 4 unanswerable
questions (../shared/FINDINGS.md), and a model answering in the reader's language declines
in that language. Such a sentence is an abstention, not an unverifiable answer.
"""

from __future__ import annotations

import re

_SOURCES = r"(?:(?:provided|given|available|above|cited|these)\s+)?(?:sources?|passages?|documents?|texts?|context|information|articles?)"
_PATTERNS = [
    # English
    rf"\b(?:the|these|my)\s+{_SOURCES}\s+(?:do|does|did)\s*(?:not|n['’]t)\s+"
    r"(?:say|state|mention|contain|include|provide|give|specify|answer|address|cover|"
    r"discuss|indicate|offer|tell|describe|explain|report)",
    rf"\bnot\s+(?:mentioned|stated|specified|provided|given|found|covered|addressed|"
    rf"answered|included|available|discussed)\s+(?:in|by)\s+(?:any\s+of\s+)?(?:the\s+)?"
    rf"{_SOURCES}",
    r"\b(?:no|not\s+enough|insufficient)\s+(?:relevant\s+|specific\s+)?information\s+"
    r"(?:about|on|regarding|in|is|was|to)\b",
    r"\bthere\s+is\s+no\s+(?:mention|information|indication|record)\b",
    r"\bI\s+(?:can(?:not|['’]t)|could\s*(?:not|n['’]t)|am\s+unable\s+to|do\s*(?:not|n['’]t))\s+"
    r"(?:answer|find|determine|tell|know|say)",
    r"\bunable\s+to\s+(?:answer|find|determine)\b",
    # Russian
    r"в\s+(?:предоставленных\s+|приведённых\s+|приведенных\s+|данных\s+)?(?:источниках|"
    r"текстах|документах|материалах)\s+(?:не|нет)\b",
    r"\bнет\s+(?:никакой\s+)?(?:информации|сведений|данных)\b",
    r"\bне\s+(?:указано|указывается|сказано|говорится|упоминается|сообщается|содержится|"
    r"содержат|приводится)\b",
    r"\b(?:не\s+могу|невозможно)\s+(?:ответить|найти|определить|сказать)\b",
    # Spanish
    r"\blas\s+fuentes\s+(?:proporcionadas\s+)?no\b",
    r"\bno\s+(?:hay|se\s+(?:encuentra|proporciona|menciona|dice|indica|especifica))\s+"
    r"(?:información|datos|mención)?",
    r"\bno\s+(?:se\s+)?(?:mencionan?|dicen?|indican?|especifican?|contienen?)\b",
    r"\bno\s+puedo\s+(?:responder|encontrar|determinar)\b",
    # French
    r"\bles\s+(?:sources|documents|textes)\s+(?:fournies?\s+|fournis\s+)?ne\s+\w+\s+pas\b",
    r"\b(?:aucune|pas\s+d['’])\s*information\b",
    r"\bn['’]est\s+pas\s+(?:mentionnée?|indiquée?|précisée?)\b",
    r"\bje\s+ne\s+peux\s+pas\s+(?:répondre|trouver|déterminer)\b",
    # German
    r"\bdie\s+(?:bereitgestellten\s+|vorliegenden\s+)?(?:Quellen|Texte|Dokumente)\s+"
    r"(?:enthalten|sagen|nennen|erwähnen|geben|beantworten)\s+(?:keine|nicht|nichts)\b",
    r"\bkeine\s+(?:Informationen|Angaben|Hinweise)\b",
    r"\b(?:nicht|nirgends)\s+(?:erwähnt|angegeben|genannt)\b",
    r"\bich\s+kann\s+(?:das\s+|dies\s+|die\s+Frage\s+)?nicht\s+beantworten\b",
]
_DECLINE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.I)


def is_decline(sentence: str) -> bool:
    """True when the sentence says the sources (or the model) cannot answer."""
    return bool(_DECLINE.search(sentence))


# --- our own decline ------------------------------------------------------------------------
# It names the articles actually indexed, so a reader of a second article, or of a
# community's own one, is not told about "the article" they never saw.
MAX_NAMED_ARTICLES = 3
DECLINE_TAIL = ("and I'd rather not guess. Try asking about the people, places and events "
                "they cover.")


def decline_message(article_titles: list[str]) -> str:
    """The fixed sentence said when the sources do not answer, naming what they are."""
    quoted = [f"“{title}”" for title in article_titles]
    if not quoted:
        where = "the background documents"
    elif len(quoted) == 1:
        where = f"the article {quoted[0]} or its background documents"
    elif len(quoted) <= MAX_NAMED_ARTICLES:
        where = (f"the articles {', '.join(quoted[:-1])} and {quoted[-1]} or their background "
                 "documents")
    else:
        where = f"the {len(quoted)} articles (/about lists them) or their background documents"
    return f"I can't answer that from {where}, {DECLINE_TAIL}"


class ArticleDecline:
    """The fixed decline naming the indexed articles, read again when the index changed."""

    def __init__(self, store) -> None:
        self.store = store
        self._cached: tuple[int, str] | None = None  # (passage count, decline text)

    def refresh(self) -> None:
        """Called from Answerer.prepare(), in a worker thread: the Chroma reads must not run
        on the event loop."""
        count = self.store.count()
        if self._cached is None or self._cached[0] != count:
            self._cached = (count, decline_message(self.store.article_titles()))

    @property
    def text(self) -> str:
        if self._cached is None:
            self.refresh()
        assert self._cached is not None
        return self._cached[1]
