"""The eval harness scores what it should, on a tiny question file and a real small index."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from retrieval.answering.followup import Turn
from retrieval.errors import BackstoryError
from retrieval.evaluation.harness import (
    EvalItem,
    evidence_rank,
    load_questions,
    metrics,
    run_eval,
    score,
)
from retrieval.evaluation.report import format_report
from retrieval.models import Answer, Citation, Retrieved

# Outcomes of the first four are certain for any sane engine: the first two are answered from
# passages whose title line holds the evidence, the third is off-topic, and the fourth asks
# for strings the corpus does not contain.
TINY = [
    {
        "id": "a1",
        "kind": "article",
        "q": "How many Russian peacekeepers were deployed in Nagorno-Karabakh?",
        "answer_any": [["2,000", "2000"]],
        "cite_any": [["peacekeep"]],
    },
    {
        "id": "b1",
        "kind": "background",
        "q": "Who is Stanislav Tarasov?",
        "answer_any": [["TARASOV"]],
        "cite_any": [["tarasov"]],
    },
    {
        "id": "u1",
        "kind": "unanswerable",
        "q": "What is the airspeed velocity of an unladen swallow?",
        "abstain": True,
    },
    {
        "id": "b2",
        "kind": "background",
        "q": "What is the Collective Security Treaty Organization?",
        "answer_any": [["xyzzy-not-in-any-answer"]],
        "cite_any": [["xyzzy-no-such-evidence"]],
    },
]


@pytest.fixture
def tiny_file(tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in TINY) + "\n", encoding="utf-8")
    return path


def passage(chunk_id: str, text: str) -> Retrieved:
    return Retrieved(chunk_id=chunk_id, doc_id=f"doc-{chunk_id}", text=text, score=0.0)


def cite(n: int, p: Retrieved) -> Citation:
    return Citation(
        n=n,
        doc_id=p.doc_id,
        title="",
        outlet=None,
        published=None,
        url=None,
        chunk_id=p.chunk_id,
        quote=p.text,
        text=p.text,
    )


# --- the harness over the real engine ------------------------------------------------------
def test_tiny_file_metrics_match_hand_computed_values(answerer, tiny_file):
    run = run_eval(answerer, load_questions(tiny_file), k=6)
    by_id = {r.id: r for r in run.results}
    assert [r.id for r in run.results] == ["a1", "b1", "u1", "b2"]
    assert by_id["b2"].failed == ["answer", "citation", "evidence not in top 6"]
    assert [by_id[i].passed for i in ("a1", "b1", "u1")] == [True, True, True]

    overall = run.summary()["overall"]
    assert overall["n"] == 4
    assert overall["answer_pass"] == 0.75  # a1, b1, u1 of 4
    assert overall["citation_pass"] == 0.667  # a1, b1 of the three naming evidence
    assert overall["abstention_accuracy"] == 1.0  # only u1 should abstain, and does
    assert overall["recall"] == {"1": 0.667, "5": 0.667, "6": 0.667}
    assert overall["mrr"] == 0.667  # ranks 1, 1, none
    assert 0 < overall["latency_ms"]["p50"] <= overall["latency_ms"]["p95"]
    assert overall["errors"] == 0

    kinds = run.summary()["by_kind"]
    assert kinds["background"]["answer_pass"] == 0.5
    assert kinds["background"]["citation_pass"] == 0.5
    assert kinds["unanswerable"]["abstention_accuracy"] == 1.0
    assert kinds["unanswerable"]["citation_pass"] is None  # nothing to cite: not a zero

    # The failure report shows what was retrieved for the failed question, nothing passing.
    report = format_report([run])
    assert "## 1 failures (ours)" in report
    assert "- b2 [background] answer; citation; evidence not in top 6" in report
    assert "background/csto.md" in report.split("- b2", 1)[1]
    assert "- a1 " not in report


def test_multiturn_asks_turns_in_order_in_one_conversation(answerer):
    calls: list[tuple[str, list[Turn]]] = []

    class Spy:
        def answer(self, question, history=None, k=None):
            calls.append((question, list(history or [])))
            return answerer.answer(question, history, k)

    item = EvalItem(
        id="m1",
        kind="multiturn",
        turns=["Who is Stanislav Tarasov?", "Where was he born?"],
        answer_any=[["1953", "azerbaijan", "kirovabad", "ganja"]],
        cite_any=[["tarasov"]],
    )
    run = run_eval(Spy(), [item], k=6, warmup=False)
    assert [q for q, _ in calls] == item.turns
    assert calls[0][1] == []
    assert [t.question for t in calls[1][1]] == ["Who is Stanislav Tarasov?"]
    assert calls[1][1][0].answer  # the first answer's text is carried as history
    (result,) = run.results
    assert result.question == "Where was he born?"  # only the last turn is scored
    assert result.passed, result


def test_cli_eval_json_with_the_naive_baseline(ready_settings, tiny_file, monkeypatch):
    from bot.cli import app

    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(ready_settings.corpus_dir))
    result = CliRunner().invoke(
        app,
        [
            "--data-dir",
            str(ready_settings.data_dir),
            "eval",
            str(tiny_file),
            "--json",
            "-k",
            "5",
            "--baseline",
            "naive",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["k"] == 5 and out["questions"] == 4
    assert out["ours"]["overall"]["answer_pass"] == 0.75
    assert [f["id"] for f in out["ours"]["failures"]] == ["b2"]
    assert out["ours"]["failures"][0]["retrieved"]
    naive = out["naive"]
    assert naive["chunks"] > 0 and naive["overall"]["n"] == 4
    assert "b2" in [f["id"] for f in naive["failures"]]
    assert set(naive["overall"]["recall"]) == {"1", "5"}


def test_cli_eval_rejects_unknown_baseline_and_bad_files(tmp_path):
    from bot.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["eval", str(tmp_path / "none.jsonl"), "--baseline", "smart"])
    assert result.exit_code == 1
    assert "unknown baseline 'smart'" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "kind": "article", "q": "ok"}\n{"id": "y"}\n')
    result = runner.invoke(app, ["eval", str(bad)])
    assert result.exit_code == 1
    assert "bad.jsonl:2: not a valid eval question" in result.output


# --- the naive baseline -------------------------------------------------------------------
def test_naive_baseline_builds_its_own_temporary_index(ready_settings):
    from retrieval.evaluation.baseline import CHUNK_SIZE, NaiveRAG

    before = sorted(p.name for p in ready_settings.data_dir.iterdir())
    with NaiveRAG(ready_settings) as naive:
        naive.build()
        workdir = naive.workdir
        assert workdir.exists() and not workdir.is_relative_to(ready_settings.data_dir)
        assert naive.chunks > 4  # four documents, split at 1000 characters
        answer = naive.answer("Who is Stanislav Tarasov?", k=5)
        assert len(answer.retrieved) == 5
        assert all(len(r.text.split("\n\n", 1)[1]) <= CHUNK_SIZE for r in answer.retrieved)
        assert not answer.abstained and answer.citations
        assert "tarasov" in answer.answer.lower()
        assert answer.timings_ms["total"] > 0
    assert not workdir.exists()
    assert sorted(p.name for p in ready_settings.data_dir.iterdir()) == before


# --- scoring rules on hand-made answers ----------------------------------------------------
def test_scoring_rules():
    p1 = passage("c1", "Title\n\nThe Lachin corridor was blocked in December 2022.")
    p2 = passage("c2", "Title\n\nRussian peacekeepers\nwere deployed in 2020.")
    answer = Answer(
        question="q",
        answer="It was BLOCKED in 2022 [1].",
        abstained=False,
        generator="x",
        citations=[cite(1, p2)],
        retrieved=[p1, p2],
        timings_ms={"total": 12.0},
    )
    item = EvalItem(
        id="t",
        kind="background",
        q="q",
        answer_any=[["blocked"], ["2021", "2022"]],
        cite_any=[["lachin"], ["peacekeepers were"]],
        answer_none=["closed"],
    )
    result = score(item, answer, k=6)
    assert result.answer_pass  # every group matched, case-insensitively
    assert result.citation_pass is False  # "lachin" is only in an uncited passage
    assert result.rank == 2  # both groups first covered by the top two; whitespace folded
    assert result.failed == ["citation"]

    forbidden = score(item.model_copy(update={"answer_none": ["In 2022"]}), answer, k=6)
    assert not forbidden.answer_pass and "answer_none: In 2022" in forbidden.failed
    assert score(item, answer, k=1).failed == ["citation", "evidence not in top 1"]

    abstained = answer.model_copy(update={"abstained": True})
    should = EvalItem(id="u", kind="unanswerable", q="q", abstain=True)
    assert score(should, abstained, k=6).passed
    assert score(should, answer, k=6).failed == ["answer", "did not abstain"]


def test_evidence_rank_and_metrics_edge_cases():
    assert evidence_rank([["x"]], ["a", "b x", "x"]) == 2
    assert evidence_rank([["x"], ["y"]], ["x", "a", "y"]) == 3
    assert evidence_rank([["x"]], ["a"]) is None
    assert evidence_rank([], ["a"]) is None
    assert metrics([], 5)["answer_pass"] is None


def test_load_questions_refuses_missing_and_duplicate(tmp_path):
    with pytest.raises(BackstoryError, match="no eval file"):
        load_questions(tmp_path / "missing.jsonl")
    dup = tmp_path / "dup.jsonl"
    dup.write_text(
        '{"id": "a", "kind": "article", "q": "x"}\n{"id": "a", "kind": "article", "q": "y"}\n'
    )
    with pytest.raises(BackstoryError, match="duplicate id 'a'"):
        load_questions(dup)
