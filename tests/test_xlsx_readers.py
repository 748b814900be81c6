"""calamine reads every workbook into exactly the Sheets openpyxl (the reference) gives: the same
values of the same Python types, names, hidden flags and order; where it cannot, the workbook is
read with openpyxl."""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, write_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from test_bad_inputs import CASES, materialize

from perflib import xlsx
from perflib.inputs import load_dataset, read_sheets
from perflib.xlsx import NotLikeOpenpyxl, calamine_worksheets

SAMPLES = sorted(ROOT.glob("data/**/*.xlsx"))


def typed_sheets(path: Path, reader: str) -> list:
    """Everything a Sheet holds, with each cell's type, in workbook order."""
    sheets = read_sheets(path, "data.xlsx", reader)
    return [(key, s.name, s.file, s.hidden, s.encoding_note, [[(type(v), v) for v in column] for column in s.columns])
            for key, s in sheets.items()]


def assert_read_alike(path: Path) -> None:
    assert typed_sheets(path, "calamine") == typed_sheets(path, "openpyxl")


def assert_read_by_calamine_alike(path: Path) -> None:
    """The same Sheets, and calamine's own values: no falling back to openpyxl."""
    calamine_worksheets(path)
    assert_read_alike(path)


def sheet_xml_workbook(path: Path, sheet_data: str, formats: tuple[str, ...] = ()) -> Path:
    """A one-sheet workbook whose <sheetData> is written by hand; cell style s="i" has ``formats[i - 1]``."""
    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    for i, number_format in enumerate(formats):
        ws.cell(row=1, column=i + 1, value=1).number_format = number_format
    wb.save(path)
    return replace_in_part(path, "xl/worksheets/sheet1.xml", rb"<sheetData>.*</sheetData>|<sheetData/>",
                           b"<sheetData>" + sheet_data.encode() + b"</sheetData>")


def replace_in_part(path: Path, part: str, pattern: bytes, replacement: bytes) -> Path:
    items = []
    with zipfile.ZipFile(path) as source:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                data, n = re.subn(pattern, lambda _: replacement, data, flags=re.S)
                assert n == 1, f"{pattern!r} not in {part}"
            items.append((item, data))
    with zipfile.ZipFile(path, "w") as target:
        for item, data in items:
            target.writestr(item, data)
    return path


def cells_row(values: list[str], style: int = 0, t: str | None = None) -> str:
    kind = f' t="{t}"' if t else ""
    return "".join(f'<row r="{i + 1}"><c r="A{i + 1}" s="{style}"{kind}><v>{v}</v></c></row>' for i, v in enumerate(values))


# The workbooks the project ships and the tests write -----------------------------------------
@pytest.mark.parametrize("path", SAMPLES, ids=[p.relative_to(ROOT).as_posix() for p in SAMPLES])
def test_sample_workbooks_are_read_alike_by_calamine_itself(path):
    assert_read_by_calamine_alike(path)


@pytest.mark.parametrize("path", SAMPLES[:2], ids=[p.relative_to(ROOT).as_posix() for p in SAMPLES[:2]])
def test_sample_datasets_load_alike_with_either_reader(path):
    label = path.relative_to(ROOT).as_posix()
    by_calamine, by_openpyxl = load_dataset(path, label, reader="calamine"), load_dataset(path, label, reader="openpyxl")
    assert by_calamine.findings == by_openpyxl.findings and by_calamine.info == by_openpyxl.info
    assert list(by_calamine.tables) == list(by_openpyxl.tables)
    for name, table in by_calamine.tables.items():
        assert table.equals(by_openpyxl.tables[name]), name


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_workbooks_are_read_alike(case, tmp_path):
    materialize(case, tmp_path)
    workbooks = sorted((tmp_path / "data").glob("*.xlsx"))
    for path in workbooks:
        outcomes = []
        for reader in xlsx.READERS:
            try:
                outcomes.append(typed_sheets(path, reader))
            except Exception as exc:  # an unreadable file: the same error, so the same E100 message
                outcomes.append(type(exc))
        assert outcomes[0] == outcomes[1], path.name
        findings = [load_dataset(path, "data.xlsx", reader=reader).findings for reader in xlsx.READERS]
        assert findings[0] == findings[1]


def test_the_minimal_workbook_is_read_by_calamine_itself(tmp_path):
    assert_read_by_calamine_alike(write_workbook(tmp_path / "minimal.xlsx"))


@given(values=st.lists(st.one_of(st.none(), st.text(max_size=12), st.booleans(), st.integers(-10**16, 10**16),
                                 st.floats(allow_nan=False, allow_infinity=False), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
                                 st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(2100, 12, 31))), min_size=7, max_size=7))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_cells_written_by_openpyxl_are_read_alike(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("wb") / "data.xlsx"
    try:
        write_workbook(path, {"key_evaluations": [values, values[::-1]]})
    except Exception:  # openpyxl refuses some control characters: not a file a user can have
        return
    assert_read_alike(path)


# Values calamine gives differently, mapped onto openpyxl's ------------------------------------
def test_whole_numbers_are_int_and_fractions_float(tmp_path):
    path = write_workbook(tmp_path / "numbers.xlsx", {"trainings": [["2023-03-01", "甲", 200], ["2023-04-01", "乙", 180.0],
                                                                  ["2023-05-01", "丙", 12.5], ["2023-06-01", "丁", -3], ["2023-07-01", "戊", 0]]})
    assert_read_by_calamine_alike(path)
    attendees = read_sheets(path, "numbers.xlsx")["培训"].columns[2][1:]
    assert [(type(v), v) for v in attendees] == [(int, 200), (int, 180), (float, 12.5), (int, -3), (int, 0)]


def test_dates_and_datetimes_read_as_datetime(tmp_path):
    rows = [[dt.date(2023, 5, 31), "甲", 1], [dt.datetime(2023, 6, 1, 14, 30, 5), "乙", 2],
            [dt.datetime(2023, 6, 2, 23, 59, 59, 999_600), "丙", 3], [dt.time(13, 45), "丁", 4], [dt.timedelta(hours=30), "戊", 5]]
    path = write_workbook(tmp_path / "dates.xlsx", {"trainings": rows})
    assert_read_by_calamine_alike(path)
    dates = read_sheets(path, "dates.xlsx")["培训"].columns[0][1:]
    assert dates == [dt.datetime(2023, 5, 31), dt.datetime(2023, 6, 1, 14, 30, 5), dt.datetime(2023, 6, 3),
                     dt.time(13, 45), dt.timedelta(hours=30)]
    assert type(dates[0]) is dt.datetime


@pytest.mark.parametrize("date1904", [False, True], ids=["1900 epoch", "1904 epoch"])
def test_date_serials_in_every_kind_of_date_format_read_alike(date1904, tmp_path):
    serials = ["1", "59", "60", "61", "0.5", "1.5", "45077", "45077.25", "45077.999999", "45077.9999999999", "0.000001"]
    serials.append("2957003" if date1904 else "2958465")  # 9999-12-31
    formats = ("yyyy-mm-dd", "yyyy-mm-dd h:mm:ss", "h:mm", "[h]:mm:ss", 'yyyy"年"m"月"d"日"', "0.00")
    data = "".join(f'<row r="{i + 1}">' + "".join(f'<c r="{"ABCDEF"[j]}{i + 1}" s="{j + 1}"><v>{v}</v></c>' for j in range(len(formats))) + "</row>"
                   for i, v in enumerate(serials))
    path = sheet_xml_workbook(tmp_path / "serials.xlsx", data, formats)
    if date1904:
        replace_in_part(path, "xl/workbook.xml", rb"<workbookPr\b[^>]*/>", b'<workbookPr date1904="1"/>')
    assert_read_by_calamine_alike(path)
    assert read_sheets(path, "serials.xlsx")["表"].columns[0][-1] == dt.datetime(9999, 12, 31)


def test_leading_empty_rows_and_columns_keep_excel_positions(tmp_path):
    path = tmp_path / "offset.xlsx"
    wb = Workbook()
    wb.active["C3"] = "表头"
    wb.active["D5"] = 7
    wb.save(path)
    assert_read_by_calamine_alike(path)
    sheet = read_sheets(path, "offset.xlsx")["Sheet"]
    assert sheet.row(2) == [None, None, "表头", None] and sheet.row(4) == [None, None, None, 7]


def test_formatted_cells_after_the_data_are_not_part_of_the_sheet(tmp_path):
    data = ('<row r="1"><c r="A1"><v>1</v></c><c r="E1" s="1"/></row><row r="2"><c r="B2"><v>2</v></c></row>'
            '<row r="5"><c r="C5" s="1"/></row><row r="9" ht="20" customHeight="1"/>')
    path = sheet_xml_workbook(tmp_path / "formatted.xlsx", data, ("0.00",))
    assert_read_by_calamine_alike(path)
    assert read_sheets(path, "formatted.xlsx", "openpyxl")["表"].columns == [[1, None], [None, 2]]


def test_hidden_and_very_hidden_sheets_keep_their_flags_names_and_order(tmp_path):
    path = tmp_path / "hidden.xlsx"
    wb = Workbook()
    wb.active.title = "可见"
    wb.active["A1"] = "甲"
    for title, state in (("隐藏", "hidden"), (" 深度隐藏 ", "veryHidden"), ("说明", "visible")):
        ws = wb.create_sheet(title)
        ws["B2"] = title
        ws.sheet_state = state
    chart = BarChart()
    chart.add_data(Reference(wb["隐藏"], min_col=2, min_row=2))
    wb.create_chartsheet("图表").add_chart(chart)  # no cells: neither reader lists it
    wb.save(path)
    assert_read_by_calamine_alike(path)
    sheets = read_sheets(path, "hidden.xlsx")
    # names as written, spaces kept: a name that is a table's only once trimmed is E175 (test_data_not_silent)
    assert [(k, s.hidden) for k, s in sheets.items()] == [("可见", False), ("隐藏", True), (" 深度隐藏 ", True), ("说明", False)]


def test_a_formula_cell_reads_its_cached_value(tmp_path):
    data = ('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1" t="str"><f>"甲"&amp;"乙"</f><v>甲乙</v></c>'
            '<c r="C1" t="b"><f>TRUE()</f><v>1</v></c><c r="D1"><f>SUM(A1:A1)*1.5</f><v>3</v></c><c r="E1"><f>1/3</f><v>0.33333333333333331</v></c>'
            '<c r="F1"><f>NOW()</f></c><c r="G1" t="str"><f>""</f><v></v></c></row>')
    path = sheet_xml_workbook(tmp_path / "formulas.xlsx", data)
    assert_read_by_calamine_alike(path)
    assert read_sheets(path, "formulas.xlsx")["表"].row(0) == [2, "甲乙", True, 3, 1 / 3]


def test_a_wrong_dimension_is_read_whole_by_calamine(tmp_path):
    """WPS and some exporters write <dimension ref="A1"/> (test_loader_properties has the dataset)."""
    path = write_workbook(tmp_path / "wps.xlsx", {"trainings": [["2023-03-01", "甲", 200], ["2023-04-01", "乙", 180]]})
    sheet = load_workbook(path).sheetnames.index("培训") + 1
    replace_in_part(path, f"xl/worksheets/sheet{sheet}.xml", rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>')
    assert_read_by_calamine_alike(path)
    assert read_sheets(path, "wps.xlsx")["培训"].columns[2] == ["参训人次", 200, 180]


def test_shared_strings_rich_text_and_kept_spaces_read_alike(tmp_path):
    path = sheet_xml_workbook(tmp_path / "strings.xlsx", "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(4)))
    strings = ('<si><r><t>富</t></r><r><rPr><b/></rPr><t xml:space="preserve"> 文本 </t></r></si><si><t>漢字</t><rPh sb="0" eb="2"><t>カンジ</t></rPh></si>'
               '<si><t xml:space="preserve">  两端空格  </t></si><si><t>换行\n&amp;&lt;</t></si>')
    add_shared_strings(path, strings)
    assert_read_by_calamine_alike(path)
    assert read_sheets(path, "strings.xlsx")["表"].columns[0] == ["富 文本 ", "漢字", "  两端空格  ", "换行\n&<"]


def add_shared_strings(path: Path, strings: str) -> Path:
    replace_in_part(path, "[Content_Types].xml", rb"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    replace_in_part(path, "xl/_rels/workbook.xml.rels", rb"</Relationships>", b'<Relationship Id="rIdStrings" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>')
    return path


# What calamine cannot give as openpyxl does: the workbook is read with openpyxl ----------------
FALLBACKS = {
    "error_cells": (cells_row(["#DIV/0!", "#N/A"], t="e"), (), ["#DIV/0!", "#N/A"]),
    "whole_number_written_with_a_point": (cells_row(["1.0", "2"]), (), [1.0, 2]),
    "exponent_notation": (cells_row(["1E3", "1.5E-3"]), (), [1000.0, 0.0015]),
    "integer_beyond_float_precision": (cells_row(["12345678901234567891"]), (), [12345678901234567891]),
    "escaped_carriage_return": ('<row r="1"><c r="A1" t="inlineStr"><is><t>甲_x000D_乙</t></is></c></row>', (), ["甲_x000D_乙"]),
    "empty_inline_string": ('<row r="1"><c r="A1" t="inlineStr"><is><t/></is></c><c r="B1"><v>1</v></c></row>', (), [""]),
    "space_without_preserve": ('<row r="1"><c r="A1" t="inlineStr"><is><t> 甲 </t></is></c></row>', (), [" 甲 "]),
    "iso_date_cell": (cells_row(["2023-05-31"], t="d"), (), [dt.date(2023, 5, 31)]),
    "negative_date_serial": (cells_row(["-5", "0.5"], style=1), ("yyyy-mm-dd h:mm",), [dt.datetime(1899, 12, 25), dt.time(12)]),
    "midnight_time_or_almost_a_day": (cells_row(["0", "0.9999999999"], style=1), ("h:mm",), [dt.time(0), dt.datetime(1900, 1, 1)]),
    "date_beyond_9999": (cells_row(["2958466"], style=1), ("yyyy-mm-dd",), ["#VALUE!"]),
    "format_the_readers_class_differently": (cells_row(["45000.25"], style=1), ("#,##0*y",), [dt.datetime(2023, 3, 15, 6)]),
}


@pytest.mark.filterwarnings("ignore:Cell A1 is marked as a date:UserWarning")  # openpyxl on the date beyond 9999
@pytest.mark.parametrize("name", FALLBACKS)
def test_what_calamine_reads_differently_is_read_with_openpyxl(name, tmp_path):
    data, formats, first_column = FALLBACKS[name]
    path = sheet_xml_workbook(tmp_path / f"{name}.xlsx", data, formats)
    with pytest.raises(NotLikeOpenpyxl):
        calamine_worksheets(path)
    assert_read_alike(path)
    assert read_sheets(path, "x.xlsx")["表"].columns[0] == first_column


def test_an_empty_shared_string_is_read_with_openpyxl(tmp_path):
    path = add_shared_strings(sheet_xml_workbook(tmp_path / "empty.xlsx", cells_row(["0", "1"], t="s")), "<si><t/></si><si><t>甲</t></si>")
    with pytest.raises(NotLikeOpenpyxl, match="empty string"):
        calamine_worksheets(path)
    assert_read_alike(path)
    assert read_sheets(path, "x.xlsx")["表"].columns[0] == ["", "甲"]


def test_a_workbook_calamine_cannot_read_is_read_with_openpyxl(tmp_path):
    path = sheet_xml_workbook(tmp_path / "unknown-error.xlsx", cells_row(["#GETTING_DATA"], t="e"))
    with pytest.raises(Exception):
        xlsx._calamine_rows(path)  # calamine rejects an error value it does not know
    assert read_sheets(path, "x.xlsx")["表"].columns == [["#GETTING_DATA"]]


def test_a_panic_in_calamine_goes_to_openpyxl(tmp_path, monkeypatch):
    class PanicException(BaseException):  # how pyo3 raises a Rust panic
        pass

    def panic(path):
        raise PanicException("called `Result::unwrap()` on an `Err` value")

    monkeypatch.setattr(xlsx, "calamine_worksheets", panic)
    path = write_workbook(tmp_path / "x.xlsx")
    assert typed_sheets(path, "calamine") == typed_sheets(path, "openpyxl")


def test_numbers_in_date_formats_read_alike_or_go_to_openpyxl(tmp_path_factory):
    @given(numbers=st.lists(st.one_of(st.integers(-10**6, 3 * 10**6).map(str), st.floats(-10**6, 3 * 10**6).map(repr),
                                      st.floats(0, 2).map(repr), st.floats(0, 10**17).map(lambda v: f"{v:.17g}")), min_size=1, max_size=6),
           number_format=st.sampled_from(["General", "0.00", "yyyy-mm-dd", "yyyy-mm-dd h:mm:ss.000", "h:mm:ss", "[h]:mm:ss", "mm:ss.0"]),
           date1904=st.booleans())
    @settings(max_examples=150, deadline=None)
    def read_alike(numbers, number_format, date1904):
        path = sheet_xml_workbook(tmp_path_factory.mktemp("n") / "n.xlsx", cells_row(numbers, style=1), (number_format,))
        if date1904:
            replace_in_part(path, "xl/workbook.xml", rb"<workbookPr\b[^>]*/>", b'<workbookPr date1904="1"/>')
        try:
            by_calamine = [[(type(v), v) for v in c] for c in calamine_worksheets(path)[0].columns]
        except Exception:  # NotLikeOpenpyxl, or a serial calamine cannot read (days=10**9): openpyxl reads it
            return
        by_openpyxl = [[(type(v), v) for v in c] for c in xlsx.openpyxl_worksheets(path)[0].columns]
        assert by_calamine == by_openpyxl, (numbers, number_format)

    read_alike()


def test_an_unknown_reader_is_refused(tmp_path):
    path = write_workbook(tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match="reader"):
        read_sheets(path, "x.xlsx", reader="xlrd")
    with pytest.raises(ValueError, match="reader"):
        load_dataset(path, "x.xlsx", reader="xlrd")


def test_xlsx_is_read_by_calamine_by_default(tmp_path, monkeypatch):
    read = []
    monkeypatch.setattr(xlsx, "calamine_worksheets", lambda path: read.append(path) or calamine_worksheets(path))
    path = write_workbook(tmp_path / "x.xlsx")
    load_dataset(path, "x.xlsx")
    assert read == [path]
