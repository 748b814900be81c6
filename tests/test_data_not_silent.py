"""Data that should not pass silently: look-alike sheet and CSV names (E175, whichever comes
first), spaces between digits (W209 read, E106 refused), an OpenDocument file named .xlsx (E107),
and invisible characters in what a finding quotes (shown as <U+XXXX>)."""
from __future__ import annotations

import dataclasses
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import make_params, minimal_rows
from openpyxl import Workbook, load_workbook

from perflib.cli import main
from perflib.findings import Finding, visible
from perflib.inputs import load_dataset
from perflib.schema import TABLES, TABLES_BY_NAME

TRAINING_HEADER = ["培训日期", "培训内容", "参训人次"]
HOSTILE_TRAINING = [TRAINING_HEADER, ["2023-06-01", "培训", 999]]


def workbook(path: Path, before: dict[str, list[list]] | None = None, rows: dict[str, list[list]] | None = None,
             drop: tuple[str, ...] = (), after: dict[str, list[list]] | None = None) -> Path:
    """The minimal workbook (a sheet per table, ``rows`` replacing a table's rows), with the sheets
    ``before`` listed ahead of it and ``after`` behind it (as written, header included); the sheets
    of ``drop`` left out."""
    rows = {**minimal_rows(), **(rows or {})}
    wb = Workbook()
    wb.remove(wb.active)
    sheets = dict(before or {})
    sheets.update({spec.sheet: [list(spec.headers), *rows[spec.name]] for spec in TABLES if spec.sheet not in drop})
    sheets.update(after or {})
    for name, lines in sheets.items():
        ws = wb.create_sheet(name)
        for line in lines:
            ws.append(line)
    wb.save(path)
    return path


def check(root: Path, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setenv("PERFLIB_ROOT", str(root))
    code = main(["check", "--county", "demo", "--year", "2023"])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output
    return code, output


def lines_of(output: str, code: str) -> list[str]:
    return [line for line in output.splitlines() if f"[{code} " in line]


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


# -- look-alike sheet names ----------------------------------------------------------------------

def test_a_look_alike_sheet_listed_before_the_real_one_stops_check_naming_both(tmp_path, monkeypatch, capsys):
    make_params(tmp_path)
    data = workbook(tmp_path / "data" / "demo-2023.xlsx", before={"培训 ": HOSTILE_TRAINING})
    code, output = check(tmp_path, monkeypatch, capsys)
    assert code == 1, output
    found = lines_of(output, "E175")
    assert any("「培训 」" in line and "「培训」" in line and "工作表「培训」" in line for line in found), output
    assert not lines_of(output, "W208"), output  # not a sheet merely ignored
    dataset = load_dataset(data)
    assert 999 not in list(dataset["trainings"]["attendees"]) and 30 not in list(dataset["trainings"]["attendees"])


# (the table's sheet, a look-alike of it): spaces half- and full-width before, after and inside,
# zero-width and other invisible format characters, a compatibility form (Kangxi radical ⽬ for 目)
LOOK_ALIKES = [
    ("培训", "培训 "), ("培训", " 培训"), ("培训", "培训\u3000"), ("培训", "\u3000培训"), ("培训", "培 训"),
    ("培训", "培\u200b训"), ("培训", "培训\u2060"), ("培训", "\ufeff培训"), ("培训", "培训\u00a0"),
    ("项目目标审核", "项\u2f6c目标审核"),
]


@pytest.mark.parametrize("first", [True, False], ids=["look_alike_first", "look_alike_second"])
@pytest.mark.parametrize("real, alike", LOOK_ALIKES, ids=[repr(a) for _, a in LOOK_ALIKES])
def test_two_sheets_alike_are_e175_whichever_comes_first(tmp_path, real, alike, first):
    table = next(spec for spec in TABLES if spec.sheet == real)
    hostile = {alike: [list(table.headers), *[["999" if isinstance(v, int) else v for v in r] for r in minimal_rows()[table.name]]]}
    path = workbook(tmp_path / "x.xlsx", before=hostile if first else None, after=None if first else hostile)
    dataset = load_dataset(path, "data/x.xlsx")
    found = [f for f in dataset.findings if f.code == "E175"]
    assert len(found) == 1 and found[0].sheet == real
    assert f"「{visible(alike)}」" in found[0].message and f"「{real}」" in found[0].message
    assert "W208" not in codes(dataset.findings)
    assert dataset[table.name].empty  # neither sheet is read: which one holds the table is not guessed


@pytest.mark.parametrize("real, alike", LOOK_ALIKES, ids=[repr(a) for _, a in LOOK_ALIKES])
def test_a_lone_look_alike_sheet_is_e175_naming_the_expected_name(tmp_path, real, alike):
    table = next(spec for spec in TABLES if spec.sheet == real)
    path = workbook(tmp_path / "x.xlsx", drop=(real,), after={alike: [list(table.headers), *minimal_rows()[table.name]]})
    dataset = load_dataset(path, "data/x.xlsx")
    found = [f for f in dataset.findings if f.code == "E175"]
    assert len(found) == 1 and found[0].sheet == real and found[0].is_error
    assert f"「{visible(alike)}」" in found[0].message and f"「{real}」" in found[0].message and "未读取" in found[0].message
    assert not {"W208", "E101"} & codes(dataset.findings)  # not "ignored", not "missing": named as what it is
    assert dataset[table.name].empty


@pytest.mark.parametrize("alike", ["TRAINING", "training", "Ｔｒａｉｎｉｎｇ", "Training "])
def test_latin_sheet_names_alike_but_for_case_or_width_are_e175(tmp_path, alike):
    spec = dataclasses.replace(TABLES_BY_NAME["trainings"], sheet="Training")  # a county's own sheet name (params columns:)
    wb = Workbook()
    wb.remove(wb.active)
    for name in (alike, "Training"):
        ws = wb.create_sheet(name)
        ws.append(TRAINING_HEADER)
        ws.append(["2023-06-01", "培训", 30])
    wb.save(tmp_path / "x.xlsx")
    dataset = load_dataset(tmp_path / "x.xlsx", "data/x.xlsx", specs=[spec])
    found = [f for f in dataset.findings if f.code == "E175"]
    assert len(found) == 1 and "「Training」" in found[0].message and f"「{visible(alike)}」" in found[0].message
    assert dataset["trainings"].empty


def test_an_exact_sheet_name_beside_unrelated_sheets_is_read(tmp_path):
    path = workbook(tmp_path / "x.xlsx", after={"培训情况 ": HOSTILE_TRAINING, "说明 ": [["备注"]]})
    dataset = load_dataset(path, "data/x.xlsx")
    assert "E175" not in codes(dataset.findings)
    assert list(dataset["trainings"]["attendees"]) == [30]


def csv_folder(folder: Path, files: dict[str, int]) -> Path:
    """A CSV data folder: every table of ``minimal_rows`` but 培训, and the files ``files`` (name → 参训人次)."""
    folder.mkdir()
    rows = minimal_rows()
    for spec in TABLES:
        if spec.sheet != "培训":
            lines = [list(spec.headers), *rows[spec.name]]
            (folder / f"{spec.sheet}.csv").write_text("\n".join(",".join(str(v) for v in line) for line in lines) + "\n", encoding="utf-8")
    for name, attendees in files.items():
        (folder / name).write_text(f"{','.join(TRAINING_HEADER)}\n2023-06-01,培训,{attendees}\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("other", ["培训.CSV", "培训.Csv", "培训 .csv", "培训\u3000.csv"])
def test_two_csv_files_of_one_sheet_are_e175_naming_both_files(tmp_path, other):
    folder = csv_folder(tmp_path / "2023", {"培训.csv": 30, other: 999})
    dataset = load_dataset(folder, "data/x/2023")
    found = [f for f in dataset.findings if f.code == "E175"]
    assert len(found) == 1 and found[0].sheet == "培训"
    assert "「培训.csv」" in found[0].message and f"「{visible(other)}」" in found[0].message and "CSV 文件" in found[0].message
    assert dataset["trainings"].empty


def test_a_csv_file_with_an_upper_case_extension_is_read(tmp_path):
    folder = csv_folder(tmp_path / "2023", {"培训.CSV": 30})
    dataset = load_dataset(folder, "data/x/2023")
    assert not {"E175", "E101"} & codes(dataset.findings)
    assert list(dataset["trainings"]["attendees"]) == [30]


def test_a_csv_file_with_an_upper_case_extension_is_hashed_in_the_manifest(tmp_path):
    import yaml

    from perflib.manifest import input_files
    from perflib.params import load_params

    make_params(tmp_path)
    csv_folder(tmp_path / "data" / "demo-2023", {"培训.CSV": 30})
    params_file = tmp_path / "params" / "demo" / "2023.yaml"
    params_file.write_text(yaml.safe_dump({**yaml.safe_load(params_file.read_text(encoding="utf-8")), "data": "data/demo-2023"},
                                          allow_unicode=True), encoding="utf-8")
    entries = {e["path"]: e for e in input_files(load_params("demo", 2023, tmp_path))}
    assert entries["data/demo-2023/培训.CSV"]["sheets"] == {"培训": 1}  # every file read is a file hashed


# -- spaces between digits -----------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["1 000", "1\u00a0000", "1\u2009000", "1\u202f000", "1\u3000000"])
def test_a_space_as_thousands_separator_is_read_with_a_warning_naming_the_cell(tmp_path, cell):
    path = workbook(tmp_path / "x.xlsx", rows={"project_target_reviews": [["甲局", "项目甲", 10], ["甲局", "项目乙", cell]],
                                               "trainings": [["2023-06-01", "培训", cell]]})
    dataset = load_dataset(path, "data/x.xlsx")
    assert list(dataset["project_target_reviews"]["amount"]) == [Decimal(10), Decimal(1000)]
    assert list(dataset["trainings"]["attendees"]) == [1000]
    found = {f.column: f for f in dataset.findings if f.code == "W209"}
    assert set(found) == {"预算金额(万元)", "参训人次"}
    amount = found["预算金额(万元)"]
    assert (amount.sheet, amount.row, amount.is_error) == ("项目目标审核", 3, False)
    assert f"「{visible(cell)}」读作「1000」" in amount.message and "第 3 行" in amount.message
    assert "W204" not in codes(dataset.findings)  # said once, as what it is (not 全角字符已转为半角)


@pytest.mark.parametrize("cell", ["3 0", "12 34", "0.123 456", "1  000", "12 3456"])
def test_spaces_between_digits_not_in_threes_are_refused_naming_the_cell(tmp_path, cell):
    path = workbook(tmp_path / "x.xlsx", rows={"trainings": [["2023-06-01", "培训", cell]],
                                               "project_target_reviews": [["甲局", "项目甲", cell]]})
    dataset = load_dataset(path, "data/x.xlsx")
    found = {(f.sheet, f.row, f.column, f.value) for f in dataset.findings if f.code == "E106"}
    assert found == {("培训", 2, "参训人次", cell), ("项目目标审核", 2, "预算金额(万元)", cell)}
    assert list(dataset["trainings"]["attendees"]) == [None]


def test_check_names_a_spaced_number_and_refuses_an_ambiguous_one(tmp_path, monkeypatch, capsys):
    make_params(tmp_path)
    workbook(tmp_path / "data" / "demo-2023.xlsx", rows={"project_target_reviews": [["甲局", "项目甲", "1\u00a0000"]],
                                                         "trainings": [["2023-06-01", "培训", "3 0"]]})
    code, output = check(tmp_path, monkeypatch, capsys)
    assert code == 1
    assert any("第 2 行，列「预算金额(万元)」" in line and "「1<U+00A0>000」读作「1000」" in line for line in lines_of(output, "W209")), output
    assert any("第 2 行，列「参训人次」" in line and "值「3 0」" in line for line in lines_of(output, "E106")), output


# -- an OpenDocument spreadsheet named .xlsx -----------------------------------------------------

def opendocument(path: Path, mimetype: str = "application/vnd.oasis.opendocument.spreadsheet") -> Path:
    """An OpenDocument package as LibreOffice writes one: ``mimetype`` first and stored, then the content."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
                         'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>', compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
                         'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>', compress_type=zipfile.ZIP_DEFLATED)
    return path


@pytest.mark.parametrize("name", ["demo-2023.xlsx", "demo-2023.ods"])
def test_an_opendocument_spreadsheet_is_named_as_such(tmp_path, name):
    dataset = load_dataset(opendocument(tmp_path / name), f"data/{name}")
    assert [f.code for f in dataset.findings] == ["E107"]
    text = str(dataset.findings[0])
    assert "OpenDocument 电子表格（.ods）" in text and "另存为 .xlsx" in text and f"文件 data/{name}" in text


def test_an_opendocument_text_is_not_taken_for_a_spreadsheet(tmp_path):
    dataset = load_dataset(opendocument(tmp_path / "x.xlsx", "application/vnd.oasis.opendocument.text"), "data/x.xlsx")
    assert [f.code for f in dataset.findings] == ["E107"]
    assert "OpenDocument 文本文档（.odt）" in dataset.findings[0].message


def test_check_says_the_workbook_is_an_ods(tmp_path, monkeypatch, capsys):
    make_params(tmp_path)
    opendocument(tmp_path / "data" / "demo-2023.xlsx")
    code, output = check(tmp_path, monkeypatch, capsys)
    assert code == 1
    assert any("OpenDocument 电子表格（.ods）" in line for line in lines_of(output, "E107")), output


# -- invisible characters in what a finding quotes -----------------------------------------------

INVISIBLE = ["\u200b", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066", "\u00ad", "\u0007", "\n", "\u00a0", "\u3000",
             "\u2009", "\u2028", "\ue000", "\ufe0f", "\u3164", "\U000e0041"]


@pytest.mark.parametrize("ch", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_every_quoted_invisible_character_is_shown_as_its_code_point(ch):
    code = f"<U+{ord(ch):04X}>"
    finding = Finding("E111", f"列「备{ch}注」不是数字。", file=f"data/x{ch}.xlsx", sheet=f"培{ch}训", row=2,
                      column=f"参训{ch}人次", value=f"100{ch}", expected=f"数字{ch}")
    text = str(finding)
    assert ch not in text
    assert f"「100{code}」" in text and f"工作表「培{code}训」" in text and f"列「参训{code}人次」" in text
    assert f"列「备{code}注」" in finding.message and finding.value == f"100{code}"
    assert f"data/x{code}.xlsx" in finding.location
    assert finding.sheet == f"培{ch}训"  # the sheet as written, for lookups; shown visibly


@pytest.mark.parametrize("text", ["评价报告（2023）—甲局·乙镇", "100", "Σ 5 / 10 = 50%", "项目 甲", "〔2023〕1号"])
def test_visible_text_is_quoted_as_it_is(text):
    assert visible(text) == text


def test_invisible_characters_in_cells_sheets_and_headers_are_shown_in_findings(tmp_path):
    path = workbook(tmp_path / "x.xlsx", rows={"key_evaluations": [["评价报告甲", "甲局", "其他重大项目", "100\u200b", 91, "优", "公开"],
                                                                   ["评价报告\u202e乙", "乙局", "其他重大项目", 100, 91, "优", "公开"]]},
                    after={"其他\u200b表": [["甲"]]})
    wb = load_workbook(path)
    wb["培训"]["D1"] = "备\u00a0注"
    wb.save(path)
    text = "\n".join(str(f) for f in load_dataset(path, "data/x.xlsx").findings)
    assert "值「100<U+200B>」" in text  # E111: not a 「100」 that is no number
    assert "值「评价报告<U+202E>乙」" in text  # E154
    assert "工作表「其他<U+200B>表」" in text and "未识别的工作表「其他<U+200B>表」" in text  # W208
    assert "列「备<U+00A0>注」" in text  # W201
    assert not any(c in text for c in "\u200b\u202e\u00a0")
