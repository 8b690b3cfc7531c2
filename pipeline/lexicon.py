"""Load and validate the frame lexicon (`frames.yaml`).

reads frames.yaml → a `Lexicon`: groups of frames, each frame a set of French and English terms.

A term is a lemma or a multi-word expression written with spaces ("tableau de bord"); it is
matched on consecutive lemmas, and `Term.phrase` is its joined form (`tableau_de_bord`), which
the preprocessing stage forces into the phrase vocabulary.

    >>> lex = parse_lexicon({"groups": {"audience": {"kind": "opposition", "frames": {
    ...     "citizens": {"fr": ["citoyen"], "en": ["citizen"]},
    ...     "clients": {"fr": ["client"], "en": ["customer"]}}}}})
    >>> lex.groups["audience"].frames["clients"].terms["en"][0].phrase
    'customer'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.errors import LexiconError

LANGS = ("fr", "en")
GROUP_KEYS = {"kind", "description", "frames"}
FRAME_KEYS = {"description", *LANGS}
KINDS = ("opposition", "set")
OFFER_GROUP = "domains"  # the set group whose frames are the firms' offer domains




@dataclass(frozen=True)
class Term:
    """One lexicon entry: its words (lemmas) and its joined phrase form."""

    text: str
    words: tuple[str, ...]

    @property
    def phrase(self) -> str:
        return "_".join(self.words)

    @property
    def is_multiword(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class Frame:
    name: str
    group: str
    description: str
    terms: dict[str, tuple[Term, ...]]  # language → terms


@dataclass(frozen=True)
class Group:
    name: str
    kind: str  # opposition | set
    description: str
    frames: dict[str, Frame] = field(default_factory=dict)


@dataclass(frozen=True)
class Lexicon:
    groups: dict[str, Group]
    path: str = "frames.yaml"
    # The study's subject (`relevance:`): the terms by which extraction keeps the sections of
    # long reports that speak of it. Not a frame: nothing measures it downstream.
    relevance: dict[str, tuple[Term, ...]] = field(default_factory=dict)

    def relevance_terms(self) -> list[str]:
        """Every relevance term, French and English, as written."""
        return [t.text for terms in self.relevance.values() for t in terms]

    def frames(self):
        """Every frame of every group, in file order."""
        for group in self.groups.values():
            yield from group.frames.values()

    def words(self) -> set[str]:
        """Every word of every frame term, in every language ("smart grid": smart, grid)."""
        return {w for f in self.frames() for terms in f.terms.values() for t in terms
                for w in t.words}

    def multiword_terms(self, lang: str) -> set[tuple[str, ...]]:
        """Word sequences of every multi-word term in `lang` (forced phrases)."""
        return {t.words for f in self.frames() for t in f.terms.get(lang, ()) if t.is_multiword}


def split_term(text: str) -> tuple[str, ...]:
    """The lemma words of a term: lower-cased, split on spaces, elided articles kept whole.

    "réseau d'eau" → ("réseau", "d'", "eau"), as spaCy tokenises French elisions.
    """
    words: list[str] = []
    for word in text.lower().replace("’", "'").split():
        head, sep, tail = word.partition("'")
        if sep and tail and len(head) <= 2:
            words.extend([head + "'", tail])
        else:
            words.append(word)
    return tuple(words)


def parse_lexicon(data: object, *, path: str = "frames.yaml") -> Lexicon:
    """Validate a loaded YAML lexicon.

    Args:
        data: the parsed YAML.
        path: the file name, for error messages.

    Returns:
        The lexicon.

    Raises:
        LexiconError: naming the group, frame or term at fault.
    """
    if not isinstance(data, dict) or not {"groups"} <= set(data) <= {"groups", "relevance"}:
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise LexiconError(f"{path}: expected the top-level key 'groups:' (and optionally "
                           f"'relevance:'), got {keys}")
    if not isinstance(data["groups"], dict) or not data["groups"]:
        raise LexiconError(f"{path}: 'groups' must be a non-empty mapping")
    groups: dict[str, Group] = {}
    for gname, gdata in data["groups"].items():
        where = f"{path}: group '{gname}'"
        if not isinstance(gdata, dict):
            raise LexiconError(f"{where}: expected a mapping")
        unknown = set(gdata) - GROUP_KEYS
        if unknown:
            raise LexiconError(f"{where}: unknown key(s) {sorted(unknown)} "
                               f"(allowed: {sorted(GROUP_KEYS)})")
        kind = gdata.get("kind")
        if kind not in KINDS:
            raise LexiconError(f"{where}: kind must be one of {KINDS}, got {kind!r}")
        fdata = gdata.get("frames")
        if not isinstance(fdata, dict) or not fdata:
            raise LexiconError(f"{where}: 'frames' must be a non-empty mapping")
        if kind == "opposition" and len(fdata) != 2:
            raise LexiconError(f"{where}: an opposition needs exactly 2 frames, got {len(fdata)}")
        frames = {fname: _parse_frame(fname, gname, fbody, path)
                  for fname, fbody in fdata.items()}
        if kind == "opposition":
            _check_disjoint(list(frames.values()), where)
        groups[gname] = Group(name=gname, kind=kind, description=str(gdata.get("description", "")),
                              frames=frames)
    relevance: dict[str, tuple[Term, ...]] = {}
    if data.get("relevance") is not None:
        relevance = _parse_frame("subject", "relevance", data["relevance"], path).terms
    return Lexicon(groups=groups, path=path, relevance=relevance)


def _parse_frame(fname: str, gname: str, body: object, path: str) -> Frame:
    where = f"{path}: group '{gname}', frame '{fname}'"
    if not isinstance(body, dict):
        raise LexiconError(f"{where}: expected a mapping with fr: and en: lists")
    unknown = set(body) - FRAME_KEYS
    if unknown:
        raise LexiconError(f"{where}: unknown key(s) {sorted(unknown)} "
                           f"(allowed: {sorted(FRAME_KEYS)})")
    terms: dict[str, tuple[Term, ...]] = {}
    for lang in LANGS:
        items = body.get(lang) or []
        if not isinstance(items, list):
            raise LexiconError(f"{where}: '{lang}' must be a list of terms")
        seen: dict[tuple[str, ...], str] = {}
        parsed = []
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise LexiconError(f"{where}: '{lang}' holds an empty or non-text term {item!r}")
            words = split_term(item)
            if words in seen:
                continue  # a repeat within one frame is harmless
            seen[words] = item
            parsed.append(Term(text=item.strip(), words=words))
        terms[lang] = tuple(parsed)
    if not any(terms.values()):
        raise LexiconError(f"{where}: empty frame (no fr: or en: terms)")
    return Frame(name=fname, group=gname, description=str(body.get("description", "")),
                 terms=terms)


def _check_disjoint(frames: list[Frame], where: str) -> None:
    a, b = frames
    for lang in LANGS:
        written = {t.words: t.text for t in a.terms[lang]}
        common = set(written) & {t.words for t in b.terms[lang]}
        if common:
            listed = ", ".join(sorted(written[w] for w in common))
            raise LexiconError(
                f"{where}: term(s) '{listed}' ({lang}) in both opposed frames "
                f"'{a.name}' and '{b.name}'"
            )


def load_lexicon(path: str | Path) -> Lexicon:
    """Read and validate a lexicon file (see the format in frames.yaml)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LexiconError(f"{path}: lexicon file not found (see `lexicon:` in params.yaml)"
                           ) from None
    except UnicodeDecodeError:
        raise LexiconError(f"{path}: not a UTF-8 text file") from None
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from None
    return parse_lexicon(data, path=str(path))
