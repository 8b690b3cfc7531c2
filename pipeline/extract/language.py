"""Language of documents and paragraphs, with py3langid.

Each paragraph of twelve words or more gets its own tag, so the English paragraphs of a French
page are kept apart; the document's language is the dominant one by words. Short paragraphs
(headings, captions) inherit a neighbour's tag, since language identification is unreliable on
a few words; so do paragraphs whose tokens are mostly figures or symbols (tables, contents
lines, code), on which it guesses.

py3langid costs 0.1 to 0.4 ms a call (several times more when its model tables have left the
processor's cache), which would add half to the price of extracting a web page if every
paragraph paid it. So function words come first: a paragraph whose function words are plainly
French or plainly English (several distinctive ones, ten per cent of its words or more, at
least one that the neighbouring languages do not use, next to none of the other language's,
over its first thirty words or, when those do not decide, its first hundred) is tagged so. A
document where half the long paragraphs or more are plainly one language, and none plainly the
other, is that language; otherwise py3langid classifies the document on its body: the long
prose paragraphs, up to DOC_SAMPLE_CHARS, never an opening heading. Letter-spaced or upper-case
lines ("2 0 1 9 — M U T A T I O N S", "RAPPORT ANNUEL") cannot decide a document (py3langid reads
them as Czech or Slovak): like tables, they inherit a neighbour's language. When py3langid is
less sure than PRIOR_CONFIDENCE and sources.txt gave a language (`lang=`), that language wins.
The document's confidence (`lang_confidence`) is 1.0 when function words decide it, else
py3langid's probability of its language on the body; it is null when no paragraph could be
read (the document is then undecided: `lang` null). Each paragraph that is not plainly in the
document's language is classified by py3langid (`benchmarks/bench_extract.py` counts how
many texts it reads on the demo site).

    >>> tag_paragraphs(["La ville intelligente au service des habitants et des élus de la "
    ...                 "métropole, pour une gestion plus sobre.",
    ...                 "The smart city serves the residents and the elected officials of the "
    ...                 "metropolitan area, for leaner management."])
    ['fr', 'en']
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

# Paragraphs shorter than this inherit a neighbour's language: a heading (no closing
# punctuation) the next long paragraph's, a short sentence or caption the previous one's.
MIN_WORDS = 12
# A paragraph is tagged with another language than its document's only when py3langid is at
# least this sure (normalised probability); otherwise it keeps the document's language.
SWITCH_CONFIDENCE = 0.9
# py3langid walks the text byte by byte in Python (about 1 µs a byte), so it reads samples:
# the document's longest paragraphs up to DOC_SAMPLE_CHARS (plenty to tell French from English,
# and bounded for reports of hundreds of pages: paragraph tags then settle the dominant
# language), and a paragraph's first PARAGRAPH_SAMPLE_CHARS.
DOC_SAMPLE_CHARS = 1000
PARAGRAPH_SAMPLE_CHARS = 300
# Below this probability, py3langid's guess for a document gives way to the language
# sources.txt gives it (`lang=`).
PRIOR_CONFIDENCE = 0.9
# The function-word check reads a paragraph's first PLAIN_CHECK_CHARS (about thirty words), or
# its first PARAGRAPH_SAMPLE_CHARS when those hold fewer than MIN_WORDS words. Reading 300
# characters instead left 109 of 1,347 long paragraphs undecided against 115 (demo site, gold
# set, two English manuals) and cost half as much again. A paragraph those leave undecided is
# read again up to PLAIN_RETRY_CHARS before py3langid (which costs a hundred times as much)
# reads it: sentences of nouns and verbs with few function words ("58 capteurs de qualité de
# l'air couvrent désormais le territoire") are rarely plain over thirty words, but are over a
# hundred.
PLAIN_CHECK_CHARS = 200
PLAIN_RETRY_CHARS = 600

# Function words frequent in French or in English and rare in the other. The first set of each
# language is rare in the neighbouring Romance and Germanic languages too; the second is not
# (Catalan "les", "des", "qui", "elles"; Spanish "de", "la", "en", "entre", "un par", "sur";
# Portuguese "nos"; Italian "sera"; German and Swedish "du"; Dutch "is", "of", "we"; German
# "was", "also"; Danish and Norwegian "for", "have", "over", "by"; Catalan "Can"), so it counts
# towards a paragraph's share but never makes it plain on its own (see _plain_language).
# tests/test_extract_language.py holds natural sentences in those languages that must not come
# out plain.
_OWN = {
    "fr": frozenset({"aux", "une", "dans", "avec", "sont", "nous", "vous", "cette", "pour",
                     "au", "ces", "leur", "leurs", "être", "ont", "été", "notre", "ainsi",
                     "sans", "dont", "chaque", "depuis", "selon", "grâce", "également", "où",
                     "ils", "aussi", "avons", "était", "peut", "fait", "très", "déjà", "afin",
                     "cela", "tous", "toutes", "comme"}),
    "en": frozenset({"the", "and", "with", "that", "this", "our", "from", "which", "has",
                     "their", "these", "been", "its", "are", "were", "would", "should", "into",
                     "than", "more", "such", "they", "them", "there", "what", "when", "who",
                     "not", "but", "each", "through", "it", "be"}),
}
_SHARED = {
    "fr": frozenset({"les", "des", "et", "est", "qui", "nos", "le", "la", "de", "un", "en", "à",
                     "plus", "ne", "pas", "se", "entre", "par", "sur", "sera", "du",
                     "elles"}),
    "en": frozenset({"is", "of", "we", "for", "to", "will", "have", "in", "at", "was", "also",
                     "over", "all", "or", "by", "can"}),
}
# Each word also capitalised (a sentence's first word), so paragraphs need no lower-casing,
# which cost as much as splitting them into words.
_OWN = {lang: words | {w.capitalize() for w in words} for lang, words in _OWN.items()}
_SHARED = {lang: words | {w.capitalize() for w in words} for lang, words in _SHARED.items()}
_DISTINCTIVE = {lang: _OWN[lang] | _SHARED[lang] for lang in _OWN}
_FUNCTION_WORDS = _DISTINCTIVE["fr"] | _DISTINCTIVE["en"]  # the two share no word (tested)
# A plain paragraph holds at least this many of its language's own words (from the first set).
MIN_OWN_WORDS = 1


@lru_cache(maxsize=1)
def _identifier():
    # Built on first use (not at import) and once per process: loading the model takes ~0.2 s.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def preload() -> None:
    """Load py3langid's model now (before timing, or before worker processes fork)."""
    _identifier()


def detect_language(text: str) -> tuple[str, float]:
    """The most likely language of `text` and its probability (py3langid, normalised).

    Args:
        text: any text; very short texts get low probabilities.

    Returns:
        (ISO 639-1 code, probability between 0 and 1).
    """
    lang, prob = _identifier().classify(text)
    return lang, float(prob)


def _plain_language(words: list[str]) -> str | None:
    """fr or en when the paragraph's words are plainly that language's, else None.

    Both at once cannot be: each needs eight times the other's count.
    """
    hits = list(filter(_FUNCTION_WORDS.__contains__, words))
    fr = sum(map(_DISTINCTIVE["fr"].__contains__, hits))
    en = len(hits) - fr
    enough = max(3, len(words) // 10)
    if fr >= enough and en * 8 <= fr:
        lang = "fr"
    elif en >= enough and fr * 8 <= en:
        lang = "en"
    else:
        return None
    return lang if sum(map(_OWN[lang].__contains__, hits)) >= MIN_OWN_WORDS else None


def _prose(words: list[str]) -> bool:
    """Whether letters make at least half of these tokens' characters (not a table of figures,
    nor a contents line of dots and page numbers)."""
    chars = "".join(words)
    return 2 * sum(map(str.isalpha, chars)) >= len(chars)


def _heading_like(words: list[str]) -> bool:
    """Whether these tokens are a letter-spaced or upper-case line ("M U T A T I O N S",
    "RAPPORT ANNUEL 2019"), which language identification misreads."""
    letters = [w for w in words if any(map(str.isalpha, w))]
    if not letters:
        return False
    single = sum(len(w) == 1 for w in letters)
    upper = sum(w.isupper() for w in letters if len(w) > 1)
    return 2 * single >= len(letters) or 4 * upper >= 3 * len(letters)


def _sample(texts: list[str], body: list[int]) -> str:
    """The document's body for py3langid: its long prose paragraphs (`body`, else every
    paragraph that is not a letter-spaced or upper-case line), longest first, up to
    DOC_SAMPLE_CHARS, put back in document order."""
    pool = body or [i for i, t in enumerate(texts) if not _heading_like(t.split())]
    order = sorted(pool, key=lambda i: -len(texts[i]))
    chosen, size = [], 0
    for i in order:
        if size >= DOC_SAMPLE_CHARS:
            break
        chosen.append(i)
        size += len(texts[i]) + 1
    return " ".join(texts[i] for i in sorted(chosen))[:DOC_SAMPLE_CHARS]


@dataclass
class DocumentLanguage:
    """A document's paragraph tags and how sure the document-level decision is."""

    tags: list[str | None]
    lang: str | None  # the language decided for the document (its paragraphs' default)
    confidence: float | None  # 1.0 by function words, else py3langid's probability


def tag_paragraphs(texts: list[str]) -> list[str | None]:
    """Tag each paragraph of one document with its language.

    Args:
        texts: the document's paragraphs, in order.

    Returns:
        One ISO 639-1 code per paragraph (None only when there is no text at all).
    """
    return tag_document(texts).tags


def _probability(text: str, lang: str) -> float:
    """py3langid's (normalised) probability that `text` is in `lang`."""
    return float(dict(_identifier().rank(text)).get(lang, 0.0))


def tag_document(texts: list[str], prior: str | None = None) -> DocumentLanguage:
    """Tag each paragraph of one document with its language, and say how sure the document's
    language is.

    Args:
        texts: the document's paragraphs, in order.
        prior: the language sources.txt gives the document (`lang=`), if any: it wins over a
            py3langid guess less sure than PRIOR_CONFIDENCE.

    Returns:
        The tags (None only when no paragraph can be read), the document's language and its
        confidence.
    """
    if not texts:
        return DocumentLanguage([], None, None)
    # The long paragraphs (MIN_WORDS words or more, most of them words), in order, with their
    # language by function words when they are plain.
    plain: dict[int, str | None] = {}
    for i, text in enumerate(texts):
        # Tokens with their punctuation: a few function words glued to a comma go uncounted, at
        # a fifth of the cost of a regular-expression tokenizer.
        words = text[:PLAIN_CHECK_CHARS].split()
        if len(words) < MIN_WORDS and len(text) > PLAIN_CHECK_CHARS:
            words = text[:PARAGRAPH_SAMPLE_CHARS].split()
        if len(words) < MIN_WORDS:
            continue
        lang = _plain_language(words)
        if lang is None and len(text) > PLAIN_CHECK_CHARS:
            lang = _plain_language(text[:PLAIN_RETRY_CHARS].split())
        if lang is None and (not _prose(words) or _heading_like(words)):
            # Mostly figures or symbols (a table, a contents line), or a letter-spaced or
            # upper-case line: nothing that identification can read.
            continue
        plain[i] = lang
    plain_langs = set(plain.values()) - {None}
    n_plain = sum(lang is not None for lang in plain.values())
    if len(plain_langs) == 1 and 2 * n_plain >= len(plain):
        # Half the long paragraphs or more plainly French (or English), none plainly the other.
        doc_lang, confidence = plain_langs.pop(), 1.0
    else:
        sample = _sample(texts, sorted(plain))
        if not sample.strip():
            return DocumentLanguage([None] * len(texts), None, None)
        doc_lang, confidence = detect_language(sample)
        if prior and prior != doc_lang and confidence < PRIOR_CONFIDENCE:
            doc_lang, confidence = prior, _probability(sample, prior)
    tags: list[str | None] = [None] * len(texts)
    for i, by_words in plain.items():
        if by_words == doc_lang:
            tags[i] = doc_lang
            continue
        lang, prob = detect_language(texts[i][:PARAGRAPH_SAMPLE_CHARS])
        tags[i] = lang if lang == doc_lang or prob >= SWITCH_CONFIDENCE else doc_lang
    # Short paragraphs inherit: a heading (no closing punctuation) introduces what follows, so
    # it takes the next long paragraph's tag; a short sentence or caption continues what
    # precedes, so it takes the previous one's.
    following: list[str | None] = [None] * len(tags)
    nxt = None
    for i in range(len(tags) - 1, -1, -1):
        following[i] = nxt
        if tags[i] is not None:
            nxt = tags[i]
    previous = None
    for i, tag in enumerate(tags):
        if tag is not None:
            previous = tag
            continue
        heading = not texts[i].rstrip().endswith((".", "!", "?", "…", ":", ";", "»", '"', ")"))
        first, second = (following[i], previous) if heading else (previous, following[i])
        tags[i] = first or second or doc_lang
    return DocumentLanguage(tags, doc_lang, confidence)


def dominant_language(langs: list[str | None], n_words: list[int]) -> str | None:
    """The language holding the most words (ties: the first seen).

    Args:
        langs: one tag per paragraph.
        n_words: words per paragraph.

    Returns:
        The dominant ISO 639-1 code, or None when there are no words.
    """
    weights: Counter[str] = Counter()
    for lang, n in zip(langs, n_words, strict=True):
        if lang is not None and n > 0:
            weights[lang] += n
    if not weights:
        return None
    return weights.most_common(1)[0][0]
