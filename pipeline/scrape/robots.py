"""robots.txt rules as RFC 9309 reads them: the group for our User-Agent, longest match wins.

Python's `urllib.robotparser` applies the first matching rule in file order and ignores `*`
and `$` wildcards, so it disagrees with RFC 9309 (and with the big crawlers) on files such as
`Disallow: /` followed by `Allow: /fr/`. This module follows the RFC: pick the group(s) whose
user-agent token matches ours (else the `*` group), then the longest matching path pattern
decides, `Allow` winning a tie. `Crawl-delay` (not in the RFC, but widely used) is read from
the same group.

    >>> rules = parse_robots("User-agent: *\\nDisallow: /\\nAllow: /fr/\\nCrawl-delay: 2\\n",
    ...                      "city-discourse/0.1 (+mailto:a@b.org)")
    >>> rules.allowed("/fr/ville"), rules.allowed("/en/city"), rules.crawl_delay
    (True, False, 2.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one host for one user-agent."""

    rules: tuple[tuple[bool, re.Pattern, int], ...] = ()  # (allow, pattern, specificity)
    crawl_delay: float | None = None
    disallow_all: bool = False  # robots.txt unreachable (5xx): RFC 9309 says assume disallow
    note: str | None = field(default=None, compare=False)

    def allowed(self, url_or_path: str) -> bool:
        """Whether a URL (or its path and query) may be fetched."""
        if self.disallow_all:
            return False
        parts = urlsplit(url_or_path)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        path = _normalise_path(path)
        best: tuple[int, bool] | None = None
        for allow, pattern, length in self.rules:
            if pattern.match(path) and (best is None or length > best[0]
                                        or (length == best[0] and allow)):
                best = (length, allow)
        return True if best is None else best[1]


ALLOW_ALL = RobotsRules()


def _normalise_path(path: str) -> str:
    # Compare percent-decoded paths so /caf%C3%A9 and /café match the same rule.
    return unquote(path)


def _compile(pattern: str) -> re.Pattern:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""))


def parse_robots(text: str, user_agent: str) -> RobotsRules:
    """Parse a robots.txt for one user-agent.

    Args:
        text: the robots.txt content.
        user_agent: our full User-Agent header; its product token (before the first `/` or
            space) is matched case-insensitively against the file's `User-agent:` lines.

    Returns:
        The rules that apply to us (those of the `*` group when no group names us).
    """
    token = re.split(r"[/\s]", user_agent.strip(), maxsplit=1)[0].lower()
    groups: list[tuple[list[str], list[tuple[str, str]]]] = []
    agents: list[str] = []
    rules: list[tuple[str, str]] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if in_rules:  # a user-agent line after rules starts a new group
                groups.append((agents, rules))
                agents, rules, in_rules = [], [], False
            agents.append(value.lower())
        elif key in ("allow", "disallow", "crawl-delay"):
            in_rules = True
            rules.append((key, value))
    if agents:
        groups.append((agents, rules))

    mine = [r for a, r in groups if token in a]
    if not mine:
        mine = [r for a, r in groups if "*" in a]
    compiled: list[tuple[bool, re.Pattern, int]] = []
    delay: float | None = None
    for group in mine:
        for key, value in group:
            if key == "crawl-delay":
                try:
                    delay = max(delay or 0.0, float(value))
                except ValueError:
                    continue
            elif value:  # an empty Disallow allows everything: no rule
                pattern = _normalise_path(value)
                compiled.append((key == "allow", _compile(pattern), len(pattern)))
    return RobotsRules(rules=tuple(compiled), crawl_delay=delay)
