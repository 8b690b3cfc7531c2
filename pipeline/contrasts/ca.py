"""Correspondence analysis (the AFC of TXM and IRaMuTeQ) of a contingency table, with prince.

firm × term or firm × domain counts → coordinates of rows and columns on the first axes, each
axis's share of inertia, and each point's contribution to the axes and quality (cos²); and the
stage's two analyses: the KEYNESS and DOMAINS tables → CA_POINTS and CA_AXES
(`correspondence_tables`).

    >>> import pandas as pd
    >>> table = pd.DataFrame([[10, 2, 3], [3, 12, 4], [2, 3, 15]],
    ...                      index=["a", "b", "c"], columns=["x", "y", "z"])
    >>> result = correspondence_analysis(table)
    >>> [round(s, 3) for s in result.inertia["share"]]
    [0.544, 0.456]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import schemas
from pipeline.io import empty_frame
from pipeline.lexicon import OFFER_GROUP

log = logging.getLogger(__name__)


class CAError(ValueError):
    """The table cannot be analysed (too small, or nothing left after empty rows go)."""


@dataclass(frozen=True)
class CAResult:
    """Coordinates, contributions and inertia of a correspondence analysis.

    `rows` and `columns` hold one row per point: label, mass, coordinates `dim1`, `dim2`, …
    (principal coordinates), contributions `contrib1`, … (shares of the axis's inertia, summing
    to 1 over the points) and `quality` (cos² on the axes kept). `inertia` holds one row per
    axis: eigenvalue and share of the total inertia.
    """

    rows: pd.DataFrame
    columns: pd.DataFrame
    inertia: pd.DataFrame
    total_inertia: float


def correspondence_analysis(table: pd.DataFrame, *, n_components: int = 2,
                            seed: int = 0) -> CAResult:
    """Run a correspondence analysis of a table of counts.

    Args:
        table: non-negative counts, rows and columns labelled (e.g. firms × terms).
        n_components: axes kept (at most min(rows, columns) − 1).
        seed: random state of prince's SVD (kept for reproducibility).

    Returns:
        The CA result; rows and columns that are all zero are left out (they have no profile).

    Raises:
        CAError: when fewer than 2 non-empty rows or columns remain, or counts are negative.
    """
    import prince

    counts = table.astype(float)
    if (counts.to_numpy() < 0).any():
        raise CAError("correspondence analysis needs non-negative counts")
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        raise CAError(f"correspondence analysis needs at least 2 non-empty rows and columns, "
                      f"got {counts.shape[0]} × {counts.shape[1]}")
    n_axes = min(n_components, min(counts.shape) - 1)
    ca = prince.CA(n_components=n_axes, random_state=seed).fit(counts)
    eigen = np.asarray(ca.eigenvalues_, dtype=float)
    total = float(ca.total_inertia_)
    inertia = pd.DataFrame({"axis": np.arange(1, n_axes + 1), "eigenvalue": eigen,
                            "share": eigen / total if total > 0 else np.nan})
    rows = _points(ca.row_coordinates(counts), ca.row_contributions_,
                   ca.row_cosine_similarities(counts), counts.sum(axis=1) / counts.to_numpy().sum())
    cols = _points(ca.column_coordinates(counts), ca.column_contributions_,
                   ca.column_cosine_similarities(counts),
                   counts.sum(axis=0) / counts.to_numpy().sum())
    return CAResult(rows=rows, columns=cols, inertia=inertia, total_inertia=total)


def _points(coords: pd.DataFrame, contrib: pd.DataFrame, cos2: pd.DataFrame,
            mass: pd.Series) -> pd.DataFrame:
    n = coords.shape[1]
    out = pd.DataFrame({"label": [str(x) for x in coords.index], "mass": mass.to_numpy()})
    for i in range(n):
        out[f"dim{i + 1}"] = coords.iloc[:, i].to_numpy()
    for i in range(n):
        out[f"contrib{i + 1}"] = contrib.iloc[:, i].to_numpy()
    out["quality"] = cos2.iloc[:, :n].sum(axis=1).to_numpy()
    return out


def ca_tables(result: CAResult, analysis: str,
              lang: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The result as rows of the `ca_points` and `ca_axes` tables (see pipeline.schemas).

    Args:
        result: a correspondence analysis.
        analysis: the name of the table analysed (firm_term, firm_domain).
        lang: the language of its terms, or None when the table pools languages.
    """
    points = []
    for side, frame in (("row", result.rows), ("column", result.columns)):
        part = pd.DataFrame({
            "analysis": analysis, "lang": lang, "side": side, "label": frame["label"],
            "mass": frame["mass"],
            "dim1": frame["dim1"], "dim2": frame.get("dim2", np.nan),
            "contrib1": frame["contrib1"], "contrib2": frame.get("contrib2", np.nan),
            "quality": frame["quality"],
        })
        points.append(part)
    axes = result.inertia.assign(analysis=analysis, lang=lang)[
        ["analysis", "lang", "axis", "eigenvalue", "share"]]
    return pd.concat(points, ignore_index=True), axes.reset_index(drop=True)


# --- correspondence analysis -----------------------------------------------------------------

CA_MIN = 3  # rows and columns a two-axis map needs (min(rows, columns) - 1 axes exist)


def firm_domain_counts(domains: pd.DataFrame, *, group: str = OFFER_GROUP) -> pd.DataFrame:
    """The firm × domain contingency table: matches of each domain's terms per firm.

    Args:
        domains: the DOMAINS table (from `domain_table`).
        group: the lexicon group of offer domains.

    Returns:
        Counts, one row per firm with enough text (level firm, `enough`), one column per domain
        in the table's order; firms with too little text are left out (logged).
    """
    rows = domains[(domains["group"] == group) & (domains["level"] == "firm")]
    thin = sorted(rows.loc[~rows["enough"].astype(bool), "firm"].unique())
    if thin:
        log.info("firm × domain table: %s left out (too little text)", ", ".join(thin))
    rows = rows[rows["enough"].astype(bool)]
    frames = list(dict.fromkeys(rows["frame"]))
    table = rows.pivot_table(index="firm", columns="frame", values="n_matches", aggfunc="sum",
                             fill_value=0)
    return table.reindex(columns=frames, fill_value=0).astype(np.int64).rename_axis(
        index=None, columns=None)


def firm_term_counts(keyness: pd.DataFrame, *, lang: str, ca_n_terms: int,
                     firms: list[str] | None = None) -> pd.DataFrame:
    """The firm × term contingency table of one language: counts of the top distinctive terms.

    The terms are the union of each firm's `ca_n_terms` best-ranked terms against all other
    firms (`firm_vs_rest`, `rank` ≤ `ca_n_terms`, `log_ratio_cons` > 0); each cell is the
    term's count in the firm (`count_a` of its own firm_vs_rest row, 0 when the firm has none).

    Args:
        keyness: the KEYNESS table.
        lang: the language.
        ca_n_terms: distinctive terms taken per firm.
        firms: the firms to keep as rows (all firms compared in `lang` when None); their own
            top terms are the only ones taken.

    Returns:
        Counts, one row per firm, one column per term (terms ordered by their best rank, then
        alphabetically).
    """
    k = keyness[(keyness["comparison"] == "firm_vs_rest") & (keyness["lang"] == lang)]
    if firms is not None:
        k = k[k["group_a"].isin(firms)]
    rank = k["rank"]
    top = k[rank.notna() & (rank <= ca_n_terms) & (k["log_ratio_cons"] > 0)]
    order = (top.assign(rank=top["rank"].astype(int)).groupby("term")["rank"].min()
             .reset_index().sort_values(["rank", "term"])["term"].tolist())
    rows = k[k["term"].isin(order)]
    table = rows.pivot_table(index="group_a", columns="term", values="count_a", aggfunc="sum",
                             fill_value=0)
    index = sorted(k["group_a"].unique()) if firms is None else list(firms)
    return table.reindex(index=index, columns=order, fill_value=0).astype(np.int64).rename_axis(
        index=None, columns=None)


def analyse_table(table: pd.DataFrame, *, analysis: str, lang: str | None,
                  seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Correspondence analysis of one table as CA_POINTS and CA_AXES rows.

    Args:
        table: counts, firms × terms or domains.
        analysis: the name of the table (firm_term, firm_domain).
        lang: the language of its terms, or None for a table pooling languages.
        seed: random state of the SVD.

    Returns:
        The two tables; both empty (and the reason logged) when the table has fewer than 3
        rows or 3 columns with counts, so that no map can be drawn.
    """
    name = analysis + (f" ({lang})" if lang else "")
    nonempty = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    empty_rows = [str(f) for f in table.index[table.sum(axis=1) == 0]]
    if empty_rows:
        log.info("correspondence analysis %s: %s left out (no counts in the table)", name,
                 ", ".join(empty_rows))
    if nonempty.shape[0] < CA_MIN or nonempty.shape[1] < CA_MIN:
        log.warning("correspondence analysis %s not run: it needs at least %d firms and %d "
                    "columns with counts, the table has %d × %d", name, CA_MIN, CA_MIN,
                    *nonempty.shape)
        return empty_frame(schemas.CA_POINTS), empty_frame(schemas.CA_AXES)
    try:
        result = correspondence_analysis(nonempty, n_components=2, seed=seed)
    except CAError as exc:
        log.warning("correspondence analysis %s not run: %s", name, exc)
        return empty_frame(schemas.CA_POINTS), empty_frame(schemas.CA_AXES)
    log.info("correspondence analysis %s: %d firms × %d columns, axes 1-2 hold %.1f %% and "
             "%.1f %% of the inertia", name, *nonempty.shape,
             *(100 * result.inertia["share"].to_numpy()[:2]))
    return ca_tables(result, analysis, lang)


def correspondence_tables(keyness: pd.DataFrame, domains: pd.DataFrame, tokens: pd.DataFrame,
                          *, ca_n_terms: int, min_tokens: int,
                          seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Correspondence analyses of the firm × domain table and, per language, firm × term.

    Args:
        keyness: the KEYNESS table.
        domains: the DOMAINS table.
        tokens: word tokens per firm and language (`firm`, `lang`, `n_tokens`).
        ca_n_terms: distinctive terms taken per firm into the firm × term table.
        min_tokens: firms with fewer word tokens in a language are left out of its table.
        seed: random state of the SVD.

    Returns:
        CA_POINTS and CA_AXES tables (empty for an analysis that cannot be run).
    """
    parts = [analyse_table(firm_domain_counts(domains), analysis="firm_domain", lang=None,
                           seed=seed)]
    for lang in sorted(keyness["lang"].unique()):
        t = tokens[tokens["lang"] == lang]
        firms = sorted(t.loc[t["n_tokens"] >= min_tokens, "firm"])
        thin = sorted(t.loc[t["n_tokens"] < min_tokens, "firm"])
        if thin:
            log.info("firm × term table (%s): %s left out (fewer than %d word tokens)", lang,
                     ", ".join(thin), min_tokens)
        table = firm_term_counts(keyness, lang=lang, ca_n_terms=ca_n_terms, firms=firms)
        parts.append(analyse_table(table, analysis="firm_term", lang=lang, seed=seed))
    points = [p for p, _ in parts if len(p)]
    axes = [a for _, a in parts if len(a)]
    return (pd.concat(points, ignore_index=True)[schemas.CA_POINTS.names] if points
            else empty_frame(schemas.CA_POINTS),
            pd.concat(axes, ignore_index=True)[schemas.CA_AXES.names] if axes
            else empty_frame(schemas.CA_AXES))
