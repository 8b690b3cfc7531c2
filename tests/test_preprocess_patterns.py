"""Compiled patterns kept between runs: the same matches as compiling, or no effect at all."""

import json
import re
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from pipeline.preprocess import patterns
from pipeline.preprocess.patterns import CompiledPatterns

needs_cpython_311 = pytest.mark.skipif(not patterns.supported(),
                                       reason="compiled patterns are kept on CPython 3.11 only")

# A pattern shaped like spaCy's French token_match (case-insensitive alternatives, large
# character classes), with a named group so the group tables are exercised too.
PREFIXES = ["porte", "arrière", "anti", "après", "avant", "contre", "demi", "grand", "sans"]
PATTERN = "(?iu)" + "|".join(
    rf"(?:^(?P<p{i}>{p})[-‐‑][a-zà-ÿœ]+(?:[-'’][a-zà-ÿœ]+)*$)" for i, p in enumerate(PREFIXES))
WORDS = ["porte-monnaie", "Arrière-Pays", "ANTI-inflammatoire", "contre-pied", "demi-heure",
         "grand-mère", "sans-abri", "portemonnaie", "l'arrière-pays", "avant-hier's", "après",
         "après-demain-matin", "sans-", "Grand-Mère’s", ""]


def _behaviour(compiled: re.Pattern) -> list:
    out = []
    for w in WORDS:
        m = compiled.match(w)
        out.append(None if m is None else (m.span(), m.groupdict(), m.lastgroup))
    return out


@needs_cpython_311
def test_a_stored_pattern_matches_as_the_compiled_one(tmp_path):
    store = CompiledPatterns(tmp_path, min_chars=100)
    re.purge()
    with store.loading():
        fresh = re.compile(PATTERN)
    expected = _behaviour(fresh)
    assert any(expected) and not all(expected)
    re.purge()
    assert store.load() == 1
    rebuilt = re.compile(PATTERN)  # found in re's cache: not compiled again
    assert rebuilt is not fresh
    assert _behaviour(rebuilt) == expected
    assert (rebuilt.flags, rebuilt.groups, rebuilt.groupindex) == \
        (fresh.flags, fresh.groups, fresh.groupindex)


def _store_then_alter(folder, sql: str, args: tuple = ()) -> tuple[CompiledPatterns, list]:
    """Store PATTERN (and a short one), change its entry with `sql`, forget what `re` holds;
    return the store and how the pattern matched when compiled."""
    store = CompiledPatterns(folder, min_chars=100)
    re.purge()
    with store.loading():
        expected = _behaviour(re.compile(PATTERN))
        re.compile("(?i)[a-z]+-[a-z]+")  # short: compiles in microseconds, not stored
    with sqlite3.connect(folder / "patterns.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM patterns").fetchone() == (1,)
        db.execute(sql, args)
    re.purge()
    return store, expected


@needs_cpython_311
def test_another_pythons_entries_are_left_alone(tmp_path):
    # as if written by another Python build: its key no longer fits this one
    store, expected = _store_then_alter(tmp_path, "UPDATE patterns SET key = 'another-python'")
    assert store.load() == 0
    assert _behaviour(re.compile(PATTERN)) == expected


@needs_cpython_311
def test_a_damaged_entry_is_skipped_and_the_pattern_compiles_as_usual(tmp_path):
    store, expected = _store_then_alter(tmp_path, "UPDATE patterns SET code = ?, groupindex = ?",
                                        (b"\x01\x02\x03", json.dumps({"p0": 99})))
    assert store.load() == 0
    assert _behaviour(re.compile(PATTERN)) == expected


def test_on_another_python_nothing_is_stored(tmp_path, monkeypatch):
    monkeypatch.setattr(patterns, "_SUPPORTED", ("cpython", (3, 99)))
    store = CompiledPatterns(tmp_path, min_chars=100)
    with store.loading():
        compiled = re.compile(PATTERN)
    assert not (tmp_path / "patterns.sqlite").exists()
    assert store.load() == 0
    assert compiled.match("porte-monnaie")


_TOKENISE = textwrap.dedent("""
    import json, sys, time
    from pipeline.preprocess.patterns import CompiledPatterns
    store = CompiledPatterns(sys.argv[1])
    started = time.process_time()
    with store.loading() as loaded:  # how many were stored already (0 on the first run)
        from pipeline.preprocess.lemmatize import load_spacy
        nlp = load_spacy("fr")
    seconds = time.process_time() - started
    text = ("L'arrière-pays et les porte-monnaie : c'est-à-dire qu'aujourd'hui, "
            "l'anti-gaspillage des Grand-Mères d'Île-de-France passe par https://ex.fr/a-b.")
    tokens = [t.text for t in nlp.tokenizer(text)]
    print(json.dumps({"tokens": tokens, "loaded": loaded, "cpu_s": seconds}))
""")


@needs_cpython_311
def test_the_french_tokenizer_splits_alike_with_its_pattern_stored(tmp_path):
    """The pattern that makes loading French slow, rebuilt from the store in a fresh process,
    tokenises exactly as compiled; the second process does not compile it."""
    def run() -> dict:
        done = subprocess.run([sys.executable, "-c", _TOKENISE, str(tmp_path)], check=True,
                              capture_output=True, text=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = run()
    assert (tmp_path / "patterns.sqlite").stat().st_size > 1_000_000  # the French pattern
    second = run()
    assert second["loaded"] >= 1
    assert second["tokens"] == first["tokens"]
    assert "arrière-pays" in " ".join(first["tokens"]).lower()
