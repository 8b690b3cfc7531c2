"""Formatting for the pages: Jinja2 filters, safe links and anchors, rows for templates.

Nothing here computes a figure: numbers arrive in the tables and leave as text. `environment`
is the one Jinja2 environment every page is rendered with (autoescaping always on).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import jinja2
import numpy as np
import pandas as pd

LANG_NAMES = {"fr": "French", "en": "English"}
FIRM_FILE_RE = re.compile(r"^[a-z0-9_-]+$")


def isnull(value: Any) -> bool:
    """Whether a cell is missing (None, pandas' NA or NaT, a float NaN)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def none(value: Any) -> Any:
    """The value, or None when it is missing."""
    return None if isnull(value) else value


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts with every missing value as None (templates test `is none`).

    Column by column (`Series.tolist` gives Python scalars), not through an object-typed
    copy of the frame: a report makes over a thousand of these from small frames.
    """
    if df.empty:
        return []
    cols = [str(c) for c in df.columns]
    values = [_column(df.iloc[:, n]) for n in range(len(cols))]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def _column(series: pd.Series) -> list:
    dtype = series.dtype
    if isinstance(dtype, np.dtype):  # not pandas' nullable types, whose missing value is NA
        if dtype.kind in "biu":  # integers and booleans: never missing; tolist gives Python's
            return series.tolist()
        if dtype.kind == "f":
            return [None if v != v else v for v in series.tolist()]  # NaN is the one v != v
    return _plain_column(series.tolist())


def _plain_column(values: list) -> list:
    out = []
    for v in values:
        if type(v) is str or v is None:  # most cells of text columns: nothing to convert
            out.append(v)
            continue
        if isinstance(v, np.ndarray):
            v = v.tolist()
        elif isnull(v):
            v = None
        elif isinstance(v, np.generic):
            v = v.item()
        out.append(v)
    return out


def anchor(*parts: object) -> str:
    """A stable, ASCII-only fragment id for any text (terms with accents, spaces, quotes)."""
    text = "-".join(str(p) for p in parts)
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_).strip("_") or "x"
    if slug != text:
        slug += "-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
    return slug


def firm_file(firm: str) -> str:
    """The file name of a firm's page (firm ids are already safe; anything else is slugged)."""
    return f"{firm if FIRM_FILE_RE.match(firm) else anchor(firm)}.html"


def safe_url(url: object) -> str | None:
    """The URL if it is an http(s) URL that may become a link, else None (shown as text)."""
    if isnull(url):
        return None
    text = str(url).strip()
    if any(ch in text for ch in "\n\r\t\x00") or any(ord(ch) < 32 for ch in text):
        return None
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return None
    return text if scheme in ("http", "https") else None


def human(name: object) -> str:
    """A lexicon or column name for reading: `energy_performance` → `energy performance`."""
    return str(name).replace("_", " ")


def firm_name(firm: object, names: Mapping[str, str] | None = None) -> str:
    """A firm's display name: its `name=` in sources.txt (`names`), else its id title-cased,
    `lumidia` → `Lumidia` (ids stay in URLs and exports)."""
    given = names.get(str(firm)) if names else None
    return given or human(firm).title()


def term(text: object) -> str:
    """A term or phrase for reading: `réseau_d'_eau` → `réseau d'eau` (phrases are joined
    with underscores by the preprocess stage)."""
    return re.sub(r"(?<=['’]) ", "", str(text).replace("_", " ")).strip()


def shorten(text: str, width: int) -> str:
    """Cut a label at a word boundary, marking the cut with an ellipsis."""
    if len(text) <= width:
        return text
    cut = text[:width - 1].rsplit(" ", 1)[0].rstrip(" /")
    return (cut or text[:width - 1]) + "…"


def plural(n: Any, word: str) -> str:
    """`1 document`, `3 documents` (thousands separated)."""
    n = int(n)
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def lang_name(code: object) -> str:
    """`fr` → `French`; a missing language is all of them (pooled figures)."""
    if isnull(code):
        return "all languages"
    return LANG_NAMES.get(str(code), str(code))


def fmt_pct(value: Any, digits: int = 1) -> str:
    if isnull(value):
        return "–"
    return f"{float(value) * 100:.{digits}f} %"


def fmt_num(value: Any, digits: int = 0) -> str:
    if isnull(value):
        return "–"
    return f"{float(value):,.{digits}f}"


def fmt_p(value: Any) -> str:
    if isnull(value):
        return "–"
    value = float(value)
    if value < 0.001:
        return "< 0.001"
    return f"{value:.3f}"


def fmt_date(value: Any) -> str:
    if isnull(value):
        return "–"
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def fmt_year(value: Any) -> str:
    return "unknown" if isnull(value) else str(int(value))


def years_span(years: pd.Series) -> str:
    """`2018–2021`, one year alone, or `–` when no year is known."""
    ys = sorted(int(y) for y in years.dropna().unique())
    if not ys:
        return "–"
    return str(ys[0]) if ys[0] == ys[-1] else f"{ys[0]}–{ys[-1]}"


def sort_value(value: Any) -> str:
    """`data-sort` value: numbers as plain decimals so the sorting script compares numbers."""
    if isnull(value):
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float | np.number):
        return repr(float(value))
    return str(value)


def environment(names: Mapping[str, str] | None = None) -> jinja2.Environment:
    """The Jinja2 environment: package templates, autoescaping always on, strict undefined;
    its `firm_name` filter shows the display names of `names` (firm id → name)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.report", "templates"),
        autoescape=True,  # every template, whatever its extension: nothing from the web is trusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(human=human, plural=plural, pct=fmt_pct, num=fmt_num, pval=fmt_p,
                       date=fmt_date, year=fmt_year, safe_url=safe_url, lang_name=lang_name,
                       anchor=anchor, firm_file=firm_file, sortval=sort_value,
                       firm_name=lambda firm: firm_name(firm, names), term=term)
    env.tests["null"] = isnull
    return env
