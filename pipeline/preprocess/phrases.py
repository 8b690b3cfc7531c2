"""Bags of terms: kept lemmas, lexicon terms forced in, and learned phrases (gensim's NPMI).

reads sentence lemmas and keep flags → each passage's terms in text order, phrases joined by "_".

Two kinds of multi-word terms reach the bags:

- **forced**: every multi-word entry of the frame lexicon (`tableau de bord`, `réseau d'eau`),
  matched on consecutive tokens of a sentence, each word against the token's lemma or its
  lower-cased form as written (so "d'" and "aux" match, and "led lighting" whatever the
  lemma of "led"), as the frame matching of the contrasts stage does.
  The match ignores the bag filters ("de" is a stop word) and becomes one term spelt like
  `Term.phrase` in `pipeline.lexicon` (`tableau_de_bord`).
- **learned**: phrases scored by NPMI as gensim `Phrases` scores them, per language, on runs
  of consecutive kept lemmas (a dropped word, a punctuation mark, a sentence end or a lexicon
  term ends a run), so only words that stand side by side in the text join
  (`ville_intelligent`, `smart_city`).

Lexicon terms, single or multi-word, never enter a learned phrase, so counting a frame's terms
in the bags finds every match. Everything runs on Arrow/numpy arrays for the whole corpus: the
counts, scores and greedy left-to-right joining are what gensim's `Phrases` and
`FrozenPhrases[sentence]` give on the same runs (a test checks both).

    >>> import pyarrow as pa, numpy as np
    >>> from pipeline.lexicon import parse_lexicon
    >>> lex = parse_lexicon({"groups": {"g": {"kind": "set", "frames": {
    ...     "f": {"fr": ["tableau de bord", "citoyen"]}}}}})
    >>> words = ["le", "tableau", "de", "bord", "du", "citoyen", "ville", "connecté"]
    >>> items = bag_items(pa.array(words), pa.array(words),
    ...     np.array([0, 1, 0, 1, 0, 1, 1, 1], bool), sentence=np.zeros(8, int),
    ...     passage=np.zeros(8, int), forced=ForcedTerms(lex, "fr"))
    >>> items.terms.to_pylist(), items.learnable.tolist()
    (['tableau_de_bord', 'citoyen', 'ville', 'connecté'], [False, False, True, True])
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.lexicon import Lexicon

log = logging.getLogger(__name__)

DELIMITER = "_"


class ForcedTerms:
    """The lexicon's terms in one language, ready to match sentences."""

    def __init__(self, lexicon: Lexicon | None, lang: str) -> None:
        multi = lexicon.multiword_terms(lang) if lexicon is not None else set()
        single = set() if lexicon is None else {
            t.words[0] for f in lexicon.frames() for t in f.terms.get(lang, ())
            if not t.is_multiword}
        # first word → every multi-word term starting with it, longest first
        self.multi: dict[str, list[tuple[str, ...]]] = {}
        for words in sorted(multi, key=lambda t: (-len(t), t)):  # ties: alphabetical
            self.multi.setdefault(words[0], []).append(words)
        self.single_array = pa.array(sorted(single), pa.string())
        self.first_array = pa.array(sorted(self.multi), pa.string())
        self.second_array = pa.array(sorted({t[1] for ts in self.multi.values() for t in ts}),
                                     pa.string())

    def find(self, lemmas: pa.Array, lowers: pa.Array, sentence: np.ndarray
             ) -> list[tuple[int, int, str]]:
        """Non-overlapping matches of multi-word terms, left to right, longest first.

        Args:
            lemmas: the lemma of every token (flat, several sentences).
            lowers: the lower-cased form as written of every token, straight apostrophes.
            sentence: the sentence number of every token (a match never crosses a sentence).

        Returns:
            (first token, number of tokens, joined term) triples.
        """
        n = len(lemmas)
        if not self.multi or n < 2:
            return []
        first = (pc.is_in(lemmas, value_set=self.first_array).to_numpy(zero_copy_only=False)
                 | pc.is_in(lowers, value_set=self.first_array).to_numpy(zero_copy_only=False))
        nxt_lemma = pc.is_in(lemmas, value_set=self.second_array).to_numpy(zero_copy_only=False)
        nxt_lower = pc.is_in(lowers, value_set=self.second_array).to_numpy(zero_copy_only=False)
        cand = first[:-1] & (nxt_lemma[1:] | nxt_lower[1:]) & (sentence[:-1] == sentence[1:])
        found: list[tuple[int, int, str]] = []
        free = 0  # first token not covered by an earlier match
        longest = max(len(t) for ts in self.multi.values() for t in ts)
        for p in np.flatnonzero(cand).tolist():
            if p < free:
                continue
            end = min(n, p + longest)
            lem = lemmas.slice(p, end - p).to_pylist()
            low = lowers.slice(p, end - p).to_pylist()
            same = (sentence[p:end] == sentence[p]).sum()
            terms = self.multi.get(lem[0], [])
            if low[0] != lem[0] and low[0] in self.multi:  # longest first, then alphabetical
                terms = sorted(terms + self.multi[low[0]], key=lambda t: (-len(t), t))
            for words in terms:
                m = len(words)
                if m <= same and all(lem[k] == w or low[k] == w
                                     for k, w in enumerate(words[1:], 1)):
                    found.append((p, m, DELIMITER.join(words)))
                    free = p + m
                    break
        return found


@dataclass
class Items:
    """One language's bag items in text order (kept lemmas and forced terms)."""

    terms: pa.Array            # string: the term
    learnable: np.ndarray      # bool: may join a learned phrase
    pair: np.ndarray           # bool: item j follows item j-1 in the same run (both learnable,
    #                            adjacent tokens of one sentence)
    passage: np.ndarray        # int64: the passage the item belongs to

    @staticmethod
    def concat(parts: Sequence[Items]) -> Items:
        """Items of several batches, one after the other (a batch never splits a sentence)."""
        if not parts:
            return Items(pa.array([], pa.string()), np.zeros(0, bool), np.zeros(0, bool),
                         np.zeros(0, np.int64))
        return Items(terms=pa.concat_arrays([p.terms for p in parts]),
                     learnable=np.concatenate([p.learnable for p in parts]),
                     pair=np.concatenate([p.pair for p in parts]),
                     passage=np.concatenate([p.passage for p in parts]))


def bag_items(lemmas: pa.Array, lowers: pa.Array, keep: np.ndarray, *, sentence: np.ndarray,
              passage: np.ndarray, forced: ForcedTerms) -> Items:
    """Turn one language's tokens (flat, in text order) into bag items.

    Args:
        lemmas: the lemma of every token.
        lowers: the lower-cased form as written of every token (straight apostrophes).
        keep: whether each token passes the bag filters.
        sentence: a sentence number per token (non-decreasing).
        passage: the passage number of each token.
        forced: the lexicon's terms in this language.

    Returns:
        The items: forced multi-word terms, then every kept token not inside one.
    """
    is_item = keep.copy()
    protected = keep & pc.is_in(lemmas, value_set=forced.single_array).to_numpy(
        zero_copy_only=False)
    # Lemmas holding the delimiter would be mistaken for phrases.
    protected |= keep & pc.match_substring(lemmas, DELIMITER).to_numpy(zero_copy_only=False)
    matches = forced.find(lemmas, lowers, sentence)
    phrase_at = {}
    for p, m, term in matches:
        is_item[p:p + m] = False
        is_item[p] = True
        protected[p] = True
        phrase_at[p] = term
    where = np.flatnonzero(is_item)
    terms = lemmas.take(pa.array(where))
    if phrase_at:
        mask = np.isin(where, np.fromiter(phrase_at, np.int64))
        replacement = pa.array([phrase_at[p] for p in where[mask].tolist()], pa.string())
        terms = pc.replace_with_mask(terms, pa.array(mask), replacement)
    learnable = ~protected[where]
    sent = sentence[where]
    pair = np.zeros(len(where), bool)
    if len(where) > 1:
        pair[1:] = (learnable[1:] & learnable[:-1] & (where[1:] == where[:-1] + 1)
                    & (sent[1:] == sent[:-1]))
    return Items(terms=terms, learnable=learnable, pair=pair, passage=passage[where])


def learn_phrases(items: Items, *, phrases_min_count: int, phrases_threshold: float
                  ) -> dict[str, float]:
    """Learn phrases from the runs of learnable items, as gensim `Phrases` (NPMI) would.

    Unigram and bigram counts are computed on arrays; each bigram seen at least
    `phrases_min_count` times is scored by normalised pointwise mutual information (Bouma 2009),
    ln(p(ab) / (p(a) p(b))) / -ln(p(ab)), probabilities being counts over the number of
    learnable items, and kept when its score exceeds `phrases_threshold`. These are gensim's
    own definitions, scored in the same floating-point steps, so the phrases and scores equal
    `Phrases(runs, scoring="npmi").export_phrases()` (a test checks it); the stage no longer
    imports gensim for it, which cost every run over a second.

    Args:
        items: one language's items.
        phrases_min_count: minimum count of a bigram.
        phrases_threshold: NPMI threshold, in (-1, 1].

    Returns:
        Joined phrase → NPMI score, as in `FrozenPhrases.phrasegrams`, in the order of the
        bigrams' codes.
    """
    terms = items.terms.filter(pa.array(items.learnable))
    if len(terms) < 2:
        return {}
    encoded = terms.dictionary_encode()
    codes = encoded.indices.to_numpy().astype(np.int64)
    words = encoded.dictionary
    unigram = np.bincount(codes, minlength=len(words))
    pair = items.pair[items.learnable][1:]
    keys = codes[:-1][pair] * len(words) + codes[1:][pair]
    bigrams, counts = np.unique(keys, return_counts=True)
    enough = counts >= phrases_min_count
    bigrams, counts = bigrams[enough], counts[enough]
    a, b = bigrams // len(words), bigrams % len(words)
    n = float(len(terms))
    names = pc.binary_join_element_wise(words.take(pa.array(a)), words.take(pa.array(b)),
                                        DELIMITER).to_pylist()
    phrases: dict[str, float] = {}
    # math.log, not np.log: the score at the threshold must not depend on the CPU's SIMD
    for name, n_a, n_b, n_ab in zip(names, unigram[a].tolist(), unigram[b].tolist(),
                                    counts.tolist(), strict=True):
        p_ab = n_ab / n
        score = math.log(p_ab / ((n_a / n) * (n_b / n))) / -math.log(p_ab)
        if score > phrases_threshold:
            phrases[name] = score
    return phrases


def apply_phrases(items: Items, phrasegrams: dict[str, float]) -> tuple[pa.Array, np.ndarray]:
    """Join learned phrases, greedily left to right like `FrozenPhrases[run]`.

    Returns:
        The final terms and the passage of each.
    """
    terms, passage = items.terms, items.passage
    if not phrasegrams or len(terms) < 2:
        return terms, passage
    where = np.flatnonzero(items.pair)  # item j may join item j-1
    joined = pc.binary_join_element_wise(terms.take(pa.array(where - 1)),
                                         terms.take(pa.array(where)), DELIMITER)
    hit = pc.is_in(joined, value_set=pa.array(list(phrasegrams), pa.string())).to_numpy(
        zero_copy_only=False)
    first_of: list[int] = []
    taken = -1  # last item consumed by a phrase
    for j in where[hit].tolist():
        if j - 1 > taken:
            first_of.append(j - 1)
            taken = j
    if not first_of:
        return terms, passage
    first = np.asarray(first_of)
    drop = np.zeros(len(terms), bool)
    drop[first + 1] = True
    phrase = pc.binary_join_element_wise(terms.take(pa.array(first)),
                                         terms.take(pa.array(first + 1)), DELIMITER)
    mask = np.zeros(len(terms), bool)
    mask[first] = True
    terms = pc.replace_with_mask(terms, pa.array(mask), phrase)
    keep = pa.array(~drop)
    return terms.filter(keep), passage[~drop]
