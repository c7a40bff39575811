"""How current a cited fact is, and which source gets the credit for it.

Background citations carry the date their facts run to (`as_of`) in the terminal, Discord
and --json; a note sentence that only restates the article gives way to the article; an
article-only answer about "now" says the date it holds for.
"""

from __future__ import annotations

from bot.discord.render import answer_messages
from bot.render import answer_plain, passage_plain
from retrieval.answering.citations import citation_for
from retrieval.answering.sourcing import dated_notice, finish, prefer_article
from retrieval.index.corpus import load_file
from retrieval.models import Answer, Retrieved

ARTICLE_SENTENCE = ("Moscow deployed a 2,000 troop-strong peacekeeping contingent in "
                    "Nagorno-Karabakh in the aftermath of the Second Karabakh War of "
                    "September-November 2020.")
RESTATEMENT = ("The Sputnik article says Moscow deployed a 2,000-strong peacekeeping contingent "
               "in Nagorno-Karabakh after the Second Karabakh War of September–November 2020.")
OTHER_COUNT = ("Russia deployed a peacekeeping contingent of 1,960 troops in Nagorno-Karabakh "
               "after the Second Karabakh War of September–November 2020.")
UNRELATED = "The Collective Security Treaty Organization was founded in 2002."


def passage(chunk_id: str, kind: str, body: str, as_of: str = "") -> Retrieved:
    meta = {"kind": kind, "title": chunk_id, "outlet": "Sputnik" if kind == "article" else
            "backstory background notes",
            "published": "2023-06-15" if kind == "article" else "2026-11-27", "as_of": as_of}
    return Retrieved(chunk_id=chunk_id, doc_id=f"{kind}/{chunk_id}.md", text=f"{chunk_id}\n\n{body}",
                     score=1.0, metadata=meta)


ARTICLE = passage("art", "article", f"Other things happened. {ARTICLE_SENTENCE} More followed.")
NOTE = passage("note", "background", f"{RESTATEMENT} {UNRELATED}", as_of="2024-06-12")
COUNT_NOTE = passage("count", "background", OTHER_COUNT, as_of="2024-06-12")


def extractive(picks: list[tuple[Retrieved, str]], question: str = "q") -> Answer:
    """What compose_extract writes: each passage numbered at its first quote."""
    numbers: dict[str, int] = {}
    citations = []
    for p, quote in picks:
        if p.chunk_id not in numbers:
            numbers[p.chunk_id] = len(numbers) + 1
            citations.append(citation_for(numbers[p.chunk_id], p, quote))
    text = " ".join(f"{q} [{numbers[p.chunk_id]}]" for p, q in picks)
    retrieved = [ARTICLE, *(p for p, _ in picks if p.chunk_id != ARTICLE.chunk_id)]
    return Answer(question=question, answer=text, abstained=False, generator="extractive",
                  citations=citations, retrieved=retrieved)


def test_note_quote_restating_the_article_is_replaced_by_the_article_sentence():
    answer = prefer_article(extractive([(NOTE, RESTATEMENT)]))
    assert answer.answer == f"{ARTICLE_SENTENCE} [1]"
    [citation] = answer.citations
    assert citation.doc_id == "article/art.md" and citation.quote == ARTICLE_SENTENCE
    assert citation.quote in citation.text and citation.as_of is None


def test_note_facts_the_article_lacks_keep_their_note():
    # A different number is a different fact; an unrelated sentence is the note's own.
    answer = prefer_article(extractive([(COUNT_NOTE, OTHER_COUNT), (NOTE, UNRELATED)]))
    assert [c.doc_id for c in answer.citations] == ["background/count.md", "background/note.md"]
    assert answer.answer == f"{OTHER_COUNT} [1] {UNRELATED} [2]"


def test_only_the_restating_sentence_of_a_note_moves_and_markers_are_renumbered():
    answer = prefer_article(extractive([(COUNT_NOTE, OTHER_COUNT), (NOTE, RESTATEMENT),
                                        (NOTE, UNRELATED)]))
    assert answer.answer == f"{OTHER_COUNT} [1] {ARTICLE_SENTENCE} [2] {UNRELATED} [3]"
    assert [c.doc_id for c in answer.citations] == [
        "background/count.md", "article/art.md", "background/note.md"]
    assert answer.citations[2].quote == UNRELATED


def test_article_sentence_already_quoted_is_not_quoted_twice():
    answer = prefer_article(extractive([(ARTICLE, ARTICLE_SENTENCE), (NOTE, RESTATEMENT)]))
    assert answer.answer == f"{ARTICLE_SENTENCE} [1]"
    assert [c.doc_id for c in answer.citations] == ["article/art.md"]


def llm_answer(text: str) -> Answer:
    citations = [citation_for(1, NOTE, RESTATEMENT)]
    return Answer(question="q", answer=text, abstained=False, generator="llm",
                  citations=citations, retrieved=[ARTICLE, NOTE])


def test_llm_sentence_citing_a_restating_note_points_at_the_article():
    answer = prefer_article(llm_answer(
        "Moscow deployed a 2,000-strong peacekeeping contingent in Nagorno-Karabakh after "
        "the Second Karabakh War [1]."))
    assert [c.doc_id for c in answer.citations] == ["article/art.md"]
    assert answer.answer.endswith("Second Karabakh War [1].")


def test_llm_note_stays_when_another_sentence_citing_it_is_not_in_the_article():
    answer = llm_answer(
        "Moscow deployed a 2,000-strong peacekeeping contingent in Nagorno-Karabakh [1]. "
        "The Collective Security Treaty Organization was founded in 2002 [1].")
    assert prefer_article(answer) == answer


def article_only(question: str, retrieved_note: Retrieved | None) -> Answer:
    retrieved = [ARTICLE] + ([retrieved_note] if retrieved_note else [])
    return Answer(question=question, answer=f"{ARTICLE_SENTENCE} [1]", abstained=False,
                  generator="extractive", retrieved=retrieved,
                  citations=[citation_for(1, ARTICLE, ARTICLE_SENTENCE)])


def test_article_only_answer_about_now_says_its_date_when_later_notes_were_found():
    later = passage("later", "background", UNRELATED, as_of="2024-06-12")
    notice = dated_notice(article_only("Are Russian peacekeepers still in Karabakh?", later))
    assert notice and "as of 2023-06-15" in notice and "2024-06-12" in notice
    # kept beside an existing notice, and shown by the terminal
    answer = finish(article_only("How many peacekeepers are there now?", later)
                    .model_copy(update={"notice": "The language model was unavailable."}))
    assert answer.notice.startswith("The language model was unavailable. This answer is as of")
    assert "Note: The language model was unavailable. This answer is as of" in answer_plain(answer)


def test_no_date_notice_without_a_question_about_now_or_a_later_note():
    later = passage("later", "background", UNRELATED, as_of="2024-06-12")
    earlier = passage("early", "background", UNRELATED, as_of="1991-12-29")
    assert dated_notice(article_only("How many peacekeepers did Moscow deploy?", later)) is None
    assert dated_notice(article_only("Are peacekeepers still there?", earlier)) is None
    assert dated_notice(article_only("Are peacekeepers still there?", None)) is None


def test_background_citations_show_their_as_of_in_terminal_discord_and_json():
    answer = extractive([(COUNT_NOTE, OTHER_COUNT), (ARTICLE, ARTICLE_SENTENCE)])
    plain = answer_plain(answer)
    assert "[1] count — backstory background notes, 2026-11-27, facts to 2024-06-12" in plain
    assert "[2] art — Sputnik, 2023-06-15" in plain  # the article has no as_of
    assert "[2] art — Sputnik, 2023-06-15, facts" not in plain
    assert "facts to 2024-06-12" in passage_plain(answer.citations[0])
    discord = "\n".join(answer_messages(answer))
    assert "count — backstory background notes, 2026-11-27, facts to 2024-06-12" in discord
    cited = answer.to_json_dict()["citations"]
    assert [c["as_of"] for c in cited] == ["2024-06-12", None]


def test_answer_json_carries_each_notes_front_matter_as_of(answerer):
    answer = answerer.answer("Who is Stanislav Tarasov?").to_json_dict()
    notes = [c for c in answer["citations"] if c["doc_id"].startswith("background/")]
    assert notes
    for c in notes:
        corpus = answerer.settings.corpus_dir
        doc = load_file(corpus / c["doc_id"], corpus, max_bytes=1_000_000)
        assert c["as_of"] == doc.as_of.isoformat()


def test_answerer_says_the_date_of_an_article_only_answer_about_now(answerer):
    answer = answerer.answer("Is the region still internationally recognized as part of Azerbaijan?")
    assert {c.doc_id for c in answer.citations} == {
        "articles/2023-06-15-sputnik-moscow-questions-washingtons-sanity.md"}
    assert answer.notice and "as of 2023-06-15, the article's date" in answer.notice


def test_answerer_cites_the_article_over_a_note_restating_it(tmp_path):
    from retrieval.answering.answerer import Answerer
    from retrieval.settings import Settings
    from tests.conftest import make_corpus

    corpus = make_corpus(tmp_path, background=[])
    (corpus / "background" / "restated.md").write_text(
        "---\ntitle: Peacekeepers in the article\nkind: background\noutlet: backstory background"
        " notes\npublished: 2026-11-27\nas_of: 2024-06-12\n---\n## The contingent\n\n"
        "The Sputnik article says Moscow deployed a 2,000 troop-strong peacekeeping contingent "
        "in Nagorno-Karabakh in the aftermath of the Second Karabakh War of September-November "
        "2020.\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, _env_file=None)
    answerer = Answerer(settings)
    answerer.ensure_index()
    # The quoted answerer picks the note's sentence here (it names "the Sputnik article").
    answer = answerer.answer(
        "What does the Sputnik article say Moscow deployed after the Second Karabakh War?")
    assert not answer.abstained and "2,000" in answer.answer
    assert all(c.doc_id.startswith("articles/") for c in answer.citations), answer.citations
