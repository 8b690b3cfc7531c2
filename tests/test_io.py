"""Schema checks: writing and reading a table fail loudly, naming the file and the column."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import schemas
from pipeline.io import SchemaError, read_table, write_table


def sweep_rows(**overrides):
    row = {"lang": "fr", "model": "nmf", "k": 5, "c_v": 0.5, "c_npmi": 0.1,
           "exclusivity": 0.8, "stability": 0.9, "chosen": True}
    row.update(overrides)
    return pd.DataFrame([row])


def test_round_trip_keeps_types(tmp_path):
    path = write_table(sweep_rows(), tmp_path / "k.parquet", schemas.K_SWEEP)
    back = read_table(path, schemas.K_SWEEP)
    assert back.loc[0, "k"] == 5 and bool(back.loc[0, "chosen"]) is True
    assert pq.read_schema(path).field("k").type == pa.int32()


def test_missing_column_names_file_and_column(tmp_path):
    df = sweep_rows().drop(columns=["stability"])
    with pytest.raises(SchemaError, match=r"k\.parquet.*missing column\(s\) \['stability'\]"):
        write_table(df, tmp_path / "k.parquet", schemas.K_SWEEP)
    assert not (tmp_path / "k.parquet").exists()


def test_extra_column_is_refused(tmp_path):
    with pytest.raises(SchemaError, match="unexpected column"):
        write_table(sweep_rows().assign(oops=1), tmp_path / "k.parquet", schemas.K_SWEEP)


def test_null_in_required_column(tmp_path):
    with pytest.raises(SchemaError, match="column 'lang': 1 null"):
        write_table(sweep_rows(lang=None), tmp_path / "k.parquet", schemas.K_SWEEP)


def test_wrong_type_is_named(tmp_path):
    with pytest.raises(SchemaError, match="column 'k'"):
        write_table(sweep_rows(k="five"), tmp_path / "k.parquet", schemas.K_SWEEP)


def test_reading_a_table_of_another_shape_fails(tmp_path):
    path = tmp_path / "k.parquet"
    pq.write_table(pa.table({"lang": ["fr"]}), path)
    with pytest.raises(SchemaError, match=r"k\.parquet.*missing column"):
        read_table(path, schemas.K_SWEEP)
    with pytest.raises(SchemaError, match="run the stage that writes it"):
        read_table(tmp_path / "none.parquet", schemas.K_SWEEP)


def test_every_column_is_commented():
    for name, schema in schemas.ALL.items():
        for field in schema:
            comment = (field.metadata or {}).get(b"comment", b"").decode()
            assert comment.strip(), f"{name}.{field.name} has no comment"
