"""Correspondence analysis matches a hand computation by SVD of standardized residuals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.contrasts.ca import CAError, correspondence_analysis

TABLE = pd.DataFrame([[10, 2, 3], [3, 12, 4], [2, 3, 15]],
                     index=["a", "b", "c"], columns=["x", "y", "z"])


def by_hand(counts: np.ndarray):
    p = counts / counts.sum()
    r, c = p.sum(axis=1), p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sigma, vt = np.linalg.svd(s, full_matrices=False)
    eigen = sigma**2
    rows = (u * sigma) / np.sqrt(r)[:, None]
    cols = (vt.T * sigma) / np.sqrt(c)[:, None]
    return eigen, rows, cols, r


def test_three_by_three_matches_hand_computation():
    result = correspondence_analysis(TABLE)
    eigen, rows, cols, r = by_hand(TABLE.to_numpy(float))
    assert result.total_inertia == pytest.approx(eigen.sum(), abs=1e-9)
    assert result.inertia["share"].to_numpy() == pytest.approx(eigen[:2] / eigen.sum(), abs=1e-6)
    for axis in range(2):
        got = result.rows[f"dim{axis + 1}"].to_numpy()
        sign = np.sign(got @ rows[:, axis])  # an axis's sign is arbitrary
        assert got == pytest.approx(sign * rows[:, axis], abs=1e-6)
        got_cols = result.columns[f"dim{axis + 1}"].to_numpy()
        assert got_cols == pytest.approx(sign * cols[:, axis], abs=1e-6)
        # contributions of rows: mass × coordinate² / eigenvalue, summing to 1
        contrib = r * rows[:, axis] ** 2 / eigen[axis]
        assert result.rows[f"contrib{axis + 1}"].to_numpy() == pytest.approx(contrib, abs=1e-6)
    # two axes of a 3 × 3 table hold all the inertia: every point is perfectly represented
    assert result.rows["quality"].to_numpy() == pytest.approx(np.ones(3), abs=1e-6)


def test_similar_profiles_are_close_on_the_first_plane():
    table = pd.DataFrame([[30, 5, 1, 1], [28, 6, 2, 1], [2, 3, 25, 20], [1, 20, 3, 30]],
                         index=["f1", "f2", "f3", "f4"], columns=list("wxyz"))
    rows = correspondence_analysis(table).rows.set_index("label")[["dim1", "dim2"]]
    dist = {(a, b): float(np.linalg.norm(rows.loc[a] - rows.loc[b]))
            for a in rows.index for b in rows.index if a < b}
    assert min(dist, key=dist.get) == ("f1", "f2")


def test_empty_rows_are_dropped_and_tiny_tables_refused():
    table = TABLE.copy()
    table.loc["empty"] = 0
    assert list(correspondence_analysis(table).rows["label"]) == ["a", "b", "c"]
    with pytest.raises(CAError, match="at least 2 non-empty rows"):
        correspondence_analysis(TABLE.iloc[:1])
    with pytest.raises(CAError, match="non-negative"):
        correspondence_analysis(TABLE - 20)


def test_tables_follow_the_schemas(tmp_path):
    from pipeline import schemas
    from pipeline.contrasts.ca import ca_tables
    from pipeline.io import read_table, write_table

    points, axes = ca_tables(correspondence_analysis(TABLE), "firm_term")
    write_table(points, tmp_path / "p.parquet", schemas.CA_POINTS)
    write_table(axes, tmp_path / "a.parquet", schemas.CA_AXES)
    back = read_table(tmp_path / "p.parquet", schemas.CA_POINTS)
    assert sorted(back["side"].unique()) == ["column", "row"] and len(back) == 6
