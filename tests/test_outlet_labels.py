"""Readers see whom each source speaks for: under every citation in the terminal and Discord,
in `--json`, and in `backstory sources`; an answer resting on one side alone says so."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.discord.render import answer_messages
from bot.render import answer_plain, passage_plain
from retrieval.answering.citations import citation_for
from retrieval.models import Answer, Retrieved

ARTICLE_URL = ("https://sputnikglobe.com/20230615/"
               "moscow-questions-washingtons-sanity-1111183621.html")
SPUTNIK = "Sputnik, Russian state media"
ALONE = "the account of Russia alone"


def passage(name: str, outlet: str, url: str | None, body: str) -> Retrieved:
    meta = {"kind": "article" if url else "background", "title": name, "outlet": outlet,
            "published": "2023-06-15", "url": url or ""}
    return Retrieved(chunk_id=name, doc_id=f"x/{name}.md", text=f"{name}\n\n{body}", score=1.0,
                     metadata=meta)


ARTICLE = passage("art", "Sputnik", ARTICLE_URL, "The ministry questioned the mediators' sanity.")
TASS_DOC = passage("tass", "TASS", "https://tass.com/politics/1", "Moscow said it was concerned.")
NOTE = passage("note", "backstory background notes", None, "The notes say something else.")


def answer_citing(*passages: Retrieved) -> Answer:
    citations = [citation_for(n, p, p.text.split("\n\n")[1]) for n, p in enumerate(passages, 1)]
    text = " ".join(f"{c.quote} [{c.n}]" for c in citations)
    return Answer(question="q", answer=text, abstained=False, generator="extractive",
                  citations=citations, retrieved=list(passages))


def test_a_citation_carries_its_outlets_label_and_side():
    article, note = answer_citing(ARTICLE, NOTE).citations
    assert (article.outlet_label, article.speaks_for) == (SPUTNIK, "Russia")
    assert (note.outlet_label, note.speaks_for) == (None, None)  # our notes rest on many outlets
    # a document with no URL is known by the outlet name its front matter gives
    [named] = answer_citing(passage("a", "Sputnik", None, "Text.")).citations
    assert named.outlet_label == SPUTNIK


def test_the_terminal_shows_the_label_under_each_citation():
    plain = answer_plain(answer_citing(ARTICLE, NOTE))
    assert f"[1] art — Sputnik, 2023-06-15\n    {SPUTNIK}\n    {ARTICLE_URL}" in plain
    assert ALONE not in plain  # a note from many outlets backs the answer too
    assert f"\n{SPUTNIK}\n" in passage_plain(answer_citing(ARTICLE).citations[0])


def test_an_answer_on_one_sides_sources_alone_says_whose_account_it_is():
    answer = answer_citing(ARTICLE, TASS_DOC)
    assert answer.one_sided_account() == "Russia"
    plain = answer_plain(answer)
    assert f"    {SPUTNIK} — {ALONE}" in plain
    assert f"    TASS, Russian state news agency — {ALONE}" in plain
    assert answer.to_json_dict()["one_sided_account"] == "Russia"
    assert "one_sided_account" not in answer_citing(ARTICLE, NOTE).to_json_dict()


def test_discord_shows_the_label_under_each_source_line():
    one_sided = "\n".join(answer_messages(answer_citing(ARTICLE, TASS_DOC)))
    assert f"\n-# {SPUTNIK} — {ALONE}" in one_sided
    mixed = "\n".join(answer_messages(answer_citing(ARTICLE, NOTE)))
    assert f"\n-# {SPUTNIK}\n" in mixed or mixed.endswith(f"\n-# {SPUTNIK}")
    assert ALONE not in mixed and "-# None" not in mixed


def test_json_citations_carry_the_label(ready_settings, monkeypatch):
    from bot.cli import app

    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(ready_settings.corpus_dir))
    question = "What did the Russian Foreign Ministry say about the sanity of US mediators?"
    result = CliRunner().invoke(app, ["--data-dir", str(ready_settings.data_dir), "ask",
                                      "--json", question])
    assert result.exit_code == 0, result.output
    cited = json.loads(result.stdout)["citations"]
    article = [c for c in cited if c["doc_id"].startswith("articles/")]
    assert article and all(c["outlet_label"] == SPUTNIK and c["speaks_for"] == "Russia"
                           for c in article)
    assert all(c["outlet_label"] is None for c in cited if c["doc_id"].startswith("background/"))


def test_sources_lists_each_documents_and_sources_label(ready_settings, monkeypatch):
    from bot.cli import app

    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(ready_settings.corpus_dir))
    base = ["--data-dir", str(ready_settings.data_dir), "sources"]
    rows = {r["id"]: r for r in json.loads(CliRunner().invoke(app, [*base, "--json"]).stdout)}
    article = rows["articles/2023-06-15-sputnik-moscow-questions-washingtons-sanity.md"]
    assert article["outlet_label"] == SPUTNIK
    note = rows["background/csto.md"]
    labels = dict(zip(note["sources"], note["source_labels"], strict=True))
    assert labels["http://www.odkb.gov.ru/a/aengl.htm"] == "CSTO, CSTO secretariat"
    assert labels["https://tass.com/world/1385739"] == "TASS, Russian state news agency"
    listing = CliRunner().invoke(app, base).stdout
    title = "Moscow questions Washington's sanity amid reports of US meddling in Karabakh"
    assert f"{title} — {SPUTNIK}, 2023-06-15" in listing
    assert "    source: http://www.odkb.gov.ru/a/aengl.htm  (CSTO, CSTO secretariat)" in listing
