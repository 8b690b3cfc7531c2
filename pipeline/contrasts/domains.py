"""Offer domains: which domains each firm's texts present, over all years and year by year.

reads the FRAME_MEASURES rows of the lexicon's `set` groups → the DOMAINS table (every set
group, levels firm and firm_year, with the presence mark) and FIRM_DOMAINS (the offer-domain
group over all years: the firm × domain table the report shows)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import schemas
from pipeline.lexicon import OFFER_GROUP, Lexicon


def domain_table(measures: pd.DataFrame, lexicon: Lexicon, *, presence_rate: float,
                 presence_docs: int, versus: pd.DataFrame | None = None) -> pd.DataFrame:
    """Firm × frame table of every `set` group (offer domains, performance dimensions).

    A frame is marked present in a firm's offer (over all years, or in one year) when its rate
    reaches `presence_rate` per 10,000 tokens in at least `presence_docs` documents, and the
    firm does not mention it significantly less than the other firms together (`versus`:
    the firm-vs-rest test, q ≤ fdr, BH across firms). On real text the terms of most domains
    turn up now and then on every firm's pages, so the floor alone marks most cells present;
    a domain a firm names at a rate clearly below the others' is a passing mention, not part
    of its offer, in any year. The mark is null when the firm (or firm-year) has too little
    text to tell.

    Args:
        measures: the FRAME_MEASURES table.
        lexicon: the frame lexicon (its `set` groups).
        presence_rate: rate per 10,000 tokens a present frame reaches...
        presence_docs: ... in at least this many documents.
        versus: the VERSUS table; without it, the floor alone decides.
    """
    sets = [g.name for g in lexicon.groups.values() if g.kind == "set"]
    m = measures[(measures["measure"] == "rate") & measures["group"].isin(sets)
                 & measures["lang"].isna() & measures["level"].isin(["firm", "firm_year"])]
    out = m.rename(columns={"value": "rate"}).copy()
    present = ((out["rate"].fillna(0) >= presence_rate)
               & (out["n_docs_matching"] >= presence_docs))
    if versus is not None and len(versus):
        v = versus[(versus["measure"] == "rate") & versus["differs"].astype(bool)
                   & (versus["diff"] < 0)]
        lower = set(zip(v["firm"], v["group"], v["frame"], strict=True))
        present &= np.array([k not in lower for k in zip(out["firm"], out["group"],
                                                         out["frame"], strict=True)], dtype=bool)
    out["present"] = pd.array(present.to_numpy(), dtype="boolean")
    out.loc[~out["enough"].astype(bool), "present"] = pd.NA
    return out[schemas.DOMAINS.names].sort_values(["group", "frame", "firm", "year"],
                                                  na_position="first").reset_index(drop=True)


def firm_domain_table(domains: pd.DataFrame, *, group: str = OFFER_GROUP,
                      versus: pd.DataFrame | None = None) -> pd.DataFrame:
    """The firm × offer-domain table: rate, documents mentioning it, presence mark.

    Args:
        domains: the DOMAINS table (from `domain_table`).
        group: the lexicon group of offer domains.
        versus: the VERSUS table (`versus.firm_vs_rest`): each cell then says whether the
            firm mentions the domain more (`higher`) or less (`lower`) than the other firms,
            by the firm-vs-rest test (q ≤ fdr, BH across firms), or neither (null). Presence
            says a domain is in the offer; this says whether it sets the firm apart.

    Returns:
        A FIRM_DOMAINS table: the group's rows at level firm (all years), in the DOMAINS
        table's order; `present` stays null where the firm has too little text to tell.
    """
    df = domains[(domains["group"] == group) & (domains["level"] == "firm")]
    out = df.rename(columns={"frame": "domain"}).copy()
    out["firm"] = out["firm"].astype(str)
    out["enough"] = out["enough"].astype(bool)
    out["present"] = out["present"].astype("boolean")
    out["vs_rest"] = None
    out["q_vs_rest"] = None
    if versus is not None and len(versus):
        v = versus[(versus["group"] == group) & (versus["measure"] == "rate")]
        v = v.set_index(["firm", "frame"])
        keys = list(zip(out["firm"], out["domain"], strict=True))
        found = [k in v.index for k in keys]
        diff = [v.at[k, "diff"] if f else None for k, f in zip(keys, found, strict=True)]
        differs = [bool(v.at[k, "differs"]) if f else False
                   for k, f in zip(keys, found, strict=True)]
        out["vs_rest"] = [("higher" if d is not None and d > 0 else "lower") if ok else None
                          for d, ok in zip(diff, differs, strict=True)]
        out["q_vs_rest"] = [v.at[k, "q_value"] if f else None
                            for k, f in zip(keys, found, strict=True)]
    return out[schemas.FIRM_DOMAINS.names].reset_index(drop=True)


def thresholds_table(*, fdr: float, presence_rate: float, presence_docs: int) -> pd.DataFrame:
    """The thresholds behind the `rank` and `present` columns, for whoever shows them."""
    return pd.DataFrame({"fdr": [float(fdr)], "presence_rate": [float(presence_rate)],
                         "presence_docs": [int(presence_docs)]},
                        columns=schemas.THRESHOLDS.names)
