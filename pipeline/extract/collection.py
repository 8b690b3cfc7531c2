"""What was collected: per firm and year, and every capture with its last attempt and document.

reads the scraper's FETCHES table and the DOCUMENTS table extract_documents made → the
COLLECTION and CAPTURES tables (written by the extract stage beside documents.parquet; the
report shows them on the index and the firm pages)
"""

from __future__ import annotations

import pandas as pd

from pipeline import schemas
from pipeline.schemas import OK_OUTCOMES


def _usable(documents: pd.DataFrame) -> pd.DataFrame:
    """Documents the figures rest on: text extracted, not a duplicate."""
    return documents[(documents["status"] == "ok") & documents["duplicate_of"].isna()]


def _capture_time(fetches: pd.DataFrame) -> pd.Series:
    return fetches["archive_timestamp"].fillna(fetches["fetched_at"])


def collection_table(fetches: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """What was collected per firm and year: fetched, from archives, failed, usable documents.

    Args:
        fetches: the FETCHES table (every attempt of every run).
        documents: the DOCUMENTS table.

    Returns:
        A COLLECTION table, one row per firm and year (year null when unknown: the firm's
        undated documents are counted there).
    """
    f = fetches.copy()
    doc_year = documents.drop_duplicates("doc_id").set_index("doc_id")["year"]
    # A failed attempt has no document: its year is the source's, the archive capture's, the
    # year of another capture of the same URL (a live page retried); else it has no year (the
    # day it was asked for is not a year it speaks for).
    url_year = (documents.dropna(subset=["year"]).sort_values("captured_at")
                .drop_duplicates(["firm", "url"], keep="last").set_index(["firm", "url"])["year"])
    same_url = pd.Series([url_year.get((a, b)) for a, b in zip(f["firm"], f["url"], strict=True)],
                         index=f.index, dtype="Int16")
    year = f["doc_id"].map(doc_year).astype("Int16")
    # An undated document stays undated (its row has a null year), never the fetch year.
    undated = f["doc_id"].map(documents.drop_duplicates("doc_id").set_index("doc_id")
                              ["year_source"]).eq("undated").to_numpy()
    for fallback in (f["source_year"].astype("Int16"),
                     f["archive_timestamp"].dt.year.astype("Int16"), same_url):
        year = year.where(undated, year.fillna(fallback))
    f["year"] = year
    ok = f[f["outcome"] == "ok"].drop_duplicates("doc_id")
    good_urls = set(zip(f.loc[f["outcome"].isin(OK_OUTCOMES), "firm"],
                        f.loc[f["outcome"].isin(OK_OUTCOMES), "url"], strict=True))
    failed = f[~f["outcome"].isin(OK_OUTCOMES)]
    # A boolean Series, not a list: an empty list would select zero columns instead of rows.
    never_ok = pd.Series([(a, b) not in good_urls for a, b in
                          zip(failed["firm"], failed["url"], strict=True)],
                         index=failed.index, dtype=bool)
    failed = failed[never_ok]
    failed = failed.drop_duplicates(["firm", "url"])
    d = documents
    usable = _usable(d)
    keys = ["firm", "year"]
    parts = [
        f.groupby(keys, dropna=False)["url"].nunique().rename("n_sources"),
        ok.groupby(keys, dropna=False).size().rename("n_fetched"),
        ok[ok["from_archive"].astype(bool)].groupby(keys, dropna=False).size()
        .rename("n_from_archive"),
        failed.groupby(keys, dropna=False).size().rename("n_failed"),
        usable.groupby(keys, dropna=False).size().rename("n_documents"),
        d[d["duplicate_of"].notna()].groupby(keys, dropna=False).size().rename("n_duplicates"),
        d[d["status"] != "ok"].groupby(keys, dropna=False).size().rename("n_skipped"),
        usable.groupby(keys, dropna=False)["n_words"].sum().rename("n_words"),
        usable.groupby(keys, dropna=False)["n_chrome"].sum().rename("n_chrome")
        if "n_chrome" in usable else usable.groupby(keys, dropna=False).size().mul(0)
        .rename("n_chrome"),
        # documents written before sections were read kept every word they read
        usable.groupby(keys, dropna=False)["n_words_read" if "n_words_read" in usable
                                           else "n_words"].sum().rename("n_words_read"),
    ]
    out = pd.concat(parts, axis=1).reset_index()
    out.columns = ["firm", "year", *[p.name for p in parts]]
    for col in out.columns[2:]:
        out[col] = out[col].fillna(0).astype("int64")
    out["year"] = out["year"].astype("Int16")
    return out.sort_values(["firm", "year"], na_position="last").reset_index(drop=True)


def captures_table(fetches: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Every capture (one row per firm and doc_id) with its last attempt and its document.

    Args:
        fetches: the FETCHES table.
        documents: the DOCUMENTS table.

    Returns:
        A CAPTURES table sorted by firm, URL and capture time.
    """
    f = fetches.sort_values("fetched_at")
    tries = f.groupby(["firm", "doc_id"]).size().rename("n_fetches")
    last = f.groupby(["firm", "doc_id"]).tail(1).set_index(["firm", "doc_id"])
    last = last.drop(columns=["n_attempts"]).join(tries)
    last["captured_at"] = _capture_time(last)
    last = last.rename(columns={"status": "http_status"})[
        ["kind", "url", "final_url", "from_archive", "captured_at", "http_status", "outcome",
         "error", "n_fetches"]]
    d = documents.drop_duplicates(["firm", "doc_id"]).set_index(["firm", "doc_id"])
    d = d.rename(columns={"status": "doc_status"})
    for col in ("lang_confidence", "n_sections", "n_sections_kept", "n_words_read",
                "sections_note"):
        if col not in d:  # documents written before the column existed
            d[col] = None
    out = last.join(d[["doc_status", "duplicate_of", "title", "lang", "lang_confidence", "year",
                       "year_source", "n_words", "n_pages", "n_sections", "n_sections_kept",
                       "n_words_read", "sections_note"]], how="outer")
    # A document with no fetch row (an older fetches table) still gets its line.
    only_docs = out["url"].isna()
    if only_docs.any():
        src = d.loc[out.index[only_docs]]
        out.loc[only_docs, "url"] = src["url"].to_numpy()
        out.loc[only_docs, "kind"] = src["kind"].to_numpy()
        out.loc[only_docs, "final_url"] = src["final_url"].to_numpy()
        out.loc[only_docs, "captured_at"] = src["captured_at"].to_numpy()
    out["n_fetches"] = out["n_fetches"].fillna(0).astype("int64")
    out = out.reset_index()
    return out.sort_values(["firm", "url", "captured_at"], na_position="last"
                           ).reset_index(drop=True)[schemas.CAPTURES.names]
