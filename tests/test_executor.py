"""`executor: dask`: extract and preprocess as tasks on a Dask cluster give the local outputs.

The cluster is a `LocalCluster` of two worker processes on 127.0.0.1, started once for the module.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pandas as pd
import pytest

from pipeline import executor, io, schemas
from pipeline.errors import ExecutorError, ParamsError
from pipeline.executor import TaskFailed, cluster_map
from pipeline.extract.stage import Capture, extract_documents, load_captures
from pipeline.params import ExtractParams, check_block
from tests.test_extract import DATA, EN, FR, PARAMS, Raw, html_page, paragraphs
from tests.test_preprocess import FR_1, FR_2, FR_LONG, passages_frame, run, spy_on_pools

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_extract_on_the_cluster_gives_the_local_tables(tmp_path, scheduler):
    raw = Raw(tmp_path / "raw")
    for i in range(20):
        raw.add(f"https://acme.example/p{i}", html_page(
            paragraphs(FR if i % 2 else EN, 3 + i % 4, start=i)), firm=f"firm{i % 3}",
            fetched_at=datetime(2024, 3, 1 + i % 5, 12, 0, tzinfo=UTC))
    # a copy (a duplicate), a corrupt PDF, a record never written, one whose WARC is damaged
    raw.add("https://acme.example/copy", html_page(paragraphs(FR, 4, start=1)), firm="firm1",
            fetched_at=datetime(2024, 4, 1, tzinfo=UTC))
    raw.add("https://acme.example/corrupt.pdf", (DATA / "bad" / "corrupt.pdf").read_bytes(),
            content_type="application/pdf", kind="report")
    raw.add("https://acme.example/lost", b"<html></html>", write=False)
    damaged = raw.add("https://acme.example/damaged", html_page(paragraphs(FR, 3)))
    damaged["warc_offset"] += 7  # points into the middle of its record
    raw.write()
    captures = load_captures(io.read_table(raw.root / "fetches.parquet", schemas.FETCHES),
                             raw.root)
    local = extract_documents(captures, ExtractParams(**(PARAMS | {"workers": 1})))
    dask = extract_documents(captures, ExtractParams(**(PARAMS | {
        "executor": "dask", "scheduler": scheduler})))
    docs = local[0].set_index("url")
    assert (docs["status"] == "ok").sum() >= 18
    assert docs.loc["https://acme.example/copy", "duplicate_of"] is not None
    assert {docs.loc[f"https://acme.example/{u}", "status"] for u in ("lost", "damaged")} == {
        "unreadable"}
    pd.testing.assert_frame_equal(local[0], dask[0])
    pd.testing.assert_frame_equal(local[1], dask[1])


def test_preprocess_on_the_cluster_gives_the_local_tables(monkeypatch, scheduler):
    # French only: the worker that gets the chunk loads one model, not two
    docs = [[(FR_1, "fr"), (FR_LONG * 3, "fr")]] + [[(FR_2 + f" Numéro {i}.", "fr")]
                                                   for i in range(9)]
    df = passages_frame(docs)
    local = run(df, n_process=1)
    started = spy_on_pools(monkeypatch)  # to the cluster, however few
    on_cluster = run(df, executor="dask", scheduler=scheduler, batch_size=2)
    assert started == [True]
    assert on_cluster.sentences.num_rows > 20
    assert on_cluster.sentences.equals(local.sentences)
    assert on_cluster.bags.equals(local.bags)


def test_a_failed_task_takes_its_place_and_the_others_come_back_in_order(scheduler):
    out = list(cluster_map(scheduler, math.sqrt, [16, -1, 9, 4, 1], name="sqrt"))
    assert out[0] == 4.0 and out[2:] == [3.0, 2.0, 1.0]
    assert isinstance(out[1], TaskFailed) and isinstance(out[1].error, ValueError)


def test_a_batch_whose_task_fails_is_redone_here_capture_by_capture(scheduler):
    from types import SimpleNamespace

    from pipeline.extract.cluster import run_on_cluster

    captures = [Capture(doc_id=f"d{i}", fetch_id=f"f{i}", firm="acme", kind="page",
                        url=f"https://acme.example/{i}", final_url=None,
                        content_type="text/html", charset=None,
                        fetched_at=datetime(2024, 1, 1, tzinfo=UTC), payload=b"<p>x</p>")
                for i in range(5)]
    # `len` returns no list of results: every task fails on the worker, as a crash would
    out = run_on_cluster(captures, scheduler=scheduler, batch=2, max_bytes=None, extract=len,
                         isolate=lambda c: SimpleNamespace(capture=None, status="isolated"))
    assert [r.status for r in out] == ["isolated"] * 5
    assert [r.capture for r in out] == captures


def test_an_unreachable_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(executor, "CONNECT_TIMEOUT", 1)
    with pytest.raises(ExecutorError, match=r"tcp://127\.0\.0\.1:9.*dask scheduler"):
        list(cluster_map("tcp://127.0.0.1:9", abs, [1], name="abs"))


def test_dask_needs_a_scheduler_address():
    with pytest.raises(ParamsError, match="executor: dask needs scheduler"):
        check_block("extract", {"executor": "dask"}, where="params.yaml")
    with pytest.raises(ParamsError, match=r"preprocess\.scheduler"):
        check_block("preprocess", {"executor": "dask", "scheduler": "10.0.0.5"},
                    where="params.yaml")
    assert check_block("preprocess", {}).executor == "local"
