"""How well do support checks tell real paraphrases from inventions? (not CI; rerunnable)

    python -m bench.support_measure [--claims tests/eval/support_claims.jsonl]
    python -m bench.support_measure --adversarial [tests/eval/claims_adversarial.jsonl]
    python -m bench.support_measure --claims NEW_SET.jsonl     # rows with "kind": as --adversarial

Each line of the claims file names a passage of the corpus (a paragraph holding `anchor`)
and a sentence a model might write citing it, with whether the passage supports it. Prints,
for each check, how many supported sentences it keeps and how many inventions it lets
through, and the content scores, so MIN_CONTENT in retrieval/answering/support.py can be re-checked.

With --adversarial, each line is an answer sentence as a model writes it (markers included,
or none) over its passage (`anchor`, and `anchor2` for "[1][2]") and the BM25 neighbours
that make up k passages; the whole checker (`verify_generated`) runs on it, and the report
gives false claims shown and true paraphrases kept per split. The default file is the
tuning set (its session-5 held-out rows were published, so they are tuning rows now);
tests/eval/claims_fresh.jsonl (split "fresh") was written blind by someone who had not seen
the checker and was run once on the frozen checker (docs/claim-check.md).

A --claims file whose rows carry "kind" ({"claim", "supported", "kind", "anchor", "split"},
anchor an exact corpus substring, as tests/eval/claims_fresh.jsonl) is run as --adversarial:
a new blind set needs no other flag. An anchor found in no corpus paragraph stops the run
with the row's number (a typo would otherwise measure the wrong passage).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from retrieval.answering.support import MIN_CONTENT, lexical_scorer, missing_facts
from retrieval.index.fts import FtsIndex
from retrieval.index.lexical import tokenize

REPO = Path(__file__).resolve().parent.parent
ADVERSARIAL = REPO / "tests/eval/claims_adversarial.jsonl"


def corpus_paragraphs(corpus: Path) -> list[tuple[str, str]]:
    """(title line + paragraph) for every paragraph of every corpus document."""
    rows = []
    for path in sorted(corpus.rglob("*.md")):
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        parts = text.split("---", 2)
        body = parts[2] if text.startswith("---") and len(parts) == 3 else text
        title = next((line.split(":", 1)[1].strip().strip('"') for line in parts[1].splitlines()
                      if line.startswith("title:")), path.stem) if len(parts) == 3 else path.stem
        for para in body.split("\n\n"):
            if para.strip() and not para.startswith("#"):
                rows.append((str(path), f"{title}\n\n{para.strip()}"))
    return rows


def _has_kinds(path: Path) -> bool:
    """Is this a claims file of answer sentences by kind (the adversarial format)?"""
    first = next((line for line in path.read_text().splitlines() if line.strip()), "{}")
    return "kind" in json.loads(first)


def _paragraph_of(anchor: str, paragraphs: list[tuple[str, str]], line: int) -> int:
    found = next((i for i, (_, p) in enumerate(paragraphs) if anchor in p), None)
    if found is None:
        raise SystemExit(f"line {line}: anchor not in any corpus paragraph: {anchor[:80]!r}")
    return found


def overlap_half(claim: str, passage: str) -> float:
    """The check this project used before issue 12: share of words found, kept at 0.5."""
    tokens = set(tokenize(claim))
    return len(tokens & set(tokenize(passage))) / len(tokens) if tokens else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", default=str(REPO / "tests/eval/support_claims.jsonl"))
    parser.add_argument("--corpus", default=str(REPO / "corpus"))
    parser.add_argument("--embed", action="store_true", help="also score with the MiniLM embedder")
    parser.add_argument("--adversarial", nargs="?", const=str(ADVERSARIAL), default=None,
                        help="run the whole checker on an adversarial claims file")
    parser.add_argument("--split", default=None, help="only this split (tune, or fresh in the blind file)")
    parser.add_argument("--show", action="store_true", help="print every wrong verdict")
    args = parser.parse_args()
    paragraphs = corpus_paragraphs(Path(args.corpus))
    index = FtsIndex.build([str(i) for i in range(len(paragraphs))],
                               [p for _, p in paragraphs])
    if args.adversarial or _has_kinds(Path(args.claims)):
        adversarial(Path(args.adversarial or args.claims), paragraphs, index, args.split,
                    args.show)
        return
    scorers = {"lexical": lexical_scorer(), "lexical-idf": lexical_scorer(index.idf)}
    if args.embed:
        from retrieval.answering.support import embedding_scorer
        from retrieval.index.embeddings import make_embedder
        from retrieval.settings import Settings

        scorers["minilm-cosine"] = embedding_scorer(
            make_embedder(Settings(_env_file=None)).embed_documents)
    rows = [json.loads(line) for line in Path(args.claims).read_text().splitlines() if line]
    results = []
    for row in rows:
        passage = next(p for _, p in paragraphs if row["anchor"] in p)
        facts_ok = not missing_facts(row["claim"], [passage])
        scores = {name: s([row["claim"]], [passage])[0] for name, s in scorers.items()}
        scores["overlap"] = overlap_half(row["claim"], passage)
        results.append((row, facts_ok, scores))
    print(f"{len(rows)} sentences: {sum(r['supported'] for r in rows)} supported, "
          f"{sum(not r['supported'] for r in rows)} inventions\n")
    checks = {"old: 50% word overlap": lambda f, s: s["overlap"] >= 0.5,
              "facts only": lambda f, s: f}
    for name in scorers:
        checks[f"facts + {name} >= {MIN_CONTENT}"] = \
            lambda f, s, name=name: f and s[name] >= MIN_CONTENT
        checks[f"{name} >= {MIN_CONTENT} alone"] = lambda f, s, name=name: s[name] >= MIN_CONTENT
    print("| check | supported kept | inventions let through |\n|---|---|---|")
    for name, check in checks.items():
        kept = sum(check(f, s) for r, f, s in results if r["supported"])
        through = sum(check(f, s) for r, f, s in results if not r["supported"])
        print(f"| {name} | {kept}/{sum(r['supported'] for r, _, _ in results)} | "
              f"{through}/{sum(not r['supported'] for r, _, _ in results)} |")
    attribution(rows, paragraphs, index)
    print("\nscores (supported first):")
    for r, f, s in sorted(results, key=lambda x: not x[0]["supported"]):
        cells = " ".join(f"{k}={v:.2f}" for k, v in s.items())
        print(f"  {'+' if r['supported'] else '-'} facts={'ok' if f else 'MISSING'} {cells}  "
              f"{r['claim'][:70]}")


def attribution(rows: list[dict], paragraphs: list[tuple[str, str]], index: FtsIndex,
                k: int = 6) -> None:
    """Each sentence without a marker, among its passage and the BM25 neighbours that make
    up k paragraphs (what a retrieval might hand the model): is it cited to a paragraph at
    ATTRIBUTE_MIN_CONTENT, and to which? An invention cited anywhere is a false keep."""
    from retrieval.answering.citations import ATTRIBUTE_MIN_CONTENT, attribute
    from retrieval.models import Retrieved

    counts = {"supported, to its passage": 0, "supported, elsewhere": 0, "supported, dropped": 0,
              "invention, cited somewhere": 0, "invention, dropped": 0}
    for row in rows:
        anchor = next(i for i, (_, p) in enumerate(paragraphs) if row["anchor"] in p)
        near = [int(i) for i, _ in index.search(row["claim"], k) if int(i) != anchor]
        chosen = [anchor] + near[: k - 1]
        retrieved = [Retrieved(chunk_id=str(i), doc_id=str(i), text=paragraphs[i][1], score=1.0,
                               metadata={}) for i in chosen]
        found = attribute(row["claim"], retrieved, lexical_scorer())
        if row["supported"]:
            key = "dropped" if found is None else "to its passage" if found == 1 else "elsewhere"
            counts[f"supported, {key}"] += 1
        else:
            counts["invention, dropped" if found is None else "invention, cited somewhere"] += 1
    print(f"\nwithout a marker, among the passage and {k - 1} BM25 neighbours "
          f"(attribution at {ATTRIBUTE_MIN_CONTENT}):")
    for name, n in counts.items():
        print(f"  {name}: {n}")


def adversarial(path: Path, paragraphs: list[tuple[str, str]], index: FtsIndex,
                split: str | None, show: bool, k: int = 6) -> None:
    """The whole checker on answer sentences: false ones shown, true ones kept."""
    from retrieval.answering.citations import verify_generated
    from retrieval.models import Retrieved

    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    tally: dict[tuple[str, bool], list[int]] = {}
    by_kind: dict[tuple[str, bool], list[int]] = {}
    for line, row in enumerate(rows, 1):
        if split and row.get("split") != split:
            continue
        anchors = [row["anchor"]] + ([row["anchor2"]] if row.get("anchor2") else [])
        chosen = [_paragraph_of(a, paragraphs, line) for a in anchors]
        near = [int(i) for i, _ in index.search(row["claim"], k + 2) if int(i) not in chosen]
        chosen += near[: k - len(chosen)]
        retrieved = [Retrieved(chunk_id=str(i), doc_id=str(i), text=paragraphs[i][1],
                               score=1.0, metadata={}) for i in chosen]
        verified = verify_generated(row["claim"], retrieved)
        shown = verified.kept > 0
        for key, store in (((row.get("split", "all"), row["supported"]), tally),
                           ((row["kind"], row["supported"]), by_kind)):
            counts = store.setdefault(key, [0, 0])
            counts[0] += shown
            counts[1] += 1
        if show and shown != row["supported"]:
            why = "; ".join(r for _, r in verified.dropped) or verified.text + " | " + " | ".join(
                f"{how}: {c.quote}" for c, (_, how) in zip(verified.citations,
                                                        verified.attributed or [("", "cited")]))
            print(f"  {'MISSED' if row['supported'] else 'SHOWN'} "
                  f"[{row.get('split', 'all')}/{row['kind']}] "
                  f"{row['claim']}\n      -> {why[:200]}")
    print(f"\n{path.name}: whole checker (verify_generated), k={k}\n")
    print("| split | false claims shown | true paraphrases kept |\n|---|---|---|")
    for name in sorted({s for s, _ in tally}, key=lambda s: s != "tune"):
        false, true = tally.get((name, False), [0, 0]), tally.get((name, True), [0, 0])
        print(f"| {name} | {_rate(false)} | {_rate(true)} |")
    print("\n| kind | false shown | true kept |\n|---|---|---|")
    for kind in sorted({k for k, _ in by_kind}):
        false, true = by_kind.get((kind, False), [0, 0]), by_kind.get((kind, True), [0, 0])
        print(f"| {kind} | {_rate(false)} | {_rate(true)} |")


def _rate(counts: list[int]) -> str:
    shown, total = counts
    return f"{shown}/{total} ({100 * shown / total:.0f}%)" if total else "0/0"


if __name__ == "__main__":
    main()
