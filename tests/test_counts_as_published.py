"""Counts as published (issue 26, item 1): a county's measure words (项, 场, 人次 …) and approximate
counts (「120余个」「近120个」「超120个」「逾120个」) chosen in params ``formats``; the ledger keeps the
exact value beside the printed text; the audit reads an approximate figure as approximate and never
adds or subtracts it as if exact."""
from __future__ import annotations

import pytest

from conftest import make_params
from perflib import formatting as fmt
from perflib.audit_text import ARITHMETIC, DATA_MISMATCH, audit_lines, check_arithmetic, parse_text, self_audit
from perflib.figures import Figure
from perflib.params import FigureFormat, FormatSettings
from perflib.pipeline import make_report
from perflib.validation import load_data


def _printed(value: int, **fmt_keys) -> str:
    printer = fmt.Printer(FormatSettings(figure_formats=(("x.count", FigureFormat(**fmt_keys)),)))
    return printer(Figure("x.count", "某数", value, "个", fmt.COUNT, "表"))


@pytest.mark.parametrize("value, approx, round_to, printed", [
    (127, "余", 10, "120余个"),
    (118, "近", 10, "近120个"),
    (127, "超", 10, "超120个"),
    (127, "逾", 10, "逾120个"),
    (1234, "余", 100, "1200余个"),
    (1234, "近", 1000, "近2000个"),
    (127, "余", None, "120余个"),  # round_to defaults to 10
    (120, "余", 10, "120个"),  # a multiple is exact: 120 is not 「120余个」
    (120, "近", 10, "120个"),
    (7, "余", 10, "7个"),  # no 「0余个」
])
def test_an_approximate_count_prints_as_the_county_publishes_it(value, approx, round_to, printed):
    assert _printed(value, approx=approx, round_to=round_to) == printed


def _county(root, attendees=127, formats=None, **extra):
    rows = {"trainings": [["2023-06-01", "培训", attendees]]}
    return make_params(root, rows, formats=formats if formats is not None else
                       {"trainings.attendees": {"approx": "余", "round_to": 10}, "trainings.sessions": {"measure": "场"}},
                       illustrative=True, **extra)


def test_a_report_prints_the_approximation_and_the_measure_word_and_passes_its_audit(tmp_path):
    report = make_report(_county(tmp_path))
    text = report.document.text()
    assert "开展预算绩效管理培训1场、120余人次" in text
    assert "127" not in text
    assert self_audit(report).problems == []
    attendees, sessions = report.ledger["trainings.attendees"], report.ledger["trainings.sessions"]
    assert (attendees.value, attendees.printed) == (127, "120余人次")  # the exact value kept beside the printed text
    assert "约数（余，取整到10）" in attendees.how
    assert (sessions.unit, sessions.printed) == ("场", "1场")


def test_the_audit_reads_an_approximate_figure_against_the_exact_value(tmp_path):
    report = make_report(_county(tmp_path))
    agrees = audit_lines(["一、预算绩效管理培训工作", "开展预算绩效管理培训1场、120余人次。"], report)
    assert agrees.problems == [] and [f.key for _, f in agrees.agreements] == ["trainings.sessions", "trainings.attendees"]
    wrong = audit_lines(["一、预算绩效管理培训工作", "开展预算绩效管理培训1场、130余人次。"], report)
    assert [p.kind for p in wrong.problems] == [DATA_MISMATCH] and "130余人次" in wrong.problems[0].message


def test_approximate_figures_are_never_added_as_exact():
    exact = parse_text(["共选取120个评价对象（包括项目100个、部门整体15个）。"])
    assert [p.kind for p in check_arithmetic(exact)] == [ARITHMETIC]
    approximate = parse_text(["共选取近120个评价对象（包括项目近100个、部门整体15个）。"])
    assert [f.approx for f in approximate.figures] == ["近", "近", ""]
    assert check_arithmetic(approximate) == []


def test_a_table_column_of_counts_takes_the_measure_word_of_its_prefix(tmp_path):
    """The key-evaluation table's 评价对象数 column: ``key_evaluations.row.`` names its cells (and its
    amounts, which keep 万元)."""
    params = _county(tmp_path, formats={"key_evaluations.row.": {"measure": "项"}},
                     key_evaluation_table=["序号", "评价报告", "评价对象数", "评价资金"])
    report = make_report(params)
    _, findings = load_data(params)
    assert not [f for f in findings if f.code == "E198"]
    lines = report.document.text().split("\n")
    assert "1\t评价报告甲\t1项\t100万元" in lines
    assert self_audit(report).problems == []


def test_count_formats_on_an_amount_are_refused(tmp_path):
    params = _county(tmp_path, formats={"trainings.attendees": {"round_to": 10},
                                        "target_reviews.amount": {"approx": "余"}, "trainings.": {"measure": "场"}})
    _, findings = load_data(params)
    codes = sorted((f.code, f.column) for f in findings if f.code in ("E198", "E199"))
    assert codes == [("E198", "formats.target_reviews.amount"), ("E199", "formats.trainings.attendees.round_to")]


def test_an_approximation_the_value_cannot_carry_is_said(tmp_path):
    params = _county(tmp_path, attendees=120)
    _, findings = load_data(params)
    warned = [f for f in findings if f.code == "W245"]
    assert len(warned) == 1 and "trainings.attendees" in warned[0].message and "120" in warned[0].message
    assert make_report(params).ledger["trainings.attendees"].printed == "120人次"



def test_a_measure_word_reaches_the_comparison_with_last_year(tmp_path):
    """Last year's params did not say 场: its value and the change are counted in this year's word."""
    from conftest import minimal_rows
    from perflib.figures import compute_figures
    from perflib.history import add_comparisons, load_history

    earlier = {k: [[c.replace("2023-", "2022-") if isinstance(c, str) else c for c in r] for r in v] for k, v in minimal_rows().items()}
    make_params(tmp_path, earlier, year=2022)
    params = make_params(tmp_path, {"trainings": [["2023-03-01", "培训", 30], ["2023-06-01", "培训", 40]]},
                         formats={"trainings.sessions": {"measure": "场"}})
    dataset, _ = load_data(params)
    figures = compute_figures(dataset, params)
    add_comparisons(figures, load_history(params), params)
    printer = fmt.Printer(params.settings)
    assert [printer(figures[k]) for k in ("trainings.sessions", "yoy.trainings.sessions.previous", "yoy.trainings.sessions.change")] \
        == ["2场", "1场", "增加1场"]
