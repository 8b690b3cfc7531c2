"""The Benjamini–Hochberg false discovery rate, one implementation for every stage: keyness
q-values (per comparison), firm-vs-rest tests, topic trends and the report's list of shifts.
Its q-values equal `scipy.stats.false_discovery_control` (tests/test_properties.py), computed
for many groups at once.

    >>> bh_adjust([0.01, 0.04, 0.03, 0.5]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.5]
"""

from __future__ import annotations

import numpy as np


def bh_adjust(p, groups=None):
    """Benjamini-Hochberg adjusted p-values (q-values), within each group.

    Args:
        p: p-values.
        groups: integer group of each p-value (e.g. the comparison); one group if None.

    Returns:
        q-values, in the order of `p`.
    """
    p = np.asarray(p, dtype=float)
    if not len(p):
        return p.copy()
    g = np.zeros(len(p), dtype=np.int64) if groups is None else np.asarray(groups, np.int64)
    order = np.lexsort((p, g))  # by group, then p ascending
    gs, ps = g[order], p[order]
    starts = np.r_[0, np.flatnonzero(np.diff(gs)) + 1]
    sizes = np.diff(np.r_[starts, len(ps)])
    first = np.repeat(starts, sizes)
    m = np.repeat(sizes, sizes).astype(float)
    rank = np.arange(len(ps)) - first + 1
    raw = np.minimum(ps * m / rank, 1.0)
    # Running minimum from the largest p down, group by group. (Offsetting groups to run one
    # minimum over all of them rounded q-values below 1e-15 away in every group but the first.)
    q_sorted = np.empty_like(raw)
    for start, size in zip(starts, sizes, strict=True):
        part = raw[start:start + size]
        q_sorted[start:start + size] = np.minimum.accumulate(part[::-1])[::-1]
    q = np.empty_like(q_sorted)
    q[order] = np.clip(q_sorted, 0.0, 1.0)
    return q
