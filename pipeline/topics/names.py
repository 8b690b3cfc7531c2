"""Proper nouns: place, person and company names kept out of the topic models' bags.

A topic model fed with names learns case studies (one firm's project in one town, with the
people who ran it) instead of frames. A lemma is a name when most of its kept occurrences are
tagged PROPN by the lemmatiser (spaCy); with the simplemma lemmatiser (no parts of speech),
when most of its occurrences inside a sentence (not its first token) are capitalised. A
phrase (`saint_orlan`, `ville_de_valbrune`) goes when any of its words is a name. Keyness and
concordances keep every term: only the topic models leave names out (`topics.drop_names`).

The words of the frame lexicon are never names here, whatever the tagger says: "BIM", "CCTV"
or the "Grid" of "Smart Grid" are often written and tagged like names, and they are the
study's own words.

    >>> import pyarrow as pa
    >>> sents = pa.table({"tokens": [["À", "Valbrune", "la", "ville", "agit", "BIM"]],
    ...                   "lemmas": [["à", "valbrune", "le", "ville", "agir", "bim"]],
    ...                   "pos": [["ADP", "PROPN", "DET", "NOUN", "VERB", "PROPN"]],
    ...                   "keep": [[False, True, False, True, True, True]]})
    >>> sorted(proper_nouns([sents], lexicon_words={"bim"}))
    ['valbrune']
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger(__name__)


def proper_nouns(batches: Iterable[pa.Table | pa.RecordBatch], *,
                 lexicon_words: Iterable[str] = ()) -> set[str]:
    """Lemmas that are names in most of their kept occurrences, the lexicon's words excepted.

    Args:
        batches: SENTENCES rows, batch after batch (`io.iter_arrow`), with at least `tokens`,
            `lemmas`, `pos` and `keep`; only their counts are kept between batches.
        lexicon_words: words never taken for names (every word of every lexicon term).

    Returns:
        The set of name lemmas.
    """
    counts: list[pa.Table] = []
    for batch in batches:
        lemmas = pc.list_flatten(batch.column("lemmas"))
        if not len(lemmas):
            continue
        tokens = pc.list_flatten(batch.column("tokens"))
        pos = pc.list_flatten(batch.column("pos"))
        keep = pc.list_flatten(batch.column("keep")).to_numpy(zero_copy_only=False)
        sizes = pc.list_value_length(batch.column("lemmas")).fill_null(0).to_numpy()
        sentence = np.repeat(np.arange(len(sizes)), sizes)
        first = np.arange(len(lemmas)) == np.repeat(np.cumsum(sizes) - sizes, sizes)
        # A sentence without parts of speech (simplemma) has them all empty.
        has_pos = pc.utf8_length(pos).to_numpy(zero_copy_only=False) > 0
        tagged = (np.bincount(sentence, weights=has_pos, minlength=len(sizes)) > 0)[sentence]
        initial = pc.utf8_slice_codeunits(tokens, 0, 1)
        seen = keep & (tagged | (~first & pc.utf8_is_alpha(initial).to_numpy(
            zero_copy_only=False)))
        named = seen & np.where(tagged, pc.equal(pos, "PROPN").to_numpy(zero_copy_only=False),
                                pc.utf8_is_upper(initial).to_numpy(zero_copy_only=False))
        at = pa.array(seen)
        counts.append(pa.table({"lemma": lemmas.filter(at),
                                "named": pa.array(named[seen].astype(np.int64))})
                      .group_by("lemma").aggregate([("named", "sum"), ("named", "count")]))
    if not counts:
        return set()
    total = (pa.concat_tables(counts).group_by("lemma")
             .aggregate([("named_sum", "sum"), ("named_count", "sum")]))
    named_n = total.column("named_sum_sum").to_numpy()
    seen_n = total.column("named_count_sum").to_numpy()
    names = set(total.column("lemma").filter(pa.array(2 * named_n > seen_n)).to_pylist())
    return names - set(lexicon_words)


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
