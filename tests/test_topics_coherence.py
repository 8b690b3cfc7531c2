"""Coherence from one co-occurrence pass gives gensim's numbers, and adds up over batches."""

from __future__ import annotations

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models import CoherenceModel

from pipeline.topics import coherence
from pipeline.topics.coherence import (
    WINDOWS,
    c_npmi,
    c_v,
    count_cooccurrence,
    topic_words,
)


def _texts(seed: int, n_texts: int = 60, vocab: int = 40) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocab)]
    # Lengths around both window sizes, empty and one-word texts included; a skewed word
    # distribution so terms repeat inside windows (where gensim's window rule matters).
    lengths = rng.choice([0, 1, 5, 9, 10, 11, 40, 109, 110, 111, 300], size=n_texts)
    p = 1 / np.arange(1, vocab + 1)
    p /= p.sum()
    return [[words[i] for i in rng.choice(vocab, size=n, p=p)] for n in lengths]


def _gensim(topics, texts, measure):
    dictionary = Dictionary(texts)
    model = CoherenceModel(topics=topics, texts=texts, dictionary=dictionary,
                           coherence=measure, topn=max(len(t) for t in topics), processes=1)
    return np.asarray(model.get_coherence_per_topic())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_both_measures_equal_gensim_coherence_model(seed):
    texts = _texts(seed)
    rng = np.random.default_rng(100 + seed)
    vocab = sorted(set(w for t in texts for w in t))
    topics = [list(rng.choice(vocab, size=6, replace=False)) for _ in range(5)]
    words = topic_words(topics)
    counts = count_cooccurrence(texts, words)
    np.testing.assert_allclose(c_npmi(topics, counts[WINDOWS["c_npmi"]]),
                               _gensim(topics, texts, "c_npmi"), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(c_v(topics, counts[WINDOWS["c_v"]]),
                               _gensim(topics, texts, "c_v"), rtol=1e-9, atol=1e-12)


def test_counts_add_up_over_batches_and_shares(monkeypatch):
    texts = _texts(5, n_texts=80)
    words = topic_words([["w0", "w1", "w2", "w7"], ["w3", "w9", "w0"]])
    whole = count_cooccurrence(texts, words)
    # Tiny batches inside one call, and two calls over halves added up: the same counts.
    monkeypatch.setattr(coherence, "BATCH_TOKENS", 50)
    batched = count_cooccurrence(texts, words)
    halves = count_cooccurrence(texts[:33], words)
    rest = count_cooccurrence(texts[33:], words)
    for w in WINDOWS.values():
        assert whole[w].n_windows == batched[w].n_windows == (
            halves[w].add(rest[w]).n_windows)
        np.testing.assert_array_equal(whole[w].co, batched[w].co)
        np.testing.assert_array_equal(whole[w].co, halves[w].add(rest[w]).co)


def test_counts_follow_the_window_rule():
    # Windows of 3 over a b a c: [a b a], [b a c]. gensim's sliding set drops "a" when the
    # first "a" leaves by the left edge, though another "a" is still inside: 1 window, not 2.
    counts = count_cooccurrence([["a", "b", "a", "c"]], ["a", "b", "c"], windows=(3,))[3]
    assert counts.n_windows == 2
    assert counts.co.tolist() == [[1, 1, 0], [1, 2, 1], [0, 1, 1]]


def test_words_planted_together_cohere_more_than_words_kept_apart():
    texts = [["tram", "bus", "metro"], ["parc", "arbre", "jardin"]] * 30
    words = ["tram", "bus", "metro", "parc", "arbre", "jardin"]
    counts = count_cooccurrence(texts, words, windows=(10,))[10]
    together, apart = c_npmi([["tram", "bus", "metro"], ["tram", "parc", "jardin"]], counts)
    assert together > 0.9 and apart < 0
