"""Property-based tests of the loaders: whatever is in a cell or a file, the result is a table
or a documented finding, never an exception."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

from conftest import minimal_rows, write_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perflib import cells
from perflib.findings import CODES
from perflib.inputs import load_dataset
from perflib.schema import TABLES_BY_NAME

cell_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**9, max_value=10**9),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)),
    st.booleans(),
    st.sampled_from(["１２,３４５", "1,234.5万元", "100000元", "46%", "2023年5月31日", "45077", "合计", " 优 ", "NaN", "1e400", "-0"]),
)
PARSERS = [cells.parse_amount, cells.parse_count, cells.parse_score, cells.parse_percent, cells.parse_date,
           lambda v: cells.parse_choice(v, ("公开", "涉密"))]


@given(value=cell_values, parser=st.sampled_from(PARSERS))
@settings(max_examples=600)
def test_a_cell_parses_or_raises_a_documented_cell_error(value, parser):
    try:
        result, notes = parser(value)
    except cells.CellError as error:
        assert error.code in CODES and error.expected
        return
    assert isinstance(notes, list)
    if parser is cells.parse_amount:
        assert isinstance(result, Decimal) and result >= 0 and result.is_finite()
    if parser is cells.parse_percent:
        assert Decimal(0) <= result <= Decimal(1)


@given(amount=st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_amounts_round_trip_through_their_text_forms(amount):
    for text in (f"{amount}", f"{amount:,}", f"{amount}万元"):
        assert cells.parse_amount(text)[0] == amount
    assert cells.parse_amount(f"{amount * 10000}元")[0] == amount


@given(values=st.lists(cell_values, min_size=7, max_size=7), rows=st.integers(min_value=1, max_value=3))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_cells_in_a_workbook_give_a_table_or_findings(tmp_path_factory, values, rows):
    path = tmp_path_factory.mktemp("wb") / "data.xlsx"
    safe = [v.replace("\x00", "") if isinstance(v, str) else v for v in values]  # Excel cannot store NUL
    safe = [None if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))) else v for v in safe]
    try:
        write_workbook(path, {"key_evaluations": [safe] * rows})
    except Exception:  # openpyxl refuses some control characters: not a file a user can have
        return
    dataset = load_dataset(path, "data.xlsx")
    assert all(f.code in CODES for f in dataset.findings)
    table = dataset.tables["key_evaluations"]
    assert set(TABLES_BY_NAME["key_evaluations"].headers)  # the schema is intact
    assert len(table) in (0, rows) or any(f.code == "W202" for f in dataset.findings)


@given(data=st.binary(max_size=2000))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_as_a_workbook_give_a_finding(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "data.xlsx"
    path.write_bytes(data)
    dataset = load_dataset(path, "data.xlsx")
    assert [f.code for f in dataset.findings][:1] == ["E100"] or all(f.code in CODES for f in dataset.findings)


@given(member=st.binary(max_size=500))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_zip_that_is_not_a_workbook_gives_e100(tmp_path_factory, member):
    path = tmp_path_factory.mktemp("zip") / "data.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", member)
    path.write_bytes(buffer.getvalue())
    assert [f.code for f in load_dataset(path, "data.xlsx").findings] == ["E100"]


@given(data=st.binary(max_size=1000))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_bytes_as_a_csv_give_a_table_or_findings(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("csv")
    (folder / "培训.csv").write_bytes(data)
    dataset = load_dataset(folder, "data/x")
    assert all(f.code in CODES for f in dataset.findings)


def test_a_workbook_with_a_wrong_dimension_is_read_whole(tmp_path):
    """WPS and some exporters write <dimension ref="A1"/>; read-only openpyxl would stop at row 1."""
    path = write_workbook(tmp_path / "wps.xlsx", {"trainings": [["2023-03-01", "甲", 200], ["2023-04-01", "乙", 180]]})
    patched = tmp_path / "wps-patched.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data, n = re.subn(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data)
                assert n == 1
            target.writestr(item, data)
    dataset = load_dataset(patched, "wps.xlsx")
    assert [f for f in dataset.findings if f.is_error] == []
    assert list(dataset.tables["trainings"]["attendees"]) == [200, 180]


def test_csv_with_and_without_bom_read_the_same(tmp_path):
    rows = "培训日期,培训内容,参训人次\n2023-03-01,甲,200\n"
    for name, data in (("plain", rows.encode("utf-8")), ("bom", b"\xef\xbb\xbf" + rows.encode("utf-8"))):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "培训.csv").write_bytes(data)
        dataset = load_dataset(folder, name)
        assert list(dataset.tables["trainings"]["attendees"]) == [200]
        assert not [f for f in dataset.findings if f.sheet == "培训"]


def test_minimal_rows_cover_every_table():
    assert set(minimal_rows()) == set(TABLES_BY_NAME)


def test_a_merged_title_above_the_header_is_skipped(tmp_path):
    from openpyxl import load_workbook

    path = write_workbook(tmp_path / "merged.xlsx", {"trainings": [["2023-03-01", "甲", 200]]})
    wb = load_workbook(path)
    ws = wb["培训"]
    ws.insert_rows(1)
    ws["A1"] = "2023年预算绩效管理培训情况表"
    ws.merge_cells("A1:C1")
    wb.save(path)
    dataset = load_dataset(path, "merged.xlsx")
    assert [(f.code, f.row) for f in dataset.findings if f.sheet == "培训"] == [("W206", 1)]
    assert list(dataset.tables["trainings"]["excel_row"]) == [3]
    assert list(dataset.tables["trainings"]["attendees"]) == [200]
