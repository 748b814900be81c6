"""Long tables: an odd cell among clean ones is found at its Excel row, amounts keep the decimals
written and sum exactly, checks name the one wrong row among many (issue 15)."""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_params, minimal_rows

from perflib import cells, inputs
from perflib.figures import Records, compute_figures
from perflib.inputs import _plainly_data, read_sheets
from perflib.params import load_params
from perflib.schema import TABLES, TABLES_BY_NAME
from perflib.validation import load_data


def csv_params(root, rows: dict[str, list[list]]):
    """A small project whose data is a folder of CSV files (every cell written as text)."""
    make_params(root, rows)
    folder = root / "data" / "csv"
    folder.mkdir()
    tables = {**minimal_rows(), **rows}
    for spec in TABLES:
        width = max(len(r) for r in tables[spec.name])
        with (folder / f"{spec.sheet}.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([list(spec.headers[:width])] + [[str(v) for v in r] for r in tables[spec.name]])
    return load_params("demo", 2023, root, overrides={"data": "data/csv"})


def monitoring_rows(n: int) -> list[list]:
    return [["5月", "2023-05-31", "甲局", f"项目{i:03d}", f"{100 + i}.5", "50"] for i in range(n)]


def test_one_odd_cell_among_clean_ones_is_found_at_its_excel_row(tmp_path):
    rows = monitoring_rows(40)
    rows[17][4] = "１２,345.5"  # full-width digits and a thousands comma: read, with a note
    rows[25][4] = "abc"
    rows[31][1] = "2023-02-30"
    params = csv_params(tmp_path, {"project_monitoring": rows})
    dataset, findings = load_data(params)
    where = dict(file="data/csv/项目绩效监控.csv", sheet="项目绩效监控")
    e111 = [f for f in findings if f.code == "E111"]
    assert [(f.row, f.value, f.column, f.file, f.sheet) for f in e111] == [(27, "abc", "预算金额(万元)", where["file"], where["sheet"])]
    assert e111[0].message == "不是数字。" and e111[0].expected == "金额（万元，数字）"
    e116 = [f for f in findings if f.code == "E116"]
    assert [(f.row, f.value, f.column) for f in e116] == [(33, "2023-02-30", TABLES_BY_NAME["project_monitoring"].column("as_of").header)]
    notes = [f for f in findings if f.code == "W204"]
    assert {f.row for f in notes} == {19} and any("千分位" in f.message for f in notes)
    budget = dataset.tables["project_monitoring"]["budget"].tolist()
    assert budget[17] == Decimal("12345.5") and budget[25] is None and budget[0] == Decimal("100.5")


def test_amounts_keep_the_decimals_written_and_sum_exactly(tmp_path):
    rows = {"project_target_reviews": [["甲局", "项目甲", "1.50"], ["甲局", "项目乙", "2.5"], ["乙局", "项目丙", "0.0001"]]}
    params = csv_params(tmp_path, rows)
    dataset, findings = load_data(params)
    assert [f for f in findings if f.is_error] == []
    assert [str(v) for v in dataset.tables["project_target_reviews"]["amount"]] == ["1.50", "2.5", "0.0001"]
    figures = compute_figures(dataset, params)
    assert str(figures["target_reviews.amount"].value) == "4.0001"


def test_a_sum_carries_the_decimals_of_its_cells(tmp_path):
    rows = {"project_target_reviews": [["甲局", "项目甲", "1.50"], ["甲局", "项目乙", "2.50"]]}
    params = csv_params(tmp_path, rows)
    dataset, _ = load_data(params)
    assert str(compute_figures(dataset, params)["target_reviews.amount"].value) == "4.00"


def test_tables_with_the_same_excel_rows_have_their_own_sums(tmp_path):
    rows = {"result_applications": [["甲局", "项目甲", 1], ["甲局", "项目乙", 2]],
            "project_target_reviews": [["甲局", "项目甲", 10], ["甲局", "项目乙", 20]]}
    params = make_params(tmp_path, rows)
    dataset, _ = load_data(params)
    figures = compute_figures(dataset, params)
    assert figures["results.budget_cut"].value == 3 and figures["target_reviews.amount"].value == 30
    assert figures["results.budget_cut"].rows == figures["target_reviews.amount"].rows == (2, 3)


def test_score_and_date_columns_read_each_cell_and_name_the_wrong_one():
    scores = ["90", "85.5", "90"] * 10
    values, errors, _ = cells.parse_column("score", scores + ["101", "九十"])
    assert [(i, e.code) for i, e in errors] == [(30, "E115"), (31, "E111")] and values[:30] == [Decimal(s) for s in scores]
    dates = ["2023-05-31", "2023-08-31"] * 10
    values, errors, _ = cells.parse_column("date", dates + ["2023-02-30"])
    assert values[:20] == [dt.date.fromisoformat(d) for d in dates] and [(i, e.code) for i, e in errors] == [(20, "E116")]


def test_a_money_column_keeps_each_amount_as_written_and_names_each_odd_cell():
    values, errors, _ = cells.parse_column("money", ["12.5", "3", "0.0001", "7.25", "100", "1.50"])
    assert list(map(str, values)) == ["12.5", "3", "0.0001", "7.25", "100", "1.50"] and not errors
    for odd, code in (("12.34567", "E113"), ("1.2.3", "E111"), ("1e3", "E111"), ("-3", "E112")):
        values, errors, _ = cells.parse_column("money", ["12.5", "3", odd, "7.25"])
        assert [(i, e.code) for i, e in errors] == [(2, code)] and values[2] is None and values[3] == Decimal("7.25"), odd


def test_text_columns_keep_blanks_as_none():
    assert cells.parse_column("text", ["甲", " 乙 ", "", "丙"])[0] == ["甲", "乙", None, "丙"]
    assert cells.parse_column("text", ["甲", "乙"])[0] == ["甲", "乙"]


def test_only_plain_first_cells_skip_the_row_by_row_look():
    assert _plainly_data(["项目甲", "项目乙"])
    for doubtful in (["项目甲", ""], ["项目甲", " 项目乙"], ["合计"], ["项目甲", None], [], ["\u3000项目"], ["小计", "项目甲"]):
        assert not _plainly_data(doubtful), doubtful


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("项目计 \u3000\t\n\x00a1"), max_size=4), max_size=6))
def test_plain_first_cells_are_told_as_one_cell_at_a_time_would(first_cells):
    # the joined search against the definition: text, not blank, no leading space, no 计
    one_at_a_time = bool(first_cells) and all(c and not c[0].isspace() and "计" not in c for c in first_cells)
    if not any("\x00" in c for c in first_cells):  # NUL is the joining character
        assert _plainly_data(first_cells) == one_at_a_time, first_cells


def test_a_totals_row_and_a_blank_row_are_still_left_out_of_a_csv(tmp_path):
    rows = monitoring_rows(5)
    rows[2] = ["", "", "", "", "", ""]
    rows.append(["合计", "", "", "", "520.5", "250"])
    params = csv_params(tmp_path, {"project_monitoring": rows})
    dataset, findings = load_data(params)
    assert dataset.tables["project_monitoring"]["excel_row"].tolist() == [2, 3, 5, 6]
    assert [(f.code, f.row) for f in findings if f.code == "W202"] == [("W202", 7)]


def test_a_csv_folder_read_lazily_gives_the_same_sheets(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "培训.csv").write_bytes("培训日期,培训内容,参训人次\n2023-03-01,甲,200\n".encode("gb18030"))
    (folder / "制度文件.csv").write_text("文件名称;文号;印发日期\n办法;1号;2023-02-01\n", encoding="utf-8")
    eager = read_sheets(folder, "data")
    lazy = read_sheets(folder, "data", lazy=True)
    for name, sheet in lazy.items():
        assert sheet.columns == [] and sheet.encoding_note == eager[name].encoding_note and sheet.delimiter_note == eager[name].delimiter_note
        assert sheet.load().columns == eager[name].columns
    assert lazy["培训"].encoding_note and lazy["制度文件"].delimiter_note


def test_key_evaluation_records_are_made_when_read(tmp_path):
    rows = {"key_evaluations": [["报告一", "甲局", "部门整体评价", "302.45", 90, "优", "公开"],
                                ["报告二", "", "其他重大项目", "1.5", 85, "良", "公开"]]}
    params = csv_params(tmp_path, rows)
    dataset, _ = load_data(params)
    records = compute_figures(dataset, params).lists["key_evaluations.rows"]
    assert isinstance(records, Records) and len(records) == 2
    first = {"excel_row": 2, "title": "报告一", "department": "甲局", "_type": "部门整体评价", "amount": Decimal("302.45"),
             "score": Decimal(90), "grade": "优"}
    assert records[0] == first and list(records)[0] == first and records[-1]["department"] is None
    assert records[-1]["amount"] == Decimal("1.5") and records[0:1] == [first] and type(records[0]["excel_row"]) is int


def test_checks_name_the_one_wrong_row_among_many(tmp_path):
    evaluations = [[f"报告{i}", "甲局", "其他重大项目", 10, 95, "优", "公开"] for i in range(30)]
    evaluations[12][5] = "良"  # 95 is 优
    evaluations[20][2] = "某种评价"  # not a declared type
    monitoring = monitoring_rows(30)
    monitoring[7][5] = "1000"  # executed above the budget
    monitoring[9][1] = "2023-05-30"  # another cut-off in the same batch
    params = make_params(tmp_path, {"key_evaluations": evaluations, "project_monitoring": monitoring})
    _, findings = load_data(params)
    assert [(f.code, f.row) for f in findings if f.is_error] == [("E130", 14), ("E190", 22), ("E131", 9), ("E132", 11)]


def test_a_blank_evaluation_amount_in_a_csv_is_named_and_left_out_of_the_total(tmp_path):
    rows = [[f"报告{i}", "甲局", "部门整体评价", f"{i}.25", "90", "优", "公开"] for i in range(30)]
    rows[11][3] = ""
    params = csv_params(tmp_path, {"key_evaluations": rows})
    dataset, findings = load_data(params)
    f = compute_figures(dataset, params)
    assert f["key_evaluations.amount_wan"].value == sum(Decimal(f"{i}.25") for i in range(30) if i != 11)
    assert 13 not in f["key_evaluations.amount_wan"].rows and len(f["key_evaluations.amount_wan"].rows) == 29
    assert [(x.file, x.row) for x in findings if x.code == "W260"] == [("data/csv/重点绩效评价.csv", 13)]


def _large_training_csv(tmp_path, last_line: bytes):
    """A UTF-8 培训 CSV longer than the head decoded first (inputs.CSV_CHECKED_BYTES), ending in ``last_line``."""
    params = csv_params(tmp_path, {})
    n = inputs.CSV_CHECKED_BYTES // 20 + 10
    data = "培训日期,培训内容,参训人次\n".encode("utf-8") + b"2023-03-01,course,200\n" * n + last_line
    (tmp_path / "data" / "csv" / "培训.csv").write_bytes(data)
    return params


def _as_if_checked_whole(params, monkeypatch):
    """What loading gives when the whole file is decoded before it is read (every CSV below the limit)."""
    with monkeypatch.context() as m:
        m.setattr(inputs, "CSV_CHECKED_BYTES", 1 << 30)
        return load_data(params)


def _codes(findings):
    return sorted((f.code, f.file, f.sheet, f.row, f.column) for f in findings)


def test_a_large_csv_not_utf8_past_its_head_reads_as_if_decoded_whole(tmp_path, monkeypatch):
    params = _large_training_csv(tmp_path, "2023-04-01,乙类培训,30\n".encode("gb18030"))  # GBK bytes past the head
    dataset, findings = load_data(params)
    whole, whole_findings = _as_if_checked_whole(params, monkeypatch)
    assert "W203" in {f.code for f in findings if f.sheet == "培训"}  # read as GB18030, and told
    assert _codes(findings) == _codes(whole_findings)
    assert dataset.tables["trainings"].equals(whole.tables["trainings"])


def test_a_large_csv_neither_utf8_nor_gb18030_past_its_head_is_refused_by_name(tmp_path, monkeypatch):
    params = _large_training_csv(tmp_path, b"2023-04-01,\xff\xff,30\n")
    dataset, findings = load_data(params)
    assert ("E100", "data/csv/培训.csv") in [(f.code, f.file) for f in findings]
    assert dataset.tables["trainings"].empty
    _, whole_findings = _as_if_checked_whole(params, monkeypatch)  # refused as well, the whole folder at once
    assert [f.code for f in whole_findings] == ["E100"]


def test_a_utf8_csv_whose_head_ends_inside_a_character_is_still_utf8(tmp_path, monkeypatch):
    params = csv_params(tmp_path, {"trainings": [["2023-03-01", "甲类培训", "200"], ["2023-04-01", "乙类培训", "30"]]})
    monkeypatch.setattr(inputs, "CSV_CHECKED_BYTES", len("培训日期".encode("utf-8")) - 1)  # inside 期
    dataset, findings = load_data(params)
    assert dataset.tables["trainings"]["topic"].tolist() == ["甲类培训", "乙类培训"]
    assert not [f for f in findings if f.code in ("W203", "E100")]
