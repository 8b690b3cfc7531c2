"""spaCy's French start-up without its largest cost: a big regular expression compiled once.

Importing spaCy's French language compiles one pattern of 1.4 MB (the tokenizer's `token_match`,
every hyphenated and elided prefix the tokenizer keeps whole, case-insensitive). On CPython 3.11
that takes about 2.5 s, the larger part of loading `fr_core_news_sm`, in every process that loads
it: more than lemmatising a new document, so a re-run that adds one source paid mostly for it.

Python cannot store a compiled pattern (pickling one stores its text, and unpickling compiles it
again). What `re.compile` does is parse the text, turn it into a program (a list of integer
opcodes, `re._compiler._code`), and hand that program to `_sre.compile`; the last step takes
milliseconds. `CompiledPatterns` keeps the programs of the large patterns a run compiled in the
preprocess cache (`patterns.sqlite`), keyed by the pattern's text, its flags and the exact
Python build, and before the next run loads spaCy it rebuilds them with `_sre.compile` and puts
them in `re`'s own cache, where spaCy's `re.compile` finds them. The program is the one `re`
would build for the same text on the same Python, so every match is the same (a test checks it
on the French tokenizer).

These are private interfaces of the standard library. They are used only on the CPython minor
version this module was written against; on any other, patterns are compiled as usual (slower,
same result), and an entry that does not fit is skipped the same way (named in the debug log).

    >>> import re, tempfile
    >>> patterns = CompiledPatterns(tempfile.mkdtemp(), min_chars=20)
    >>> with patterns.loading():
    ...     _ = re.compile("(?i)(?:porte|arrière|anti)-[a-zà-ÿ]+")
    >>> re.purge()
    >>> patterns.load() == (1 if supported() else 0)
    True
    >>> bool(re.compile("(?i)(?:porte|arrière|anti)-[a-zà-ÿ]+").match("Arrière-pays"))
    True
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import sys
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.errors import LemmatizerError
from pipeline.io import open_cache

log = logging.getLogger(__name__)

# `re` seen through its private parts (`_cache`, `_compiler`; see the module docstring).
_re: Any = re

# Patterns shorter than this compile in milliseconds: not worth storing.
MIN_CHARS = 100_000
_SUPPORTED = ("cpython", (3, 11))
_CODE = "I"  # a program's opcodes are unsigned 32-bit integers (_sre.CODESIZE == 4)


def supported() -> bool:
    """Whether this Python's `re` is the one `CompiledPatterns` was written against."""
    import _sre

    return ((sys.implementation.name, sys.version_info[:2]) == _SUPPORTED
            and isinstance(getattr(_re, "_cache", None), dict)
            and hasattr(_sre, "compile") and hasattr(_re, "_compiler")
            and getattr(_sre, "CODESIZE", None) == array(_CODE).itemsize == 4)


def _key(pattern: str, flags: int) -> str:
    import _sre

    h = hashlib.sha256(f"{sys.version}\0{_sre.MAGIC}\0{flags}\0".encode())
    h.update(pattern.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class CompiledPatterns:
    """Compiled programs of large regular expressions, in `<folder>/patterns.sqlite`.

    Use `loading()` around the loading of the models: it rebuilds the stored programs before
    and stores the new large ones after, as `re` built them during the load (nothing is
    compiled twice).

    Args:
        folder: the preprocess cache folder.
        min_chars: the shortest pattern worth storing.
    """

    def __init__(self, folder: str | Path, *, min_chars: int = MIN_CHARS) -> None:
        self.path = Path(folder) / "patterns.sqlite"
        self.min_chars = min_chars
        self.enabled = supported()

    @contextmanager
    def loading(self) -> Iterator[int]:
        """Rebuild the stored patterns (the block gets how many), run the block, store the
        large ones it compiled."""
        if not self.enabled:
            yield 0
            return
        n_loaded = self.load()
        recorder = _Recorder(_re._compiler._sre, self.min_chars)
        _re._compiler._sre = recorder
        try:
            yield n_loaded
        finally:
            _re._compiler._sre = recorder.real
        self.store(recorder.compiled)

    def _open(self) -> sqlite3.Connection:
        return open_cache(self.path, "pattern TEXT NOT NULL, flags INTEGER NOT NULL, "
                          "state_flags INTEGER NOT NULL, groups INTEGER NOT NULL, "
                          "groupindex TEXT NOT NULL, code BLOB NOT NULL", LemmatizerError,
                          table="patterns")

    def load(self) -> int:
        """Put every stored pattern of this Python into `re`'s cache; return how many.

        An entry that cannot be rebuilt is skipped (its pattern then compiles as usual).
        """
        if not self.enabled or not self.path.exists():
            return 0
        import _sre

        n = 0
        db = self._open()
        try:
            rows = db.execute("SELECT key, pattern, flags, state_flags, groups, groupindex, "
                              "code FROM patterns").fetchall()
        finally:
            db.close()
        for key, pattern, flags, state_flags, groups, groupindex, code in rows:
            if key != _key(pattern, flags) or (str, pattern, flags) in _re._cache:
                continue  # another Python's program, or compiled already
            try:
                index = {str(k): int(v) for k, v in json.loads(groupindex).items()}
                names: list[str | None] = [None] * (groups + 1)
                for name, i in index.items():
                    names[i] = name
                program = array(_CODE)
                program.frombytes(code)
                compiled = _sre.compile(pattern, state_flags, program.tolist(), groups, index,
                                        tuple(names))
            except (ValueError, TypeError, RuntimeError, IndexError) as exc:
                log.debug("%s: pattern %s… not rebuilt (%s)", self.path, key[:12], exc)
                continue
            _re._cache[str, pattern, flags] = compiled
            n += 1
        if n:
            log.debug("%s: %d compiled patterns loaded", self.path, n)
        return n

    def store(self, compiled: list[tuple]) -> int:
        """Store `_sre.compile` calls (as `_Recorder` saw them) not stored yet; return how
        many were added."""
        # re.compile's own flags (the cache key) differ from the program's (inline flags
        # added): read them back from re's cache.
        flags_of = {pattern: flags for kind, pattern, flags in list(_re._cache) if kind is str}
        rows = []
        for pattern, state_flags, code, groups, groupindex, _names in compiled:
            if pattern not in flags_of:
                continue  # compiled with re.DEBUG, or dropped from re's cache already
            flags = flags_of[pattern]
            rows.append((_key(pattern, flags), pattern, flags, state_flags, groups,
                         json.dumps(dict(groupindex)), array(_CODE, code).tobytes()))
        if not rows:
            return 0
        db = self._open()
        try:
            db.executemany("INSERT OR REPLACE INTO patterns VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            db.commit()
        finally:
            db.close()
        log.debug("%s: %d compiled patterns stored", self.path, len(rows))
        return len(rows)


class _Recorder:
    """Stands in for the `_sre` module inside `re._compiler`: passes everything on, and keeps
    the arguments of each `compile` of a pattern of at least `min_chars` characters."""

    def __init__(self, real, min_chars: int) -> None:
        self.real = real
        self.min_chars = min_chars
        self.compiled: list[tuple] = []

    def compile(self, pattern, flags, code, groups, groupindex, indexgroup):
        if isinstance(pattern, str) and len(pattern) >= self.min_chars:
            self.compiled.append((pattern, flags, list(code), groups, groupindex, indexgroup))
        return self.real.compile(pattern, flags, code, groups, groupindex, indexgroup)

    def __getattr__(self, name: str):
        return getattr(self.real, name)
