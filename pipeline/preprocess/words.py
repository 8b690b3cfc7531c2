"""Which lemmas are words: the model's tables and simplemma's dictionary, checked together.

A lemma the model invents for a form it does not know ("ressembl", "intelliger") never reaches
the bags: `WordCheck.lemma` replaces it with the best word for the form.
"""

from __future__ import annotations

from pipeline.preprocess.forms import dictionary, dictionary_lemmas


class WordCheck:
    """Which lemmas are words, and the best word for a form whose lemma is not one.

    A lemma is a word for its part of speech when the model's own tables list it as a lemma of
    that part of speech (`lemma_index`, and the lemmas of `lemma_exc`, where the irregular verbs
    are), or when both the model's tables (any part of speech) and simplemma's dictionary list it.
    The model's tables alone are not enough: its part-of-speech-free lookup table holds odd
    lemmas ("intelligent" → "intelliger"), and a rule for one part of speech lands on a word of
    another ("carbone" tagged as an adjective → "carbon", an English loan among the nouns).

    Args:
        lang: "fr" or "en".
        tables: the lemmas the model lists, by universal part of speech ("NOUN", "ADJ",
            "VERB", "ADV").
    """

    def __init__(self, lang: str, tables: dict[str, frozenset[str]]) -> None:
        self.forms = dictionary(lang)  # simplemma's form → lemma
        self.french = lang == "fr"
        self.tables = tables
        model = frozenset().union(*tables.values())
        self.lemmas = model & dictionary_lemmas(lang)
        self.known = model | dictionary_lemmas(lang)  # lemmas of either source

    def is_word(self, lemma: str, pos: str) -> bool:
        """Whether `lemma` is a known lemma for a token tagged `pos`."""
        return lemma in self.tables.get(pos, ()) or lemma in self.lemmas

    def lemma(self, low: str, lemma: str, pos: str, *, capitalised: bool = False,
              lookup: str | None = None) -> str:
        """`lemma` if it is a word (or the form itself), else the best word for the form `low`.

        A lemma that the model does not list for the token's part of speech gives way to the
        first of these that it does list: the dictionary's lemma of the form, the lemma of the
        model's part-of-speech-free `lookup` table, the regular -er infinitive of a French verb
        form ("reste" tagged as a verb → "rester", "perspectives" as a noun → "perspective").
        Then, in order: the model's lemma when it is a word, or the form itself when the form
        is not an inflected form the dictionary knows ("sélective" → "sélectif"); the form as
        written when it is capitalised and unknown as a form (a name: "Energies", not
        "energie"); the model's lemma when it is the form with a plural "s" or "x" taken off,
        both unknown to the dictionary as forms ("hyperviseurs" → "hyperviseur", a regular
        plural of a word no dictionary knows); the form itself when it is a known lemma
        ("intelligent", not "intelliger"); the dictionary's lemma of the form ("ressemblent" →
        "ressembler", not "ressembl"); the form as written.
        """
        table = self.tables.get(pos)
        if table is not None and lemma not in table:
            found = self.forms.get(low)
            for candidate in (found, lookup, *self._regular(low, pos)):
                if candidate is not None and candidate in table:
                    return candidate
        if lemma == low:
            found = self.forms.get(low)
            if low not in self.known and found is not None and found in self.known:
                return found
            return lemma
        if self.is_word(lemma, pos):
            return lemma
        if capitalised and low not in self.forms:
            return low
        if low in (lemma + "s", lemma + "x") and lemma not in self.forms \
                and low not in self.forms:
            return lemma
        if low in self.known:
            return low
        found = self.forms.get(low)
        return found if found is not None else low

    def _regular(self, low: str, pos: str) -> tuple[str, ...]:
        """The regular -er infinitive of a French verb form ("reste", "restent")."""
        if pos != "VERB" or not self.french:
            return ()
        for end in ("ent", "es", "e"):
            if low.endswith(end) and len(low) > len(end) + 2:
                return (low[: -len(end)] + "er",)
        return ()
