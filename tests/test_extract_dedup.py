"""Boilerplate paragraphs across a firm's pages; exact and near-duplicate documents."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest

from pipeline.extract.dedup import (
    DupCandidate,
    boilerplate_keys,
    find_duplicates,
    normalize_paragraph,
)

FOOTER = "© 2019 Exemple SA. Tous droits réservés."
TOPICS = ["eau", "déchets", "énergie", "mobilité", "sécurité", "données"]
PROMPT = "Abonnez-vous à notre lettre d'information."


def keyed(firm, section, url, paragraphs):
    return firm, section, url, [normalize_paragraph(p) for p in paragraphs]


def pages(n: int, *, firm: str = "acme", section: str = "fr", extra=()):
    return [keyed(firm, section, f"https://acme.example/p{i}",
                  [f"Ce que nous faisons pour la ville : {TOPICS[i]}.",
                   FOOTER.replace("2019", str(2015 + i)),
                   *(e for k, e in extra if k == i)])
            for i in range(n)]


def test_a_paragraph_on_most_pages_of_a_firm_is_boilerplate():
    keys = boilerplate_keys(pages(5, extra=[(0, PROMPT), (1, PROMPT), (2, PROMPT)]),
                            boilerplate_share=0.5, boilerplate_min_docs=4)
    found = keys[("acme", "fr")]
    # Digits are folded: footers with different years are one paragraph.
    assert normalize_paragraph(FOOTER) in found
    assert normalize_paragraph(PROMPT) in found  # on 3 of 5 pages
    assert found == {normalize_paragraph(FOOTER), normalize_paragraph(PROMPT)}


def test_a_paragraph_below_the_share_is_kept():
    keys = boilerplate_keys(pages(5, extra=[(0, PROMPT), (1, PROMPT)]),
                            boilerplate_share=0.5, boilerplate_min_docs=4)
    assert normalize_paragraph(PROMPT) not in keys[("acme", "fr")]


def test_small_firms_are_left_alone():
    assert boilerplate_keys(pages(3), boilerplate_share=0.5, boilerplate_min_docs=4) == {}


def test_captures_of_one_url_count_as_one_page():
    same_url = [keyed("acme", "fr", "https://acme.example/ville", ["Notre vision de la ville."])
                for _ in range(6)]
    assert boilerplate_keys(same_url, boilerplate_share=0.5, boilerplate_min_docs=1) == {}


def test_shares_are_counted_within_a_language_section():
    fr = pages(4)
    en = [keyed("acme", "en", f"https://acme.example/en/p{i}", ["Need a quote? Call us."])
          for i in range(2)]
    keys = boilerplate_keys(fr + en, boilerplate_share=0.5, boilerplate_min_docs=4)
    assert keys[("acme", "en")] == {normalize_paragraph("Need a quote? Call us.")}


def test_bad_share_is_refused():
    with pytest.raises(ValueError, match="boilerplate_share"):
        boilerplate_keys([], boilerplate_share=0, boilerplate_min_docs=4)


TEXT = " ".join(f"mot{i}" for i in range(200))


def test_exact_copies_point_to_the_earliest_capture():
    docs = [DupCandidate("late", "acme", 3, TEXT), DupCandidate("first", "acme", 1, TEXT),
            DupCandidate("mid", "acme", 2, TEXT.upper())]
    assert find_duplicates(docs, near_duplicate=0.9) == {"late": ("first", 1.0),
                                                         "mid": ("first", 1.0)}


def test_near_copies_are_flagged_with_their_similarity():
    edited = TEXT.replace("mot100", "autre")  # one word changed: 5 of 196 shingles differ
    out = find_duplicates([DupCandidate("a", "acme", 1, TEXT),
                           DupCandidate("b", "acme", 2, edited)], near_duplicate=0.9)
    assert out["b"][0] == "a" and 0.9 <= out["b"][1] < 1.0


def test_different_texts_and_different_firms_are_not_duplicates():
    other = " ".join(f"autre{i}" for i in range(200))
    half = " ".join(TEXT.split()[:100] + other.split()[:100])
    docs = [DupCandidate("a", "acme", 1, TEXT), DupCandidate("b", "acme", 2, other),
            DupCandidate("c", "acme", 3, half), DupCandidate("d", "other", 4, TEXT)]
    assert find_duplicates(docs, near_duplicate=0.9) == {}


def test_duplicates_never_chain_to_a_duplicate():
    words = TEXT.split()
    v2 = " ".join(words[:190] + ["x"] * 10)
    v3 = " ".join(words[:180] + ["x"] * 20)
    out = find_duplicates([DupCandidate("v1", "a", 1, TEXT), DupCandidate("v2", "a", 2, v2),
                           DupCandidate("v3", "a", 3, v3)], near_duplicate=0.85)
    assert out["v2"][0] == "v1"
    assert "v3" not in out or out["v3"][0] == "v1"


def test_bad_threshold_is_refused():
    with pytest.raises(ValueError, match="near_duplicate"):
        find_duplicates([], near_duplicate=1.5)


def test_sketch_screening_finds_the_same_duplicates(monkeypatch):
    from pipeline.extract import dedup

    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(400)]
    base = [rng.choice(vocab) for _ in range(300)]
    docs = []
    for i in range(60):
        words = list(base) if i % 3 == 0 else [rng.choice(vocab) for _ in range(300)]
        if i % 3 == 0 and i:
            words[i % 300] = "edit"  # a near copy of the first
        docs.append(DupCandidate(f"d{i:02d}", "acme", i, " ".join(words)))
    monkeypatch.setattr(dedup, "SKETCH_FROM", 10**9)
    exact = find_duplicates(docs, near_duplicate=0.9)
    monkeypatch.setattr(dedup, "SKETCH_FROM", 1)
    screened = find_duplicates(docs, near_duplicate=0.9)
    assert screened == exact and len(exact) == 19


def test_years_fold_but_other_figures_count():
    assert normalize_paragraph("© 2019 Exemple SA") == normalize_paragraph("© 2021 Exemple SA")
    assert normalize_paragraph("53 caméras installées.") != normalize_paragraph(
        "48 caméras installées.")


_SCREEN_SCRIPT = """
import json, random
from pipeline.extract import dedup
rng = random.Random(3)
vocab = [f"w{i}" for i in range(300)]
base = [rng.choice(vocab) for _ in range(200)]
docs = []
for i in range(12):
    words = list(base) if i % 2 == 0 else [rng.choice(vocab) for _ in range(200)]
    words[i] = "edit"
    docs.append(dedup.DupCandidate(f"d{i:02d}", "acme", i, " ".join(words)))
dedup.SKETCH_FROM = 1
print(json.dumps({"salted": hash("ville"),
                  "sketch": sorted(dedup._sketch(base, {})),
                  "duplicates": dedup.find_duplicates(docs, near_duplicate=0.9)}))
"""


def test_the_sketch_screen_gives_the_same_results_under_any_hash_seed():
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _SCREEN_SCRIPT], env=env, check=True,
                              capture_output=True, text=True, timeout=120)
        runs.append(json.loads(done.stdout))
    assert runs[0]["salted"] != runs[1]["salted"]  # the seeds did change Python's hash()
    assert runs[0]["sketch"] == runs[1]["sketch"] and len(runs[0]["sketch"]) == 128
    assert runs[0]["duplicates"] == runs[1]["duplicates"]
    assert sorted(runs[0]["duplicates"]) == ["d02", "d04", "d06", "d08", "d10"]


def test_the_sketch_estimates_the_jaccard_similarity_of_the_shingles():
    from pipeline.extract.dedup import _estimate, _shingles, _sketch

    rng = random.Random(11)
    vocab = [f"w{i}" for i in range(500)]
    codes: dict[str, int] = {}
    errors = []
    for _ in range(100):
        a = [rng.choice(vocab) for _ in range(400)]
        b = list(a)
        for j in rng.sample(range(400), rng.randrange(0, 120)):
            b[j] = rng.choice(vocab)
        sa, sb = _shingles(a), _shingles(b)
        errors.append(_estimate(_sketch(a, codes), _sketch(b, codes))
                      - len(sa & sb) / len(sa | sb))
    # k = 128: the standard error is under 0.05 (see SKETCH), and the estimate is unbiased.
    assert max(map(abs, errors)) < 0.2
    assert abs(sum(errors) / len(errors)) < 0.02
