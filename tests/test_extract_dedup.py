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


def scaled_firm(n: int, seed: int) -> list[DupCandidate]:
    """A firm's n pages of 300 words; every third a copy of an earlier one with a number of
    words edited that puts it on either side of the 0.9 threshold (0.8 to 0.99)."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(2000)]
    texts: list[list[str]] = []
    for i in range(n):
        if i % 3 == 2:
            words = list(texts[rng.randrange(len(texts))])
            for j in rng.sample(range(300), rng.randrange(1, 8)):
                words[j] = rng.choice(vocab)
        else:
            words = [rng.choice(vocab) for _ in range(300)]
        texts.append(words)
    return [DupCandidate(f"d{i:04d}", "acme", i, " ".join(w)) for i, w in enumerate(texts)]


def test_lsh_candidates_find_the_same_duplicates_as_all_pairs(monkeypatch):
    from pipeline.extract import dedup

    docs = scaled_firm(400, seed=7)
    lsh = find_duplicates(docs, near_duplicate=0.9)
    monkeypatch.setattr(dedup, "LSH_MISS", 0.0)  # no banding is that sure: all pairs
    assert dedup.banding(0.9) is None
    every_pair = find_duplicates(docs, near_duplicate=0.9)
    assert lsh == every_pair
    sims = sorted(s for _, s in every_pair.values())
    # the edits put copies on both sides of the threshold, and some just above it
    assert 40 < len(every_pair) < 133 and sims[0] < 0.93


def test_the_banding_keeps_misses_under_the_bound_at_the_threshold():
    from pipeline.extract.dedup import LSH_MISS, SIGNATURE, banding, miss_probability

    for threshold in (0.5, 0.8, 0.9, 0.95):
        bands, rows = banding(threshold)
        assert bands * rows <= SIGNATURE
        assert miss_probability(threshold, bands, rows) <= LSH_MISS
        # one more row per band would miss more than the bound
        assert miss_probability(threshold, SIGNATURE // (rows + 1), rows + 1) > LSH_MISS
    assert banding(0.9) == (21, 6)
    assert banding(0.05) is None  # too low to band: every earlier original is compared


def test_a_low_threshold_compares_every_pair():
    docs = scaled_firm(60, seed=5)
    out = find_duplicates(docs, near_duplicate=0.05)
    assert len(out) >= 20  # every edited copy, and nothing missed for want of a band


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
print(json.dumps({"salted": hash("ville"),
                  "signature": dedup._signature(base, {}).tolist(),
                  "duplicates": dedup.find_duplicates(docs, near_duplicate=0.9)}))
"""


def test_the_candidates_are_the_same_under_any_hash_seed():
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", _SCREEN_SCRIPT], env=env, check=True,
                              capture_output=True, text=True, timeout=120)
        runs.append(json.loads(done.stdout))
    assert runs[0]["salted"] != runs[1]["salted"]  # the seeds did change Python's hash()
    assert runs[0]["signature"] == runs[1]["signature"] and len(runs[0]["signature"]) == 128
    assert runs[0]["duplicates"] == runs[1]["duplicates"]
    assert sorted(runs[0]["duplicates"]) == ["d02", "d04", "d06", "d08", "d10"]


def test_signatures_agree_in_proportion_to_the_jaccard_similarity():
    from pipeline.extract.dedup import _shingles, _signature

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
        agree = float((_signature(a, codes) == _signature(b, codes)).mean())
        errors.append(agree - len(sa & sb) / len(sa | sb))
    # 128 values: the standard error is under 0.05, and the estimate is unbiased (hash
    # functions as good as independent).
    assert max(map(abs, errors)) < 0.2
    assert abs(sum(errors) / len(errors)) < 0.02


def test_a_text_shorter_than_a_shingle_and_an_empty_text():
    docs = [DupCandidate("a", "acme", 1, "la ville"), DupCandidate("b", "acme", 2, "La  ville"),
            DupCandidate("c", "acme", 3, ""), DupCandidate("d", "acme", 4, " "),
            DupCandidate("e", "acme", 5, "la ville verte")]
    assert find_duplicates(docs, near_duplicate=0.9) == {"b": ("a", 1.0), "d": ("c", 1.0)}
