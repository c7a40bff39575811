"""Stemming from several threads at once, as the answerer's worker threads do in a burst."""

from __future__ import annotations

import random
import string
import sys
import threading

import snowballstemmer

from retrieval.index import lexical

THREADS = 4
WORDS_PER_THREAD = 5_000
ENDINGS = ["ational", "izations", "fulness", "iveness", "ing", "edly", "ies", "ement", "s", ""]


def words_for(seed: int) -> list[str]:
    """Distinct words per thread (so the stem cache cannot hide the stemmer) with the
    suffixes the English stemmer rewrites, which is where its working state changes most."""
    rng = random.Random(seed)
    return [f"t{seed}" + "".join(rng.choices(string.ascii_lowercase, k=rng.randint(1, 9)))
            + rng.choice(ENDINGS) for _ in range(WORDS_PER_THREAD)]


def test_stemming_from_many_threads_gives_the_single_thread_stems():
    batches = [words_for(seed) for seed in range(THREADS)]
    results: dict[int, list[str]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(seed: int) -> None:
        start.wait()
        try:
            results[seed] = [lexical.stem(w) for w in batches[seed]]
        except BaseException as err:  # noqa: BLE001 - the failure under test
            errors.append(err)

    lexical.stem.cache_clear()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a busy bot does
    try:
        threads = [threading.Thread(target=work, args=(seed,)) for seed in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
        lexical.stem.cache_clear()

    assert not errors, f"{len(errors)} threads failed, first: {errors[0]!r}"
    reference = snowballstemmer.stemmer("english")
    for seed, batch in enumerate(batches):
        wrong = [(w, got) for w, got in zip(batch, results[seed]) if got != reference.stemWord(w)]
        assert not wrong, f"{len(wrong)} wrong stems, e.g. {wrong[:3]}"
