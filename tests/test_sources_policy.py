"""The source policy (retrieval/index/outlets.yaml) holds for every document in the corpus."""

from __future__ import annotations

import pytest

from retrieval.index.corpus import iter_corpus_files, load_file
from retrieval.index.outlets import load_policy, parse_policy
from tests.conftest import CORPUS

POLICY = load_policy()
DOCS = [load_file(p, CORPUS, max_bytes=5_000_000) for p in iter_corpus_files(CORPUS)]


def cited_urls(doc) -> list[str]:
    return [u for u in (doc.url, *doc.sources) if u]


def policy_problems(urls, policy=POLICY) -> list[str]:
    """Every cited URL that is on the denylist or on a domain the policy has not labelled."""
    problems = []
    for url in urls:
        if reason := policy.denied_reason(url):
            problems.append(f"{url} is denied ({reason})")
        elif policy.outlet_for_url(url) is None:
            problems.append(f"{url}: label its domain in retrieval/index/outlets.yaml")
    return problems


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.doc_id)
def test_every_cited_domain_is_labelled_and_none_is_denied(doc):
    assert not policy_problems(cited_urls(doc))


def test_the_check_refuses_unlabelled_denied_and_copied_sources():
    fine = ["https://tass.com/world/1385739", "https://en.wikipedia.org/wiki/X"]
    assert policy_problems(fine) == []
    refused = [
        "https://example-unlabelled-news.com/a/1",          # nobody labelled it
        "https://www.urdupoint.com/en/world/x.html",         # an aggregator
        "https://timeline.vg/x",                             # a content farm
        "https://d280gayb62sbv.cloudfront.net/a/33606129.html",  # a CDN copy of RFE/RL
        "https://rfe.pangea-cms.com/a/32101839.html",        # an RFE/RL preview copy
        "https://docslib.org/doc/123/osce-report",           # a copy of a body's document
        "https://sco.wikipedia.org/wiki/Nagorno-Karabakh",   # denied though wikipedia.org is fine
    ]
    problems = policy_problems(refused)
    assert len(problems) == len(refused)
    assert "label its domain" in problems[0]
    assert all("is denied" in p for p in problems[1:])


def test_a_domain_covers_its_subdomains_only():
    assert POLICY.outlet_for_url("https://en.trend.az/azerbaijan/1").name == "Trend"
    assert POLICY.outlet_for_url("https://nottrend.az/x") is None
    assert POLICY.outlet_for_url("https://trtworld.com:443/x").name == "TRT World"
    assert POLICY.outlet_for_url("http://[bad") is None


def test_labels_read_as_the_reader_sees_them():
    assert POLICY.label_for("https://tass.com/world/1") == "TASS, Russian state news agency"
    assert POLICY.label_for(None, "Sputnik") == "Sputnik, Russian state media"
    assert POLICY.label_for(None, "backstory background notes") is None


def test_every_outlet_that_speaks_for_a_side_names_it():
    sided = {"state-media", "government", "pro-government", "advocacy", "diaspora"}
    missing = [o.domain for o in POLICY.outlets.values() if o.kind in sided and not o.side]
    assert not missing, f"say whose account these give (side:): {missing}"
    assert not set(POLICY.outlets) & set(POLICY.denied), "a domain is labelled and denied"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        parse_policy({"kinds": {"independent": "x"}, "denied": {},
                      "outlets": {"a.com": {"name": "A", "kind": "blog", "label": "a"}}})
