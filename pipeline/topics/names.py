"""Proper nouns: place, person and company names kept out of the topic models' bags.

A topic model fed with names learns case studies (one firm's project in one town, with the
people who ran it) instead of frames. A lemma is a name when most of its kept occurrences are
tagged PROPN by the lemmatiser (spaCy); with the simplemma lemmatiser (no parts of speech),
when most of its occurrences inside a sentence (not its first token) are capitalised. A
phrase (`saint_orlan`, `ville_de_valbrune`) goes when any of its words is a name. Keyness and
concordances keep every term: only the topic models leave names out (`topics.drop_names`).

    >>> import pandas as pd
    >>> sents = pd.DataFrame({"tokens": [["À", "Valbrune", "la", "ville", "agit"]],
    ...                       "lemmas": [["à", "valbrune", "le", "ville", "agir"]],
    ...                       "pos": [["ADP", "PROPN", "DET", "NOUN", "VERB"]],
    ...                       "keep": [[False, True, False, True, True]]})
    >>> sorted(proper_nouns(sents))
    ['valbrune']
"""

from __future__ import annotations

import logging
from collections import Counter

import pandas as pd

log = logging.getLogger(__name__)


def proper_nouns(sentences: pd.DataFrame) -> set[str]:
    """Lemmas that are names in most of their kept occurrences.

    Args:
        sentences: rows of SENTENCES with at least `tokens`, `lemmas`, `pos`, `keep`.

    Returns:
        The set of name lemmas.
    """
    named: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for tokens, lemmas, pos, keep in zip(sentences["tokens"], sentences["lemmas"],
                                         sentences["pos"], sentences["keep"], strict=True):
        tagged = any(pos)
        for i, (token, lemma, tag, kept) in enumerate(zip(tokens, lemmas, pos, keep,
                                                           strict=True)):
            if not kept:
                continue
            if tagged:
                seen[lemma] += 1
                named[lemma] += tag == "PROPN"
            elif i > 0 and token[:1].isalpha():
                seen[lemma] += 1
                named[lemma] += token[:1].isupper()
    return {lemma for lemma, n in named.items() if 2 * n > seen[lemma]}


def drop_names(bags: pd.DataFrame, names: set[str]) -> pd.DataFrame:
    """The bags without name terms (a phrase goes when any of its words is a name).

    Returns:
        A new frame (the input is not modified); `n_tokens` is left as it is.
    """
    if not names:
        return bags

    def keep(term: str) -> bool:
        return not any(part in names for part in term.split("_"))

    out = bags.assign(terms=[[t for t in terms if keep(t)] for terms in bags["terms"]])
    removed = sum(map(len, bags["terms"])) - sum(map(len, out["terms"]))
    log.info("topics: %d name lemma(s) and %d occurrence(s) left out of the bags (e.g. %s)",
             len(names), removed, ", ".join(sorted(names)[:5]))
    return out
