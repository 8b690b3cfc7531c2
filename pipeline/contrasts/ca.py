"""Correspondence analysis (the AFC of TXM and IRaMuTeQ) of a contingency table, with prince.

firm × term or firm × domain counts → coordinates of rows and columns on the first axes, each
axis's share of inertia, and each point's contribution to the axes and quality (cos²).

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
