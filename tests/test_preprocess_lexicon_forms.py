"""Every term of frames.yaml, in every inflected form, reaches the lexicon's lemma.

The forms are generated here, from the lexicon itself, by the regular rules of each language
(plural; feminine and plural of adjectives; infinitive, present, participles of verbs; the
plural of multi-word terms), each in a sentence of its own, and run through the preprocessing
stage: the sentence lemmas (what contrasts match frames on) and the bags (what topics and
keyness count) must hold the lexicon's term.

    python -m pytest tests/test_preprocess_lexicon_forms.py -s    # prints the misses
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.lexicon import load_lexicon
from pipeline.params import PreprocessParams
from pipeline.preprocess.forms import dictionary
from pipeline.preprocess.lemmatize import _analyser_for
from pipeline.preprocess.stage import preprocess_passages
from tests.test_preprocess import passages_frame

ROOT = Path(__file__).resolve().parents[1]
# Words before which a term's head does not take the plural: prepositions, and "zéro", a
# number used as a determiner ("zéro émission nette" in the plural is "zéro émissions nettes").
FUNCTION_WORDS = {"de", "d'", "du", "des", "à", "au", "aux", "of", "to", "for", "zéro"}


def fr_plural(w: str) -> str:
    if w.endswith(("s", "x", "z")):
        return w
    if w.endswith("al") and w not in {"festival", "carnaval"}:
        return w[:-2] + "aux"
    if w.endswith(("eau", "au", "eu")):
        return w + "x"
    return w + "s"


def fr_feminine(w: str) -> str:
    for end, rep in (("eux", "euse"), ("if", "ive"), ("el", "elle"), ("en", "enne"),
                     ("er", "ère"), ("ublic", "ublique"), ("et", "ète")):
        if w.endswith(end):
            return w[: -len(end)] + rep
    return w if w.endswith("e") else w + "e"


def en_plural(w: str) -> str:
    if w.endswith(("s", "x", "ch", "sh")):
        return w if w.endswith("s") else w + "es"
    if w.endswith("y") and w[-2] not in "aeiou":
        return w[:-1] + "ies"
    return w + "s"


def en_verb(w: str) -> list[str]:
    stem = w[:-1] if w.endswith("e") else w
    if len(w) <= 4 and w[-1] not in "aeiouwy" and w[-2] in "aeiou" and w[-3] not in "aeiou":
        stem = w + w[-1]  # pool → pooled, but "stop" → "stopped"
        stem = w if w.endswith("l") and w[-2] == w[-3] else stem
    return [w, w + "s", stem + "ed", stem + "ing"]


def _parts(lang: str) -> dict[str, set[str]]:
    """The parts of speech the model's tables give each single-word term."""
    index = _analyser_for(lang, "spacy").index  # the model's own lemma lists
    lexicon = load_lexicon(ROOT / "frames.yaml")
    out: dict[str, set[str]] = {}
    for frame in lexicon.frames():
        for term in frame.terms[lang]:
            if term.is_multiword:
                continue
            w = term.words[0]
            parts = {pos for pos in ("NOUN", "ADJ", "VERB") if w in index[pos]}
            if lang == "fr" and w.endswith("er"):  # "optimiser", "désiloter"; not "usager"
                noun = dictionary(lang).get(w + "s") == w
                parts = (parts - {"VERB"}) or {"NOUN"} if noun else {"VERB"}
            elif "NOUN" in parts and "ADJ" in parts and w.endswith("eur"):
                parts = {"NOUN"}  # "acheteur": its feminine is not regular
            elif not parts or parts == {"VERB"}:
                parts = {"NOUN"} if lang == "fr" else parts or {"NOUN"}
            out[w] = parts
    return out


def single_word_cases(lang: str) -> list[tuple[str, str, str]]:
    """(sentence, form, lexicon lemma) for every form of every single-word term."""
    cases = []
    for w, parts in sorted(_parts(lang).items()):
        if lang == "fr":
            if "NOUN" in parts:
                cases += [(f"Notre {w} reste au cœur du projet de la ville.", w, w)]
                if len(w) > 3:  # "bim", "led": acronyms
                    cases += [(f"Nos {fr_plural(w)} restent au cœur du projet.",
                               fr_plural(w), w)]
            if "ADJ" in parts:
                f = fr_feminine(w)
                cases += [(f"Ce service {w} aide la ville.", w, w),
                          (f"Cette offre {f} aide la ville.", f, w),
                          (f"Ces services {fr_plural(w)} aident la ville.", fr_plural(w), w),
                          (f"Ces offres {fr_plural(f)} aident la ville.", fr_plural(f), w)]
            if "VERB" in parts and w.endswith("er"):
                st = w[:-2] + ("e" if w.endswith("ger") else "")
                cases += [(f"Nous voulons {w} les services de la ville.", w, w),
                          (f"Le groupe {w[:-2]}e les services de la ville.", w[:-2] + "e", w),
                          (f"Les équipes {w[:-2]}ent les services.", w[:-2] + "ent", w),
                          (f"Nous {st}ons les services de la ville.", st + "ons", w),
                          (f"Le groupe a {w[:-2]}é les services.", w[:-2] + "é", w),
                          (f"Les données sont {w[:-2]}ées chaque jour.", w[:-2] + "ées", w),
                          (f"Les services sont {w[:-2]}és chaque jour.", w[:-2] + "és", w),
                          (f"La gestion est {w[:-2]}ée par la ville.", w[:-2] + "ée", w)]
        else:
            if "NOUN" in parts:
                cases += [(f"Our {w} is at the heart of the plan.", w, w)]
                if len(w) > 3 and en_plural(w) != w:  # "kpi", "bim": acronyms
                    cases += [(f"Our {en_plural(w)} are at the heart of the plan.",
                               en_plural(w), w)]
            if "ADJ" in parts:
                cases += [(f"This {w} service helps the city.", w, w)]
            if "VERB" in parts:
                inf, s3, ed, ing = en_verb(w)
                cases += [(f"We {inf} the services of the city.", inf, w),
                          (f"The group {s3} the services of the city.", s3, w),
                          (f"The services were {ed} last year.", ed, w),
                          (f"The group is {ing} the services of the city.", ing, w)]
    return cases


def multiword_cases(lang: str) -> list[tuple[str, str]]:
    """(sentence, frame) for every multi-word term, as written and in the plural."""
    lexicon = load_lexicon(ROOT / "frames.yaml")
    index = _analyser_for(lang, "spacy").index
    known = index["NOUN"] | index["ADJ"]
    plural = fr_plural if lang == "fr" else en_plural
    cases = []
    for frame in lexicon.frames():
        for term in frame.terms[lang]:
            words = term.words
            if not term.is_multiword:
                continue
            forms = [list(words)]
            if any(t.text.startswith(term.text) and t.text != term.text
                   for t in frame.terms[lang]):
                forms = []  # "donnée ouvert", the lemmas of "donnée ouverte": no text says it
            cut = next((i for i, w in enumerate(words) if w in FUNCTION_WORDS), len(words))
            if not forms:
                pass
            elif lang == "fr" and all(w in known for w in words[:cut]):
                # the head and its adjectives agree; a complement keeps its number
                forms.append([plural(w) for w in words[:cut]] + list(words[cut:]))
            elif lang == "en" and words[cut - 1] in known and words[0] != "break":
                # the head is the last word before a complement
                forms.append([*words[:cut - 1], plural(words[cut - 1]), *words[cut:]])
            for form in forms:
                text = " ".join(form).replace("' ", "'")
                cases.append((f"Nous présentons {text} à la ville." if lang == "fr"
                              else f"We rely on {text} in the city.", frame.name))
    return cases


def _stage(lang: str, texts: list[str]):
    """Sentences and bags of one passage per text, through the preprocessing stage."""
    passages = passages_frame([[(t, lang)] for t in texts], firm="acme")
    out = preprocess_passages(passages, PreprocessParams(n_process=1, phrases_min_count=10_000),
                              lexicon=load_lexicon(ROOT / "frames.yaml"))
    order = {p: i for i, p in enumerate(passages["passage_id"])}
    sents = out.sentences.to_pylist()
    bags = {order[r["passage_id"]]: r["terms"] for r in out.bags.to_pylist()}
    return sents, order, bags


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_form_of_every_single_word_term_gets_its_lemma(lang):
    cases = single_word_cases(lang)
    sents, order, bags = _stage(lang, [text for text, _, _ in cases])
    got: dict[int, dict[str, str]] = {}
    for row in sents:
        got.setdefault(order[row["passage_id"]], {}).update(
            (t.lower(), lem) for t, lem in zip(row["tokens"], row["lemmas"], strict=True))
    misses = [f"{form} → {got.get(i, {}).get(form.lower())} (lexicon: {lemma})"
              for i, (_, form, lemma) in enumerate(cases)
              if got.get(i, {}).get(form.lower()) != lemma or lemma not in bags.get(i, [])]
    print(f"\n{lang}: {len(cases) - len(misses)}/{len(cases)} forms; misses: {misses}")
    assert len(cases) > (250 if lang == "fr" else 150)
    assert not misses


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_multiword_term_is_found_as_written_and_in_the_plural(lang):
    lexicon = load_lexicon(ROOT / "frames.yaml")
    phrases = {f.name: {t.phrase for t in f.terms[lang]} for f in lexicon.frames()}
    cases = multiword_cases(lang)
    _, _, bags = _stage(lang, [text for text, _ in cases])
    misses = [text for i, (text, frame) in enumerate(cases)
              if not phrases[frame] & set(bags.get(i, []))]
    print(f"\n{lang}: {len(cases) - len(misses)}/{len(cases)} multi-word forms; misses: {misses}")
    assert len(cases) > 40
    assert not misses
