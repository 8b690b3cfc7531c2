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

import hashlib
import re
import string
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

SHINGLE = 5
# Bottom-k MinHash sketches screen the pairs: with k = 128 the estimate's standard error is
# under 0.05, and a pair is compared exactly unless its estimate is SKETCH_MARGIN below the
# threshold (a true near copy escapes the screen with a probability under 1e-4).
SKETCH = 128
SKETCH_MARGIN = 0.2
# ... for firms with at least this many documents (below, exact comparisons cost less).
SKETCH_FROM = 50
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


# A shingle's hash combines its words' codes as a polynomial modulo 2⁶⁴, then mixes the bits
# (SplitMix64's finaliser) so that the smallest hashes are a uniform sample of the shingles.
_POLY = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _word_code(word: str) -> int:
    """A word's 64-bit code: the same in every process (Python's `hash` of a str is salted
    per process by PYTHONHASHSEED, which would make the screen differ from run to run)."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def _sketch(words: list[str], codes: dict[str, int]) -> frozenset[int]:
    """The SKETCH smallest hashes of a text's word 5-gram shingles: a bottom-k MinHash sketch.

    The same text gives the same sketch in every process: each shingle's hash is computed from
    its words' stable codes, in a few array operations over the whole text.

    Args:
        words: the text's words (as `_shingles` takes them).
        codes: the words' codes seen so far (filled in here: a firm's pages share most words).
    """
    if not words:
        return frozenset()
    for word in words:
        if word not in codes:
            codes[word] = _word_code(word)
    word_codes = np.fromiter((codes[w] for w in words), dtype=np.uint64, count=len(words))
    n = max(len(words) - SHINGLE + 1, 1)  # a text under SHINGLE words is one shingle
    h = word_codes[:n].copy()
    for i in range(1, min(SHINGLE, len(words))):
        h = h * _POLY + word_codes[i:i + n]  # wraps modulo 2⁶⁴
    h = (h ^ (h >> np.uint64(30))) * _MIX1
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    h ^= h >> np.uint64(31)
    return frozenset(np.unique(h)[:SKETCH].tolist())


def _estimate(a: frozenset[int], b: frozenset[int]) -> float:
    """Jaccard similarity estimated from two bottom-k sketches (Broder 1997)."""
    k = min(SKETCH, len(a | b))
    if not k:
        return 1.0
    union = sorted(a | b)[:k]
    return sum(1 for h in union if h in a and h in b) / k


def _shingles(words: list[str]) -> frozenset:
    # Unlike boilerplate keys, digits count here: a page whose figures changed is not the same
    # page, though it may be a near copy. zip builds the 5-grams at C speed.
    if len(words) < SHINGLE:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(zip(*(words[i:] for i in range(SHINGLE)), strict=False))


def find_duplicates(docs: Iterable[DupCandidate], *, near_duplicate: float
                    ) -> dict[str, tuple[str, float]]:
    """Flag exact and near-duplicate documents within each firm.

    Documents are taken earliest first; each is compared with the originals found before it
    (never with other duplicates, so chains do not drift). An exact copy (the same words, case
    and spacing aside) has similarity 1.0; a near copy has the Jaccard similarity of the word
    5-gram shingle sets. Pairs whose sizes alone rule out the threshold, or whose bottom-k
    MinHash sketches put them well below it, are not compared exactly: a firm's hundreds of
    pages cost a few microseconds a pair.

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
    by_firm: dict[str, list[DupCandidate]] = defaultdict(list)
    for doc in docs:
        by_firm[doc.firm].append(doc)
    out: dict[str, tuple[str, float]] = {}
    for items in by_firm.values():
        items.sort(key=lambda d: (d.order, d.doc_id))
        screen = len(items) >= SKETCH_FROM
        exact: dict[str, str] = {}
        originals: list[tuple[str, frozenset, frozenset[int]]] = []
        codes: dict[str, int] = {}
        for doc in items:
            words = doc.text.lower().split()
            key = hashlib.sha1(" ".join(words).encode()).hexdigest()
            if key in exact:
                out[doc.doc_id] = (exact[key], 1.0)
                continue
            shingles = _shingles(words)
            sketch = _sketch(words, codes) if screen else frozenset()
            best, best_sim = None, 0.0
            size = len(shingles)
            for orig_id, orig, orig_sketch in originals:
                small, large = sorted((size, len(orig)))
                if not large or small < near_duplicate * large:
                    continue
                if screen and _estimate(sketch, orig_sketch) < near_duplicate - SKETCH_MARGIN:
                    continue
                common = len(shingles & orig)
                sim = common / (size + len(orig) - common)
                if sim > best_sim:
                    best, best_sim = orig_id, sim
            if best is not None and best_sim >= near_duplicate:
                out[doc.doc_id] = (best, round(best_sim, 4))
                continue
            exact[key] = doc.doc_id
            originals.append((doc.doc_id, shingles, sketch))
    return out
