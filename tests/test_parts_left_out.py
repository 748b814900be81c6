"""Every way a part of the report is left out is said in a finding that names the part and why
(issue 23): an empty list or value in the params (W251), a sheet absent from the workbook (W250),
a sheet with no rows (W252). Where the params name parts in ``outline:``, a named part needs its
data (absent sheet E101, empty sheet E103)."""
from __future__ import annotations

import pytest
from conftest import ROOT, make_params, minimal_rows, write_workbook

from perflib.cli import main
from perflib.findings import errors
from perflib.pipeline import make_report
from perflib.validation import load_data

TRAININGS = "预算绩效管理培训工作"


def codes(findings, code):
    return [f for f in findings if f.code == code]


def test_empty_problems_and_measures_are_said_and_the_parts_left_out(tmp_path):
    base = make_params(tmp_path)
    text = {"policy_basis": base.policy_basis, "problems": [], "measures": []}
    params = make_params(tmp_path, text=text)
    _, findings = load_data(params)
    said = codes(findings, "W251")
    assert len(said) == 2 and not errors(findings)
    assert "text.problems" in said[0].message and "「全面实施预算绩效管理存在问题」" in said[0].message
    assert "text.measures" in said[1].message and "「预算绩效管理下一步措施」" in said[1].message
    assert said[0].file == "params/demo/2023.yaml"
    report = make_report(params)
    assert report.document.section("problems") is None and report.document.section("measures") is None
    assert {"W251"} <= {f.code for f in report.document.notes}  # the analyst's appendix says it too


def test_an_empty_fact_that_a_part_depends_on_is_said(tmp_path):
    params = make_params(tmp_path, facts={"pre_assessment_rule": "某办法"})  # no third_party_quality_rating
    said = codes(load_data(params)[1], "W251")
    assert [f for f in said if "facts.third_party_quality_rating" in f.message and "「第三方执业质量核查工作」" in f.message]
    assert make_report(params).document.section("third_party_quality") is None


def test_params_with_every_part_filled_say_nothing_left_out():
    from perflib.params import load_params

    _, findings = load_data(load_params("heshuo", 2023, ROOT))
    assert not [f for f in findings if f.code in ("W250", "W251", "W252")]


# -- no outline in params: an empty or absent sheet is work not done --------------------------------

def test_no_outline_header_only_sheet_leaves_the_part_out_with_a_warning(tmp_path):
    params = make_params(tmp_path, {"trainings": []})
    dataset, findings = load_data(params)
    assert not errors(findings), [str(f) for f in errors(findings)]
    said = codes(findings, "W252")
    assert len(said) == 1 and said[0].sheet == "培训" and f"「{TRAININGS}」" in said[0].message
    assert "只有表头" in said[0].message
    assert "trainings" not in dataset.tables
    report = make_report(params)
    assert report.document.section("trainings") is None
    assert "培训" not in report.document.section("work").heading


def test_no_outline_sheet_with_nothing_at_all_leaves_the_part_out_with_a_warning(tmp_path):
    params = make_params(tmp_path)
    write_workbook(params.data, {"trainings": []}, headers={"trainings": []})  # the sheet exists, without even a header
    _, findings = load_data(params)
    assert not errors(findings)
    said = codes(findings, "W252")
    assert len(said) == 1 and said[0].sheet == "培训" and "是空的" in said[0].message
    assert make_report(params).document.section("trainings") is None


def test_no_outline_absent_sheet_leaves_the_part_out_with_a_warning(tmp_path):
    params = make_params(tmp_path, {"trainings": None})
    _, findings = load_data(params)
    assert not errors(findings)
    said = codes(findings, "W250")
    assert len(said) == 1 and said[0].sheet == "培训" and f"「{TRAININGS}」" in said[0].message
    assert make_report(params).document.section("trainings") is None


def test_a_part_with_one_empty_and_one_absent_sheet_says_both(tmp_path):
    params = make_params(tmp_path, {"department_target_reviews": None, "project_target_reviews": []})
    _, findings = load_data(params)
    assert not errors(findings)
    said = codes(findings, "W252")
    assert len(said) == 1 and "「预算绩效目标情况」" in said[0].message
    assert "「目标审核_部门」不存在" in said[0].message or "不存在" in said[0].message
    assert "只有表头" in said[0].message


# -- an outline in params: a named part needs its data ----------------------------------------------

OUTLINE = ["key_evaluations", {"key": "work", "sections": ["trainings"]}]


def test_outline_names_the_part_and_its_sheet_is_empty_is_an_error(tmp_path):
    params = make_params(tmp_path, {"trainings": []}, outline=OUTLINE)
    _, findings = load_data(params)
    assert [(f.code, f.sheet) for f in errors(findings)] == [("E103", "培训")]
    assert f"「{TRAININGS}」" in errors(findings)[0].message and "outline" in errors(findings)[0].message


def test_outline_names_the_part_and_its_sheet_is_absent_is_an_error(tmp_path):
    params = make_params(tmp_path, {"trainings": None}, outline=OUTLINE)
    _, findings = load_data(params)
    assert [(f.code, f.sheet) for f in errors(findings)] == [("E101", "培训")]


def test_outline_without_the_part_needs_no_rows_for_it(tmp_path):
    params = make_params(tmp_path, {"trainings": []}, outline=["key_evaluations"])
    _, findings = load_data(params)
    assert not errors(findings)


# -- what the user sees ----------------------------------------------------------------------------

@pytest.fixture
def empty_text_project(tmp_path, monkeypatch):
    base = make_params(tmp_path)
    make_params(tmp_path, {"trainings": []}, text={"policy_basis": base.policy_basis, "problems": [], "measures": []})
    monkeypatch.setenv("PERFLIB_ROOT", str(tmp_path))
    return tmp_path


def test_check_prints_every_part_left_out_and_passes(empty_text_project, capsys):
    assert main(["check", "--county", "demo", "--year", "2023"]) == 0
    out = capsys.readouterr().out
    assert "[W251 提示]" in out and "text.problems" in out and "text.measures" in out
    assert "[W252 提示]" in out and f"「{TRAININGS}」" in out


def test_the_notebooks_check_table_lists_the_parts_left_out(empty_text_project):
    from perflib.display import findings_frame
    from perflib.params import load_params

    _, findings = load_data(load_params("demo", 2023, empty_text_project))
    frame = findings_frame(findings)
    assert {"W251", "W252"} <= set(frame["代码"])
    assert frame[frame["代码"] == "W251"]["说明"].str.contains("存在问题").any()


def test_run_prints_the_parts_left_out_from_the_manifest(tmp_path, capsys):
    import json

    from perflib.cli import say_parts_left_out

    messages = ["[W251 提示] 文件 params/demo/2023.yaml：参数中 text.problems 为空：报告不写「全面实施预算绩效管理存在问题」这一部分",
                "[W201 提示] 多余的列"]
    (tmp_path / "manifest.json").write_text(json.dumps({"findings": {"messages": messages}}, ensure_ascii=False), encoding="utf-8")
    say_parts_left_out(tmp_path)
    out = capsys.readouterr().out
    assert "W251" in out and "存在问题" in out and "W201" not in out


def test_the_blank_workbook_checks_without_errors_and_says_every_part_left_out(tmp_path, monkeypatch):
    """The blank workbook's 说明 says 「没有的事项整张表留空即可」: the checker agrees."""
    from openpyxl import load_workbook

    from perflib.params import load_params
    from perflib.scaffold import new_county

    (tmp_path / "params").mkdir()
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("PERFLIB_ROOT", str(tmp_path))
    new_county(tmp_path, "shiyan", 2024, "试验县")
    notes = " ".join(str(c.value) for row in load_workbook(tmp_path / "data/shiyan/2024.xlsx")["说明"].iter_rows() for c in row if c.value)
    assert "只留表头" in notes and "不写这一部分" in notes  # the workbook says what an empty sheet means
    _, findings = load_data(load_params("shiyan", 2024, tmp_path))
    assert not [f for f in errors(findings) if f.code == "E103"]
    assert len(codes(findings, "W252")) >= 8
