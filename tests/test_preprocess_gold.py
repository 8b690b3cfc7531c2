"""Lemma quality on a gold set of French and English corporate sentences written for the project.

tests/data/preprocess/gold_{fr,en}.yaml hold sentences with the expected lemma of their content
words. A word agrees when every occurrence of it in the sentence gets an accepted lemma.

    python -m pytest tests/test_preprocess_gold.py -s    # prints the agreement and the misses
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.preprocess.lemmatize import analyse_passages

GOLD = Path(__file__).parent / "data" / "preprocess"


def gold_agreement(lang: str, lemmatizer: str) -> tuple[float, int, list[str]]:
    """Share of gold content words lemmatised as expected, their number, and the misses."""
    gold = yaml.safe_load((GOLD / f"gold_{lang}.yaml").read_text(encoding="utf-8"))
    batch = analyse_passages([(lang, g["text"]) for g in gold], lemmatizer=lemmatizer)
    tokens: dict[int, list[tuple[str, str]]] = {}
    for row in batch.to_pylist():
        tokens.setdefault(row["task"], []).extend(
            (t.lower(), lem) for t, lem in zip(row["tokens"], row["lemmas"], strict=True))
    agree, total, misses = 0, 0, []
    for i, entry in enumerate(gold):
        for form, expected in entry["lemmas"].items():
            accepted = expected if isinstance(expected, list) else [expected]
            got = [lem for tok, lem in tokens.get(i, []) if tok == str(form).lower()]
            total += 1
            if got and all(lem in accepted for lem in got):
                agree += 1
            else:
                misses.append(f"{form} → {got or 'not a token'} (expected {accepted})")
    return agree / total, total, misses


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_spacy_agrees_with_the_gold_set(lang):
    share, total, misses = gold_agreement(lang, "spacy")
    print(f"\nspaCy {lang}: {share:.1%} of {total} content words; misses: {misses}")
    assert total >= 150
    assert share >= 0.95, misses


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_simplemma_agrees_with_the_gold_set(lang):
    share, total, misses = gold_agreement(lang, "simplemma")
    print(f"\nsimplemma {lang}: {share:.1%} of {total} content words; misses: {misses}")
    assert share >= 0.90, misses


def test_the_issues_examples():
    batch = analyse_passages([
        ("fr", "Les citoyens des villes intelligentes."),
        ("fr", "Les solutions sont optimisées."),
        ("en", "Our customers."),
    ])
    lemmas = [lem for row in batch.column("lemmas").to_pylist() for lem in row]
    for expected in ("citoyen", "ville", "intelligent", "optimiser", "customer"):
        assert expected in lemmas
