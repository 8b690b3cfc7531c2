"""Schema-checked reading and writing of the pipeline's tables.

Every stage writes its tables with `write_table` and reads its inputs with `read_table`; both
check the table against its schema in `pipeline.schemas` and raise `SchemaError`, naming the
file and the column, on a missing or extra column, a wrong type or a null where none is allowed.
Writes are atomic (a temporary file renamed into place), so a killed run never leaves half a
table behind; `TableWriter` does the same for a table too large to hold, batch by batch.

    >>> import pandas as pd, tempfile, pathlib
    >>> from pipeline import schemas
    >>> from pipeline.io import write_table, read_table
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "k.parquet"
    >>> df = pd.DataFrame({"lang": ["fr"], "model": ["lda"], "k": [5], "c_v": [0.5],
    ...     "c_npmi": [0.1], "exclusivity": [0.8], "stability": [0.9], "chosen": [True]})
    >>> _ = write_table(df, path, schemas.K_SWEEP)
    >>> read_table(path, schemas.K_SWEEP)["k"].tolist()
    [5]
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import SchemaError


def _table_name(schema: pa.Schema) -> str:
    return (schema.metadata or {}).get(b"table", b"table").decode()


def to_arrow(df: pd.DataFrame, schema: pa.Schema, *, where: str = "") -> pa.Table:
    """Convert a DataFrame to an Arrow table of exactly `schema`, or raise SchemaError."""
    name = _table_name(schema)
    place = f"{where}: " if where else ""
    expected = schema.names
    missing = [c for c in expected if c not in df.columns]
    extra = [c for c in df.columns if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {missing}")
        if extra:
            parts.append(f"unexpected column(s) {extra}")
        raise SchemaError(f"{place}table '{name}': {'; '.join(parts)}")
    arrays = []
    for field in schema:
        series = df[field.name]
        try:
            arr = pa.array(series, type=field.type, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
            raise SchemaError(
                f"{place}table '{name}', column '{field.name}': cannot store as {field.type}: "
                f"{exc}"
            ) from exc
        if not field.nullable and arr.null_count:
            raise SchemaError(
                f"{place}table '{name}', column '{field.name}': {arr.null_count} null value(s) "
                f"in a column that allows none"
            )
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)


def check_arrow(table: pa.Table, schema: pa.Schema, *, where: str = "") -> None:
    """Raise SchemaError unless `table` has exactly the columns and types of `schema`."""
    name = _table_name(schema)
    place = f"{where}: " if where else ""
    got = {f.name: f.type for f in table.schema}
    missing = [c for c in schema.names if c not in got]
    extra = [c for c in got if c not in schema.names]
    if missing or extra:
        raise SchemaError(
            f"{place}table '{name}': missing column(s) {missing}, unexpected column(s) {extra}"
        )
    for field in schema:
        if not got[field.name].equals(field.type):
            raise SchemaError(
                f"{place}table '{name}', column '{field.name}': type {got[field.name]}, "
                f"expected {field.type}"
            )


def write_table(df: pd.DataFrame | pa.Table, path: str | Path, schema: pa.Schema) -> Path:
    """Check `df` against `schema` and write it as Parquet, atomically.

    Args:
        df: the rows, as a DataFrame (converted column by column) or an Arrow table.
        path: destination `.parquet` file; its folder is created.
        schema: the table's schema from `pipeline.schemas`.

    Returns:
        The path written.
    """
    path = Path(path)
    if isinstance(df, pa.Table):
        check_arrow(df, schema, where=str(path))
        table = df.select(schema.names).cast(schema)
    else:
        table = to_arrow(df, schema, where=str(path))
    tmp = _temp_beside(path)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


class TableWriter:
    """Write a Parquet table batch by batch, each batch schema-checked, atomically.

    Like `write_table`, the rows go to a temporary file beside `path`, renamed into place by
    `close()`; `abort()` deletes it, so a failed run never leaves half a table behind.

    Args:
        path: destination `.parquet` file; its folder is created.
        schema: the table's schema from `pipeline.schemas`.
    """

    def __init__(self, path: str | Path, schema: pa.Schema) -> None:
        self.path = Path(path)
        self.schema = schema
        self.n_rows = 0
        self._tmp = _temp_beside(self.path)
        try:
            self._writer = pq.ParquetWriter(self._tmp, schema, compression="zstd")
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise

    def write(self, table: pa.Table) -> None:
        """Append `table`, or raise SchemaError unless it has exactly the schema's columns."""
        check_arrow(table, self.schema, where=str(self.path))
        self._writer.write_table(table)
        self.n_rows += table.num_rows

    def close(self) -> Path:
        """Finish the file and rename it into place; returns its path."""
        try:
            self._writer.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self._tmp.unlink(missing_ok=True)
            raise
        return self.path

    def abort(self) -> None:
        """Discard everything written."""
        self._writer.close()
        self._tmp.unlink(missing_ok=True)


def _temp_beside(path: Path) -> Path:
    """A new empty file beside `path` (its folder created), to write and then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; tables are ordinary files
    return Path(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_arrow(path: str | Path, schema: pa.Schema, columns: list[str] | None = None) -> pa.Table:
    """Read a Parquet table and check it against `schema` (all columns, even if few are read)."""
    path = Path(path)
    if not path.exists():
        raise SchemaError(
            f"{path}: table '{_table_name(schema)}' not found; run the stage that writes it first"
        )
    try:
        file_schema = pq.read_schema(path)
        stub = pa.table({f.name: pa.array([], type=f.type) for f in file_schema})
        check_arrow(stub, schema, where=str(path))
        return pq.read_table(path, columns=columns, schema=schema)
    except (pa.ArrowException, OSError) as exc:
        # A damaged file (cut short, overwritten) is named, and the way out said.
        raise SchemaError(f"{path}: unreadable Parquet table '{_table_name(schema)}' ({exc}); "
                          f"run the stage that writes it again") from None


def read_table(path: str | Path, schema: pa.Schema, columns: list[str] | None = None
               ) -> pd.DataFrame:
    """Read a Parquet table as a DataFrame, after checking it against `schema`.

    Args:
        path: the `.parquet` file.
        schema: the schema it must have.
        columns: read only these columns (the whole schema is still checked).

    Returns:
        The table, with nullable integer columns kept as pandas nullable integers.
    """
    table = read_arrow(path, schema, columns=columns)
    return table.to_pandas(types_mapper=nullable_types)


def iter_table(path: str | Path, schema: pa.Schema, columns: list[str] | None = None, *,
               batch_rows: int = 50_000) -> Iterator[pd.DataFrame]:
    """Read a Parquet table batch by batch as DataFrames (as `read_table` types them), after
    checking it against `schema`: a table too large to hold is read a slice at a time, and
    only the columns asked for.

    Args:
        path: the `.parquet` file.
        schema: the schema it must have.
        columns: read only these columns (the whole schema is still checked).
        batch_rows: rows per batch (at most).
    """
    path = Path(path)
    read_arrow(path, schema, columns=[])  # now, not at the first batch: a missing table is named
    return (batch.to_pandas(types_mapper=nullable_types)
            for batch in _batches(path, schema, columns, batch_rows))


def iter_arrow(path: str | Path, schema: pa.Schema, columns: list[str] | None = None, *,
               batch_rows: int = 50_000) -> Iterator[pa.RecordBatch]:
    """`iter_table`'s batches as Arrow record batches (for array code that needs no pandas)."""
    path = Path(path)
    read_arrow(path, schema, columns=[])
    return _batches(path, schema, columns, batch_rows)


def _batches(path: Path, schema: pa.Schema, columns: list[str] | None, batch_rows: int
             ) -> Iterator[pa.RecordBatch]:
    try:
        reader = pq.ParquetFile(path)
        yield from reader.iter_batches(batch_size=batch_rows, columns=columns)
    except (pa.ArrowException, OSError) as exc:
        raise SchemaError(f"{path}: unreadable Parquet table '{_table_name(schema)}' ({exc}); "
                          f"run the stage that writes it again") from None


def conform(df: pd.DataFrame, schema: pa.Schema) -> pd.DataFrame:
    """`df` with the dtypes `read_table` gives once it is written (checked against `schema`).

    A stage that goes on computing from a table it has just built gets the same numbers as a
    later stage reading that table from disk.
    """
    return to_arrow(df, schema).to_pandas(types_mapper=nullable_types)


def empty_frame(schema: pa.Schema) -> pd.DataFrame:
    """A DataFrame with no rows and exactly the columns of `schema`, in its types."""
    return schema.empty_table().to_pandas()


def nullable_types(typ: pa.DataType):
    """The pandas dtype `read_table` gives an Arrow type (None: pandas' default)."""
    # Keep integer columns with nulls (years, pages) as integers rather than floats.
    mapping = {
        pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    return mapping.get(typ)


@contextmanager
def _atomic_text(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text file written beside `path` and moved onto it when the block ends well,
    readable like any ordinary file; removed if the block fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are made to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(text: str, path: str | Path) -> Path:
    """Write UTF-8 text atomically, readable like any ordinary file (pages, exports, JSON)."""
    path = Path(path)
    with _atomic_text(path) as fh:
        fh.write(text)
    return path


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV for R or a spreadsheet, atomically.

    UTF-8, one header row, no index; timestamps as ISO 8601 in UTC; list cells (tokens,
    lemmas) joined by spaces.
    """
    return write_text(_csv_frame(df).to_csv(index=False, lineterminator="\n"), path)


def write_csv_batches(frames: Iterable[pd.DataFrame], path: str | Path,
                      columns: list[str]) -> Path:
    """`write_csv` of the concatenation of `frames`, one frame at a time (same text)."""
    path = Path(path)
    with _atomic_text(path) as fh:
        fh.write(pd.DataFrame(columns=columns).to_csv(index=False, lineterminator="\n"))
        for frame in frames:
            fh.write(_csv_frame(frame).to_csv(index=False, header=False, lineterminator="\n"))
    return path


def _csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    frame = df.copy()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif frame[col].dtype == object and frame[col].map(
                lambda v: isinstance(v, list | np.ndarray)).any():
            frame[col] = frame[col].map(lambda v: " ".join(map(str, v))
                                        if isinstance(v, list | np.ndarray) else v)
    return frame


def write_json(obj, path: str | Path) -> Path:
    """Write JSON atomically (metrics, plots' data)."""
    return write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n", path)


def open_cache(path: Path, columns: str, error: type[Exception], *,
               table: str = "documents") -> sqlite3.Connection:
    """A stage's per-document cache: one SQLite file holding a `table` (`documents`) keyed by
    content hash (`key TEXT PRIMARY KEY, <columns>`), created on first use.

    Raises:
        error: the file is not a readable SQLite database (named, with how to start afresh).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = sqlite3.connect(path)
        db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, {columns})")
    except sqlite3.DatabaseError as exc:
        raise error(f"{path}: unreadable cache ({exc}); delete it to start afresh") from exc
    return db
