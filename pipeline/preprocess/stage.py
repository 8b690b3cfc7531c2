"""Lemmatise French and English passages into sentences and bags of terms, cached per document.

reads data/interim/passages.parquet → writes data/processed/sentences.parquet (every token of
every sentence: as written, lemma, part of speech, offset, kept or not) and
data/processed/bags.parquet (each passage's kept lemmas and phrases, and its word count), using
data/cache/preprocess/ to lemmatise only documents it has not seen.

Passages of duplicate documents and passages in languages other than French and English are left
out (and counted in the log). Each document's lemmatisation is cached under a key made of its
passages' languages and texts, the lemmatiser, the model's name and version and the analysis
version; filters and phrases are re-applied on every run, so changing `keep_pos`, `stop_words` or
the phrase thresholds never re-lemmatises anything.

    python -m pipeline.preprocess --interim data/interim --params params.yaml \\
        --out data/processed --cache data/cache/preprocess

The bag filters keep a token when its part of speech is in `keep_pos`, it has a letter, it is not
a number, URL or e-mail address, its lemma has more than one character, and neither it nor its
lemma is a stop word (spaCy's list for the language, `stop_words`, and the firm ids of the
corpus). Single-word lexicon terms are kept whatever the filters say (a stop list must not
silently erase a frame); then `pipeline.phrases` forces in the lexicon's multi-word terms and
joins learned phrases. Before that, on every run, a token written as an inflected form of a
lexicon word gets that word as its lemma in the sentences and the bags (`forms.LexiconForms`:
"abonnés" → abonné, "innovantes" → innovant), so editing frames.yaml re-lemmatises nothing.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import cli, schemas
from pipeline.errors import EXIT_OK
from pipeline.io import (
    SchemaError,
    TableWriter,
    check_arrow,
    open_cache,
    read_table,
    write_table,
)
from pipeline.lexicon import Lexicon, load_lexicon
from pipeline.params import PreprocessParams, lexicon_path, load_block
from pipeline.preprocess.forms import LexiconForms
from pipeline.preprocess.lemmatize import (
    ANALYSIS,
    FLAG_EMAIL,
    FLAG_NAME,
    FLAG_NOALNUM,
    FLAG_NOALPHA,
    FLAG_NUM,
    FLAG_STOP,
    FLAG_URL,
    LANGS,
    LemmatizerError,
    analyse_passages,
    fingerprint_hash,
)
from pipeline.preprocess.patterns import CompiledPatterns
from pipeline.preprocess.phrases import ForcedTerms, Items, apply_phrases, bag_items, learn_phrases
from pipeline.preprocess.pool import LemmaPool, chunk_tasks

log = logging.getLogger(__name__)

DEFAULT_KEEP_POS = ("NOUN", "PROPN", "ADJ", "VERB")
# A token with any of these flags never enters a bag on its own.
_DROP = FLAG_NOALNUM | FLAG_NOALPHA | FLAG_NUM | FLAG_URL | FLAG_EMAIL | FLAG_STOP
# ... and a lexicon word is kept unless it is one of these.
_NOT_A_WORD = FLAG_NOALNUM | FLAG_NOALPHA | FLAG_URL | FLAG_EMAIL
# Sentences gathered before they are filtered and handed on (bounds memory, not results).
_FLUSH_ROWS = 4000
# Passages sent to a worker at a time: enough to keep it busy, few enough to share the work.
_CHUNK_PASSAGES = 64

DEFAULTS = PreprocessParams()


# --- cache -------------------------------------------------------------------------------------

class LemmaCache:
    """Per-document lemmatisation results in one SQLite file, `<folder>/lemmas.sqlite`.

    A value is the document's `ANALYSIS` rows (its `task` column numbering the document's
    passages) as an Arrow IPC stream, uncompressed: reading 1 M words back takes a fraction of
    a second (zstd would halve the size and take seven times longer). Keys come from
    `document_key`. Delete the folder to start afresh; entries of documents no longer in the
    corpus stay until then.
    """

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / "lemmas.sqlite"
        self._db = open_cache(self.path, "n_rows INTEGER NOT NULL, rows BLOB NOT NULL",
                              LemmatizerError)

    def keys_present(self, keys: Sequence[str]) -> set[str]:
        """The subset of `keys` held in the cache."""
        found: set[str] = set()
        step = 500  # below SQLite's limit on bound parameters
        for i in range(0, len(keys), step):
            part = list(keys[i:i + step])
            marks = ",".join("?" * len(part))
            found.update(k for (k,) in self._db.execute(
                f"SELECT key FROM documents WHERE key IN ({marks})", part))
        return found

    def get(self, key: str) -> pa.Table | None:
        """The cached rows of a document, or None (missing or unreadable)."""
        row = self._db.execute("SELECT rows FROM documents WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            table = pa.ipc.open_stream(pa.py_buffer(row[0])).read_all()
            check_arrow(table, ANALYSIS, where=f"{self.path} entry {key}")
        except (pa.ArrowInvalid, SchemaError) as exc:
            log.warning("%s: unreadable entry %s (%s); lemmatising again", self.path, key, exc)
            return None
        return table

    def put(self, key: str, table: pa.Table) -> None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, ANALYSIS) as writer:
            writer.write_table(table)
        self._db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?, ?)",
                         (key, table.num_rows, sink.getvalue().to_pybytes()))

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.commit()
        self._db.close()


def document_key(passages: Sequence[tuple[str, str]], fingerprints: dict[str, str]) -> str:
    """Cache key of a document: its passages' languages and texts, and each language's
    lemmatiser fingerprint (`lemmatize.fingerprint_hash`)."""
    h = hashlib.sha256()
    for lang, text in passages:
        h.update(f"{lang}\0{fingerprints[lang]}\0{len(text)}\0".encode())
        h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


# --- core --------------------------------------------------------------------------------------

@dataclass
class Preprocessed:
    """What `preprocess_passages` returns."""

    bags: pa.Table                  # BAGS, one row per lemmatised passage
    sentences: pa.Table | None      # SENTENCES; None when they were handed to `on_sentences`
    n_new: int                      # documents lemmatised in this run
    n_cached: int                   # documents read from the cache


def select_passages(passages: pd.DataFrame) -> pd.DataFrame:
    """The passages to lemmatise: no duplicates, French or English; log what is left out.

    Returns:
        The selected rows, grouped by document (documents in order of first appearance,
        passages by `seq`), with a fresh index.
    """
    dup = passages["is_duplicate"].fillna(False).astype(bool)
    lang = passages["lang"]
    other = ~dup & ~lang.isin(LANGS)
    if dup.any():
        log.info("left out %d passages of duplicate documents", int(dup.sum()))
    if other.any():
        counts = Counter(lang[other].fillna("unknown").astype(str))
        listed = ", ".join(f"{k}: {v}" for k, v in counts.most_common())
        log.info("left out %d passages in other languages (%s)", int(other.sum()), listed)
    chosen = passages[~dup & ~other]
    order = pd.unique(chosen["doc_id"])
    rank = pd.Series(np.arange(len(order)), index=order)
    chosen = chosen.assign(_doc=rank.loc[chosen["doc_id"]].to_numpy())
    return (chosen.sort_values(["_doc", "seq"], kind="stable").drop(columns="_doc")
            .reset_index(drop=True))


def preprocess_passages(
    passages: pd.DataFrame,
    params: PreprocessParams = DEFAULTS,
    *,
    lexicon: Lexicon | None = None,
    cache: LemmaCache | None = None,
    on_sentences: Callable[[pa.Table], None] | None = None,
    patterns: CompiledPatterns | None = None,
) -> Preprocessed:
    """Lemmatise passages into sentence rows and bags of terms.

    Args:
        passages: a PASSAGES table.
        params: the `preprocess:` block: `lemmatizer` ("spacy": parts of speech, accurate;
            "simplemma": fast, no parts of speech, so `keep_pos` does not apply),
            `batch_size` and `n_process` (how the work is cut), `executor` and `scheduler`
            (`dask`: chunks of passages are lemmatised as tasks on that Dask cluster),
            `keep_pos` and `stop_words` (the bag filters), `phrases_min_count` and
            `phrases_threshold` (learned phrases, NPMI as in gensim Phrases).
        lexicon: the frame lexicon; its single-word terms are always kept and its multi-word
            terms forced into the bags as one term.
        cache: per-document lemmatisation cache; None lemmatises everything.
        on_sentences: called with each batch of SENTENCES rows, in order, which are then not
            kept in memory; None collects them into `Preprocessed.sentences`.
        patterns: compiled patterns kept between runs (`patterns.CompiledPatterns`), so that
            loading the French model does not compile its tokenizer's pattern every run.

    Returns:
        The bags, the sentences (unless streamed) and the counts of new and cached documents.
    """
    chosen = select_passages(passages)
    meta = pa.Table.from_pandas(
        chosen[["doc_id", "passage_id", "firm", "year", "lang", "url"]], preserve_index=False,
    ).cast(pa.schema([("doc_id", pa.string()), ("passage_id", pa.string()),
                      ("firm", pa.string()), ("year", pa.int16()), ("lang", pa.string()),
                      ("url", pa.string())]))
    langs = chosen["lang"].tolist()
    texts = chosen["text"].fillna("").tolist()
    doc_rows = [np.asarray(ix, dtype=np.int64)
                for ix in chosen.groupby("doc_id", sort=False).indices.values()]
    doc_rows.sort(key=lambda ix: ix[0])
    fingerprints = {lang: fingerprint_hash(params.lemmatizer, lang) for lang in set(langs)}
    keys = [document_key([(langs[i], texts[i]) for i in ix], fingerprints) for ix in doc_rows]
    present = cache.keys_present(keys) if cache is not None else set()
    new = [d for d, key in enumerate(keys) if key not in present]
    n_new_words = int(chosen["n_words"].iloc[np.concatenate([doc_rows[d] for d in new])].sum()
                      ) if new else 0
    log.info("%d passages in %d documents: %d documents to lemmatise (%d words, %s), %d in "
             "the cache", len(chosen), len(doc_rows), len(new), n_new_words, params.lemmatizer,
             len(doc_rows) - len(new))

    firm_ids = {f.lower() for f in chosen["firm"].dropna().unique()}
    firm_ids |= {f.replace("_", "-") for f in firm_ids}
    filters = _Filters(
        keep_pos=params.keep_pos if params.lemmatizer == "spacy" else None,
        stop=frozenset(w.lower().replace("’", "'") for w in params.stop_words) | firm_ids,
        forced={lang: ForcedTerms(lexicon, lang) for lang in LANGS},
        # (a language the corpus lacks needs no forms, nor its dictionary loaded)
        forms={lang: LexiconForms(lexicon if lang in fingerprints else None, lang)
               for lang in LANGS},
    )
    builder = _SentenceBuilder(meta, filters, on_sentences)
    tasks = [(langs[i], texts[i]) for d in new for i in doc_rows[d]]
    chunks = chunk_tasks(tasks, size=max(params.batch_size, _CHUNK_PASSAGES))
    started = time.perf_counter()
    with LemmaPool(chunks, lemmatizer=params.lemmatizer, batch_size=params.batch_size,
                   n_process=params.n_process,
                   scheduler=params.scheduler if params.executor == "dask" else None,
                   patterns=patterns) as pool:
        fresh = _passage_rows(pool)
        n_docs = len(doc_rows)
        n_cached = 0
        step = max(1, n_docs // 10)
        for d, (ix, key) in enumerate(zip(doc_rows, keys, strict=True)):
            table = cache.get(key) if cache is not None and key in present else None
            if table is not None:
                n_cached += 1
            else:
                if key in present:  # an unreadable entry: lemmatise the document here
                    table = pa.Table.from_batches([analyse_passages(
                        [(langs[i], texts[i]) for i in ix], lemmatizer=params.lemmatizer,
                        batch_size=params.batch_size)])
                else:
                    parts = [_renumber(next(fresh), k) for k in range(len(ix))]
                    table = pa.Table.from_batches(parts, schema=ANALYSIS)
                if cache is not None:
                    cache.put(key, table)
            builder.add(ix, table)
            if (d + 1) % step == 0 or d + 1 == n_docs:
                if cache is not None:
                    cache.commit()  # a run stopped halfway keeps what it lemmatised
                log.info("documents %d/%d (%.0f s)", d + 1, n_docs,
                         time.perf_counter() - started)
        builder.flush()
    if cache is not None:
        cache.commit()
    n_lemmatised = len(doc_rows) - n_cached
    log.info("lemmatised %d new documents, %d from cache", n_lemmatised, n_cached)

    bags = _bags(meta, builder, phrases_min_count=params.phrases_min_count,
                 phrases_threshold=params.phrases_threshold)
    return Preprocessed(bags=bags, sentences=builder.collected(), n_new=n_lemmatised,
                        n_cached=n_cached)


def _passage_rows(pool: LemmaPool):
    """Yield each passage's ANALYSIS rows, passage after passage, from the pool's chunks."""
    for chunk, batch in zip(pool.chunks, pool, strict=True):
        task = batch.column("task").to_numpy()
        # A passage with no sentence (empty text) has no row: count from the chunk itself.
        bounds = np.searchsorted(task, np.arange(len(chunk) + 1))
        for t in range(len(chunk)):
            yield batch.slice(bounds[t], bounds[t + 1] - bounds[t])


def _renumber(batch: pa.RecordBatch, k: int) -> pa.RecordBatch:
    """The rows of one passage, their `task` set to the passage's place in its document."""
    return batch.set_column(0, ANALYSIS.field("task"),
                            pa.array(np.full(batch.num_rows, k, dtype=np.int32)))


@dataclass(frozen=True)
class _Filters:
    keep_pos: Sequence[str] | None  # None: no part-of-speech filter (simplemma)
    stop: frozenset[str]
    forced: dict[str, ForcedTerms]
    forms: dict[str, LexiconForms]  # the lexicon's words get their own lemma


class _SentenceBuilder:
    """Turns documents' cached rows into SENTENCES batches, word counts and bag items."""

    def __init__(self, meta: pa.Table, filters: _Filters,
                 on_sentences: Callable[[pa.Table], None] | None) -> None:
        self.meta = meta
        self.filters = filters
        self.on_sentences = on_sentences
        self.lang_code = np.array([LANGS.index(x) for x in meta.column("lang").to_pylist()],
                                  dtype=np.int8)
        self.n_tokens = np.zeros(meta.num_rows, dtype=np.int64)
        self.items: dict[str, list[Items]] = {lang: [] for lang in LANGS}
        self._pending: list[tuple[np.ndarray, pa.Table]] = []
        self._n_pending = 0
        self._kept: list[pa.Table] = []
        self._stop = pa.array(sorted(filters.stop), pa.string())
        self._keep_pos = pa.array(list(filters.keep_pos or ()), pa.string())

    def add(self, rows: np.ndarray, table: pa.Table) -> None:
        """Queue one document: `rows` are its passages' places in `meta`, in task order."""
        if table.num_rows:
            self._pending.append((rows, table))
            self._n_pending += table.num_rows
        if self._n_pending >= _FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        gp = np.concatenate([rows[t.column("task").to_numpy()] for rows, t in self._pending])
        table = pa.concat_tables([t for _, t in self._pending]).combine_chunks()
        self._pending, self._n_pending = [], 0
        meta = self.meta.take(pa.array(gp))
        lemmas = table.column("lemmas").chunk(0)
        offsets = lemmas.offsets.to_numpy()
        offsets = offsets - offsets[0]  # a single document's rows may be a slice
        token_row = np.repeat(np.arange(len(gp)), np.diff(offsets))
        flat_lemmas = lemmas.flatten()
        lowers = pc.replace_substring(
            pc.utf8_lower(table.column("tokens").chunk(0).flatten()), "’", "'")
        flags = table.column("flags").chunk(0).flatten().to_numpy()
        token_lang = self.lang_code[gp][token_row]
        pos = table.column("pos").chunk(0).flatten() if self.filters.keep_pos is not None \
            else None
        relemmatised = flat_lemmas
        not_name = (flags & FLAG_NAME) == 0  # "Voltania Energies" is no form of "énergie"
        for code, lang in enumerate(LANGS):
            relemmatised = self.filters.forms[lang].relemmatise(
                relemmatised, lowers, pos, (token_lang == code) & not_name)
        if relemmatised is not flat_lemmas:
            flat_lemmas = relemmatised
            lemmas = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), flat_lemmas)
        keep = self._keep(table, flat_lemmas, lowers, flags, token_lang)
        np.add.at(self.n_tokens, gp, np.add.reduceat(
            ((flags & FLAG_NOALNUM) == 0).astype(np.int64), offsets[:-1]))
        token_passage = gp[token_row]
        for code, lang in enumerate(LANGS):
            at = token_lang == code
            if not at.any():
                continue
            if at.all():
                parts = (flat_lemmas, lowers, keep, token_row, token_passage)
            else:
                ix = np.flatnonzero(at)
                take = pa.array(ix)
                parts = (flat_lemmas.take(take), lowers.take(take), keep[ix], token_row[ix],
                         token_passage[ix])
            self.items[lang].append(bag_items(
                parts[0], parts[1], parts[2], sentence=parts[3], passage=parts[4],
                forced=self.filters.forced[lang]))
        out = pa.table([
            meta.column("doc_id"), meta.column("passage_id"), table.column("sent_id"),
            meta.column("firm"), meta.column("year"), meta.column("lang"), meta.column("url"),
            table.column("start_char"), table.column("text"), table.column("tokens"), lemmas,
            table.column("pos"), table.column("starts"),
            pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(keep)),
        ], schema=schemas.SENTENCES)
        if self.on_sentences is not None:
            self.on_sentences(out)
        else:
            self._kept.append(out)

    def _keep(self, table: pa.Table, lemmas: pa.Array, lowers: pa.Array, flags: np.ndarray,
              token_lang: np.ndarray) -> np.ndarray:
        """Whether each token goes into the bag (before phrases)."""
        keep = (flags & _DROP) == 0
        if self.filters.keep_pos is not None:
            pos = table.column("pos").chunk(0).flatten()
            keep &= pc.is_in(pos, value_set=self._keep_pos).to_numpy(zero_copy_only=False)
        keep &= pc.utf8_length(lemmas).to_numpy() > 1
        if len(self._stop):
            keep &= ~(pc.is_in(lemmas, value_set=self._stop).to_numpy(zero_copy_only=False)
                      | pc.is_in(lowers, value_set=self._stop).to_numpy(zero_copy_only=False))
        is_word = (flags & _NOT_A_WORD) == 0
        for code, lang in enumerate(LANGS):
            single = self.filters.forced[lang].single_array
            if len(single):
                in_lexicon = pc.is_in(lemmas, value_set=single).to_numpy(zero_copy_only=False)
                keep |= is_word & in_lexicon & (token_lang == code)
        return keep

    def collected(self) -> pa.Table | None:
        if self.on_sentences is not None:
            return None
        if not self._kept:
            return schemas.SENTENCES.empty_table()
        return pa.concat_tables(self._kept)


def _bags(meta: pa.Table, builder: _SentenceBuilder, *, phrases_min_count: int,
          phrases_threshold: float) -> pa.Table:
    """One bag per passage: learn and join phrases per language, then group terms by passage."""
    all_terms, all_passages = [], []
    for lang in LANGS:
        items = Items.concat(builder.items[lang])
        builder.items[lang] = []
        if not len(items.terms):
            continue
        started = time.perf_counter()
        phrasegrams = learn_phrases(items, phrases_min_count=phrases_min_count,
                                    phrases_threshold=phrases_threshold)
        terms, passage = apply_phrases(items, phrasegrams)
        all_terms.append(terms)
        all_passages.append(passage)
        top = sorted(phrasegrams, key=lambda p: phrasegrams[p], reverse=True)[:8]
        log.info("%s: %d phrases learned (NPMI > %s, count >= %d) in %.1f s%s", lang,
                 len(phrasegrams), phrases_threshold, phrases_min_count,
                 time.perf_counter() - started, f", e.g. {', '.join(top)}" if top else "")
    passage = np.concatenate(all_passages) if all_passages else np.zeros(0, np.int64)
    order = np.argsort(passage, kind="stable")
    values = (pa.concat_arrays(all_terms).take(pa.array(order)) if all_terms
              else pa.array([], pa.string()))
    offsets = np.zeros(meta.num_rows + 1, dtype=np.int32)
    np.cumsum(np.bincount(passage, minlength=meta.num_rows), out=offsets[1:])
    return pa.table([
        meta.column("passage_id"), meta.column("doc_id"), meta.column("firm"),
        meta.column("year"), meta.column("lang"), meta.column("url"),
        pa.array(builder.n_tokens, pa.int32()),
        pa.ListArray.from_arrays(pa.array(offsets), values),
    ], schema=schemas.BAGS)


# --- command line ------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    return cli.stage_main("preprocess", argv, _run)


def _run(args) -> int:
    params = load_block(args.params, PreprocessParams)
    lexicon_file = lexicon_path(args.params)
    lexicon = None
    if lexicon_file.exists():  # without a lexicon, no term is forced into the bags
        lexicon = load_lexicon(lexicon_file)
    else:
        log.warning("%s not found: no lexicon terms are kept whole", lexicon_file)
    passages = read_table(args.interim / schemas.file_name(schemas.PASSAGES), schemas.PASSAGES)
    cache = LemmaCache(args.cache)
    sink = TableWriter(args.out / schemas.file_name(schemas.SENTENCES), schemas.SENTENCES)
    try:
        result = preprocess_passages(passages, params, lexicon=lexicon, cache=cache,
                                     on_sentences=sink.write,
                                     patterns=CompiledPatterns(args.cache))
    except BaseException:
        sink.abort()
        raise
    finally:
        cache.close()
    sink.close()
    bags = write_table(result.bags, args.out / schemas.file_name(schemas.BAGS), schemas.BAGS)
    log.info("wrote %d sentences to %s and %d bags to %s", sink.n_rows, sink.path,
             result.bags.num_rows, bags)
    return EXIT_OK
