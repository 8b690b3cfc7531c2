"""Which passages an analysis reads: by source kind (page, report) and section family.

The topics and contrasts blocks of params.yaml each take `kinds` and `section_families`
(empty: all), so "reports only", "web pages only" or "the non-financial statement across
years" is a run with two lines changed; `contrasts.compare_kinds` adds keyness comparisons of
reports against pages.

    >>> import pandas as pd
    >>> p = pd.DataFrame({"passage_id": ["a", "b", "c"], "kind": ["page", "report", "report"],
    ...                   "section_family": ["other", "csr", "financial"]})
    >>> sorted(selected(p, kinds=["report"], section_families=["csr", "strategy"]))
    ['b']
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import get_args

import pandas as pd

from pipeline.params import Family

log = logging.getLogger(__name__)

# Section families (pipeline/extract/sections.yaml names them from titles), as params declares
# them.
FAMILIES: tuple[str, ...] = get_args(Family)


def selected(passages: pd.DataFrame, *, kinds: Sequence[str] = (),
             section_families: Sequence[str] = ()) -> set[str]:
    """The passage ids of the kinds and section families asked for (empty: any).

    Args:
        passages: PASSAGES rows with `passage_id`, `kind` and `section_family` (a passage
            without a family counts as `other`).
        kinds: page and/or report.
        section_families: families of `FAMILIES`.

    Returns:
        The passage ids kept.
    """
    keep = pd.Series(True, index=passages.index)
    if kinds:
        keep &= passages["kind"].isin(list(kinds))
    if section_families:
        keep &= passages["section_family"].fillna("other").isin(list(section_families))
    ids = set(passages.loc[keep, "passage_id"])
    if kinds or section_families:
        log.info("passages of kinds %s and section families %s: %d of %d",
                 list(kinds) or "any", list(section_families) or "any", len(ids),
                 len(passages))
    return ids


def restrict(table: pd.DataFrame, passages: pd.DataFrame, *, kinds: Sequence[str] = (),
             section_families: Sequence[str] = ()) -> pd.DataFrame:
    """The rows of `table` (with a `passage_id`) whose passage is selected; the table itself
    when no filter is set."""
    if not kinds and not section_families:
        return table
    ids = selected(passages, kinds=kinds, section_families=section_families)
    return table[table["passage_id"].isin(ids)]
