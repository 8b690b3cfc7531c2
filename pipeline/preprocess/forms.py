"""The lexicon's own words keep their lemma: every inflected form of a term maps to the term.

frames.yaml's terms → a table of written forms (plural, feminine, conjugated, participles) and
the lexicon lemma each one stands for; the preprocessing stage gives a token that lemma when the
model gave it another ("abonnés" → abonné, not abonner; "innovante" → innovant, not innover;
"données" → donnée, not donné). It runs on every run over cached lemmas, so editing frames.yaml
never re-lemmatises anything.

The forms come from the regular rules of each language, checked against simplemma's dictionary:
a generated form that the dictionary gives to another word is left out ("usage" is not a form of
"usager"), unless the lexicon word is that word's participle ("abonnées" → abonner, whose
participle "abonné" is the term). A token the model tags as a verb keeps a verb lemma the
dictionary knows ("la pollution menace la ville": menacer, not the noun "menace"), unless the
term is a verb itself or a participle of that verb ("innovant" of "innover").

    >>> from pipeline.lexicon import parse_lexicon
    >>> lex = parse_lexicon({"groups": {"g": {"kind": "set", "frames": {
    ...     "f": {"fr": ["abonné", "innovant", "tableau de bord"]}}}}})
    >>> forms = LexiconForms(lex, "fr")
    >>> forms.lemma_of("abonnées"), forms.lemma_of("innovantes"), forms.lemma_of("tableaux")
    ('abonné', 'innovant', 'tableau')
    >>> forms.lemma_of("usage") is None
    True
"""

from __future__ import annotations

import functools
import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.lexicon import Lexicon

log = logging.getLogger(__name__)

# Words of multi-word terms that are no content words (never re-lemmatised).
_FUNCTION_WORDS = frozenset({"de", "d'", "du", "des", "à", "au", "aux", "la", "le", "les", "l'",
                             "en", "et", "sur", "pour", "of", "to", "for", "the", "and", "in",
                             "on", "a", "an"})
_VERB_POS = ("VERB", "AUX")


@functools.cache
def dictionary(lang: str):
    """simplemma's form → lemma table for `lang` (a read-only mapping, loaded once)."""
    from simplemma.strategies.dictionaries.dictionary_factory import DefaultDictionaryFactory

    return DefaultDictionaryFactory().get_dictionary(lang)


@functools.cache
def dictionary_lemmas(lang: str) -> frozenset[str]:
    """Every lemma of simplemma's table for `lang`."""
    table = dictionary(lang)
    # simplemma 2 keeps the table as bytes → bytes and decodes on each access: going through
    # the mapping decodes every one of its 250k values (a second per run); its unique values
    # are a few tens of thousands.
    raw = getattr(table, "_dict", None)
    if isinstance(raw, dict):
        return frozenset(v.decode() for v in set(raw.values()))
    return frozenset(table.values())


def fr_plural(word: str) -> str:
    if word.endswith(("s", "x", "z")):
        return word
    if word.endswith("al"):
        return word[:-2] + "aux"
    if word.endswith(("eau", "au", "eu")):
        return word + "x"
    return word + "s"


def fr_feminine(word: str) -> str | None:
    """The regular feminine of an adjective or noun; None for -eur (several endings)."""
    if word.endswith("eur"):
        return None
    for end, rep in (("eux", "euse"), ("if", "ive"), ("el", "elle"), ("en", "enne"),
                     ("ier", "ière"), ("ublic", "ublique"), ("et", "ète")):
        if word.endswith(end):
            return word[: -len(end)] + rep
    return word if word.endswith("e") else word + "e"


def en_plural(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word if word.endswith("ics") else word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def inflections(word: str, lang: str) -> set[str]:
    """The regular inflected forms of a lexicon word (the word itself included).

    French: plural; feminine and its plural; for an -er word, the present, the past and
    present participles. English: plural; -s, -ed and -ing forms.
    """
    forms = {word}
    if lang == "fr":
        forms.add(fr_plural(word))
        fem = fr_feminine(word)
        if fem:
            forms |= {fem, fr_plural(fem)}
        if word.endswith("er"):
            stem = word[:-2]
            soft = stem + ("e" if word.endswith("ger") else "")
            forms |= {stem + "e", stem + "es", stem + "ent", soft + "ons", stem + "ez",
                      stem + "é", stem + "ée", stem + "és", stem + "ées", soft + "ant"}
    else:
        forms.add(en_plural(word))
        stem = word[:-1] if word.endswith("e") else word
        forms |= {word + "s" if not word.endswith("s") else word, stem + "ed", stem + "ing"}
    return forms


def participles(verb: str) -> tuple[str, ...]:
    """French past and present participles of a regular -er or -ir verb."""
    if verb.endswith("er"):
        return verb[:-2] + "é", verb[:-2] + "ant"
    if verb.endswith("ir"):
        return verb[:-1], verb[:-2] + "issant"
    return ()


class LexiconForms:
    """Written forms of the lexicon's words in one language, and the lemma each stands for.

    Args:
        lexicon: the frame lexicon (None: no forms).
        lang: "fr" or "en".
    """

    def __init__(self, lexicon: Lexicon | None, lang: str) -> None:
        self.lang = lang
        singles: set[str] = set()
        inner: set[str] = set()  # words of multi-word terms
        if lexicon is not None:
            for frame in lexicon.frames():
                for term in frame.terms.get(lang, ()):
                    (inner if term.is_multiword else singles).update(
                        w for w in term.words if w not in _FUNCTION_WORDS and "'" not in w
                        and w.replace("-", "").isalpha())
        table = dictionary(lang) if singles or inner else {}
        # A multi-word term may be written inflected ("service aux habitants", "plateforme
        # urbaine"): its words count by their base, when they are a regular form of it.
        words = set(singles)
        for w in inner:
            base: str | None = table.get(w)
            regular = base is not None and (w in inflections(base, lang) if lang == "fr"
                                            else w == en_plural(base))
            words.add(base if base is not None and regular and base != w
                      and table.get(base) == base else w)
        self.words = frozenset(words)
        self.verbs = frozenset(w for w in words if lang == "fr" and w.endswith("er"))
        found: dict[str, set[str]] = {}
        for word in sorted(words):
            for form in inflections(word, lang):
                if form == word or self._fits(form, word, table):
                    found.setdefault(form, set()).add(word)
        forms: dict[str, str] = {}
        for form, lemmas in found.items():
            if form in lemmas:  # a term as written is its own lemma
                forms[form] = form
            elif len(lemmas) == 1:  # a form of two terms is left to the model
                forms[form] = next(iter(lemmas))
        self.forms = forms
        self._form_array = pa.array(sorted(forms), pa.string())
        self._lemma_array = np.array([forms[f] for f in self._form_array.to_pylist()],
                                     dtype=object)
        self._words_array = pa.array(sorted(words), pa.string())
        self._singles_array = pa.array(sorted(singles), pa.string())

    def _fits(self, form: str, word: str, table) -> bool:
        """Whether the dictionary lets `form` be a form of `word`."""
        known = table.get(form)
        return (known is None or known == word
                or (self.lang == "fr" and word in participles(known)))

    def lemma_of(self, form: str) -> str | None:
        """The lexicon lemma that the lower-cased `form` stands for, or None."""
        return self.forms.get(form)

    def relemmatise(self, lemmas: pa.Array, lowers: pa.Array, pos: pa.Array | None,
                    mask: np.ndarray | None = None) -> pa.Array:
        """Give the lexicon's lemma to every token written as a form of a lexicon word.

        Args:
            lemmas: each token's lemma (flat).
            lowers: each token as written, lower-cased, straight apostrophes.
            pos: each token's universal part of speech, or None (no tagger).
            mask: the tokens of this language (None: all).

        Returns:
            The lemmas, with the lexicon's where it applies.
        """
        if not self.forms or not len(lemmas):
            return lemmas
        at = pc.index_in(lowers, value_set=self._form_array).to_numpy(zero_copy_only=False)
        at = np.nan_to_num(at.astype(float), nan=-1).astype(np.int64)
        cand = at >= 0
        if mask is not None:
            cand &= mask
        # A lemma that is a lexicon word stays, unless the token is written as a single-word
        # term ("pooling", not "pool").
        cand &= ~pc.is_in(lemmas, value_set=self._words_array).to_numpy(zero_copy_only=False) \
            | pc.is_in(lowers, value_set=self._singles_array).to_numpy(zero_copy_only=False)
        where = np.flatnonzero(cand)
        if not len(where):
            return lemmas
        old = lemmas.take(pa.array(where)).to_pylist()
        tags = pos.take(pa.array(where)).to_pylist() if pos is not None else [""] * len(where)
        known = dictionary_lemmas(self.lang)
        change = np.zeros(len(lemmas), dtype=bool)
        new: list[str] = []
        for p, lemma, tag in zip(where.tolist(), old, tags, strict=True):
            term = self._lemma_array[at[p]]
            if tag in _VERB_POS and lemma in known and term not in self.verbs \
                    and term not in participles(lemma):
                continue  # a verb the dictionary knows: the tagger saw a verb
            change[p] = True
            new.append(term)
        if not new:
            return lemmas
        return pc.replace_with_mask(lemmas, pa.array(change), pa.array(new, pa.string()))
