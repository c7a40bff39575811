"""Questions in other languages on the default settings: the e5 mirror beside the MiniLM index.

Real embedders, real Chroma in a temp dir. Only the article is indexed (6 passages), so
the multilingual mirror builds in seconds; the corpus-size timings are in bench/xquad.py and
docs/languages.md, not here.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from retrieval.answering import phrases
from retrieval.answering.language import ENGLISH_ONLY_REPLIES
from tests.conftest import make_corpus

# Written for these tests; each is answered by one sentence of the article.
ASKED = {
    "ru": ("Где находится российская военная база в Армении?", "Gyumri"),
    "es": ("¿Cuántos soldados de paz rusos se desplegaron en Nagorno Karabaj?", "2,000"),
    "hy": ("Ո՞վ է Ստանիսլավ Տարասովը", "Stanislav Tarasov"),
}


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory):
    """A corpus folder and an empty data folder: nothing indexed yet."""
    root = tmp_path_factory.mktemp("multilingual")
    return make_corpus(root, background=[]), root / "data"


def ask(fresh_install, question: str):
    from bot.cli import app

    corpus, data = fresh_install
    result = CliRunner().invoke(app, ["--data-dir", str(data), "ask", "--json", question],
                                env={"BACKSTORY_CORPUS_DIR": str(corpus)})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def collections(data) -> set[str]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(data / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    return {getattr(c, "name", c) for c in client.list_collections()}


def test_english_first_ask_builds_no_multilingual_index(fresh_install):
    """The README's first command stays as fast as before: only the MiniLM index is built."""
    payload, _ = ask(fresh_install, "Where does Russia have a military base in Armenia?")
    assert "Gyumri" in payload["answer"]
    assert collections(fresh_install[1]) == {"backstory"}
    assert "notice" not in payload


@pytest.mark.parametrize("language", ["ru", "es", "hy"])
def test_question_in_another_language_gets_cited_english_quotes(fresh_install, language):
    question, expected = ASKED[language]
    payload, _ = ask(fresh_install, question)
    assert not payload["abstained"], payload["answer"]
    assert expected in payload["answer"]
    assert payload["citations"] and all(c["quote"] in c["text"] for c in payload["citations"])
    assert any(expected in c["quote"] for c in payload["citations"])
    # One line in the asker's language says the quotes are the sources' English words.
    assert payload["notice"] == phrases.SOURCES_IN_ENGLISH[language]
    assert payload["answer"] not in ENGLISH_ONLY_REPLIES.values()
    assert collections(fresh_install[1]) == {"backstory", "backstory-multilingual"}


def test_unanswerable_question_is_declined_in_its_language(fresh_install):
    payload, _ = ask(fresh_install, "¿Quién ganó el Mundial de fútbol de 2018?")
    assert payload["abstained"]
    assert payload["answer"] == phrases.DECLINE["es"]
    assert payload["citations"] == []


@pytest.fixture
def answerer_over_article(tmp_path):
    from retrieval.answering.answerer import Answerer
    from retrieval.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", _env_file=None,
                        corpus_dir=make_corpus(tmp_path, background=[]))
    answerer = Answerer(settings)
    answerer.ensure_index()
    return answerer


# A follow-up in the first question's language, and what its answer must quote.
FOLLOW_UPS = {
    "ru": ("А сколько там миротворцев?", "2,000"),
    "es": ("¿Y dónde tiene Rusia una base militar en ese país?", "Gyumri"),
    "hy": ("Ի՞նչ է նա ասել Իրանի մասին", "contain Iran"),
}


@pytest.mark.parametrize("language", ["ru", "es", "hy"])
def test_follow_up_in_the_same_language(answerer_over_article, language):
    from retrieval.answering.followup import Turn

    first = ASKED[language][0] if language != "ru" else \
        "Где находится российская военная база в Армении?"
    answerer_over_article.other_languages.build_index()
    history = [Turn(first, answerer_over_article.answer(first).answer)]
    follow_up, expected = FOLLOW_UPS[language]
    answer = answerer_over_article.answer(follow_up, history)
    assert not answer.abstained, answer.answer
    assert expected in answer.answer
    assert answer.citations and all(c.quote in c.text for c in answer.citations)
    assert answer.notice == phrases.SOURCES_IN_ENGLISH[language]


def test_chat_and_discord_get_a_notice_while_the_index_builds(answerer_over_article,
                                                                monkeypatch):
    """Without a front end that waits, the first question starts the build in the
    background and is told so in its language; once built, it is answered."""
    from retrieval.index import multilingual

    monkeypatch.setattr(multilingual, "CATCH_UP_INLINE", 0)
    question, expected = ASKED["ru"]
    waiting = answerer_over_article.answer(question)
    assert waiting.answer == phrases.BUILDING["ru"] and waiting.abstained
    assert answerer_over_article.other_languages.index.wait(timeout=300)
    assert answerer_over_article.other_languages.index.error is None
    answer = answerer_over_article.answer(question)
    assert not answer.abstained and expected in answer.answer


def test_off_keeps_the_english_only_reply(answerer_over_article):
    from retrieval.answering.answerer import Answerer

    settings = answerer_over_article.settings.model_copy(update={"multilingual": "off"})
    answer = Answerer(settings, store=answerer_over_article.store).answer(ASKED["ru"][0])
    assert answer.answer == ENGLISH_ONLY_REPLIES["ru"] and answer.abstained
    assert not answerer_over_article.other_languages.index.exists()


def test_ingest_keeps_the_mirror_in_step(answerer_over_article, tmp_path):
    """A document added or removed after the mirror was built is added to or removed from
    it by the ingest itself; without a mirror (auto), ingest builds none."""
    import shutil

    from retrieval.index.ingest import ingest, remove_document
    from tests.conftest import CORPUS

    store = answerer_over_article.store
    mirror = answerer_over_article.other_languages.index
    background = store.settings.corpus_dir / "background"
    shutil.copy(CORPUS / "background" / "csto.md", background / "csto.md")
    ingest(store)
    assert not mirror.exists()

    answerer_over_article.other_languages.build_index()
    assert mirror.store.count() == store.count()
    shutil.copy(CORPUS / "background" / "stanislav-tarasov.md", background)
    ingest(store)
    assert mirror.store.count() == store.count() and mirror.ready()
    remove_document(store, "background/csto.md")
    # remove_document is not an ingest: the mirror catches up on the next question.
    assert not mirror.ready()
    answer = answerer_over_article.answer("Ո՞վ է Ստանիսլավ Տարասովը")
    assert mirror.ready() and not answer.abstained
    ingest(store)
    mirror_ids = set(mirror.store.collection.get(include=[])["ids"])
    assert mirror_ids == set(store.collection.get(include=[])["ids"])


def _squad_file(path, articles):
    path.write_text(json.dumps({"version": "1.0", "data": [
        {"title": title, "paragraphs": [{"context": context, "qas": [
            {"id": qid, "question": question,
             "answers": [{"text": answer, "answer_start": max(0, context.find(answer))}]}]}]}
        for title, context, qid, question, answer in articles]}), encoding="utf-8")


def test_eval_xquad_mode_matches_questions_across_languages_by_id(tmp_path):
    """`backstory eval --xquad`: English paragraphs as documents, each language's questions
    matched to them by id, scored against the English gold answer, per language."""
    from bot.cli import app

    english = [
        ("Gyumri", "Russia has a military base in Gyumri, in northwestern Armenia. The base "
         "has been there since the 1990s and is home to several thousand soldiers.",
         "q1", "Where does Russia have a military base in Armenia?", "Gyumri"),
        ("Peacekeepers", "Moscow deployed a 2,000 troop-strong peacekeeping contingent in "
         "Nagorno-Karabakh after the war of 2020. The contingent left in 2024.",
         "q2", "How many peacekeepers did Moscow deploy in Nagorno-Karabakh?", "2,000"),
    ]
    russian = [
        (english[0][0], "(не используется)", "q1",
         "Где находится российская военная база в Армении?", "Гюмри"),
        (english[1][0], "(не используется)", "q2",
         "Сколько миротворцев Москва разместила в Нагорном Карабахе?", "2000"),
    ]
    _squad_file(tmp_path / "xquad.en.json", english)
    _squad_file(tmp_path / "xquad.ru.json", russian)
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "data"), "eval", "--json",
                                      "--xquad", "en,ru", "--split", "held-out",
                                      str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["split"] == "held-out" and len(report["articles"]) == 1
    rows = {row["language"]: row for row in report["languages"]}
    assert set(rows) == {"en", "ru"}
    assert rows["en"]["questions"] == rows["ru"]["questions"] == 1
    assert rows["en"]["answer_rate"] == 1.0
    assert rows["ru"]["latency_ms_p50"] is not None and rows["ru"]["errors"] == 0

    # Each language's question is scored against the English gold answer, matched by id.
    from retrieval.evaluation import crosslingual

    documents = crosslingual.load(tmp_path / "xquad.en.json")
    asked = crosslingual.load(tmp_path / "xquad.ru.json")
    items = {i.id: i for i in crosslingual.items(documents, asked, None, 7, "ru")}
    assert items["q1"].q == russian[0][3] and items["q1"].answer_any == [["Gyumri"]]
    assert items["q2"].answer_any == [["2,000"]] and items["q2"].kind == "xquad-ru"
    halves = crosslingual.split_articles(documents)
    assert [len(halves["tuning"]), len(halves["held-out"])] == [1, 1]


@pytest.mark.parametrize("table", ["SOURCES_IN_ENGLISH", "DECLINE", "BUILDING"])
def test_each_line_reads_as_its_language(table):
    """The model that picks a line must read the line as written in that language."""
    from retrieval.answering.language import detect_language

    lines = getattr(phrases, table)
    siblings = {"az": {"az", "tr"}, "tr": {"tr", "az"}}
    wrong = {code: detect_language(line) for code, line in lines.items()
             if detect_language(line) not in siblings.get(code, {code})}
    assert wrong == {}
