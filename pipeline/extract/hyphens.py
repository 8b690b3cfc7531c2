"""Words broken across lines: which hyphens to keep, learnt from the document's own words.

A word hyphenated at a line end is made whole ("dévelop-" + "pement") unless the document writes
it hyphenated elsewhere and never whole ("sous-" + "traitance"); before a capital the hyphen
stays ("Saint-" + "Étienne"). PDFium marks the hyphens where it merged two lines (U+FFFE, older
builds U+0002); a soft hyphen is only ever a break point.
"""

from __future__ import annotations

import re

# PDFium merges a line ending in a hyphen with the next one and marks the hyphen U+FFFE (older
# builds: U+0002); a soft hyphen U+00AD is only ever a break point.
LINE_HYPHENS = ("\ufffe", "\x02")
SOFT_HYPHEN = "\u00ad"
_FIRST_WORD = re.compile(r"[^\W\d_]+")
# A hyphen between two letters, and the word after it (up to 60 letters).
_WORD_AFTER_HYPHEN = re.compile(r"-(?<=[^\W\d_]-)([^\W\d_]{1,60})")


class Vocabulary:
    """What a document writes, to tell a typesetter's hyphen from a real one.

    Built on the first question (most documents never ask), in one pass over the text, so a
    report of hundreds of pages answers each question in constant time rather than in a search
    through the whole text. The broken occurrence itself never attests: it is split by a line
    break or PDFium's U+FFFE, never by "-" between two letters.
    """

    def __init__(self, texts: list[str]):
        self._texts = texts
        self._compounds: dict[str, list[tuple[str, str]]] | None = None
        self._text: str | None = None

    def writes_hyphenated(self, head: str, tail: str) -> bool:
        """Whether the document writes `head`, a hyphen, then a word starting with `tail`.

        "sous" + "traitance" is attested by "sous-traitance" and by "sous-traitances"; the
        comparison ignores case.
        """
        if self._compounds is None:
            self._compounds = _compounds("\n".join(self._texts))
        head, tail = head.lower(), tail.lower()
        if len(head) >= 3:
            candidates = self._compounds.get(head[-3:], [])
        else:
            candidates = [pair for pairs in self._compounds.values() for pair in pairs]
        # "hh" + "mm" is attested by "YYMMDDhh-mm", as by the substring search this replaces.
        return any(before.endswith(head) and after.startswith(tail)
                   for before, after in candidates)

    def __contains__(self, form: str) -> bool:
        """Whether `form` occurs anywhere in the text (ignoring case), inside a word or not."""
        if self._text is None:
            self._text = "\n".join(self._texts).lower()
        return form.lower() in self._text


def _compounds(text: str) -> dict[str, list[tuple[str, str]]]:
    """Where the text writes a hyphen between two letters: the words on either side (lower
    case), filed under the last three letters of the word before (see `Vocabulary`).

    The words before come from the same search on the reversed text: a regular expression
    cannot look back over a word, and a search per hyphen costs ten times as much.
    """
    after = _WORD_AFTER_HYPHEN.findall(text)
    before = _WORD_AFTER_HYPHEN.findall(text[::-1])
    found: dict[str, list[tuple[str, str]]] = {}
    for left, right in zip(reversed(before), after, strict=True):
        word = left[::-1].lower()
        found.setdefault(word[-3:], []).append((word, right.lower()))
    return found


def _last_word(text: str) -> str | None:
    """The letters `text` ends with (within its last 60 characters), if it ends with one.

    A match on the reversed end: a search for a run of letters anchored at the end tries
    every start position.
    """
    found = _FIRST_WORD.match(text[-60:][::-1])
    return found.group()[::-1] if found else None


def rejoin(head: str, tail: str, vocab: Vocabulary) -> str:
    """A word hyphenated at a line end, made whole unless the document writes it hyphenated.

    "dévelop-" + "pement" becomes "développement"; "sous-" + "traitance" stays hyphenated when
    the document writes "sous-traitance" (and never "soustraitance") elsewhere. Both halves
    being words is no evidence: "par-" + "tenaire" is a syllable break.
    """
    if vocab.writes_hyphenated(head, tail) and f"{head}{tail}" not in vocab:
        return f"{head}-{tail}"
    return head + tail


def dehyphenate(text: str, vocab: Vocabulary) -> str:
    """Resolve the hyphens PDFium marked (U+FFFE) where it merged two lines."""
    if "\ufffe" not in text and "\x02" not in text:
        return text
    text = text.replace("\x02", "\ufffe")
    pieces = text.split("\ufffe")
    out = pieces[0]
    for piece in pieces[1:]:
        head = _last_word(out)
        rest = piece.lstrip()
        tail = _FIRST_WORD.match(rest)
        if head and tail:
            out = out[:len(out) - len(head)] + rejoin(head, tail.group(0), vocab) \
                + rest[tail.end():]
        else:
            out = out + "-" + piece
    return out


def join_hyphen(left: str, right: str, vocab: Vocabulary) -> str | None:
    """`left` and `right` joined over a line-end hyphen, or None when `left` ends without one."""
    if left.endswith(SOFT_HYPHEN):
        return left[:-1] + right
    if left.endswith(("-", *LINE_HYPHENS)) and len(left) > 1 and left[-2].isalpha():
        head = _last_word(left[:-1])
        tail = _FIRST_WORD.match(right)
        if right[:1].islower() and head and tail:
            return left[:-len(head) - 1] + rejoin(head, tail.group(0), vocab) \
                + right[tail.end():]
        if right[:1].isupper():
            return left[:-1] + "-" + right  # "Saint-" + "Étienne"
    return None


def join_words(left: str, right: str, vocab: Vocabulary) -> str:
    """Join two lines of one paragraph, re-joining a word hyphenated across them."""
    return join_hyphen(left, right, vocab) or f"{left} {right}"
