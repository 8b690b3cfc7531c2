"""Boilerplate paragraphs across a firm's pages, and duplicate documents.

Boilerplate: a paragraph that recurs on at least `boilerplate_share` of a firm's web pages
(legal notices, newsletter prompts, menus the extractor kept) says nothing about the page it
sits on. Pages are counted by URL, so an unchanged page captured in five years counts once;
shares are counted within each language section of a bilingual site; and the rule applies only
to firms with at least `boilerplate_min_docs` pages, since on two or three pages a shared
template and a repeated slogan look alike. Years are ignored when comparing short paragraphs
("© 2019" and "© 2020" are one footer); other figures count ("53 caméras" is not "48 caméras").

Duplicates: a document whose text is the same as an earlier capture of the same firm (after
boilerplate removal, case and spacing aside), or whose word 5-gram shingles overlap it
with a Jaccard similarity of at least `near_duplicate`, is flagged with the document it
repeats. The earliest capture is the original; a duplicate keeps its own year, so an unchanged
page can still be dated to each year it was online. Documents of different firms are never
duplicates of each other: a press release two firms both publish belongs to each firm's
discourse.

    >>> docs = [DupCandidate("a", "acme", 1, "la ville " * 20), DupCandidate("b", "acme", 2,
    ...         "la ville " * 20)]
    >>> find_duplicates(docs, near_duplicate=0.9)
    {'b': ('a', 1.0)}
"""

from __future__ import annotations

import functools
import hashlib
import re
import string
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

SHINGLE = 5
# Candidate pairs come from locality-sensitive hashing (Broder's MinHash, banded as in Leskovec,
# Rajaraman & Ullman, "Mining of Massive Datasets", ch. 3): each text gets SIGNATURE MinHash
# values; they are cut into bands of `rows` values, and two texts whose values agree on a whole
# band are a candidate pair. A pair of Jaccard similarity s is missed with probability
# (1 - s^rows)^bands; `banding` takes the most rows per band (fewest chance candidates) that
# keep this under LSH_MISS at the threshold. At the default near_duplicate 0.9 that is 21
# bands of 6 rows: a pair at 0.9 is missed with probability 1.2e-7, a pair at 0.95 with 8e-13;
# a pair at 0.5 becomes a candidate with probability 0.28, one at 0.3 with 0.015.
SIGNATURE = 128
LSH_MISS = 1e-6
_YEARS = re.compile(r"\b(?:19|20)\d\d\b")
_PUNCT = string.punctuation + "«»“”‘’–—…·•©®™"


# Paragraphs up to this many words (footers, prompts, menu lines: what recurs) are compared with
# punctuation and years folded; longer ones as written, case and spacing aside, which is much
# cheaper and loses nothing (a long paragraph recurs verbatim or not at all).
SHORT_PARAGRAPH = 40


def normalize_paragraph(text: str) -> str:
    """The comparison key of a paragraph: lower case; punctuation and years folded when short.

        >>> normalize_paragraph("© 2019 Exemple SA.") == normalize_paragraph("© 2020 exemple SA")
        True
    """
    low = text.lower()
    if low.count(" ") >= SHORT_PARAGRAPH:
        return " ".join(low.split())
    return _YEARS.sub("0000", " ".join(w for w in (t.strip(_PUNCT) for t in low.split()) if w))


def boilerplate_keys(
    pages: Iterable[tuple[str, str | None, str, Iterable[str]]],
    *,
    boilerplate_share: float,
    boilerplate_min_docs: int,
) -> dict[tuple[str, str | None], set[str]]:
    """Find each firm's boilerplate paragraphs, section by section.

    A bilingual site repeats its French prompts on its French pages and its English prompts on
    its English ones, so shares are counted within a section (the page's language) of the
    firm's site; the firm as a whole must have `boilerplate_min_docs` pages, and a paragraph
    must recur on at least two pages of its section.

    Args:
        pages: (firm, section, url, keys) for every web page capture, the keys being its
            paragraphs through `normalize_paragraph`; several captures of one URL count as one
            page (a paragraph is on the page if any capture has it).
        boilerplate_share: a paragraph on at least this share of a section's pages is
            boilerplate.
        boilerplate_min_docs: firms with fewer pages (URLs) are left alone.

    Returns:
        For each (firm, section) with boilerplate, the `normalize_paragraph` keys to remove.

    Raises:
        ValueError: if boilerplate_share is not in (0, 1].
    """
    if not 0 < boilerplate_share <= 1:
        raise ValueError(f"boilerplate_share must be in (0, 1], got {boilerplate_share}")
    on_page: dict[tuple[str, str | None], dict[str, set[str]]] = defaultdict(
        lambda: defaultdict(set))
    firm_urls: dict[str, set[str]] = defaultdict(set)
    for firm, section, url, keys in pages:
        on_page[(firm, section)][url].update(k for k in keys if k)
        firm_urls[firm].add(url)
    out: dict[tuple[str, str | None], set[str]] = {}
    for (firm, section), urls in on_page.items():
        if len(firm_urls[firm]) < boilerplate_min_docs:
            continue
        n = len(urls)
        counts: dict[str, int] = defaultdict(int)
        for keys in urls.values():
            for key in keys:
                counts[key] += 1
        found = {key for key, c in counts.items() if c >= boilerplate_share * n and c >= 2}
        if found:
            out[(firm, section)] = found
    return out


@dataclass(frozen=True)
class DupCandidate:
    """A document offered to `find_duplicates`.

    Attributes:
        doc_id: its id.
        firm: duplicates are only searched within a firm.
        order: sort key of the capture, earliest first (ties: the doc_id).
        text: the clean text compared.
    """

    doc_id: str
    firm: str
    order: Any
    text: str


# A shingle's hash combines its words' codes as a polynomial modulo 2⁶⁴; the i-th MinHash
# function adds the i-th multiple of the golden-ratio constant and mixes the bits (SplitMix64's
# step and finaliser), which makes SIGNATURE hash functions as good as independent.
_POLY = np.uint64(0x100000001B3)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STREAMS = (np.arange(1, SIGNATURE + 1, dtype=np.uint64) * _GOLDEN)[None, :]


def _word_code(word: str) -> int:
    """A word's 64-bit code: the same in every process (Python's `hash` of a str is salted
    per process by PYTHONHASHSEED, which would make the candidates differ from run to run)."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def _mix(h: np.ndarray) -> np.ndarray:
    h = (h ^ (h >> np.uint64(30))) * _MIX1
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    return h ^ (h >> np.uint64(31))


def _signature(words: list[str], codes: dict[str, int]) -> np.ndarray | None:
    """The MinHash signature of a text's word 5-gram shingles: SIGNATURE values, the i-th the
    smallest of the i-th hash function over the shingles (None for a text without words).

    Two texts' values agree at each place with a probability equal to the Jaccard similarity
    of their shingle sets. The same text gives the same signature in every process: each
    shingle's hash is computed from its words' stable codes, in array operations over the text.

    Args:
        words: the text's words (as `_shingles` takes them).
        codes: the words' codes seen so far (filled in here: a firm's pages share most words).
    """
    if not words:
        return None
    for word in words:
        if word not in codes:
            codes[word] = _word_code(word)
    word_codes = np.fromiter((codes[w] for w in words), dtype=np.uint64, count=len(words))
    n = max(len(words) - SHINGLE + 1, 1)  # a text under SHINGLE words is one shingle
    h = word_codes[:n].copy()
    for i in range(1, min(SHINGLE, len(words))):
        h = h * _POLY + word_codes[i:i + n]  # wraps modulo 2⁶⁴
    shingles = np.unique(h)[:, None]
    # A long text is hashed in slices so the (shingles x SIGNATURE) table stays small.
    step = 4096
    return np.minimum.reduce([_mix(shingles[i:i + step] + _STREAMS).min(axis=0)
                              for i in range(0, len(shingles), step)])


def miss_probability(similarity: float, bands: int, rows: int) -> float:
    """The probability that a pair of this Jaccard similarity agrees on no band."""
    return float((1.0 - similarity ** rows) ** bands)


def banding(near_duplicate: float) -> tuple[int, int] | None:
    """The (bands, rows) that find a pair at the threshold with a miss probability under
    LSH_MISS, with as many rows per band as possible (the fewest candidates by chance).

    Returns:
        (bands, rows), or None when no banding of SIGNATURE values is that sure (a threshold
        near 0): then every earlier original is a candidate.

        >>> banding(0.9)
        (21, 6)
    """
    best = None
    for rows in range(1, SIGNATURE + 1):
        bands = SIGNATURE // rows
        if miss_probability(near_duplicate, bands, rows) <= LSH_MISS:
            best = (bands, rows)
    return best


def _shingles(words: list[str]) -> frozenset:
    # Unlike boilerplate keys, digits count here: a page whose figures changed is not the same
    # page, though it may be a near copy. zip builds the 5-grams at C speed.
    if len(words) < SHINGLE:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(zip(*(words[i:] for i in range(SHINGLE)), strict=False))


class _Buckets:
    """The earlier originals of one firm, filed by band for candidate look-ups."""

    def __init__(self, scheme: tuple[int, int] | None) -> None:
        self.scheme = scheme
        self.table: dict[bytes, list[int]] = {}
        self.n = 0

    def _keys(self, signature: np.ndarray) -> list[bytes]:
        assert self.scheme is not None
        bands, rows = self.scheme
        raw = signature[:bands * rows].tobytes()
        width = rows * 8
        # The band's number leads its key: equal values in different bands are no match.
        return [bytes((b,)) + raw[b * width:(b + 1) * width] for b in range(bands)]

    def candidates(self, signature: np.ndarray | None) -> list[int]:
        """The originals (by their order of filing) that share a band with `signature`."""
        if self.scheme is None:
            return list(range(self.n))
        if signature is None:
            return []
        found: set[int] = set()
        for key in self._keys(signature):
            found.update(self.table.get(key, ()))
        return sorted(found)

    def add(self, signature: np.ndarray | None) -> None:
        if self.scheme is not None and signature is not None:
            for key in self._keys(signature):
                self.table.setdefault(key, []).append(self.n)
        self.n += 1


def find_duplicates(docs: Iterable[DupCandidate], *, near_duplicate: float
                    ) -> dict[str, tuple[str, float]]:
    """Flag exact and near-duplicate documents within each firm.

    Documents are taken earliest first; each is compared with the originals found before it
    (never with other duplicates, so chains do not drift). An exact copy (the same words, case
    and spacing aside) has similarity 1.0; a near copy has the Jaccard similarity of the word
    5-gram shingle sets, with the most similar original, the earliest on a tie. Only the
    originals that share a band of MinHash values with the document (`banding`) are compared
    exactly, so the work grows with the number of documents, not with the number of pairs;
    only the signatures of the originals are kept, their shingles rebuilt when compared.

    Args:
        docs: the documents with text.
        near_duplicate: the Jaccard similarity from which a document is a duplicate (0-1).

    Returns:
        {doc_id of a duplicate: (doc_id of its original, similarity)}.

    Raises:
        ValueError: if near_duplicate is not in (0, 1].
    """
    if not 0 < near_duplicate <= 1:
        raise ValueError(f"near_duplicate must be in (0, 1], got {near_duplicate}")
    scheme = banding(near_duplicate)
    by_firm: dict[str, list[DupCandidate]] = defaultdict(list)
    for doc in docs:
        by_firm[doc.firm].append(doc)
    out: dict[str, tuple[str, float]] = {}
    for items in by_firm.values():
        items.sort(key=lambda d: (d.order, d.doc_id))
        out.update(_firm_duplicates(items, near_duplicate, scheme))
    return out


def _firm_duplicates(items: list[DupCandidate], near_duplicate: float,
                     scheme: tuple[int, int] | None) -> dict[str, tuple[str, float]]:
    """`find_duplicates` within one firm, its documents in order."""
    out: dict[str, tuple[str, float]] = {}
    exact: dict[str, str] = {}
    originals: list[tuple[DupCandidate, int]] = []  # with its number of shingles
    buckets = _Buckets(scheme)
    codes: dict[str, int] = {}

    # Comparing every pair (no banding) keeps every original's shingles; with bands, a few
    # recent ones suffice (an original is rarely a candidate twice in a row).
    @functools.lru_cache(maxsize=None if scheme is None else 64)
    def shingles_of(i: int) -> frozenset:
        return _shingles(originals[i][0].text.lower().split())

    for doc in items:
        words = doc.text.lower().split()
        key = hashlib.sha1(" ".join(words).encode()).hexdigest()
        if key in exact:
            out[doc.doc_id] = (exact[key], 1.0)
            continue
        shingles = _shingles(words)
        signature = _signature(words, codes) if scheme is not None else None
        best, best_sim = None, 0.0
        size = len(shingles)
        for i in buckets.candidates(signature):
            orig, orig_size = originals[i]
            small, large = sorted((size, orig_size))
            if not large or small < near_duplicate * large:
                continue  # the sizes alone rule the threshold out
            common = len(shingles & shingles_of(i))
            sim = common / (size + orig_size - common)
            if sim > best_sim:
                best, best_sim = orig.doc_id, sim
        if best is not None and best_sim >= near_duplicate:
            out[doc.doc_id] = (best, round(best_sim, 4))
            continue
        exact[key] = doc.doc_id
        originals.append((doc, size))
        buckets.add(signature)
    return out
