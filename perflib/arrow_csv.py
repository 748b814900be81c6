"""A CSV file's cells read by pyarrow's reader, the same cells as pandas' C reader gives.

pyarrow parses a file in C++ on every core and keeps each column's text in one buffer; pandas'
reader makes a Python text of every cell as it goes. On a million rows the difference is most of
the time of loading: a table's repeating columns (``Column.repeats``) come out of Arrow as their
distinct cells and codes (``CodedCells``) and its other columns stay in Arrow (``ArrowText``)
until typing asks for them; a column of plain amounts never becomes Python texts at all
(``ArrowText.joined``, read by ``amounts.parse_plain``).

The cells are pandas' (``inputs._csv_columns``: no NA, no trimming, blank lines kept): the two
parsers agree on quotes, doubled quotes, separators and line ends inside quotes, ``\\r\\n`` and
``\\r``. Where they could differ, pyarrow's result is not used (``read_columns`` gives None and
pandas reads the file): rows of unequal length (pandas pads short rows and refuses long ones, the
csv module then reads them), a file whose first line is blank (pandas: no columns), a quote left
open at the end of the file (pandas refuses it), a row longer than a block, a first line of more
columns than Excel has, text that is not UTF-8 (pandas raises the error that names the file).
``tests/test_arrow_csv.py`` holds hostile files to this, both ways.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from .coded import CodedCells

_BLOCK = 1 << 22  # bytes per parse block: a row may not be longer (pandas then reads the file)
MAX_COLUMNS = 16_384  # Excel's last column (XFD); a wider first line is left to pandas, as before


class ArrowText(Sequence):
    """A column's cells (texts, none missing) as pyarrow holds them, in chunks; Python texts are
    made only when asked for (``tolist``), one column at a time."""

    def __init__(self, array: Any):
        if array.null_count:
            raise ValueError("a CSV column read with no NA has no missing cell")
        self.array = array  # pyarrow.ChunkedArray (or Array) of string or large_string

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self.array))
            if step != 1:
                return self.tolist()[i]
            return ArrowText(self.array.slice(start, max(stop - start, 0)))
        return self.array[i].as_py()

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self) -> list[str]:
        return self.array.to_pylist()

    def take(self, rows: Sequence[int]) -> "ArrowText":
        return ArrowText(self.array.take(pa.array(np.asarray(rows, dtype=np.int64))))

    def any_filled(self) -> bool:
        """Whether a cell is not "" (``any(cells)``)."""
        return bool(len(self.array)) and bool(pc.max(pc.binary_length(self.array)).as_py())

    def joined(self, separator: bytes) -> bytes:
        """The cells' UTF-8 bytes joined by ``separator`` (one byte): ``separator.join(cell.encode() for cell in self)``,
        in numpy from Arrow's buffers, chunk by chunk."""
        chunks = getattr(self.array, "chunks", [self.array])
        return separator.join(_joined(chunk, separator) for chunk in chunks if len(chunk))


def _joined(array: Any, separator: bytes) -> bytes:
    n = len(array)
    _, offsets_buffer, data_buffer = array.buffers()
    width = np.int64 if str(array.type) == "large_string" else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=width)[array.offset:array.offset + n + 1].astype(np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.empty(0, np.uint8)
    data = data[offsets[0]:offsets[-1]]
    out = np.full(len(data) + n - 1, separator[0], dtype=np.uint8)
    keep = np.ones(len(out), dtype=np.bool_)
    keep[offsets[1:-1] - offsets[0] + np.arange(n - 1)] = False  # after cell i, shifted by the i separators before it
    out[keep] = data
    return out.tobytes()


def read_columns(utf8: bytes, separator: str, coded: Callable[[list[list[Any]]], set[int]] | None = None,
                 head_rows: int = 20) -> list[Any] | None:
    """The cells of a CSV file (UTF-8 bytes, no BOM), column by column, as pandas' reader in
    ``inputs._csv_columns`` gives them; None where pyarrow cannot read it so (see the module's
    docstring). ``coded``: given the first ``head_rows`` rows, the columns to give as
    ``CodedCells``; with it the other columns are ``ArrowText``, without it every column is a list of texts."""
    if utf8[:1] in (b"\n", b"\r"):
        return None  # a blank first line: pandas finds no columns there (and the csv module reads the file)
    n_columns = _first_line_columns(utf8, separator)
    if n_columns > MAX_COLUMNS:
        return None
    try:
        table = _read(utf8, separator, n_columns)
        if table.num_columns and any(column.type != pa.string() for column in table.columns):
            table = _read(utf8, separator, table.num_columns)  # a header cell with a line end in quotes
        columns = table.columns
    except (pa.ArrowException, ValueError, OverflowError):  # rows of unequal length, a row past a block, not UTF-8
        return None
    del table
    if columns and len(columns[0]) and _open_quote_at_end(utf8, columns[-1][-1].as_py()):
        return None  # pandas refuses it; the csv module reads it
    if coded is None:
        return [column.to_pylist() for column in columns]
    head = [list(row) for row in zip(*(column.slice(0, head_rows).to_pylist() for column in columns))]
    repeating = coded(head)
    out: list[Any] = []
    for i, column in enumerate(columns):
        if i in repeating:
            encoded = column.dictionary_encode().chunks  # one dictionary, shared by the chunks
            codes = np.concatenate([np.asarray(chunk.indices) for chunk in encoded]) if encoded else np.empty(0, np.int32)
            out.append(CodedCells(codes, encoded[0].dictionary.to_pylist() if encoded else []))
        else:
            out.append(ArrowText(column))
        columns[i] = None  # each column's Arrow buffers go once it is out
    return out


def _read(utf8: bytes, separator: str, n_columns: int) -> pa.Table:
    return pa_csv.read_csv(
        pa.py_buffer(utf8),
        read_options=pa_csv.ReadOptions(autogenerate_column_names=True, block_size=_BLOCK),
        parse_options=pa_csv.ParseOptions(delimiter=separator, quote_char='"', double_quote=True, escape_char=False,
                                          newlines_in_values=True, ignore_empty_lines=False),
        # every column text, a blank cell "" (pyarrow would otherwise guess types and NAs); pyarrow
        # names the columns f0, f1, ...
        convert_options=pa_csv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(n_columns)},
                                              strings_can_be_null=False, quoted_strings_can_be_null=False, check_utf8=True))


def _open_quote_at_end(utf8: bytes, last: str) -> bool:
    """Whether the file may end inside a quoted cell: pyarrow then gives the rest of the file, its
    doubled quotes read as one, as the last cell, so that the file ends with ``"`` and that cell
    written as quoted cells are. (A cell that closes its quotes ends with one more ``"``; an
    unquoted cell has no ``"`` before it. A file ending so by chance is only read by pandas.)"""
    return utf8.endswith(('"' + last.replace('"', '""')).encode("utf-8"))


def _first_line_columns(utf8: bytes, separator: str) -> int:
    """How many columns the first line has, if no quoted cell holds a line end or a separator (most files)."""
    ends = [i for i in (utf8.find(b"\n"), utf8.find(b"\r")) if i >= 0]
    return utf8[:min(ends, default=len(utf8))].count(separator.encode()) + 1
