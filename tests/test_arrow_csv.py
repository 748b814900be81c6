"""pyarrow's CSV reader gives the cells pandas' reader gives, or leaves the file to pandas (perflib.arrow_csv)."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perflib import arrow_csv, inputs
from perflib.arrow_csv import ArrowText
from perflib.coded import CodedCells
from perflib.schema import TABLES_BY_NAME

MONITORING = TABLES_BY_NAME["project_monitoring"]


def pandas_columns(monkeypatch, utf8: bytes, separator: str, coded=None):
    """The cells as read without pyarrow (pandas' C reader, or the csv module for ragged rows)."""
    with monkeypatch.context() as m:
        m.setattr(arrow_csv, "read_columns", lambda *args, **kwargs: None)
        return inputs._csv_columns(utf8, "utf-8-sig", separator, "x.csv", coded)


def as_lists(columns):
    return [list(c) for c in columns]


# the characters where CSV readers differ: quotes, separators, line ends, spaces, NUL
TRICKY = st.text(st.sampled_from(['a', '1', '中', ',', ';', '"', '\n', '\r', ' ', '\t', '\x00', '\u3000']), max_size=40)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TRICKY, separator=st.sampled_from([",", ";"]))
def test_the_same_cells_as_pandas_or_none(monkeypatch, text, separator):
    utf8 = text.encode("utf-8")
    read = arrow_csv.read_columns(utf8, separator)
    if read is not None:
        assert read == as_lists(pandas_columns(monkeypatch, utf8, separator))


@pytest.mark.parametrize("text", [
    'a,b\n"x,y",2\n',            # a separator in quotes
    'a,b\n"x\ny",2\n',           # a line end in quotes
    'a,b\n"x""y",2\n',           # a doubled quote
    'a,b\nx"y,2\n',              # a quote inside a cell
    'a,b\n"xy"z,2\n',            # text after a closing quote
    'a,b\r\n1,2\r\n',            # Windows line ends
    'a,b\r1,2\r',                # old Mac line ends
    'a,b\n\n1,2\n\n',            # blank lines, kept
    'a,b\n ,\u3000\n',           # spaces, kept
    '"a\nb",c\n1,2\n',           # a header cell with a line end
    '"a,b",c\n1,2\n',            # a header cell with a separator
])
def test_hostile_files_read_by_arrow_as_by_pandas(monkeypatch, text):
    utf8 = text.encode("utf-8")
    read = arrow_csv.read_columns(utf8, ",")
    assert read is not None, "pyarrow should read this file"
    assert read == as_lists(pandas_columns(monkeypatch, utf8, ","))


@pytest.mark.parametrize("utf8", [b"", b"\n", b"\r\n\r\n", b"\n1\n", b"a,b\n1,2,3\n", b"a,b,c\n1,2\n", b'a,b\n1,"2""\n', b'1\r\r"',
                                  "a,b\n1,\xff\n".encode("latin-1"), b"," * arrow_csv.MAX_COLUMNS + b"\n"])
def test_left_to_pandas(utf8):
    """A blank first line (pandas finds no columns), rows of unequal length (pandas pads short ones,
    refuses long ones), a quote open at the end (pandas refuses it), bytes that are not UTF-8, a
    line wider than Excel's sheets (no table of names for each of its columns)."""
    assert arrow_csv.read_columns(utf8, ",") is None


def test_repeating_columns_coded_and_others_kept_in_arrow(tmp_path):
    path = tmp_path / "项目绩效监控.csv"
    path.write_text("监控批次,截止日期,主管部门,项目名称,预算金额(万元),执行金额(万元)\n5月,2023-05-31,部门甲,项目一,12.5,3\n", encoding="utf-8")
    columns = inputs._csv_sheet(path, "x", lazy=True).load(MONITORING).columns
    assert [type(c) for c in columns] == [CodedCells] * 3 + [ArrowText] * 3
    assert [list(c) for c in columns] == [["监控批次", "5月"], ["截止日期", "2023-05-31"], ["主管部门", "部门甲"],
                                          ["项目名称", "项目一"], ["预算金额(万元)", "12.5"], ["执行金额(万元)", "3"]]
    plain = inputs._csv_sheet(path, "x", lazy=True).load().columns  # no table named: lists
    assert all(type(c) is list for c in plain)


@st.composite
def slices(draw):
    cells = draw(st.lists(st.text(st.sampled_from("ab中1.\n\x00 "), max_size=5), max_size=12))
    cuts = sorted(draw(st.lists(st.integers(0, len(cells)), max_size=3)))  # where the reader's chunks end
    start = draw(st.integers(0, len(cells)))
    stop = draw(st.integers(start, len(cells)))
    return cells, cuts, start, stop


@settings(max_examples=300, deadline=None)
@given(case=slices(), separator=st.sampled_from([b"\n", b"\x00"]), large=st.booleans())
def test_arrow_text_reads_as_its_list(case, separator, large):
    cells, cuts, start, stop = case
    kind = pa.large_string() if large else pa.string()
    chunks = [pa.array(cells[a:b], type=kind) for a, b in zip([0, *cuts], [*cuts, len(cells)])]
    text = ArrowText(pa.chunked_array(chunks, type=kind))[start:stop]  # a slice: Arrow's offsets do not start at 0
    expected = cells[start:stop]
    assert text.tolist() == list(text) == expected and len(text) == len(expected)
    assert [text[i] for i in range(len(text))] == expected
    assert text.joined(separator) == separator.join(c.encode("utf-8") for c in expected)
    assert text.any_filled() == any(expected)
    rows = list(range(len(expected)))[::-2]
    assert text.take(rows).tolist() == [expected[i] for i in rows]


CELLS = {
    "监控批次": ["5月", "8月", " 5月", "合计", ""],
    "截止日期": ["2023-05-31", "2023/8/31", ""],
    "主管部门": ["部门甲", " 部门乙 ", "部门\u200b丙", ""],
    "项目名称": ["项目一", "项目二", "", " 项目一", "小计", "项目\u202e三"],
    "预算金额(万元)": ["12.5", "1,260", "7", "", "-3", "１２", "12.34567", "9" * 20, "1e3", "7.5"],
    "执行金额(万元)": ["3.25", "7", "", "3.", ".5", "0"],
    "执行率": ["", "26%", "0.5"],
    "重点监控": ["", "是", "也许"],
    "发现问题(条)": ["", "2", "-1"],
}


@st.composite
def monitoring_csvs(draw):
    rows = [[draw(st.sampled_from(CELLS[h])) for h in MONITORING.headers] for _ in range(draw(st.integers(0, 10)))]
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), [""] * len(MONITORING.headers))
    out = io.StringIO()
    csv.writer(out).writerows([list(MONITORING.headers)] + rows)
    return out.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=monitoring_csvs())
def test_typed_table_as_from_pandas(tmp_path, monkeypatch, text):
    """Typing cells kept in Arrow (amounts read from Arrow's bytes, totals rows found on the
    joined first column) gives the table and findings of typing pandas' cells."""
    path = tmp_path / "项目绩效监控.csv"
    path.write_text(text, encoding="utf-8")
    arrow_table, arrow_findings = inputs.typed_table(MONITORING, inputs._csv_sheet(path, path.name, lazy=True).load(MONITORING))
    with monkeypatch.context() as m:
        m.setattr(arrow_csv, "read_columns", lambda *args, **kwargs: None)
        pandas_table, pandas_findings = inputs.typed_table(MONITORING, inputs._csv_sheet(path, path.name, lazy=True).load(MONITORING))
    assert [str(f) for f in arrow_findings] == [str(f) for f in pandas_findings]
    pd.testing.assert_frame_equal(arrow_table, pandas_table)
    for name in arrow_table.columns:
        assert [repr(v) for v in arrow_table[name]] == [repr(v) for v in pandas_table[name]]


def test_cells_across_the_readers_blocks(monkeypatch):
    """pyarrow parses a file in blocks, on several threads; a quoted line end or separator near a
    block's edge stays in its cell, and the rows keep their order."""
    monkeypatch.setattr(arrow_csv, "_BLOCK", 1 << 10)
    rows = [["名称", "金额"]] + [[f'项目{i}\n（第{i % 7}批）' if i % 3 else f"项目,{i}", f"{i}.5"] for i in range(3000)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    utf8 = out.getvalue().encode("utf-8")
    read = arrow_csv.read_columns(utf8, ",")
    assert read is not None and read == [[r[0] for r in rows], [r[1] for r in rows]]
    assert read == as_lists(pandas_columns(monkeypatch, utf8, ","))
