"""Frame matching on sentence lemmas, and frame measures with bootstrap intervals.

sentences (tokens, lemmas) + the frame lexicon → matches (one row per occurrence of a lexicon
term); per-document counts → rates per 10,000 tokens and opposition shares per firm, year and
firm × year, with 95 % bootstrap intervals over documents.

Matching rules (what a researcher needs to know to read the figures):

- A term matches a run of consecutive tokens of one sentence, in its own language only (French
  terms in French sentences). Each word of the term must equal the token's lemma **or** the
  token as written (lower-cased), so a lemmatiser's slip ("plateforme" → "plateform",
  "data" → "datum") does not hide a match.
- French elisions are compared in full: spaCy lemmatises "d'" to "de" and "l'" to "le", so
  "réseau d'eau" in frames.yaml and "réseau d' eau" / "réseau de eau" in the text all match.
  Apostrophes ’ and ' are the same. A hyphenated term also matches when the tokeniser split it
  ("public-privé" = "public - privé").
- Within one lexicon group a token counts once: where terms overlap, the longest match wins
  ("eau potable" rather than "eau"), then the leftmost. Different groups are independent ("tableau
  de bord" counts in `performance` and "tableau" could count elsewhere).
- A term listed in two frames of a `set` group counts in both; within one frame a span counts
  once, even when two entries spell it ("plateforme urbaine" and its lemma "plateforme urbain").

    >>> sents = pd.DataFrame({"doc_id": ["d"], "passage_id": ["d-0000"], "sent_id": [0],
    ...     "firm": ["acme"], "year": [2020], "lang": ["fr"], "url": ["u"], "start_char": [0],
    ...     "text": ["Les citoyens et les clients"],
    ...     "tokens": [["Les", "citoyens", "et", "les", "clients"]],
    ...     "lemmas": [["le", "citoyen", "et", "le", "client"]],
    ...     "pos": [["DET", "NOUN", "CCONJ", "DET", "NOUN"]], "starts": [[0, 4, 13, 16, 20]],
    ...     "keep": [[False, True, False, False, True]]})
    >>> from pipeline.lexicon import parse_lexicon
    >>> lex = parse_lexicon({"groups": {"audience": {"kind": "opposition", "frames": {
    ...     "citizens": {"fr": ["citoyen"]}, "clients": {"fr": ["client"]}}}}})
    >>> match_lexicon(build_stream(sents), lex)[["frame", "term", "start"]].values.tolist()
    [['citizens', 'citoyen', 1], ['clients', 'client', 4]]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from pipeline.lexicon import Lexicon
from pipeline.resample import content_order

log = logging.getLogger(__name__)

# French elided forms and the full word spaCy gives as their lemma.
ELISIONS = {"d'": "de", "l'": "le", "j'": "je", "m'": "me", "n'": "ne", "s'": "se", "t'": "te",
            "c'": "ce", "qu'": "que", "jusqu'": "jusque", "lorsqu'": "lorsque",
            "puisqu'": "puisque", "quoiqu'": "quoique"}
PER = 10_000.0  # rates are per 10,000 word tokens
LEVELS = ("all", "firm", "year", "firm_year")


def normalise_form(word: str) -> str:
    """Lower-case, one apostrophe, and elided French articles in full ("d'" → "de")."""
    w = str(word).lower().replace("’", "'")
    return ELISIONS.get(w, w)


@dataclass(frozen=True)
class Stream:
    """Every token of a sentences table, flattened in (document, passage, sentence) order.

    `row` maps each token to its sentence's row in `sentences` (sorted copy); `lemma` and
    `form` are integer codes into `vocab` of the normalised lemma and the normalised token as
    written; `raw_lemma` codes into `raw_vocab` the lemma exactly as preprocess wrote it (the
    form bags use).
    """

    sentences: pd.DataFrame
    row: np.ndarray
    lemma: np.ndarray
    form: np.ndarray
    vocab: dict[str, int]
    raw_lemma: np.ndarray
    raw_vocab: dict[str, int]
    keep: np.ndarray
    start: np.ndarray  # offset of the token in its sentence's text
    token: np.ndarray  # the token as written (object array)
    sent_first: np.ndarray  # stream index of each sentence's first token, then len(row)

    def __len__(self) -> int:
        return len(self.row)


def build_stream(sentences: pd.DataFrame) -> Stream:
    """Flatten a SENTENCES table into token arrays (the input is not modified).

    Args:
        sentences: rows of the `sentences` table.

    Returns:
        The stream, its `sentences` sorted by doc_id, passage_id, sent_id so that a passage's
        tokens are contiguous.
    """
    sents = sentences.sort_values(["doc_id", "passage_id", "sent_id"], kind="stable"
                                  ).reset_index(drop=True)

    def sizes(col):
        return np.fromiter((len(x) for x in sents[col]), dtype=np.int64, count=len(sents))

    lengths = sizes("tokens")
    bad = np.flatnonzero((sizes("lemmas") != lengths) | (sizes("starts") != lengths)
                         | (sizes("keep") != lengths))
    if len(bad):
        r = sents.iloc[bad[0]]
        raise ValueError(f"sentences: passage {r['passage_id']} sentence {r['sent_id']}: tokens, "
                         "lemmas, starts and keep differ in length")
    row = np.repeat(np.arange(len(sents)), lengths)

    def flat(col, dtype=object):
        if not len(sents):
            return np.zeros(0, dtype=dtype)
        return np.concatenate([np.asarray(x, dtype=dtype) for x in sents[col].to_numpy()])

    tokens, lemmas = flat("tokens"), flat("lemmas")
    raw_codes, raw_uniques = pd.factorize(lemmas)
    tok_codes, tok_uniques = pd.factorize(tokens)
    # Normalise the distinct strings only, then code both streams in one vocabulary.
    norm_raw = [normalise_form(w) for w in raw_uniques]
    norm_tok = [normalise_form(w) for w in tok_uniques]
    _, vocab_list = pd.factorize(np.array(norm_raw + norm_tok, dtype=object))
    vocab = {w: i for i, w in enumerate(vocab_list)}
    lemma_map = np.array([vocab[w] for w in norm_raw], dtype=np.int64)
    form_map = np.array([vocab[w] for w in norm_tok], dtype=np.int64)
    return Stream(
        sentences=sents, row=row,
        lemma=lemma_map[raw_codes] if len(raw_codes) else np.zeros(0, np.int64),
        form=form_map[tok_codes] if len(tok_codes) else np.zeros(0, np.int64),
        vocab=vocab, raw_lemma=raw_codes.astype(np.int64),
        raw_vocab={w: i for i, w in enumerate(raw_uniques)},
        keep=flat("keep", bool).astype(bool), start=flat("starts", np.int64).astype(np.int64),
        token=tokens, sent_first=np.r_[0, np.cumsum(lengths)],
    )


def match_sequences(alternatives: list[np.ndarray], segment: np.ndarray,
                    patterns: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Find every run of consecutive positions that spells a pattern, within one segment.

    Args:
        alternatives: code arrays of the same length; a pattern word matches a position when
            it equals the code of any alternative there (e.g. lemma or written form).
        segment: segment (sentence) of each position; a match never crosses segments.
        patterns: word-code tuples.

    Returns:
        (starts, pattern_idx): start position and pattern of every match (a position may start
        several patterns).
    """
    n = len(segment)
    if not patterns or not n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lengths = np.array([len(p) for p in patterns])
    width = lengths.max()
    words = np.full((len(patterns), width), -1, dtype=np.int64)
    for i, p in enumerate(patterns):
        words[i, : len(p)] = p
    firsts = pd.DataFrame({"w": words[:, 0], "pat": np.arange(len(patterns))})
    found = []
    for alt in alternatives:
        pos = np.flatnonzero(np.isin(alt, firsts["w"].to_numpy()))
        found.append(pd.DataFrame({"pos": pos, "w": alt[pos]}).merge(firsts, on="w"))
    cand = pd.concat(found).drop_duplicates(["pos", "pat"])
    pos, pat = cand["pos"].to_numpy(np.int64), cand["pat"].to_numpy(np.int64)
    for k in range(1, width):
        need = lengths[pat] > k
        q = np.minimum(pos + k, n - 1)
        same = (pos + k < n) & (segment[q] == segment[pos])
        hit = np.zeros(len(pos), dtype=bool)
        for alt in alternatives:
            hit |= alt[q] == words[pat, k]
        ok = ~need | (same & hit)
        pos, pat = pos[ok], pat[ok]
    order = np.lexsort((pat, pos))
    return pos[order], pat[order]


def resolve_overlaps(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Greedy longest-then-leftmost choice of non-overlapping spans.

    Args:
        starts, lengths: candidate spans (several may share a start).

    Returns:
        Boolean mask of the spans kept. Identical spans are all kept (one term in two frames).
    """
    starts, lengths = np.asarray(starts, np.int64), np.asarray(lengths, np.int64)
    if not len(starts):
        return np.zeros(0, dtype=bool)
    order = np.lexsort((-lengths, starts))
    s, ln = starts[order], lengths[order]
    first_at = np.r_[True, s[1:] != s[:-1]]
    head = np.flatnonzero(first_at)  # the longest span at each start
    h_start, h_end = s[head], s[head] + ln[head]
    reach = np.r_[-1, np.maximum.accumulate(h_end)[:-1]]
    head_ok = h_start >= reach
    if not head_ok.all():
        # Chains of overlapping multi-word terms are rare: settle them left to right.
        head_ok = np.zeros(len(head), dtype=bool)
        end = -1
        for i, (a, e) in enumerate(zip(h_start.tolist(), h_end.tolist(), strict=True)):
            if a >= end:
                head_ok[i], end = True, e
    head_of = np.cumsum(first_at) - 1
    keep = head_ok[head_of] & (ln == ln[head][head_of])
    mask = np.zeros(len(starts), dtype=bool)
    mask[order] = keep
    return mask


@dataclass(frozen=True)
class _Entry:
    group: str
    frame: str
    term: str
    lang: str
    words: tuple[str, ...]


def _lexicon_entries(lexicon: Lexicon) -> list[_Entry]:
    entries = []
    for frame in lexicon.frames():
        for lang, terms in frame.terms.items():
            for term in terms:
                for variant in term_variants(term.words):
                    entries.append(_Entry(frame.group, frame.name, term.text, lang, variant))
    return entries


def term_variants(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The word sequences a lexicon term matches: as written, and with hyphens split off."""
    base = tuple(normalise_form(w) for w in words)
    variants = [base]
    if any("-" in w.strip("-") for w in base):
        split: list[str] = []
        for w in base:
            parts = w.split("-")
            for i, part in enumerate(parts):
                if i:
                    split.append("-")
                if part:
                    split.append(part)
        variants.append(tuple(split))
    return variants


def match_lexicon(stream: Stream, lexicon: Lexicon) -> pd.DataFrame:
    """Every occurrence of every lexicon term in the stream.

    Args:
        stream: from `build_stream`.
        lexicon: the frame lexicon.

    Returns:
        One row per (match, frame): `row` (sentence row in `stream.sentences`), `start` (token
        index in the sentence), `n_words`, `pos` (position in the stream), `group`, `frame`,
        `term` (as written in the lexicon), `lang`.
    """
    entries = _lexicon_entries(lexicon)
    sent_lang = stream.sentences["lang"].to_numpy()[stream.row] if len(stream) else np.array([])
    out = []
    for lang in sorted({e.lang for e in entries}):
        in_lang = np.flatnonzero(sent_lang == lang)
        mine = [e for e in entries if e.lang == lang and all(w in stream.vocab for w in e.words)]
        if not len(in_lang) or not mine:
            continue
        # Distinct word sequences are matched once, then fanned out to their entries.
        seqs = sorted({e.words for e in mine})
        seq_idx = {s: i for i, s in enumerate(seqs)}
        patterns = [tuple(stream.vocab[w] for w in s) for s in seqs]
        local, pat = match_sequences([stream.lemma[in_lang], stream.form[in_lang]],
                                     stream.row[in_lang], patterns)
        spans = pd.DataFrame({"pos": in_lang[local], "seq": pat,
                              "n_words": np.array([len(s) for s in seqs])[pat]})
        ent = pd.DataFrame([(seq_idx[e.words], e.group, e.frame, e.term, i)
                            for i, e in enumerate(mine)],
                           columns=["seq", "group", "frame", "term", "order"])
        hits = spans.merge(ent, on="seq")
        if hits.empty:
            continue
        kept = []
        for _, g in hits.groupby("group", sort=False):
            span = g.drop_duplicates(["pos", "n_words"])
            mask = resolve_overlaps(span["pos"].to_numpy(), span["n_words"].to_numpy())
            chosen = span.loc[mask, ["pos", "n_words"]]
            # One span counts once per frame, even when two entries spell it (a written and a
            # lemma form, or a term's hyphen-split variant): the entry listed first names it.
            kept.append(g.merge(chosen, on=["pos", "n_words"]).sort_values("order")
                        .drop_duplicates(["pos", "group", "frame"]))
        hits = pd.concat(kept, ignore_index=True)
        hits["lang"] = lang
        out.append(hits)
    cols = ["row", "start", "n_words", "pos", "group", "frame", "term", "lang"]
    if not out:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("group", "frame", "term", "lang")
                                          else np.int64) for c in cols})
    hits = pd.concat(out, ignore_index=True)
    hits["row"] = stream.row[hits["pos"].to_numpy()]
    hits["start"] = hits["pos"].to_numpy() - stream.sent_first[hits["row"].to_numpy()]
    return hits[cols].sort_values(["pos", "group", "frame"], kind="stable").reset_index(drop=True)


def match_bag_terms(stream: Stream, terms: pd.DataFrame) -> pd.DataFrame:
    """Occurrences of bag-of-words terms (lemmas, and phrases joined by `_`) in the stream.

    A single-word term is matched on the *kept* tokens' lemmas (the tokens bags are made of).
    A phrase is matched on consecutive tokens like a lexicon term (each word against the
    lemma or the word as written, elisions in full), since preprocessing joins only words that
    stand side by side: learned phrases (`ville_intelligent`) and the lexicon's forced phrases
    (`réseau_d'_eau`, whose "d'" is the lemma "de").

    Args:
        stream: from `build_stream`.
        terms: rows with `term`, `lang`, `firm`: which term to look for in which firm's
            sentences of which language.

    Returns:
        Rows `row`, `start`, `n_words`, `pos`, `term`, `lang`, `firm` (the match spans
        `n_words` tokens from `pos` in the stream).
    """
    cols = ["row", "start", "n_words", "pos", "term", "lang", "firm"]
    empty = pd.DataFrame({c: pd.Series(dtype=np.int64 if c in cols[:4] else object)
                          for c in cols})
    if not len(terms) or not len(stream):
        return empty
    sents = stream.sentences
    key = (sents["lang"].astype(str) + "\x1f" + sents["firm"].astype(str)).to_numpy()
    tok_key = key[stream.row]
    out = []
    for (lang, firm), want in terms.groupby(["lang", "firm"], sort=True):
        where = np.flatnonzero(tok_key == f"{lang}\x1f{firm}")
        names = [t for t in dict.fromkeys(want["term"]) if isinstance(t, str) and t]
        if not len(where) or not names:
            continue
        single = [t for t in names if "_" not in t and t in stream.raw_vocab]
        multi = [t for t in names if "_" in t]
        multi_words = {t: tuple(normalise_form(w) for w in t.split("_") if w) for t in multi}
        multi = [t for t in multi if all(w in stream.vocab for w in multi_words[t])]
        found = []
        if single:
            kept = where[stream.keep[where]]
            s, p = match_sequences([stream.raw_lemma[kept]], stream.row[kept],
                                   [(stream.raw_vocab[t],) for t in single])
            found.append(pd.DataFrame({"pos": kept[s], "n_words": 1,
                                       "term": np.array(single, dtype=object)[p]}))
        if multi:
            patterns = [tuple(stream.vocab[w] for w in multi_words[t]) for t in multi]
            s, p = match_sequences([stream.lemma[where], stream.form[where]], stream.row[where],
                                   patterns)
            found.append(pd.DataFrame({
                "pos": where[s], "n_words": np.array([len(x) for x in patterns])[p] if len(p)
                else np.zeros(0, np.int64), "term": np.array(multi, dtype=object)[p]}))
        hits = pd.concat(found, ignore_index=True)
        if len(hits):
            out.append(hits.assign(lang=lang, firm=firm))
    if not out:
        return empty
    hits = pd.concat(out, ignore_index=True)
    hits["row"] = stream.row[hits["pos"].to_numpy()]
    hits["start"] = hits["pos"].to_numpy() - stream.sent_first[hits["row"].to_numpy()]
    return hits[cols].sort_values(["pos", "term"], kind="stable").reset_index(drop=True)


# --- measures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A figure computed from per-document sums: numerator columns over denominator columns."""

    group: str
    frame: str
    measure: str  # rate | share
    num: tuple[int, ...]
    den: tuple[int, ...]
    scale: float


def frame_quantities(lexicon: Lexicon, columns: list[tuple[str, str]]) -> list[Quantity]:
    """Rates of every frame and shares of every opposition, as column arithmetic.

    Args:
        lexicon: the frame lexicon.
        columns: (group, frame) of each match-count column; the token count is the column
            after the last one.
    """
    tok = len(columns)
    col = {gf: i for i, gf in enumerate(columns)}
    out = []
    for group in lexicon.groups.values():
        names = list(group.frames)
        for name in names:
            out.append(Quantity(group.name, name, "rate", (col[(group.name, name)],), (tok,), PER))
        if group.kind == "opposition":
            a, b = col[(group.name, names[0])], col[(group.name, names[1])]
            out.append(Quantity(group.name, names[0], "share", (a,), (a, b), 1.0))
    return out


def _ratio(sums: np.ndarray, q: Quantity) -> np.ndarray:
    num = sums[..., list(q.num)].sum(axis=-1)
    den = sums[..., list(q.den)].sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, q.scale * num / np.where(den > 0, den, 1.0), np.nan)


def nan_quantiles(values: np.ndarray, qs) -> list[np.ndarray]:
    """Quantiles along axis 0 ignoring NaN (numpy's linear rule), NaN where all are NaN.

    A vectorised `np.nanquantile`, which loops in Python over every column.
    """
    srt = np.sort(values, axis=0)  # NaN sort last
    n = (~np.isnan(values)).sum(axis=0)
    out = []
    for q in qs:
        pos = q * np.maximum(n - 1, 0)
        below = np.floor(pos).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(n - 1, 0))
        frac = pos - below
        v_lo = np.take_along_axis(srt, below[None], axis=0)[0]
        v_hi = np.take_along_axis(srt, above[None], axis=0)[0]
        out.append(np.where(n > 0, v_lo + (v_hi - v_lo) * frac, np.nan))
    return out


def resample_cells(values: np.ndarray, cell: np.ndarray, n_cells: int,
                   quantities: list[Quantity], *, n_bootstrap: int, rng: np.random.Generator,
                   chunk: int = 100) -> np.ndarray:
    """The figures of `n_bootstrap` resamples: (n_bootstrap × n_cells × n_quantities).

    Each resample draws, in every cell, as many documents as the cell holds, with
    replacement, from that cell only (documents in the order given: see `by_content`).
    """
    n_docs, n_cols = values.shape
    size = np.bincount(cell, minlength=n_cells)
    order = np.argsort(cell, kind="stable")
    cell_sorted = cell[order]
    first = np.r_[0, np.cumsum(size)[:-1]]
    # Document j (in cell order) contributes its counts to its cell's block of columns.
    mx = sparse.csr_matrix(
        (values[order].ravel(),
         (np.repeat(np.arange(n_docs), n_cols),
          (cell_sorted[:, None] * n_cols + np.arange(n_cols)).ravel())),
        shape=(n_docs, n_cells * n_cols))
    reps = np.empty((n_bootstrap, n_cells, len(quantities)))
    for b0 in range(0, n_bootstrap, chunk):
        nb = min(chunk, n_bootstrap - b0)
        u = rng.random((nb, n_docs))
        picks = first[cell_sorted] + np.floor(u * size[cell_sorted]).astype(np.int64)
        w = sparse.csr_matrix((np.ones(nb * n_docs), (np.repeat(np.arange(nb), n_docs),
                                                      picks.ravel())), shape=(nb, n_docs))
        s = (w @ mx).toarray().reshape(nb, n_cells, n_cols)
        reps[b0:b0 + nb] = np.stack([_ratio(s, q) for q in quantities], axis=-1)
    return reps


def measure_cells(values: np.ndarray, cell: np.ndarray, n_cells: int, quantities: list[Quantity],
                  *, n_bootstrap: int, rng: np.random.Generator, chunk: int = 100,
                  max_floats: int = 20_000_000) -> dict[str, np.ndarray]:
    """Figures per cell with percentile bootstrap intervals, resampling documents in each cell.

    Args:
        values: (documents × columns) additive counts (matches per frame, then tokens).
        cell: cell of each document (0 … n_cells − 1).
        n_cells: number of cells.
        quantities: the figures to compute from the columns.
        n_bootstrap: resamples; each draws as many documents as the cell holds, with
            replacement, from that cell only.
        rng: random generator.
        chunk: resamples computed per sparse product (bounds memory).
        max_floats: above this many resampled figures at once, cells are taken in blocks
            (bounds memory for thousands of firm-years).

    Returns:
        Arrays of shape (n_cells, n_quantities): `value`, `ci_low`, `ci_high` (NaN where the
        figure is undefined or the cell has fewer than two documents), `num`, `den` sums.
    """
    per_cell = max(n_bootstrap, 1) * max(len(quantities), 1)
    if n_cells > 1 and n_cells * per_cell > max_floats:
        block = max(1, max_floats // per_cell)
        parts = []
        for c0 in range(0, n_cells, block):
            mine = (cell >= c0) & (cell < c0 + block)
            nc = min(block, n_cells - c0)
            parts.append(measure_cells(values[mine], cell[mine] - c0, nc, quantities,
                                       n_bootstrap=n_bootstrap, rng=rng, chunk=chunk,
                                       max_floats=max_floats))
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n_docs, n_cols = values.shape
    sums = np.zeros((n_cells, n_cols))
    np.add.at(sums, cell, values)
    value = np.stack([_ratio(sums, q) for q in quantities], axis=-1) if quantities else \
        np.zeros((n_cells, 0))
    lo = np.full_like(value, np.nan)
    hi = np.full_like(value, np.nan)
    size = np.bincount(cell, minlength=n_cells)
    if n_bootstrap > 0 and n_docs and quantities:
        reps = resample_cells(values, cell, n_cells, quantities, n_bootstrap=n_bootstrap,
                              rng=rng, chunk=chunk)
        lo, hi = nan_quantiles(reps, (0.025, 0.975))
        few = size < 2
        lo[few] = np.nan
        hi[few] = np.nan
        undefined = np.isnan(value)
        lo[undefined] = np.nan
        hi[undefined] = np.nan
    num = np.stack([sums[:, list(q.num)].sum(axis=1) for q in quantities], axis=-1) \
        if quantities else np.zeros((n_cells, 0))
    den = np.stack([sums[:, list(q.den)].sum(axis=1) for q in quantities], axis=-1) \
        if quantities else np.zeros((n_cells, 0))
    return {"value": value, "ci_low": lo, "ci_high": hi, "num": num, "den": den}


def pool_languages(docs: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """One row per document: its firm, year and content key, and the counts `names` and
    `n_tokens` summed over its languages (rows in content order, see `by_content`)."""
    keep = {"firm": "first", "year": "first", **{c: "sum" for c in [*names, "n_tokens"]}}
    if "content_key" in docs:
        keep["content_key"] = "first"
    return by_content(docs.groupby("doc_id", sort=True).agg(keep).reset_index())


def by_content(docs: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by `content_key` (then doc_id), so the bootstrap's draws follow the text,
    not the capture ids: two scrapes of identical content give identical intervals. Without
    the column, rows are sorted by doc_id."""
    if "content_key" not in docs:
        return docs.sort_values("doc_id").reset_index(drop=True)
    keys = docs["content_key"].fillna(docs["doc_id"])
    return docs.iloc[content_order(keys, docs["doc_id"])].reset_index(drop=True)


def measure_frames(docs: pd.DataFrame, columns: list[tuple[str, str]], lexicon: Lexicon, *,
                   n_bootstrap: int, seed: int, min_tokens: int) -> pd.DataFrame:
    """Frame rates and shares at every level, per language and pooled over languages.

    Args:
        docs: one row per (document, language): `doc_id`, `firm`, `year`, `lang`, `n_tokens`,
            and one match-count column per (group, frame) in `columns`, named `group/frame`;
            optionally `content_key` (see `pipeline.resample`), the order of the draws.
        columns: the (group, frame) count columns, in order.
        lexicon: the frame lexicon.
        n_bootstrap: bootstrap resamples of documents.
        seed: seed of the bootstrap (each level and language draws from its own child stream,
            so figures do not depend on which other levels are computed).
        min_tokens: below this many word tokens a figure is flagged `enough = False`.

    Returns:
        Rows of the FRAME_MEASURES table.
    """
    quantities = frame_quantities(lexicon, columns)
    names = [f"{g}/{f}" for g, f in columns]
    langs = [None, *sorted(docs["lang"].dropna().unique())]
    rows = []
    for li, lang in enumerate(langs):
        d = (pool_languages(docs, names) if lang is None
             else by_content(docs[docs["lang"] == lang]))
        values = d[[*names, "n_tokens"]].to_numpy(dtype=float)
        matched = values[:, :-1] > 0
        for vi, level in enumerate(LEVELS):
            keys = {"all": [], "firm": ["firm"], "year": ["year"],
                    "firm_year": ["firm", "year"]}[level]
            sub = d if "year" not in keys else d[d["year"].notna()]
            idx = sub.index.to_numpy()
            if not len(idx):
                continue
            if keys:
                grouped = sub.groupby(keys, sort=True)
                codes = grouped.ngroup().to_numpy(np.int64)
                cell_keys = [k if isinstance(k, tuple) else (k,) for k in grouped.size().index]
            else:
                codes, cell_keys = np.zeros(len(idx), dtype=np.int64), [()]
            rng = np.random.default_rng([seed, li, vi])
            res = measure_cells(values[idx], codes, len(cell_keys), quantities,
                                n_bootstrap=n_bootstrap, rng=rng)
            n_docs = np.bincount(codes, minlength=len(cell_keys))
            tokens = np.zeros(len(cell_keys))
            np.add.at(tokens, codes, values[idx, -1])
            for qi, q in enumerate(quantities):
                cols_any = np.zeros(len(idx), dtype=bool)
                for c in q.num if q.measure == "rate" else q.den:
                    cols_any |= matched[idx, c]
                docs_matching = np.bincount(codes, weights=cols_any, minlength=len(cell_keys))
                for ci, key in enumerate(cell_keys):
                    kv = dict(zip(keys, key, strict=True))
                    rows.append((q.group, q.frame, q.measure, level, kv.get("firm"),
                                 kv.get("year"), lang, res["value"][ci, qi],
                                 res["ci_low"][ci, qi], res["ci_high"][ci, qi],
                                 int(res["num"][ci, qi] if q.measure == "rate"
                                     else res["den"][ci, qi]),
                                 int(tokens[ci]), int(n_docs[ci]), int(docs_matching[ci]),
                                 bool(tokens[ci] >= min_tokens)))
            log.debug("frame measures: %s, lang %s: %d cells", level, lang or "all",
                      len(cell_keys))
    out = pd.DataFrame(rows, columns=["group", "frame", "measure", "level", "firm", "year",
                                      "lang", "value", "ci_low", "ci_high", "n_matches",
                                      "n_tokens", "n_docs", "n_docs_matching", "enough"])
    for col in ("value", "ci_low", "ci_high"):
        out[col] = out[col].astype(float).where(out[col].notna(), None)
    out["year"] = out["year"].astype("Int16")
    return out
