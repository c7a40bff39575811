"""Other document formats, the LangChain retriever, and the embedder guard."""

from __future__ import annotations

import pytest

from retrieval.errors import BackstoryError
from retrieval.index.ingest import ingest
from tests.pdf_bytes import pdf_file


def minimal_pdf(text: str, title: str) -> bytes:
    """A one-page PDF with one line of text, written by hand (no PDF writer needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) /CreationDate (D:20240315120000Z) >>".encode(),
    ]
    return pdf_file(objects, b" /Info 6 0 R")


def test_pdf_and_html_files_are_ingested_with_metadata(store, corpus):
    (corpus / "background" / "bridge.pdf").write_bytes(
        minimal_pdf("The Hakari bridge reopened to traffic in March 2024.", "Bridge report"))
    (corpus / "background" / "page.html").write_text(
        "<html><head><title>Border note</title><meta property='article:published_time' "
        "content='2024-04-19'></head><body><nav>menu</nav><article><h1>Border</h1>"
        "<p>The border commissions agreed a first section on 19 April 2024.</p>"
        "</article><script>alert(1)</script></body></html>")
    report = ingest(store)
    assert report.failed == []
    rows = {r["id"]: r for r in store.documents()}
    pdf = rows["background/bridge.pdf"]
    assert pdf["title"] == "Bridge report" and pdf["published"] == "2024-03-15"
    html = rows["background/page.html"]
    assert html["title"] == "Border note" and html["published"] == "2024-04-19"
    texts = " ".join(store.collection.get(include=["documents"])["documents"])
    assert "reopened to traffic" in texts and "first section" in texts
    assert "alert(1)" not in texts and "menu" not in texts


def test_hybrid_retriever_composes_as_a_langchain_runnable(answerer):
    from langchain_core.runnables import RunnableLambda

    chain = answerer.retriever(k=3) | RunnableLambda(lambda docs: [d.metadata["doc_id"]
                                                                  for d in docs])
    doc_ids = chain.invoke("Who is Stanislav Tarasov?")
    assert len(doc_ids) == 3
    assert "background/stanislav-tarasov.md" in doc_ids


def test_switching_embedders_asks_for_a_rebuild(ready_settings):
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.store import Store

    other = ready_settings.model_copy(update={"embedder": "e5"})
    store = Store(other, make_embedder(other))
    with pytest.raises(BackstoryError, match=r"ingest --rebuild"):
        store.count() and store.collection


def test_rebuild_with_another_embedder_works(settings, store):
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.store import Store

    ingest(store)
    n = store.count()
    other = settings.model_copy(update={"embedder": "e5"})
    switched = Store(other, make_embedder(other))
    with pytest.raises(BackstoryError):
        ingest(switched)
    report = ingest(Store(other, make_embedder(other)), rebuild=True)
    assert report.embedded == n
