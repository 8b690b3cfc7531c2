"""Page chrome: navigation and publisher lines that occur once per page, removed by rule.

The per-firm boilerplate rule (`dedup.boilerplate_keys`) catches lines repeated on many pages of
one firm. Press paywalls ("Réservé aux abonnés"), share and print buttons, embed platforms
("Scribd", "SlideShare"), "lire aussi" links, cookie banners and photo credits appear once per
page, on pages of many sites, and reach the counts (a paywall line matched the clients frame).
Two rules remove them:

1. the list: a short paragraph whose whole text matches a pattern of the editable list
   `pipeline/extract/chrome.yaml` (French and English; documented there);
2. the spread: a line of at most SPREAD_MAX_WORDS words found, as it is, in documents of at
   least `chrome_min_firms` different firms (extract params) — a credit line, a press
   site's tagline — since no firm's discourse is written word for word by others. Longer
   paragraphs shared by firms (a joint press release) are left to the duplicate rules.

    >>> rules = load_chrome()
    >>> rules.is_chrome("Réservé aux abonnés"), rules.is_chrome("Les abonnés du réseau d'eau")
    (True, False)
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.errors import ParamsError

log = logging.getLogger(__name__)

CHROME_LIST = Path(__file__).with_name("chrome.yaml")
SPREAD_MAX_WORDS = 12
_EDGES = " \t-–—•·|>»«:;,.!?*#()[]{}\"'"


def normalize_line(text: str) -> str:
    """Lower case, spaces collapsed, punctuation and bullets at both ends dropped."""
    return " ".join(text.lower().split()).strip(_EDGES)


@dataclass(frozen=True)
class ChromeRules:
    """The compiled chrome list."""

    pattern: re.Pattern
    max_words: int
    n_patterns: int

    def is_chrome(self, text: str) -> bool:
        """Whether a paragraph is chrome by the list (short, and matching a pattern whole)."""
        if len(text.split()) > self.max_words:
            return False
        line = normalize_line(text)
        return bool(line) and self.pattern.fullmatch(line) is not None


def load_chrome(path: str | Path = CHROME_LIST) -> ChromeRules:
    """Read and compile a chrome list (see chrome.yaml for the format).

    Raises:
        ParamsError: the file is missing, not the expected shape, or holds a bad pattern.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParamsError(f"{path}: cannot read the chrome list: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("patterns"), dict):
        raise ParamsError(f"{path}: expected `max_words` and `patterns:` (headings → lists)")
    patterns = []
    for heading, items in data["patterns"].items():
        for item in items or []:
            try:
                re.compile(str(item))
            except re.error as exc:
                raise ParamsError(f"{path}: patterns.{heading}: bad pattern {item!r}: {exc}"
                                  ) from exc
            patterns.append(f"(?:{item})")
    if not patterns:
        raise ParamsError(f"{path}: the chrome list holds no pattern")
    return ChromeRules(re.compile("|".join(patterns), re.IGNORECASE),
                       int(data.get("max_words", 40)), len(patterns))


def spread_lines(docs: Iterable[tuple[str, list[str]]], *, min_firms: int,
                 max_words: int = SPREAD_MAX_WORDS) -> set[str]:
    """Normalised short lines found in documents of at least `min_firms` different firms.

    Args:
        docs: (firm, paragraphs) per document.
        min_firms: how many firms must share a line for it to be chrome.
        max_words: longer paragraphs are never counted.
    """
    firms: dict[str, set[str]] = defaultdict(set)
    for firm, paragraphs in docs:
        for text in paragraphs:
            if len(text.split()) <= max_words:
                line = normalize_line(text)
                if line:
                    firms[line].add(firm)
    return {line for line, fs in firms.items() if len(fs) >= min_firms}
