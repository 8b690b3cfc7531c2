"""Language of documents and paragraphs, with py3langid.

py3langid classifies each document (on a sample of its longest paragraphs), then each
paragraph that may be in another language gets its own tag, so the English paragraphs of a
French page are kept apart; the document's language is the dominant one by words. Short
paragraphs (headings, captions) inherit a neighbour's tag, since language identification is
unreliable on a few words.

py3langid costs 0.1 to 0.4 ms a call, which would add half to the price of extracting a web
page if every paragraph paid it. In a French or English document, a paragraph whose function
words are plainly those of the document's language (several distinctive ones, next to none of
the other's) cannot be a mixed-in paragraph and keeps the document's tag; every other paragraph
of twelve words or more is classified by py3langid (on the demo site and the gold set, one
paragraph in twenty).

    >>> tag_paragraphs(["La ville intelligente au service des habitants et des élus de la "
    ...                 "métropole, pour une gestion plus sobre.",
    ...                 "The smart city serves the residents and the elected officials of the "
    ...                 "metropolitan area, for leaner management."])
    ['fr', 'en']
"""

from __future__ import annotations

import string
from collections import Counter
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
DOC_SAMPLE_CHARS = 150
PARAGRAPH_SAMPLE_CHARS = 300
# The function-word check reads a paragraph's first characters only (about fifty words).
PLAIN_CHECK_CHARS = 300

# Function words that are frequent in one of the two modelled languages and rare in the other
# (and in the neighbouring Romance and Germanic languages, so "de", "la", "in" are left out).
_DISTINCTIVE = {
    "fr": frozenset({"les", "des", "et", "est", "du", "aux", "une", "dans", "avec", "sont",
                     "nous", "vous", "cette", "sur", "pour", "qui", "au", "ces", "leur",
                     "leurs", "plus", "être", "ont", "été", "notre", "nos", "ainsi"}),
    "en": frozenset({"the", "and", "of", "to", "is", "are", "with", "that", "this", "our",
                     "we", "by", "from", "which", "have", "has", "be", "it", "for", "its",
                     "their", "these", "been", "will"}),
}
_PUNCT = string.punctuation + "«»“”‘’–—…·•"


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


def _plainly(words: list[str], lang: str) -> bool:
    """True when the paragraph's (lower-cased) words are plainly `lang`'s (fr or en only)."""
    other = "en" if lang == "fr" else "fr"
    own = theirs = 0
    mine, others = _DISTINCTIVE[lang], _DISTINCTIVE[other]
    for w in words:
        if w in mine:
            own += 1
        elif w in others:
            theirs += 1
    return own >= max(3, len(words) // 10) and theirs * 8 <= own


def _sample(texts: list[str]) -> str:
    """The document's longest paragraphs, in document order, up to DOC_SAMPLE_CHARS."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    chosen, size = [], 0
    for i in order:
        if size >= DOC_SAMPLE_CHARS:
            break
        chosen.append(i)
        size += len(texts[i]) + 1
    return " ".join(texts[i] for i in sorted(chosen))[:DOC_SAMPLE_CHARS]


def tag_paragraphs(texts: list[str]) -> list[str | None]:
    """Tag each paragraph of one document with its language.

    Args:
        texts: the document's paragraphs, in order.

    Returns:
        One ISO 639-1 code per paragraph (None only when there is no text at all).
    """
    if not texts:
        return []
    sample = _sample(texts)
    if not sample.strip():
        return [None] * len(texts)
    doc_lang, _ = detect_language(sample)
    tags: list[str | None] = [None] * len(texts)
    for i, text in enumerate(texts):
        # Lower-cased tokens with their punctuation: a few function words glued to a comma go
        # uncounted, at a fifth of the cost of a regular-expression tokenizer.
        words = text[:PLAIN_CHECK_CHARS].lower().split()
        if len(words) < MIN_WORDS:
            continue
        if doc_lang in _DISTINCTIVE and _plainly(words, doc_lang):
            tags[i] = doc_lang
            continue
        lang, prob = detect_language(text[:PARAGRAPH_SAMPLE_CHARS])
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
    return tags


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
