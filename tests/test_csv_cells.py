"""A CSV file's cells as pandas' reader gives them (``read_csv`` with every cell text, no NA,
blank lines kept), hostile files included; rows of unequal length are read by the csv module."""
from __future__ import annotations

import csv
import io

import pytest

from perflib import inputs


def cells(utf8: bytes) -> list[list]:
    return inputs._csv_columns(utf8, "utf-8-sig", ",", "x.csv")


@pytest.mark.parametrize("text, columns", [
    ('a,b\n"x,y",2\n', [["a", "x,y"], ["b", "2"]]),            # a separator in quotes
    ('a,b\n"x\ny",2\n', [["a", "x\ny"], ["b", "2"]]),          # a line end in quotes
    ('a,b\n"x""y",2\n', [["a", 'x"y'], ["b", "2"]]),           # a doubled quote
    ('a,b\nx"y,2\n', [["a", 'x"y'], ["b", "2"]]),              # a quote inside a cell
    ('a,b\n"xy"z,2\n', [["a", "xyz"], ["b", "2"]]),            # text after a closing quote
    ('a,b\r\n1,2\r\n', [["a", "1"], ["b", "2"]]),              # Windows line ends
    ('a,b\r1,2\r', [["a", "1"], ["b", "2"]]),                  # old Mac line ends
    ('a,b\n\n1,2\n\n', [["a", "", "1", ""], ["b", "", "2", ""]]),  # blank lines, kept as blank cells
    ('a,b\n ,\u3000\n', [["a", " "], ["b", "\u3000"]]),        # spaces, kept (typing trims them)
    ('"a\nb",c\n1,2\n', [["a\nb", "1"], ["c", "2"]]),          # a header cell with a line end
    ('"a,b",c\n1,2\n', [["a,b", "1"], ["c", "2"]]),            # a header cell with a separator
    ('007.50,1e3\n', [["007.50"], ["1e3"]]),                   # numbers stay the text written
])
def test_hostile_files_give_the_cells_written(text, columns):
    assert cells(text.encode("utf-8")) == columns


@pytest.mark.parametrize("utf8, columns", [
    (b"a,b\n1,2,3\n", [["a", "1"], ["b", "2"], [None, "3"]]),  # a long row: the csv module, short rows padded with None
    (b"a,b,c\n1,2\n", [["a", "1"], ["b", "2"], ["c", ""]]),    # a short row: padded with a blank
    (b"", []),                                                 # nothing at all
])
def test_rows_of_unequal_length_keep_every_cell(utf8, columns):
    assert cells(utf8) == columns


def test_quoted_line_ends_and_separators_stay_in_their_cells_over_many_rows():
    rows = [["名称", "金额"]] + [[f"项目{i}\n（第{i % 7}批）" if i % 3 else f"项目,{i}", f"{i}.5"] for i in range(3000)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    assert cells(out.getvalue().encode("utf-8")) == [[r[0] for r in rows], [r[1] for r in rows]]
