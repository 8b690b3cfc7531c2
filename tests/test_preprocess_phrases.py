"""Bags of terms: forced lexicon terms, and learned phrases equal to gensim's own."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from gensim.models.phrases import Phrases

from pipeline.lexicon import parse_lexicon
from pipeline.preprocess.phrases import ForcedTerms, Items, apply_phrases, bag_items, learn_phrases

LEXICON = parse_lexicon({"groups": {
    "domains": {"kind": "set", "frames": {
        "water": {"fr": ["eau", "eau potable", "réseau d'eau"], "en": ["water", "water meter"]},
        "pooling": {"fr": ["tableau de bord", "économie d'échelle"],
                    "en": ["economy of scale"]},
        "services": {"fr": ["service aux habitants"], "en": ["service to residents"]},
    }},
    "audience": {"kind": "opposition", "frames": {
        "citizens": {"fr": ["citoyen"], "en": ["citizen"]},
        "clients": {"fr": ["client"], "en": ["customer"]},
    }},
}})


def _items(lemmas, lowers=None, keep=None, sentence=None, lang="fr"):
    n = len(lemmas)
    return bag_items(pa.array(lemmas, pa.string()), pa.array(lowers or lemmas, pa.string()),
                     np.array(keep if keep is not None else [True] * n, bool),
                     sentence=np.array(sentence if sentence is not None else [0] * n),
                     passage=np.zeros(n, np.int64), forced=ForcedTerms(LEXICON, lang))


def test_forced_terms_match_lemmas_or_forms_as_written():
    # "réseaux d’eau": lemmas réseau de eau, forms as written réseaux d' eau
    items = _items(["le", "réseau", "de", "eau", "et", "le", "tableau", "de", "bord"],
                   lowers=["les", "réseaux", "d'", "eau", "et", "le", "tableau", "de", "bord"],
                   keep=[0, 1, 0, 1, 0, 0, 1, 0, 1])
    assert items.terms.to_pylist() == ["réseau_d'_eau", "tableau_de_bord"]
    assert not items.learnable.any()


def test_longest_forced_term_wins_and_single_terms_are_protected():
    items = _items(["eau", "potable", "pour", "le", "citoyen", "ville", "durable"],
                   keep=[1, 1, 0, 0, 1, 1, 1])
    assert items.terms.to_pylist() == ["eau_potable", "citoyen", "ville", "durable"]
    assert items.learnable.tolist() == [False, False, True, True]
    assert items.pair.tolist() == [False, False, False, True]


def test_forced_terms_never_cross_a_sentence():
    items = _items(["tableau", "de", "bord"], keep=[1, 0, 1], sentence=[0, 0, 1])
    assert items.terms.to_pylist() == ["tableau", "bord"]
    assert items.pair.tolist() == [False, False]


def test_dropped_words_break_runs():
    items = _items(["ville", "de", "demain", "ville", "intelligent"], keep=[1, 0, 1, 1, 1])
    assert items.terms.to_pylist() == ["ville", "demain", "ville", "intelligent"]
    assert items.pair.tolist() == [False, False, True, True]


def test_english_forced_terms_with_connectors_and_forms_as_written():
    items = _items(["a", "service", "to", "resident", "and", "economy", "of", "scale"],
                   lowers=["a", "service", "to", "residents", "and", "economies", "of", "scale"],
                   keep=[0, 1, 0, 1, 0, 1, 0, 1], lang="en")
    assert items.terms.to_pylist() == ["service_to_residents", "economy_of_scale"]


def _random_runs(seed: int, n_runs: int = 400):
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(40)]
    # a few strong collocations among random words
    runs = []
    for _ in range(n_runs):
        run = [vocab[int(rng.zipf(1.3)) % 40] for _ in range(int(rng.integers(1, 8)))]
        if rng.random() < 0.3:
            at = int(rng.integers(0, len(run) + 1))
            run[at:at] = ["smart", "city"]
        runs.append(run)
    return runs


def _items_from_runs(runs):
    terms, pair = [], []
    for run in runs:
        terms.extend(run)
        pair.extend([False] + [True] * (len(run) - 1))
    n = len(terms)
    return Items(terms=pa.array(terms, pa.string()), learnable=np.ones(n, bool),
                 pair=np.array(pair, bool), passage=np.zeros(n, np.int64))


@pytest.mark.parametrize(("seed", "min_count", "threshold"),
                         [(1, 5, 0.5), (2, 3, 0.2), (3, 10, 0.0), (4, 1, -0.5)])
def test_learned_phrases_equal_gensim_on_the_same_runs(seed, min_count, threshold):
    runs = _random_runs(seed)
    ours = learn_phrases(_items_from_runs(runs), phrases_min_count=min_count,
                         phrases_threshold=threshold)
    gensim = Phrases(runs, min_count=min_count, threshold=threshold, scoring="npmi",
                     delimiter="_").freeze()
    assert ours.keys() == gensim.phrasegrams.keys()
    assert ours == gensim.phrasegrams  # the same floating-point steps: equal, not close
    assert "smart_city" in ours
    # joining: the same terms as FrozenPhrases, run by run
    terms, _ = apply_phrases(_items_from_runs(runs), ours)
    assert terms.to_pylist() == [t for run in runs for t in gensim[run]]


def test_protected_items_neither_count_nor_join():
    items = Items(terms=pa.array(["smart", "city", "smart", "city", "smart", "city"]),
                  learnable=np.array([True, True, True, True, False, True]),
                  pair=np.array([False, True, False, True, False, False]),
                  passage=np.zeros(6, np.int64))
    phrases = learn_phrases(items, phrases_min_count=2, phrases_threshold=0.0)
    assert list(phrases) == ["smart_city"]
    terms, _ = apply_phrases(items, phrases)
    assert terms.to_pylist() == ["smart_city", "smart_city", "smart", "city"]


def test_no_learnable_items_learns_nothing():
    assert learn_phrases(Items.concat([]), phrases_min_count=1, phrases_threshold=0.0) == {}
