"""The study every page shares: the tables read, the firms in report order, topic labels,
lexicon groups, and the row selections more than one page makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.lexicon import LANGS, Lexicon
from pipeline.report.concordance import Concordance
from pipeline.report.figures import PALETTE
from pipeline.report.format import anchor, firm_file, firm_name, human, records
from pipeline.report.format import term as readable

MAX_SERIES = 5  # a set group with more frames (offer domains) is shown as a table, not lines
SHARE_AXIS_MIN = 0.05  # a topic-share axis reaches at least this far ...
AXIS_HEADROOM = 1.1  # ... and 10 % beyond the highest interval


@dataclass(frozen=True)
class ReportInputs:
    """Every table the report reads (DataFrames as `pipeline.io.read_table` returns them).

    `collection` and `captures` come from the extract stage; `domains`, `firm_domains` (with
    the presence mark) and `thresholds` (the fdr and presence thresholds those tables were
    made with) from the contrasts stage. `passages` (for each firm's own representative
    passages), `lexicon` (frame descriptions and kinds) and `ca_points` / `ca_axes`
    (correspondence analyses) are optional: without them the report falls back on
    topic_passages and the measures' own columns, and says that no correspondence analysis
    was run. `names` holds the display names sources.txt gives (`name=`); a firm without one
    is shown by its id, title-cased.
    """

    fetches: pd.DataFrame
    documents: pd.DataFrame
    collection: pd.DataFrame
    captures: pd.DataFrame
    k_sweep: pd.DataFrame
    topic_terms: pd.DataFrame
    doc_topics: pd.DataFrame
    topic_passages: pd.DataFrame
    prevalence: pd.DataFrame
    keyness: pd.DataFrame
    frame_measures: pd.DataFrame
    shifts: pd.DataFrame
    kwic: pd.DataFrame | Concordance  # read from its file: one firm's lines at a time
    domains: pd.DataFrame
    firm_domains: pd.DataFrame
    thresholds: pd.DataFrame
    passages: pd.DataFrame | None = None
    lexicon: Lexicon | None = None
    ca_points: pd.DataFrame | None = None
    ca_axes: pd.DataFrame | None = None
    topic_trends: pd.DataFrame | None = None  # None when the topics stage predates it
    versus: pd.DataFrame | None = None  # each firm against the rest (contrasts)
    names: dict[str, str] = field(default_factory=dict)  # firm id → name= of sources.txt


def usable(documents: pd.DataFrame) -> pd.DataFrame:
    """Documents the figures rest on: text extracted, not a duplicate."""
    return documents[(documents["status"] == "ok") & documents["duplicate_of"].isna()]


def other_languages(docs: pd.DataFrame) -> pd.DataFrame:
    """Usable documents left out of the analyses for their language: another language than
    French and English, or none decided; with their language and its confidence."""
    out = docs[~docs["lang"].isin(LANGS)]
    cols = ["firm", "doc_id", "url", "title", "year", "lang", "n_words"]
    out = out.assign(lang_confidence=out.get("lang_confidence"))
    return out[[*cols, "lang_confidence"]].sort_values(["firm", "url", "doc_id"])


class Study:
    """Lookups every page shares: firms, documents per firm, topic labels, frame groups."""

    def __init__(self, inputs: ReportInputs, *, min_docs: int) -> None:
        self.inputs = inputs
        self.min_docs = min_docs
        docs = inputs.documents
        self.usable = usable(docs)
        self.kwic = (inputs.kwic if isinstance(inputs.kwic, Concordance)
                     else Concordance.from_frame(inputs.kwic))
        self.firms = self._firm_order()
        self.order = {f: n for n, f in enumerate(self.firms)}  # firm → its place in the report
        self.names = {f: firm_name(f, inputs.names) for f in self.firms}
        self.n_docs = self.usable.groupby("firm").size().to_dict()
        self.n_words = self.usable.groupby("firm")["n_words"].sum().to_dict()
        self.langs = sorted(set(inputs.topic_terms["lang"]) | set(inputs.prevalence["lang"]))
        tt = inputs.topic_terms
        self.labels = {(r.lang, int(r.topic)): r.label
                       for r in tt.drop_duplicates(["lang", "topic"]).itertuples()}
        for r in inputs.prevalence.drop_duplicates(["lang", "topic"]).itertuples():
            self.labels.setdefault((r.lang, int(r.topic)), f"topic {int(r.topic)}")
        self.groups = self._groups()
        caps = inputs.captures
        # (firm, doc_id) of every listed capture: a link to a document's line resolves.
        self.known = set(zip(caps["firm"], caps["doc_id"], strict=True))
        t = inputs.thresholds.iloc[0]
        self.fdr = float(t["fdr"])
        self.presence_rate = float(t["presence_rate"])
        self.presence_docs = int(t["presence_docs"])
        fm = inputs.frame_measures
        whole = fm[(fm["level"] == "firm") & fm["lang"].isna()]
        # Firms whose whole text is under contrasts.min_firm_tokens: flagged on every page.
        self.thin = set(whole.loc[~whole["enough"].astype(bool), "firm"].astype(str))

    def too_little(self, prevalence_rows: pd.DataFrame) -> pd.Series:
        """Topic figures to flag: fewer than `min_docs` documents, or too few word tokens by
        the topics stage's rule (`enough` false; null, unknown, is not flagged)."""
        enough = (prevalence_rows["enough"] if "enough" in prevalence_rows
                  else pd.Series(pd.NA, index=prevalence_rows.index, dtype="boolean"))
        return (prevalence_rows["n_docs"] < self.min_docs) | enough.eq(False).fillna(False)

    def _firm_order(self) -> list[str]:
        i = self.inputs
        f = i.fetches.sort_values(["source_line"]) if not i.fetches.empty else i.fetches
        names: list[str] = list(dict.fromkeys(f["firm"].astype(str)))
        # Firms seen only in a later table (sources.txt edited since the scrape) still get a
        # page, so every link to a firm resolves.
        seen = [i.documents["firm"], i.prevalence["firm"], i.frame_measures["firm"],
                pd.Series(self.kwic.firms, dtype=object), i.topic_passages["firm"],
                i.shifts["firm"],
                i.keyness.loc[i.keyness["comparison"] == "firm_vs_rest", "group_a"]]
        for column in seen:
            for firm in column.dropna().astype(str).unique():
                if firm not in names:
                    names.append(firm)
        return names

    def _groups(self) -> list[dict]:
        """Lexicon groups in file order: name, kind, description, frames (with descriptions)."""
        fm = self.inputs.frame_measures
        lex = self.inputs.lexicon
        groups: dict[str, dict] = {}
        if lex is not None:
            for group in lex.groups.values():
                groups[group.name] = {
                    "name": group.name, "kind": group.kind, "description": group.description,
                    "frames": [{"name": f.name, "description": f.description,
                                "terms": {lang: [t.text for t in ts]
                                          for lang, ts in f.terms.items()}}
                               for f in group.frames.values()],
                }
        for g, rows in fm.groupby("group", sort=False):
            if g in groups:
                continue
            kind = "opposition" if (rows["measure"] == "share").any() else "set"
            names = list(dict.fromkeys(rows["frame"]))
            groups[g] = {"name": g, "kind": kind, "description": "",
                         "frames": [{"name": n, "description": "", "terms": {}}
                                    for n in names]}
        for g in groups.values():
            g["anchor"] = anchor("frame", g["name"])
            frames = [f["name"] for f in g["frames"]]
            g["side"] = frames[0] if frames else ""
            g["other"] = frames[1] if len(frames) > 1 else ""
        return list(groups.values())

    def label(self, lang: str, topic: int) -> str:
        return readable(self.labels.get((lang, int(topic)), f"topic {int(topic)}"))

    def topic_name(self, lang: str, topic: int) -> str:
        return f"{int(topic)}: {self.label(lang, topic)}"

    def firm_label(self, firm: str, n: int | None = None) -> str:
        n = self.n_docs.get(firm, 0) if n is None else n
        return f"{self.name(firm)} ({n} doc{'s' if n != 1 else ''})"

    def name(self, firm: str) -> str:
        """A firm's display name (ids stay in URLs and exports)."""
        return self.names.get(firm) or firm_name(firm)


# --- row selections shared by the pages ---------------------------------------------------


def all_languages(df: pd.DataFrame) -> pd.DataFrame:
    """Rows for all languages together when the table has them, else every language's rows."""
    pooled = df[df["lang"].isna()]
    return pooled if not pooled.empty else df


def share_items(rows: pd.DataFrame, label) -> list[tuple]:
    """(label, value, low, high, enough) of each row, for `charts.interval_chart`."""
    return [(label(r), r["value"], r["ci_low"], r["ci_high"], bool(r["enough"]))
            for r in records(rows)]


def series(rows: pd.DataFrame, *, label: str, value: str = "value",
           enough: pd.Series | None = None, colour: str | None = None) -> dict:
    """One line of a time-series figure: the dated rows, by year, with their intervals."""
    rows = rows.sort_values("year")
    rows = rows[rows["year"].notna()]
    ok = rows["enough"].astype(bool) if enough is None else enough.loc[rows.index]
    return {"label": label, "years": rows["year"].astype(int).tolist(),
            "values": rows[value].astype(float).tolist(),
            "lows": rows["ci_low"].astype(float).tolist(),
            "highs": rows["ci_high"].astype(float).tolist(),
            "enough": ok.astype(bool).tolist(), "colour": colour}


def share_rows(fm: pd.DataFrame, group: dict, level: str) -> pd.DataFrame:
    """An opposition's share rows (its first side) at one level, all languages if pooled."""
    rows = fm[(fm["group"] == group["name"]) & (fm["measure"] == "share")
              & (fm["frame"] == group["side"]) & (fm["level"] == level)]
    return all_languages(rows)


def rate_rows(fm: pd.DataFrame, group: dict, level: str, *,
              firm: str | None = None) -> pd.DataFrame:
    """A group's rate rows at one level (of one firm when given), all languages if pooled."""
    rows = fm[(fm["group"] == group["name"]) & (fm["measure"] == "rate") & (fm["level"] == level)]
    if firm is not None:
        rows = rows[rows["firm"] == firm]
    return all_languages(rows)


def rate_series(fm: pd.DataFrame, g: dict, firm: str) -> list[dict]:
    """Rate-by-year series of a small set group's frames for one firm (all languages), or []
    when the group has too many frames to draw as lines."""
    frames = [f["name"] for f in g["frames"]]
    if len(frames) > MAX_SERIES:
        return []
    rows = rate_rows(fm, g, "firm_year", firm=firm)
    out = []
    for n, frame in enumerate(frames):
        part = rows[rows["frame"] == frame]
        if not part.empty:
            out.append(series(part, label=human(frame), colour=PALETTE[n % len(PALETTE)]))
    return out


def share_xlim(rows: pd.DataFrame) -> tuple[float, float]:
    """The x range of a topic-share chart: from 0 to a little beyond its highest interval."""
    return (0, max(SHARE_AXIS_MIN, float(rows["ci_high"].fillna(rows["share"]).max())
                   * AXIS_HEADROOM))


def top_terms(tt: pd.DataFrame, lang: str, topic: int, by: str, n: int) -> list[dict]:
    """A topic's `n` first terms ranked `by` prob or frex."""
    rows = tt[(tt["lang"] == lang) & (tt["topic"] == topic) & (tt["by"] == by)]
    return records(rows.sort_values("rank").head(n))


def distinctive_terms(keyness: pd.DataFrame, *, n_terms: int) -> pd.DataFrame:
    """The distinctive terms a firm page shows: the contrasts stage's own ranking.

    Rows of comparison `firm_vs_rest` ranked on the firm's side (`log_ratio_cons` > 0) with
    `rank` ≤ `n_terms`: significant terms (q ≤ fdr) ordered by the conservative log ratio, the
    same terms that have concordance lines and enter the correspondence analysis.

    Args:
        keyness: rows of the KEYNESS table.
        n_terms: terms kept per firm and language.

    Returns:
        The rows, by firm, language and rank.
    """
    k = keyness[keyness["comparison"] == "firm_vs_rest"]
    rank = k["rank"]
    keep = (rank.notna() & (rank <= n_terms) & (k["log_ratio_cons"] > 0)).fillna(False)
    return k[keep.astype(bool)].sort_values(["group_a", "lang", "rank", "term"])


def genre_terms(keyness: pd.DataFrame, group_a: str, *, n_terms: int) -> list[dict]:
    """Per language: the terms annual reports use more than web pages, and the reverse.

    Rows of comparison `kind_vs_kind` (made when `contrasts.compare_kinds` is on) whose
    `group_a` is `group_a` ("report" for all firms, "<firm>:report" for one), ranked as the
    distinctive vocabulary is (`rank` ≤ `n_terms` on each side).

    Returns:
        One block per language: `lang`, `reports` and `pages` (the ranked rows of each side,
        with `rate_a` and `rate_b` per 10,000 terms), `total_a` and `total_b`.
    """
    rows = keyness[(keyness["comparison"] == "kind_vs_kind") & (keyness["group_a"] == group_a)]
    blocks = []
    for lang, r in rows.groupby("lang", sort=True):
        ranked = r[(r["rank"].notna() & (r["rank"] <= n_terms)).fillna(False).astype(bool)]
        sides = {}
        for side, on_side in (("reports", ranked["log_ratio_cons"] > 0),
                              ("pages", ranked["log_ratio_cons"] < 0)):
            recs = records(ranked[on_side.astype(bool)].sort_values(["rank", "term"]))
            for rec in recs:
                rec["rate_a"] = 1e4 * rec["count_a"] / rec["total_a"] if rec["total_a"] else None
                rec["rate_b"] = 1e4 * rec["count_b"] / rec["total_b"] if rec["total_b"] else None
            sides[side] = recs
        blocks.append({"lang": lang, **sides, "total_a": int(r["total_a"].iloc[0]),
                       "total_b": int(r["total_b"].iloc[0])})
    return blocks


def term_kwic_links(keyness: pd.DataFrame, term_lines: set[tuple[str, str, str]], *,
                    n_terms: int) -> dict[tuple[str, str], str]:
    """(lang, term) → link, from the report's root, to the term's concordance lines.

    A term links to the page of the firm that ranks it best among those showing it (firm pages
    show concordances of the distinctive terms they list); `term_lines` holds the (firm,
    lang, term) of every distinctive-term concordance line (`Concordance.term_lines`).
    """
    shown = distinctive_terms(keyness, n_terms=n_terms).sort_values(["rank", "group_a"])
    links: dict[tuple[str, str], str] = {}
    for firm, lang, term in zip(shown["group_a"], shown["lang"], shown["term"], strict=True):
        if (lang, term) not in links and (firm, lang, term) in term_lines:
            links[(lang, term)] = f"firms/{firm_file(firm)}#{anchor('kwic-term', lang, term)}"
    return links
