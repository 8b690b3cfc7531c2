"""Properties that must hold for every input, checked on generated inputs (hypothesis).

Keyness statistics (signs flip when the groups swap, G² is zero on equal rates, Lafon's
specificity grows with the count), Benjamini-Hochberg q-values (scipy's values, monotone in p,
never below p), URL normalisation (idempotent, blind to what does not name another page),
robots.txt matching (a plain reference matcher, and urllib.robotparser where the two agree)
and passage cutting (no word lost or moved, the size bound kept). Each test is bounded by
`max_examples` (the profile in conftest.py makes the runs repeatable).
"""

from __future__ import annotations

import random
import urllib.robotparser

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from pipeline.contrasts.keyness import (
    conservative_log_ratio,
    g2_signed,
    lafon_specificity,
    log_odds_dirichlet,
    log_ratio,
)
from pipeline.extract.passages import SOFT_MAX, Paragraph, cut_passages
from pipeline.fdr import bh_adjust
from pipeline.scrape.crawl import normalise_url
from pipeline.scrape.robots import parse_robots

FEW = settings(max_examples=50)
MANY = settings(max_examples=150)


# --- keyness ---------------------------------------------------------------------------------

@st.composite
def tables(draw, max_total: int = 100_000):
    """(a, b, n_a, n_b): a term's counts in two groups and the groups' sizes."""
    n_a = draw(st.integers(1, max_total))
    n_b = draw(st.integers(1, max_total))
    return draw(st.integers(0, n_a)), draw(st.integers(0, n_b)), n_a, n_b


@MANY
@given(tables(), st.floats(0.01, 50))
def test_log_odds_z_is_antisymmetric_when_the_groups_swap(table, alpha):
    a, b, n_a, n_b = table
    assume(n_a + 1000 - a - alpha > 0 and n_b + 1000 - b - alpha > 0)
    delta, z = log_odds_dirichlet(a, b, n_a, n_b, alpha, 1000.0)
    delta_swapped, z_swapped = log_odds_dirichlet(b, a, n_b, n_a, alpha, 1000.0)
    assert np.isfinite(z)
    assert delta_swapped == -delta and z_swapped == -z


@MANY
@given(tables())
def test_g2_is_nonnegative_signed_by_the_rates_and_flips_when_the_groups_swap(table):
    a, b, n_a, n_b = table
    g2, p = g2_signed(a, b, n_a, n_b)
    g2_swapped, p_swapped = g2_signed(b, a, n_b, n_a)
    assert 0.0 <= p <= 1.0
    assert np.sign(g2) == np.sign(a * n_b - b * n_a)  # over-used in a: positive
    assert g2_swapped == pytest.approx(-g2, rel=1e-9, abs=1e-9)
    assert p_swapped == pytest.approx(p, rel=1e-9, abs=1e-12)
    table2 = np.array([[a, b], [n_a - a, n_b - b]])
    if (table2.sum(axis=0) > 0).all() and (table2.sum(axis=1) > 0).all():
        chi2 = stats.chi2_contingency(table2, correction=False, lambda_="log-likelihood")
        assert abs(g2) == pytest.approx(chi2.statistic, rel=1e-8, abs=1e-8)


@FEW
@given(st.integers(0, 500), st.integers(1, 200), st.integers(1, 200))
def test_g2_is_zero_and_p_one_when_the_rates_are_equal(k, scale_a, scale_b):
    # a / n_a == b / n_b: the term is used at the same rate in both groups.
    a, b, n_a, n_b = k * scale_a, k * scale_b, (k + 3) * scale_a, (k + 3) * scale_b
    g2, p = g2_signed(a, b, n_a, n_b)
    assert g2 == 0.0 and p == pytest.approx(1.0)
    assert lafon_specificity(a, b, n_a, n_b) >= 0.0 or k == 0


@FEW
@given(st.integers(1, 3000), st.integers(1, 3000), st.integers(0, 400))
def test_lafon_specificity_grows_with_the_count_in_a(n_a, n_b, k):
    # The term's k occurrences moved one by one from group b to group a: each move makes it
    # more specific of a. Under-use is negative, over-use positive.
    k = min(k, n_a + n_b)
    a = np.arange(max(0, k - n_b), min(k, n_a) + 1)
    spec = lafon_specificity(a, k - a, n_a, n_b)
    assert np.all(np.isfinite(spec))
    assert np.all(np.diff(spec) >= -1e-9 * np.maximum(1.0, np.abs(spec[1:])))
    expected = n_a * k / (n_a + n_b)
    assert np.all(spec[a > expected] > 0) and np.all(spec[a < expected] <= 0)


@MANY
@given(tables(max_total=20_000))
def test_lafon_specificity_flips_sign_when_the_groups_swap(table):
    a, b, n_a, n_b = table
    assume(a * (n_a + n_b) != n_a * (a + b))  # exactly at its expectation both sides say ≥
    assert lafon_specificity(b, a, n_b, n_a) == pytest.approx(
        -lafon_specificity(a, b, n_a, n_b), rel=1e-8, abs=1e-10)


@MANY
@given(tables())
def test_conservative_log_ratio_lies_between_zero_and_the_log_ratio(table):
    a, b, n_a, n_b = table
    assume(a + b > 0)
    lr = log_ratio(a, b, n_a, n_b)
    cons = conservative_log_ratio(a, b, n_a, n_b)
    assert np.sign(cons) in (0.0, np.sign(lr))
    assert abs(cons) <= abs(lr) + 1e-9
    assert conservative_log_ratio(b, a, n_b, n_a) == pytest.approx(-cons, rel=1e-9, abs=1e-9)


# --- Benjamini-Hochberg ----------------------------------------------------------------------

p_values = st.lists(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.01, 0.05, 1.0]),
                              st.floats(1e-300, 1e-3)), min_size=1, max_size=60)


def _grouped(data, ps):
    p = np.array(ps)
    groups = np.array(data.draw(st.lists(st.integers(0, 3), min_size=len(p), max_size=len(p))))
    return p, groups, bh_adjust(p, groups)


@MANY
@given(p_values, st.data())
def test_bh_q_values_are_scipys_monotone_in_p_and_at_most_one(ps, data):
    p, groups, q = _grouped(data, ps)
    assert np.all(q <= 1.0)
    for g in np.unique(groups):
        mine, theirs = q[groups == g], p[groups == g]
        np.testing.assert_allclose(mine, stats.false_discovery_control(theirs),
                                   rtol=1e-12, atol=1e-14)
        order = np.argsort(theirs, kind="stable")
        assert np.all(np.diff(mine[order]) >= 0)


@MANY
@given(p_values)
def test_bh_q_values_of_one_group_are_scipys_and_never_below_p(ps):
    p = np.array(ps)
    q = bh_adjust(p)
    assert np.all(q >= p * (1 - 1e-15))  # p·m/rank may round a last bit below p at rank m
    np.testing.assert_allclose(q, stats.false_discovery_control(p), rtol=1e-12, atol=0)


@MANY
@given(p_values, st.data())
def test_bh_q_values_of_every_group_are_scipys_and_never_below_p(ps, data):
    p, groups, q = _grouped(data, ps)
    assert np.all(q >= p * (1 - 1e-15))
    for g in np.unique(groups):
        np.testing.assert_allclose(q[groups == g], stats.false_discovery_control(p[groups == g]),
                                   rtol=1e-12, atol=0)


@FEW
@given(p_values, st.randoms(use_true_random=False))
def test_bh_does_not_depend_on_the_order_of_the_p_values(ps, rnd):
    p = np.array(ps)
    perm = np.arange(len(p))
    rnd.shuffle(perm)
    np.testing.assert_array_equal(bh_adjust(p)[perm], bh_adjust(p[perm]))


# --- URL normalisation -----------------------------------------------------------------------

def _mixed_case(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))


_SEGMENT = st.one_of(st.sampled_from([".", "..", "", "ville", "Ville", "café", "caf%C3%A9",
                                      "a b", "a%20b", "rapport-2019.pdf", "~x", "fr", "%2e%2E",
                                      "%2E", "a%2Fb", "%7Euser"]),
                     st.text("abcXYZ019-_.~é", min_size=1, max_size=6))
_QUERY_KEY = st.sampled_from(["a", "b", "page", "q", "utm_source", "utm_medium", "fbclid",
                              "gclid", "lang"])
_QUERY_VALUE = st.text("abz09-_. é/", max_size=5)


@st.composite
def urls(draw):
    """An http(s) URL and the parts that name its page: (url, scheme, host, port, path, query,
    fragment)."""
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(st.from_regex(r"[a-z][a-z0-9-]{0,8}(\.[a-z][a-z0-9]{0,6}){1,2}", fullmatch=True))
    port = draw(st.sampled_from([None, 80, 443, 8080]))
    path = "/" + "/".join(draw(st.lists(_SEGMENT, max_size=5)))
    query = draw(st.lists(st.tuples(_QUERY_KEY, _QUERY_VALUE), max_size=4))
    fragment = draw(st.sampled_from(["", "top", "section-2"]))
    return scheme, host, port, path, query, fragment


def _build(scheme, host, port, path, query, fragment) -> str:
    from urllib.parse import quote

    netloc = host + (f":{port}" if port else "")
    url = f"{scheme}://{netloc}{path}"
    if query:
        url += "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query)
    return url + (f"#{fragment}" if fragment else "")


@MANY
@given(urls())
def test_url_normalisation_is_idempotent(parts):
    once = normalise_url(_build(*parts))
    assert normalise_url(once) == once
    assert "#" not in once and once == once.strip()


@MANY
@given(urls(), st.data())
def test_url_normalisation_ignores_fragment_case_of_scheme_and_host_default_port_and_tracking(
        parts, data):
    scheme, host, port, path, query, _ = parts
    plain = normalise_url(_build(scheme, host, port, path, query, ""))
    default = {"http": 80, "https": 443}[scheme]
    variant = _build(_mixed_case(data.draw, scheme), _mixed_case(data.draw, host),
                     data.draw(st.sampled_from([port, default])) if port in (None, default)
                     else port, path,
                     [*data.draw(st.permutations(query)), ("utm_campaign", "x")],
                     data.draw(st.sampled_from(["", "x", "other-anchor"])))
    assert normalise_url(variant) == plain
    assert not any(k.startswith("utm_") or k in ("fbclid", "gclid")
                   for k, _ in _query_keys(plain))


def _query_keys(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


# --- robots.txt ------------------------------------------------------------------------------

def _reference_match(pattern: str, path: str) -> bool:
    """RFC 9309 §2.2.2, written out: `*` matches any run of characters, a final `$` anchors
    the end, and otherwise the pattern matches a prefix of the path."""
    if pattern.endswith("$"):
        pattern, anchored = pattern[:-1], True
    else:
        anchored = False

    def match(i: int, j: int) -> bool:  # pattern[i:] against path[j:]
        if i == len(pattern):
            return j == len(path) or not anchored
        if pattern[i] == "*":
            return any(match(i + 1, k) for k in range(j, len(path) + 1))
        return j < len(path) and path[j] == pattern[i] and match(i + 1, j + 1)

    return match(0, 0)


def _reference_allowed(rules: list[tuple[bool, str]], path: str) -> bool:
    """The longest matching pattern decides; `Allow` wins a tie; no match allows."""
    best = None
    for allow, pattern in rules:
        if pattern and _reference_match(pattern, path) and (
                best is None or len(pattern) > best[0] or (len(pattern) == best[0] and allow)):
            best = (len(pattern), allow)
    return True if best is None else best[1]


_PATTERN = st.builds(lambda body, end: "/" + body + end, st.text("ab/*", max_size=6),
                     st.sampled_from(["", "", "$"]))
_PATH = st.builds(lambda body: "/" + body, st.text("ab/", max_size=8))
SITE = "https://acme.example"  # the fetcher asks about whole URLs


def _robots_txt(rules: list[tuple[bool, str]]) -> str:
    lines = ["User-agent: *"] + [f"{'Allow' if a else 'Disallow'}: {p}" for a, p in rules]
    return "\n".join(lines) + "\n"


@MANY
@given(st.lists(st.tuples(st.booleans(), _PATTERN), max_size=6),
       st.lists(_PATH, min_size=1, max_size=8))
def test_robots_matching_agrees_with_a_reference_matcher(rules, paths):
    parsed = parse_robots(_robots_txt(rules), "city-discourse/0.1")
    for path in paths:
        assert parsed.allowed(SITE + path) == _reference_allowed(rules, path), path


@MANY
@given(st.lists(st.tuples(st.booleans(), st.from_regex(r"/([ab][ab/]{0,4})?", fullmatch=True)),
                max_size=6),
       st.lists(_PATH, min_size=1, max_size=8))
def test_robots_matching_agrees_with_urllib_robotparser_without_wildcards(rules, paths):
    # urllib.robotparser takes the first matching rule in file order and knows no wildcards:
    # written longest first (Allow first on a tie), a file means the same to both. (It also
    # reads a rule starting with "//" as a host name, so the rules here do not.)
    ordered = sorted(rules, key=lambda r: (-len(r[1]), not r[0]))
    text = _robots_txt(ordered)
    parsed = parse_robots(text, "city-discourse/0.1")
    reference = urllib.robotparser.RobotFileParser()
    reference.parse(text.splitlines())
    for path in paths:
        assert parsed.allowed(SITE + path) == reference.can_fetch("city-discourse", SITE + path)


# --- passages --------------------------------------------------------------------------------

WORDS = ["la", "ville", "Ville.", "durable", "M.", "Dupont", "2019.", "«", "»", "réseau", "eau,",
         "Le", "tram!", "(voir", "p.", "12)", "The", "city.", "data", "A.", "«Oui»", "…", "1.",
         "Fin?"]


@st.composite
def documents(draw):
    """A document's paragraphs: languages mixed, page numbers rising (or none for HTML)."""
    pdf = draw(st.booleans())
    paragraphs = []
    page = 1
    for _ in range(draw(st.integers(0, 12))):
        # Words drawn from a seeded generator: long paragraphs cost one draw, not hundreds.
        rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
        words = rnd.choices(WORDS, k=draw(st.integers(0, 180)))
        lang = draw(st.sampled_from(["fr", "fr", "en", None]))
        if pdf:
            end = page + draw(st.integers(0, 1))
            paragraphs.append(Paragraph(" ".join(words), lang, page, end))
            page = end + draw(st.integers(0, 1))
        else:
            paragraphs.append(Paragraph(" ".join(words), lang))
    return paragraphs


@MANY
@given(documents(), st.integers(5, 120))
def test_passage_cutting_never_loses_or_reorders_a_word_and_keeps_the_size_bound(paragraphs,
                                                                              size):
    passages = cut_passages(paragraphs, passage_words=size)
    for lang in {p.lang for p in paragraphs}:
        written = [w for p in paragraphs if p.lang == lang for w in p.text.split()]
        cut = [w for p in passages if p.lang == lang for w in p.text.split()]
        assert cut == written
    hard = max(1, int(size * SOFT_MAX))
    for passage in passages:
        assert 0 < passage.n_words == len(passage.text.split()) <= hard
        if passage.page_start is not None:
            assert passage.page_start <= passage.page_end
    # Passages come in the order of their first paragraph, so each language's are in order.
    assert {p.lang for p in passages} <= {p.lang for p in paragraphs}
