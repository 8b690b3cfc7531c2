"""The data contracts: one pyarrow schema per table, every column commented.

Every table that leaves a stage is written and read through `pipeline.io`, which checks it
against the schema named here and fails loudly on a missing column or a wrong type. Every row
that comes from a text carries `doc_id` and `url`, so any figure leads back to its source.

Timestamps are UTC at microsecond resolution (Parquet has no seconds unit).
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")


def _schema(name: str, *fields: tuple[str, pa.DataType, bool, str]) -> pa.Schema:
    """Build a schema whose column comments travel in the field metadata."""
    return pa.schema(
        [
            pa.field(col, typ, nullable=nullable, metadata={"comment": comment})
            for col, typ, nullable, comment in fields
        ],
        metadata={"table": name},
    )


def file_name(schema: pa.Schema) -> str:
    """The file a table is written to: `<table name>.parquet`.

    >>> file_name(PASSAGES)
    'passages.parquet'
    """
    return f"{schema.metadata[b'table'].decode()}.parquet"


# --- scrape ------------------------------------------------------------------------------

# Outcomes of a fetch whose capture is (already) archived: anything else is a failure.
OK_OUTCOMES = frozenset({"ok", "not_modified", "cached"})

FETCHES = _schema(
    "fetches",
    ("fetch_id", pa.string(), False, "id of this attempt: hash of url, archive timestamp, "
     "fetch time and run"),
    ("doc_id", pa.string(), False, "stable id of the capture: hash of (url, archive timestamp "
     "or, for a live capture, fetch time); every later table carries it"),
    ("firm", pa.string(), False, "firm id from sources.txt"),
    ("kind", pa.string(), False, "page or report, from sources.txt"),
    ("source_url", pa.string(), False, "the URL of sources.txt (its #fragment dropped, scheme "
     "and host lower-cased)"),
    ("source_line", pa.int32(), False, "line number of the source in sources.txt"),
    ("source_year", pa.int16(), True, "year given in sources.txt (year=), if any"),
    ("source_lang", pa.string(), True, "language given in sources.txt (lang=), if any"),
    ("url", pa.string(), False, "the URL this attempt asked for (a crawled link or the source); "
     "for an archive capture, the original URL"),
    ("final_url", pa.string(), True, "the URL that answered, after redirects; for an archive "
     "capture, the replay URL asked for (the capture the CDX API listed for the year: "
     "archive_timestamp and doc_id are those of the capture the archive served, which differ "
     "when its replay redirected); for not_archived, the CDX query"),
    ("depth", pa.int16(), False, "crawl depth: 0 for the source itself"),
    ("status", pa.int16(), True, "HTTP status of the final response; null when none came"),
    ("outcome", pa.string(), False, "ok, not_modified (a 304 to a --refresh), http_error, "
     "timeout (silent past read_timeout, or unfinished at request_deadline), dns_error, "
     "network_error (refused, reset, TLS), too_large (cut at max_bytes, or where a compressed "
     "body inflates past max_decoded_bytes; the cut record is archived), truncated (the "
     "server hung up before the end of the body; what came is archived), robots_disallowed, "
     "unsupported_type (not downloaded), redirect_loop, too_many_redirects, not_archived "
     "(no web-archive capture that year), archive_error (unreadable CDX answer), "
     "replay_missing (not in the --replay WARCs), internal_error"),
    ("error", pa.string(), True, "human-readable reason when outcome is not ok"),
    ("content_type", pa.string(), True, "media type of the response (no parameters); sniffed "
     "from the first bytes (HTML or PDF) when missing or application/octet-stream"),
    ("charset", pa.string(), True, "charset declared in the Content-Type header, if any"),
    ("n_bytes", pa.int64(), False, "bytes of payload received (after the size cap)"),
    ("sha256", pa.string(), True, "hex SHA-256 of the payload as a WARC reader returns it "
     "(the scraper asks for identity encoding, so this is the document's own bytes)"),
    ("warc_file", pa.string(), True, "WARC file holding the response, relative to the folder "
     "of the fetches table; set for every archived response (ok, not_modified, http_error, "
     "too_large, ...), null when none was archived"),
    ("warc_offset", pa.int64(), True, "byte offset of the response record in warc_file"),
    ("etag", pa.string(), True, "ETag header, for conditional re-fetches"),
    ("last_modified", pa.string(), True, "Last-Modified header, for conditional re-fetches"),
    ("n_attempts", pa.int16(), False, "HTTP requests made for this row: retries, redirect "
     "hops and the CDX lookup included; 0 for a replay"),
    ("fetched_at", TS, False, "when the response arrived (UTC); for a replay, the WARC-Date "
     "of the record"),
    ("archive_timestamp", TS, True, "web-archive capture time when fetched from an archive "
     "(of the capture the archive served)"),
    ("from_archive", pa.bool_(), False, "true when fetched from a web archive (Wayback)"),
)

# --- extract -----------------------------------------------------------------------------

DOCUMENTS = _schema(
    "documents",
    ("doc_id", pa.string(), False, "capture id, from fetches"),
    ("fetch_id", pa.string(), False, "the fetch this document was extracted from"),
    ("firm", pa.string(), False, "firm id"),
    ("kind", pa.string(), False, "page or report"),
    ("url", pa.string(), False, "the URL the capture was asked for"),
    ("final_url", pa.string(), True, "the URL after redirects"),
    ("format", pa.string(), False, "html, pdf or other (plain text, or a type not read)"),
    ("title", pa.string(), True, "page or report title"),
    ("text", pa.string(), False, "clean main text; paragraphs separated by a blank line; "
     "empty when skipped"),
    ("lang", pa.string(), True, "dominant language (ISO 639-1): the language of most words, "
     "paragraphs tagged by py3langid; null when skipped or undecided (no paragraph could be "
     "read); a language other than fr and en is kept out of the analyses but listed in the "
     "report"),
    ("lang_confidence", pa.float32(), True, "how sure `lang` is: 1.0 when function words "
     "decide it, else py3langid's probability on the body text (for a mixed document, its "
     "language's share of words); null when lang is null"),
    ("declared_lang", pa.string(), True, "language the page declares (html lang, sources)"),
    ("year", pa.int16(), True, "year the document speaks for"),
    ("year_source", pa.string(), True, "sources, archive, title (a report's title or first "
     "page), published or captured: the first rule that gave a year; undated (year null) "
     "when none did and extract.date_by_capture is false"),
    ("published", pa.string(), True, "publication date found in the page (ISO date, never after "
     "the capture): from its metadata (URL, meta tags, JSON-LD); from its text too (<time>, date "
     "patterns) where it decides the year (live captures without a year in sources.txt)"),
    ("captured_at", TS, False, "capture time: archive timestamp, or fetch time if live"),
    ("n_pages", pa.int32(), True, "pages of a PDF; null for HTML"),
    ("n_words", pa.int32(), False, "words in text"),
    ("n_chrome", pa.int32(), False, "page-chrome paragraphs removed from text (paywall, share "
     "and print buttons, embeds, 'lire aussi', consent, credits: pipeline/extract/chrome.yaml; "
     "or lines found word for word in documents of extract.chrome_min_firms firms)"),
    ("status", pa.string(), False, "ok, or why the document is skipped: empty, corrupt, "
     "encrypted, no_text_layer (a scan), link_list, unsupported_type, too_large (payload past "
     "extract's max_bytes: not read), boilerplate_only, "
     "unreadable (WARC record), failed (unexpected extraction error)"),
    ("error", pa.string(), True, "details of a skip; on a kept document, what was odd (a "
     "wrong charset, scanned pages, a 304 confirming an earlier capture)"),
    ("duplicate_of", pa.string(), True, "doc_id of the earliest capture of the same firm this "
     "one repeats (exact, or near: Jaccard of word 5-grams; captures of one day in sources.txt "
     "order); null for originals"),
    ("similarity", pa.float32(), True, "similarity to duplicate_of (1.0 for exact copies)"),
    ("sections_source", pa.string(), True, "where its sections come from: outline (PDF "
     "bookmarks), headings (PDF font sizes), toc (printed table of contents), html "
     "(<h1>-<h6>), none (no structure: one section); null when skipped"),
    ("n_sections", pa.int32(), False, "sections found (see the sections table)"),
    ("n_sections_kept", pa.int32(), False, "sections with text kept"),
    ("n_words_read", pa.int32(), False, "words of clean text read, before tables of figures "
     "and sections left out (n_words is what was kept)"),
    ("filtered", pa.bool_(), False, "true for a PDF of at least extract.relevance_min_pages "
     "pages: only its relevant sections were kept"),
    ("sections_note", pa.string(), True, "what was left out and why, e.g. 'kept 4 of 37 "
     "sections (5,120 of 88,400 words); left: not relevant 71,000 words, tables of figures "
     "12,280 words'; null when nothing was"),
)

SECTIONS = _schema(
    "sections",
    ("section_id", pa.string(), False, "globally unique: <doc_id>-s<nnn>"),
    ("doc_id", pa.string(), False, "the document"),
    ("seq", pa.int32(), False, "order of the section in its document, from 0"),
    ("parent_id", pa.string(), True, "the enclosing section (null at the top level)"),
    ("firm", pa.string(), False, "firm id"),
    ("kind", pa.string(), False, "page or report"),
    ("year", pa.int16(), True, "the document's year"),
    ("url", pa.string(), False, "the document's URL"),
    ("title", pa.string(), False, "the section's title as printed ('(front matter)' for the "
     "text before the first section, '(whole document)' when none was found)"),
    ("path", pa.string(), False, "the titles from the top section down to it, joined by ' > '"),
    ("level", pa.int16(), False, "1 for a chapter, 2 for its parts, and so on"),
    ("family", pa.string(), False, "strategy, csr, business, governance, risks, financial or "
     "other: from the title by pipeline/extract/sections.yaml, else the parent's"),
    ("source", pa.string(), False, "outline, headings, toc, html or none (see documents)"),
    ("page_start", pa.int32(), True, "first PDF page (1-based); null for HTML"),
    ("page_end", pa.int32(), True, "last PDF page; null for HTML"),
    ("n_paragraphs", pa.int32(), False, "paragraphs of its own (not its subsections')"),
    ("n_words", pa.int32(), False, "words of its own paragraphs, tables included"),
    ("n_words_tables", pa.int32(), False, "of which in tables of figures (left out of the text)"),
    ("n_matches", pa.int32(), False, "subject terms (frames.yaml relevance:) in its text"),
    ("relevance", pa.float32(), False, "subject terms per 1,000 words of its text"),
    ("title_match", pa.bool_(), False, "its title, or an enclosing section's, names the subject"),
    ("relevant", pa.bool_(), False, "title_match, or n_matches and relevance at least "
     "extract.relevance_min_matches and relevance_rate"),
    ("n_words_kept", pa.int32(), False, "words kept in the passages (all but tables, unless the "
     "document is filtered)"),
    ("why", pa.string(), True, "why none of its text was kept (not relevant, tables of "
     "figures, no text of its own); null when some was"),
)

PASSAGES = _schema(
    "passages",
    ("passage_id", pa.string(), False, "globally unique: <doc_id>-<nnnn>"),
    ("doc_id", pa.string(), False, "the document it is cut from"),
    ("seq", pa.int32(), False, "order of the passage in its document, from 0"),
    ("firm", pa.string(), False, "firm id"),
    ("kind", pa.string(), False, "page or report"),
    ("year", pa.int16(), True, "the document's year"),
    ("lang", pa.string(), True, "language of this passage (a mixed document's passages may "
     "differ from the document's)"),
    ("url", pa.string(), False, "the document's URL"),
    ("page_start", pa.int32(), True, "first PDF page (1-based); null for HTML"),
    ("page_end", pa.int32(), True, "last PDF page (1-based); null for HTML"),
    ("text", pa.string(), False, "passage text, paragraphs separated by a blank line"),
    ("n_words", pa.int32(), False, "words in text"),
    ("is_duplicate", pa.bool_(), False, "true when its document duplicates another: left out "
     "of lemmatisation and counts, kept for dating"),
    ("section_id", pa.string(), True, "the section it sits in (where it starts; a filtered "
     "report's passages never cross a section's end): see the sections table"),
    ("section_path", pa.string(), True, "that section's title path ('A > B')"),
    ("section_family", pa.string(), True, "that section's family (strategy, csr, business, "
     "governance, risks, financial, other)"),
    ("relevance", pa.float32(), True, "subject terms (frames.yaml relevance:) per 1,000 words"),
)

# --- preprocess --------------------------------------------------------------------------

SENTENCES = _schema(
    "sentences",
    ("doc_id", pa.string(), False, "document id"),
    ("passage_id", pa.string(), False, "passage id"),
    ("sent_id", pa.int32(), False, "order of the sentence in its passage, from 0"),
    ("firm", pa.string(), False, "firm id"),
    ("year", pa.int16(), True, "document year"),
    ("lang", pa.string(), False, "language the sentence was lemmatised as"),
    ("url", pa.string(), False, "document URL"),
    ("start_char", pa.int32(), False, "offset of the sentence in the passage text"),
    ("text", pa.string(), False, "the sentence as written"),
    ("tokens", pa.list_(pa.string()), False, "every token as written (spaces left out; a "
     "hyphenated compound such as savoir-faire is one token)"),
    ("lemmas", pa.list_(pa.string()), False, "lower-cased lemma of every token (elisions "
     "resolved: l' → le, d' → de)"),
    ("pos", pa.list_(pa.string()), False, "universal part of speech of every token; empty "
     "strings with the simplemma lemmatiser"),
    ("starts", pa.list_(pa.int32()), False, "offset of every token in the sentence text"),
    ("keep", pa.list_(pa.bool_()), False, "true for tokens that pass the bag filters (phrases "
     "then join some of them in the bag)"),
)

BAGS = _schema(
    "bags",
    ("passage_id", pa.string(), False, "passage id"),
    ("doc_id", pa.string(), False, "document id"),
    ("firm", pa.string(), False, "firm id"),
    ("year", pa.int16(), True, "document year"),
    ("lang", pa.string(), False, "passage language"),
    ("url", pa.string(), False, "document URL"),
    ("n_tokens", pa.int32(), False, "word tokens in the passage (tokens with a letter or a "
     "digit; punctuation and spaces out): the denominator of rates"),
    ("terms", pa.list_(pa.string()), False, "kept lemmas in text order, phrases joined by _ "
     "(lexicon multi-word terms spelt like Term.phrase, e.g. tableau_de_bord)"),
)

# --- topics ------------------------------------------------------------------------------

K_SWEEP = _schema(
    "k_sweep",
    ("lang", pa.string(), False, "language of the model"),
    ("model", pa.string(), False, "lda or nmf"),
    ("k", pa.int32(), False, "number of topics"),
    ("c_v", pa.float64(), True, "c_v coherence of the top terms (gensim CoherenceModel)"),
    ("c_npmi", pa.float64(), True, "c_npmi coherence of the top terms"),
    ("exclusivity", pa.float64(), True, "mean share of top terms that are top terms of no "
     "other topic"),
    ("stability", pa.float64(), True, "mean share of top-10 terms shared with the reference "
     "fit after one-to-one topic matching, over the stability seeds' (subsampled) fits"),
    ("chosen", pa.bool_(), False, "the K the rule picked (or the forced K)"),
)

TOPIC_TERMS = _schema(
    "topic_terms",
    ("lang", pa.string(), False, "language of the model"),
    ("topic", pa.int32(), False, "topic number, from 0"),
    ("label", pa.string(), False, "short label from the top terms"),
    ("rank", pa.int32(), False, "rank of the term, from 1"),
    ("term", pa.string(), False, "the term"),
    ("weight", pa.float64(), False, "probability of the term in the topic (normalised weight "
     "for NMF)"),
    ("frex", pa.float64(), False, "FREX score (harmonic mean of frequency and exclusivity "
     "ranks)"),
    ("by", pa.string(), False, "prob or frex: the ranking this row belongs to"),
)

DOC_TOPICS = _schema(
    "doc_topics",
    ("lang", pa.string(), False, "language of the model"),
    ("passage_id", pa.string(), False, "passage id"),
    ("doc_id", pa.string(), False, "document id"),
    ("firm", pa.string(), False, "firm id"),
    ("year", pa.int16(), True, "document year"),
    ("url", pa.string(), False, "document URL"),
    ("topic", pa.int32(), False, "topic number"),
    ("share", pa.float64(), False, "share of the passage given to the topic"),
)

TOPIC_PASSAGES = _schema(
    "topic_passages",
    ("lang", pa.string(), False, "language of the model"),
    ("topic", pa.int32(), False, "topic number"),
    ("rank", pa.int32(), False, "rank among the topic's representative passages, from 1"),
    ("passage_id", pa.string(), False, "passage id"),
    ("doc_id", pa.string(), False, "document id"),
    ("firm", pa.string(), False, "firm id"),
    ("year", pa.int16(), True, "document year"),
    ("url", pa.string(), False, "document URL"),
    ("page_start", pa.int32(), True, "first PDF page"),
    ("page_end", pa.int32(), True, "last PDF page"),
    ("share", pa.float64(), False, "topic share of the passage"),
    ("text", pa.string(), False, "passage text"),
)

PREVALENCE = _schema(
    "prevalence",
    ("lang", pa.string(), False, "language of the model"),
    ("level", pa.string(), False, "all, firm, year or firm_year: the grouping"),
    ("firm", pa.string(), True, "firm id (null at levels all and year)"),
    ("year", pa.int16(), True, "year (null at levels all and firm)"),
    ("topic", pa.int32(), False, "topic number"),
    ("share", pa.float64(), False, "mean topic share over the group's documents (a document's "
     "share: its passages' shares weighted by word tokens)"),
    ("ci_low", pa.float64(), True, "2.5 % bootstrap quantile (documents resampled); null "
     "for a single document"),
    ("ci_high", pa.float64(), True, "97.5 % bootstrap quantile"),
    ("n_docs", pa.int32(), False, "documents behind the figure"),
    ("n_passages", pa.int32(), False, "passages behind the figure"),
    ("n_tokens", pa.int64(), True, "word tokens of those documents in this language"),
    ("enough", pa.bool_(), True, "enough text for the figure: at least topics.min_tokens word "
     "tokens for a year or firm-year, topics.min_firm_tokens for a firm or all; false: flagged "
     "as too little text; null when the tokens are not known"),
)

TOPIC_TRENDS = _schema(
    "topic_trends",
    ("lang", pa.string(), False, "language of the model"),
    ("firm", pa.string(), False, "firm id"),
    ("topic", pa.int32(), False, "topic number"),
    ("first_year", pa.int16(), True, "first year with enough text (in this language)"),
    ("last_year", pa.int16(), True, "last year with enough text"),
    ("n_years", pa.int32(), False, "years with enough text (the years the fit uses)"),
    ("slope", pa.float64(), True, "quasi-binomial regression slope on year of the topic's "
     "share of each document's word tokens (log-odds per year; positive: the topic rose)"),
    ("ci_low", pa.float64(), True, "95 % interval of the slope"),
    ("ci_high", pa.float64(), True, "95 % interval of the slope"),
    ("p_value", pa.float64(), True, "p-value of the slope (Wald, Student's t on documents − 2)"),
    ("q_value", pa.float64(), True, "Benjamini-Hochberg q-value across the firm's topics in "
     "this language"),
    ("dispersion", pa.float64(), True, "quasi-likelihood dispersion (Pearson chi2 / df, at "
     "least 1) the interval was widened by"),
    ("n_docs", pa.int32(), False, "dated documents in the fit"),
    ("n_tokens", pa.int64(), False, "word tokens of those documents"),
    ("note", pa.string(), True, "why no trend is given (too few years with enough text, "
     "separation)"),
    ("excluded_years", pa.list_(pa.int16()), False, "years of the firm with fewer than "
     "min_tokens word tokens in this language, left out of the fit"),
)

# --- contrasts ---------------------------------------------------------------------------

KEYNESS = _schema(
    "keyness",
    ("comparison", pa.string(), False, "firm_vs_rest, firm_vs_firm, year_vs_year, "
     "late_vs_early, or kind_vs_kind (reports against pages: contrasts.compare_kinds)"),
    ("group_a", pa.string(), False, "the focus group (e.g. a firm id, firm:late, report or "
     "firm:report)"),
    ("group_b", pa.string(), False, "the reference group (e.g. rest)"),
    ("years_a", pa.string(), True, "years pooled in group a (e.g. 2019-2021); null for all "
     "years"),
    ("years_b", pa.string(), True, "years pooled in group b; null for all years"),
    ("lang", pa.string(), False, "language"),
    ("term", pa.string(), False, "the term"),
    ("count_a", pa.int64(), False, "occurrences in group a"),
    ("count_b", pa.int64(), False, "occurrences in group b"),
    ("total_a", pa.int64(), False, "terms in group a"),
    ("total_b", pa.int64(), False, "terms in group b"),
    ("log_odds", pa.float64(), False, "log-odds ratio with informative Dirichlet prior "
     "(Monroe et al. 2008)"),
    ("log_odds_se", pa.float64(), False, "standard error of log_odds (its 95 % interval is "
     "log_odds +/- 1.96 se)"),
    ("z", pa.float64(), False, "z-score of the log-odds ratio; positive favours group a"),
    ("g2", pa.float64(), False, "signed Dunning log-likelihood G2 (positive: over-used in a)"),
    ("log_ratio", pa.float64(), False, "binary log of the ratio of relative frequencies "
     "(effect size)"),
    ("log_ratio_cons", pa.float64(), False, "conservative log ratio: the bound of the exact "
     "95 % interval of log_ratio nearest zero, 0 when the interval holds zero"),
    ("p_g2", pa.float64(), False, "p-value of G2 (chi-square, 1 df)"),
    ("q_g2", pa.float64(), False, "Benjamini-Hochberg adjusted p-value over the vocabulary"),
    ("lafon", pa.float64(), False, "Lafon specificity: signed -log10 hypergeometric tail"),
    ("rank", pa.int32(), True, "rank among the significant terms (q_g2 <= fdr) of its side, "
     "by |log_ratio_cons|, then |g2|: log_ratio_cons > 0 ranks the terms of group a, < 0 "
     "those of group b; null if not significant or the interval holds zero"),
)

FRAME_MEASURES = _schema(
    "frame_measures",
    ("group", pa.string(), False, "lexicon group (audience, framing, domains ...)"),
    ("frame", pa.string(), False, "frame name; for an opposition's share, the first side"),
    ("measure", pa.string(), False, "rate (per 10,000 tokens) or share (of the opposition)"),
    ("level", pa.string(), False, "firm, year, firm_year or all"),
    ("firm", pa.string(), True, "firm id (null at level year or all)"),
    ("year", pa.int16(), True, "year (null at level firm or all)"),
    ("lang", pa.string(), True, "language, or null for all languages together"),
    ("value", pa.float64(), True, "the figure; null when the denominator is zero"),
    ("ci_low", pa.float64(), True, "2.5 % bootstrap quantile (documents resampled)"),
    ("ci_high", pa.float64(), True, "97.5 % bootstrap quantile"),
    ("n_matches", pa.int64(), False, "frame matches behind the figure (both sides for a share)"),
    ("n_tokens", pa.int64(), False, "word tokens behind the figure"),
    ("n_docs", pa.int32(), False, "documents behind the figure"),
    ("n_docs_matching", pa.int32(), False, "documents with at least one match"),
    ("enough", pa.bool_(), False, "false when there is too little text to report the figure"),
)

SHIFTS = _schema(
    "shifts",
    ("firm", pa.string(), False, "firm id"),
    ("group", pa.string(), False, "lexicon group"),
    ("frame", pa.string(), False, "frame (first side for an opposition)"),
    ("measure", pa.string(), False, "share or rate"),
    ("first_year", pa.int16(), True, "first year with enough text"),
    ("last_year", pa.int16(), True, "last year with enough text"),
    ("n_years", pa.int32(), False, "years with enough text"),
    ("slope", pa.float64(), True, "logistic-regression slope on year (log-odds per year)"),
    ("ci_low", pa.float64(), True, "95 % interval of the slope"),
    ("ci_high", pa.float64(), True, "95 % interval of the slope"),
    ("p_value", pa.float64(), True, "p-value of the slope (Wald)"),
    ("dispersion", pa.float64(), True, "quasi-likelihood dispersion (Pearson chi2 / df, at "
     "least 1) the interval was widened by"),
    ("n_docs", pa.int32(), False, "documents in the fit"),
    ("n_matches", pa.int64(), False, "matches behind the trend"),
    ("note", pa.string(), True, "why no trend is given (too few years or tokens)"),
    ("excluded_years", pa.list_(pa.int16()), False, "years of the firm with fewer than "
     "min_tokens word tokens, left out of the fit"),
)

VERSUS = _schema(
    "versus",
    ("group", pa.string(), False, "lexicon group (an opposition, or a set such as domains)"),
    ("frame", pa.string(), False, "frame (first side for an opposition's share)"),
    ("measure", pa.string(), False, "share (oppositions) or rate per 10,000 tokens (sets)"),
    ("firm", pa.string(), False, "firm id"),
    ("value", pa.float64(), True, "the firm's figure, all years, French and English pooled"),
    ("rest_value", pa.float64(), True, "the same figure over all other firms pooled"),
    ("diff", pa.float64(), True, "value − rest_value"),
    ("ci_low", pa.float64(), True, "95 % bootstrap interval of diff (documents resampled "
     "within the firm and within the rest)"),
    ("ci_high", pa.float64(), True, "95 % bootstrap interval of diff"),
    ("p_value", pa.float64(), True, "two-sided bootstrap p-value of diff = 0"),
    ("q_value", pa.float64(), True, "Benjamini-Hochberg q-value across firms (per figure); "
     "null when the firm has too little text"),
    ("differs", pa.bool_(), False, "q ≤ fdr: the firm differs from the rest"),
    ("n_docs", pa.int32(), False, "the firm's documents"),
    ("n_tokens", pa.int64(), False, "the firm's word tokens"),
    ("enough", pa.bool_(), False, "the firm has at least min_tokens word tokens"),
)

DOMAINS = _schema(
    "domains",
    ("group", pa.string(), False, "lexicon group of kind set (domains, performance ...)"),
    ("frame", pa.string(), False, "the domain (frame)"),
    ("level", pa.string(), False, "firm (all years) or firm_year"),
    ("firm", pa.string(), False, "firm id"),
    ("year", pa.int16(), True, "year; null at level firm"),
    ("rate", pa.float64(), True, "matches per 10,000 word tokens, French and English pooled"),
    ("ci_low", pa.float64(), True, "2.5 % bootstrap quantile (documents resampled)"),
    ("ci_high", pa.float64(), True, "97.5 % bootstrap quantile"),
    ("n_matches", pa.int64(), False, "matches of the domain's terms"),
    ("n_tokens", pa.int64(), False, "word tokens behind the figure"),
    ("n_docs", pa.int32(), False, "documents behind the figure"),
    ("n_docs_matching", pa.int32(), False, "documents mentioning the domain"),
    ("enough", pa.bool_(), False, "false when there is too little text (min_tokens)"),
    ("present", pa.bool_(), True, "the domain is part of the firm's offer: rate >= "
     "presence_rate and n_docs_matching >= presence_docs; null when not enough text"),
)

KWIC = _schema(
    "kwic",
    ("term", pa.string(), False, "the lexicon or keyness term matched (lemma form)"),
    ("group", pa.string(), True, "lexicon group, null for keyness terms"),
    ("frame", pa.string(), True, "frame, null for keyness terms"),
    ("firm", pa.string(), False, "firm id"),
    ("year", pa.int16(), True, "document year"),
    ("lang", pa.string(), False, "sentence language"),
    ("left", pa.string(), False, "left context as written"),
    ("match", pa.string(), False, "the matched words as written"),
    ("right", pa.string(), False, "right context as written"),
    ("doc_id", pa.string(), False, "document id"),
    ("passage_id", pa.string(), False, "passage id"),
    ("sent_id", pa.int32(), False, "sentence in the passage"),
    ("url", pa.string(), False, "document URL"),
    ("page", pa.int32(), True, "PDF page where known"),
    ("captured_at", TS, True, "capture date of the document"),
)

# --- correspondence analysis (issue 9) ---------------------------------------------------

CA_POINTS = _schema(
    "ca_points",
    ("analysis", pa.string(), False, "which table was analysed: firm_term or firm_domain"),
    ("lang", pa.string(), True, "language of the terms (firm_term is analysed per language); "
     "null for firm_domain, whose matches pool French and English"),
    ("side", pa.string(), False, "row (a firm) or column (a term or domain)"),
    ("label", pa.string(), False, "the firm, term or domain"),
    ("mass", pa.float64(), False, "share of the table's total count in this row or column"),
    ("dim1", pa.float64(), False, "principal coordinate on axis 1"),
    ("dim2", pa.float64(), True, "principal coordinate on axis 2 (null with a single axis)"),
    ("contrib1", pa.float64(), False, "contribution to axis 1 (sums to 1 over a side)"),
    ("contrib2", pa.float64(), True, "contribution to axis 2"),
    ("quality", pa.float64(), False, "cos² on the axes kept: how well the plane shows the point"),
)

CA_AXES = _schema(
    "ca_axes",
    ("analysis", pa.string(), False, "firm_term or firm_domain"),
    ("lang", pa.string(), True, "language (firm_term); null for firm_domain"),
    ("axis", pa.int32(), False, "axis number, from 1"),
    ("eigenvalue", pa.float64(), False, "inertia of the axis"),
    ("share", pa.float64(), False, "share of the total inertia held by the axis"),
)

# --- extract: what was collected (the report's index and firm pages show them) --------------

COLLECTION = _schema(
    "collection",
    ("firm", pa.string(), False, "firm id"),
    ("year", pa.int16(), True, "year the captures speak for (document year, else the source's "
     "year=, else the archive capture's year); null for undated documents (see "
     "documents.year_source) and for URLs never fetched that nothing dates"),
    ("n_sources", pa.int32(), False, "distinct URLs asked for"),
    ("n_fetched", pa.int32(), False, "captures fetched (outcome ok)"),
    ("n_from_archive", pa.int32(), False, "of which from a web archive"),
    ("n_failed", pa.int32(), False, "URLs with no successful attempt (any failure outcome)"),
    ("n_documents", pa.int32(), False, "documents with usable text, duplicates left out: what "
     "the figures rest on"),
    ("n_duplicates", pa.int32(), False, "documents repeating another (only date a page)"),
    ("n_skipped", pa.int32(), False, "documents skipped (empty, corrupt, no text layer ...)"),
    ("n_words", pa.int64(), False, "words in the usable documents"),
    ("n_chrome", pa.int64(), False, "page-chrome lines removed from the usable documents"),
    ("n_words_read", pa.int64(), False, "words read in the usable documents, before the "
     "tables of figures and the sections of long reports left out (n_words: kept)"),
)

CAPTURES = _schema(
    "captures",
    ("firm", pa.string(), False, "firm id"),
    ("doc_id", pa.string(), False, "capture id"),
    ("kind", pa.string(), True, "page or report"),
    ("url", pa.string(), False, "the original URL"),
    ("final_url", pa.string(), True, "the URL that answered (for an archive capture, the "
     "replay URL asked for: see fetches.final_url)"),
    ("from_archive", pa.bool_(), True, "fetched from a web archive"),
    ("captured_at", TS, True, "archive timestamp, or fetch time if live"),
    ("http_status", pa.int16(), True, "HTTP status of the last attempt"),
    ("outcome", pa.string(), True, "outcome of the last attempt (ok, http_error, timeout ...)"),
    ("error", pa.string(), True, "why the last attempt failed"),
    ("n_fetches", pa.int32(), False, "fetch rows recorded for this capture (one per run "
     "that tried it)"),
    ("doc_status", pa.string(), True, "extraction status (ok or why skipped); null when no "
     "document was extracted"),
    ("duplicate_of", pa.string(), True, "doc_id this document repeats"),
    ("title", pa.string(), True, "page or report title"),
    ("lang", pa.string(), True, "dominant language"),
    ("lang_confidence", pa.float32(), True, "how sure the language is (see documents)"),
    ("year", pa.int16(), True, "document year"),
    ("year_source", pa.string(), True, "where the year comes from (undated: none)"),
    ("n_words", pa.int32(), True, "words of clean text"),
    ("n_pages", pa.int32(), True, "pages of a PDF"),
    ("n_sections", pa.int32(), True, "sections found (see documents.sections_source)"),
    ("n_sections_kept", pa.int32(), True, "sections with text kept"),
    ("n_words_read", pa.int32(), True, "words read before tables and sections left out"),
    ("sections_note", pa.string(), True, "what was left out and why (see documents)"),
)

# --- contrasts: what the report shows as it is ----------------------------------------------

FIRM_DOMAINS = _schema(
    "firm_domains",
    ("firm", pa.string(), False, "firm id"),
    ("domain", pa.string(), False, "offer domain (a frame of the lexicon group domains)"),
    ("rate", pa.float64(), True, "matches per 10,000 word tokens, all languages"),
    ("ci_low", pa.float64(), True, "2.5 % bootstrap quantile of the rate"),
    ("ci_high", pa.float64(), True, "97.5 % bootstrap quantile of the rate"),
    ("n_matches", pa.int64(), True, "matches of the domain's terms"),
    ("n_docs", pa.int32(), True, "documents of the firm"),
    ("n_docs_matching", pa.int32(), False, "documents mentioning the domain"),
    ("present", pa.bool_(), True, "domain marked present in the firm's offer (rate and "
     "documents at or above contrasts.presence_rate and presence_docs); null when the firm "
     "has too little text to tell"),
    ("enough", pa.bool_(), False, "false when the firm has too little text to tell"),
    ("vs_rest", pa.string(), True, "higher or lower: the firm's rate differs from the other "
     "firms' pooled (firm-vs-rest bootstrap test, BH q ≤ contrasts.fdr across firms; see the "
     "versus table); null when it does not, or cannot be told"),
    ("q_vs_rest", pa.float64(), True, "the q-value of that test"),
)

THRESHOLDS = _schema(
    "thresholds",
    ("fdr", pa.float64(), False, "Benjamini-Hochberg false discovery rate: keyness ranks the "
     "terms with q_g2 at most this (contrasts.fdr)"),
    ("presence_rate", pa.float64(), False, "rate per 10,000 tokens from which a domain is "
     "marked present (contrasts.presence_rate) ..."),
    ("presence_docs", pa.int32(), False, "... in at least this many documents "
     "(contrasts.presence_docs)"),
)



def with_firm_name(schema: pa.Schema) -> pa.Schema:
    """The schema of a table as the report exports it: its `firm` column (if any) followed by
    `firm_name`, the firm's display name, so an export reads without the id → name lookup.

    >>> with_firm_name(COLLECTION).names[:3]
    ['firm', 'firm_name', 'year']
    """
    if "firm" not in schema.names:
        return schema
    at = schema.get_field_index("firm")
    name = pa.field("firm_name", pa.string(), nullable=schema.field(at).nullable,
                    metadata={"comment": "the firm's display name in the report: name= in "
                              "sources.txt, else its id title-cased"})
    return schema.insert(at + 1, name)


ALL = {
    s.metadata[b"table"].decode(): s
    for s in (
        FETCHES, DOCUMENTS, SECTIONS, PASSAGES, SENTENCES, BAGS, K_SWEEP, TOPIC_TERMS,
        DOC_TOPICS, TOPIC_PASSAGES, PREVALENCE, TOPIC_TRENDS, KEYNESS, FRAME_MEASURES, SHIFTS,
        DOMAINS, KWIC, CA_POINTS, CA_AXES, COLLECTION, CAPTURES, FIRM_DOMAINS, THRESHOLDS, VERSUS,
    )
}
