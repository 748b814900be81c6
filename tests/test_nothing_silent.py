"""Nothing silent (issue #13), unit level: what a params file or a workbook holds is never
silently dropped, truncated or chosen between; the bad-input corpus has a case for each code."""
from __future__ import annotations

import pytest
import yaml
from conftest import ROOT

from perflib.errors import ParamsError
from perflib.params import load_params


def small_project(root, **changes):
    (root / "notebooks").mkdir()
    params = yaml.safe_load((ROOT / "params" / "heshuo" / "2023.yaml").read_text(encoding="utf-8"))
    params.update(changes)
    (root / "params" / "heshuo").mkdir(parents=True)
    (root / "params" / "heshuo" / "2023.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    (root / "data" / "heshuo").mkdir(parents=True)
    (root / "data" / "heshuo" / "2023.xlsx").write_bytes((ROOT / "data" / "heshuo" / "2023.xlsx").read_bytes())
    return root


@pytest.mark.parametrize("year", [2023.5, "2023; x", True, "二〇二三"])
def test_a_year_that_is_not_a_year_is_refused_not_truncated(tmp_path, year):
    small_project(tmp_path)
    from perflib.errors import PerflibError

    with pytest.raises(PerflibError) as raised:
        load_params("heshuo", year, tmp_path)  # as papermill would inject it into the notebook
    # the year chosen for a run is checked before any path is built (E155, perflib.safety);
    # a year written inside the params file is E172
    assert raised.value.code == "E155" and f"「{year}」" in str(raised.value)


def test_a_year_written_as_text_of_four_digits_is_read(tmp_path):
    small_project(tmp_path, year="2023")
    assert load_params("heshuo", "2023", tmp_path).year == 2023


def test_a_params_level_that_is_not_a_mapping_is_refused_with_its_name(tmp_path):
    small_project(tmp_path, facts=["indicator_system"])
    with pytest.raises(ParamsError, match="facts 应为键值对"):
        load_params("heshuo", 2023, tmp_path)


def test_papermill_overrides_are_checked_like_the_file(tmp_path):
    small_project(tmp_path)
    with pytest.raises(ParamsError) as raised:
        load_params("heshuo", 2023, tmp_path, overrides={"text": {"policy_basis": "x", "measure": []}})
    assert raised.value.code == "E170" and "text.measure（是否应为 text.measures？）" in str(raised.value)


def test_duplicate_keys_at_any_depth_are_found():
    from perflib.params_yaml import DuplicateKey, load

    with pytest.raises(DuplicateKey) as raised:
        load("text:\n  policy_basis: a\n  problems: []\n  policy_basis: b\n")
    assert (raised.value.key, raised.value.first_line, raised.value.second_line) == ("policy_basis", 2, 4)
    assert load("a: 1\nb: {a: 2}\n") == {"a": 1, "b": {"a": 2}}  # the same key at two levels is fine


# -- workbooks ------------------------------------------------------------------------------------

def formula_workbook(path, n_rows: int = 2000):
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "培训"
    ws.append(["培训日期", "培训内容", "参训人次"])
    for i in range(n_rows):
        ws.append(["2023-06-01", f"培训{i}", 30])
    ws["C50"] = "=10+20"
    ws["C1500"] = '=SUM(C2:C3)&"<x>"'
    ws["C1501"] = "=1+1"
    wb.save(path)
    # a formula with a cached value (as Excel saves it) is not reported: give C1501 its value
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b'<c r="C1501"><f>1+1</f><v></v></c>', b'<c r="C1501"><f>1+1</f><v>2</v></c>')
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("chunk", [1 << 22, 97, 4096])
def test_formulas_without_cached_values_are_found_whatever_the_chunk(tmp_path, monkeypatch, chunk):
    from perflib import workbook_checks

    monkeypatch.setattr(workbook_checks, "_CHUNK", chunk)
    found = workbook_checks.formulas_without_values(formula_workbook(tmp_path / "f.xlsx"))
    assert found == {"培训": [(50, 2, "=10+20"), (1500, 2, '=SUM(C2:C3)&"<x>"')]}


def test_a_formula_without_value_is_one_finding_not_also_a_blank_cell(tmp_path):
    from perflib.inputs import read_sheets, typed_table
    from perflib.schema import TABLES_BY_NAME

    path = formula_workbook(tmp_path / "f.xlsx")
    sheet = read_sheets(path, "f.xlsx")["培训"]
    _, findings = typed_table(TABLES_BY_NAME["trainings"], sheet)
    assert [(f.code, f.row, f.column) for f in findings if f.is_error] == [("E174", 50, "参训人次"), ("E174", 1500, "参训人次")]


def test_column_letters_are_as_excel_shows_them():
    from perflib.workbook_checks import column_letter

    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702, 16383)] == ["A", "Z", "AA", "AB", "ZZ", "AAA", "XFD"]


def test_a_csv_with_a_title_row_and_semicolons_is_read_by_its_header(tmp_path):
    from perflib.inputs import _csv_sheet

    path = tmp_path / "培训.csv"
    path.write_text("2023年培训情况表\n培训日期;培训内容;参训人次\n2023-06-01;培训;30\n", encoding="utf-8")
    sheet = _csv_sheet(path, "培训.csv")
    assert sheet.delimiter_note and sheet.row(2) == ["2023-06-01", "培训", "30"]
    path.write_text("培训日期,培训内容,参训人次\n2023-06-01,培训;线上,30\n", encoding="utf-8")
    assert _csv_sheet(path, "培训.csv").delimiter_note is None  # commas in the header: a comma CSV


@pytest.mark.parametrize("text, value", [("١٢٠", 120), ("۱۲۰.۵", "120.5"), ("१२०", 120), ("１２０", 120)])
def test_digits_of_any_script_are_read_and_said(text, value):
    from decimal import Decimal

    from perflib.cells import parse_amount, parse_column

    amount, notes = parse_amount(text)
    assert amount == Decimal(str(value)) and notes
    values, errors, applied = parse_column("money", [text, "5"])
    assert values[0] == Decimal(str(value)) and applied and applied[0][0] == 0, "the fast path does not take them silently"


# -- audit-text -------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"", "\n \u3000\n".encode("utf-8"), "这是一段没有任何数字的文字。".encode("utf-8")],
                         ids=["empty", "blank", "no-figures"])
def test_audit_text_on_a_text_with_nothing_to_check_says_so(tmp_path, monkeypatch, capsys, content):
    from perflib.cli import main

    text = tmp_path / "报告.txt"
    text.write_bytes(content)
    monkeypatch.setenv("PERFLIB_ROOT", str(ROOT))
    assert main(["audit-text", str(text), "--county", "heshuo", "--year", "2023"]) == 1
    captured = capsys.readouterr()
    assert "[E177 错误]" in captured.err and "没有可核对的内容" in captured.err
    assert "未发现问题" not in captured.out + captured.err


def test_an_empty_docx_has_nothing_to_check(tmp_path, monkeypatch, capsys):
    import docx

    from perflib.cli import main

    path = tmp_path / "空.docx"
    docx.Document().save(str(path))
    monkeypatch.setenv("PERFLIB_ROOT", str(ROOT))
    assert main(["audit-text", str(path), "--county", "heshuo", "--year", "2023"]) == 1
    assert "没有文字" in capsys.readouterr().err
