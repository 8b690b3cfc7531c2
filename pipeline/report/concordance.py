"""The concordance table (kwic) as the report reads it: one firm's lines at a time.

A concordance grows with the corpus (a line per match, with its context), so the report never
holds it whole. `Concordance.from_file` passes over kwic.parquet once, batch by batch: it
notes the firms in the order the table first names them and the (firm, language, term) of
every distinctive-term line (what the index's links need), and spills each batch, its rows
grouped by firm (in table order within a firm), to an Arrow file in a temporary folder, one
record batch per firm. A firm page then reads only its firm's record batches: the report's memory
holds one batch while it reads and one firm's lines while it renders, whatever the size of the
whole table. The export copies the table from its file, batch by batch.

`Concordance.from_frame` puts a table already in memory (tests, a study built by hand) behind
the same interface.

    >>> import pandas as pd
    >>> lines = pd.DataFrame({"firm": ["b", "a", "b"], "group": [None, "g", None],
    ...                       "lang": ["fr", "fr", "en"], "term": ["x", "y", "z"]})
    >>> c = Concordance.from_frame(lines)
    >>> c.firms, sorted(c.term_lines)
    (['b', 'a'], [('b', 'en', 'z'), ('b', 'fr', 'x')])
    >>> c.rows("b")["term"].tolist()
    ['x', 'z']
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import schemas
from pipeline.io import SchemaError, nullable_types, read_arrow

#: rows per batch of the pass over kwic.parquet (the memory the pass needs)
BATCH_ROWS = 50_000
# The lines set aside are compressed: uncompressed they take about 13 times the Parquet file.
_SPILL = pa.ipc.IpcWriteOptions(compression="zstd")


class Concordance:
    """The kwic table's lines by firm, its firms and its distinctive-term lines.

    Attributes:
        firms: every firm with a line, in the order the table first names it.
        term_lines: (firm, lang, term) of every line of a distinctive term (no group).
        path: the Parquet file read (None for a table given in memory).
        frame: the table given in memory (None when read from a file).
    """

    def __init__(self, firms: list[str], term_lines: set[tuple[str, str, str]], *,
                 path: Path | None = None, frame: pd.DataFrame | None = None,
                 spill: tempfile.TemporaryDirectory | None = None,
                 slices: dict[str, list[tuple[Path, int, int]]] | None = None) -> None:
        self.firms = firms
        self.term_lines = term_lines
        self.path = path
        self.frame = frame
        self._spill = spill  # removed with this object (or by `close`)
        self._slices = slices or {}

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Concordance:
        """The concordance of a table in memory."""
        terms = frame.loc[frame["group"].isna(), ["firm", "lang", "term"]].drop_duplicates()
        return cls(list(frame["firm"].dropna().astype(str).unique()),
                   set(terms.itertuples(index=False, name=None)), frame=frame)

    @classmethod
    def from_file(cls, path: Path, *, batch_rows: int = BATCH_ROWS) -> Concordance:
        """Read kwic.parquet once, in batches of `batch_rows`, spilling its lines by firm.

        Raises:
            SchemaError: when the file is missing, has another schema or cannot be read.
        """
        read_arrow(path, schemas.KWIC, columns=[])  # exists, and has the schema
        spill = tempfile.TemporaryDirectory(prefix="report-kwic.")
        firms: dict[str, None] = {}
        term_lines: set[tuple[str, str, str]] = set()
        # firm → (spilled file, its first record batch, the batch after its last)
        slices: dict[str, list[tuple[Path, int, int]]] = {}
        try:
            batches = pq.ParquetFile(path).iter_batches(batch_size=batch_rows)
            for n, batch in enumerate(batches):
                table = pa.Table.from_batches([batch]).cast(schemas.KWIC)
                firm = table.column("firm")
                firms.update(dict.fromkeys(pc.unique(firm).to_pylist()))
                terms = table.filter(pc.is_null(table.column("group"))).select(
                    ["firm", "lang", "term"]).group_by(["firm", "lang", "term"]).aggregate([])
                term_lines.update(zip(*(terms.column(c).to_pylist()
                                        for c in ("firm", "lang", "term")), strict=True))
                # a stable sort: each firm's lines stay in table order
                by_firm = table.take(pc.sort_indices(firm))
                file = Path(spill.name) / f"{n:06d}.arrow"
                counts = pc.value_counts(firm).to_pylist()
                start = written = 0
                with pa.OSFile(str(file), "wb") as sink, \
                        pa.ipc.new_file(sink, schemas.KWIC, options=_SPILL) as writer:
                    # Arrow sorts strings by their UTF-8 bytes: Python's code-point order
                    for c in sorted(counts, key=lambda c: c["values"]):
                        part = by_firm.slice(start, c["counts"]).to_batches()
                        for b in part:
                            writer.write_batch(b)
                        slices.setdefault(c["values"], []).append(
                            (file, written, written + len(part)))
                        start += c["counts"]
                        written += len(part)
        except (pa.ArrowException, OSError) as exc:
            spill.cleanup()
            raise SchemaError(f"{path}: unreadable Parquet table 'kwic' ({exc}); run the "
                              "contrasts stage again") from None
        return cls(list(firms), term_lines, path=Path(path), spill=spill, slices=slices)

    def rows(self, firm: str) -> pd.DataFrame:
        """The firm's lines, in table order, typed as `read_table` types them."""
        if self.frame is not None:
            return self.frame[self.frame["firm"] == firm].reset_index(drop=True)
        batches = []
        for file, first, end in self._slices.get(firm, []):
            # read, not memory-mapped: the batches own their memory once the file is closed
            with pa.OSFile(str(file)) as source:
                reader = pa.ipc.open_file(source)
                batches += [reader.get_batch(i) for i in range(first, end)]
        table = pa.Table.from_batches(batches, schema=schemas.KWIC)
        return table.to_pandas(types_mapper=nullable_types)

    def close(self) -> None:
        """Remove the spilled lines (also done when the object is collected)."""
        if self._spill is not None:
            self._spill.cleanup()
            self._spill = None
