"""Year relations stated once (issue 26, item 7): `year` is the report year Y (the title's, the
file name's); `timing` says which year each activity's data is about relative to Y, the key
evaluations included (`next`, `same`, `previous`); the publication date is `text.issue_date`."""
from __future__ import annotations

import re

import pytest
from conftest import ROOT, make_params

from perflib.errors import ParamsError
from perflib.outline import read_outline
from perflib.pipeline import make_report
from perflib.scaffold import params_text

NEUTRAL = {"wording": {}}


def report_of(tmp_path, **extra):
    return make_report(make_params(tmp_path, **{**NEUTRAL, **extra}))


def test_next_is_the_references_relation(tmp_path):
    report = report_of(tmp_path)
    assert report.figures["report.evaluation_year"].value == 2024
    assert "2024年度，示例县财政对2023年度重点绩效评价共选取1个评价对象" in report.document.text()


def test_same_year_does_not_say_the_year_twice(tmp_path):
    text = report_of(tmp_path, timing="same").document.text()
    assert "2023年度，示例县财政对当年度重点绩效评价共选取1个评价对象" in text
    assert "对2023年度重点绩效评价" not in text


def test_key_evaluations_of_the_previous_years_spending(tmp_path):
    report = report_of(tmp_path, timing={"key_evaluations": "previous"})
    f = report.figures
    assert f["report.evaluation_year"].value == 2023  # done in the report year
    assert "当年" in f["report.evaluation_year"].label
    assert "2023年度，示例县财政对2022年度重点绩效评价共选取1个评价对象" in report.document.text()


def test_a_notice_published_in_y_about_y_minus_1(tmp_path):
    """A 通报 published in 2023 on the self-evaluations and key evaluations of 2022's spending."""
    report = report_of(tmp_path, timing={"key_evaluations": "previous", "self_evaluations": "previous", "third_party": "previous"},
                       text={**_heshuo_text(), "issue_date": "2023-11-20", "issuer": "示例县财政局"})
    text = report.document.text()
    assert "2023年度，示例县财政对2022年度重点绩效评价" in text
    assert "组织各部门单位对2022年部门整体绩效" in text
    assert "2024" not in text  # nothing is said of a year after the publication
    assert not re.search(r"(\d{4}年度)，[^。]*对\1重点绩效评价", text)


def test_a_written_timing_shorthand_accepts_previous(tmp_path):
    assert report_of(tmp_path, timing="previous").figures["report.evaluation_year"].value == 2023
    with pytest.raises(ParamsError, match="previous"):
        report_of(tmp_path / "bad", timing="later")


def test_year_is_described_once_the_same_way():
    params_doc = (ROOT / "docs" / "params.md").read_text(encoding="utf-8")
    adapting = (ROOT / "docs" / "adapting.md").read_text(encoding="utf-8")
    row = next(line for line in params_doc.splitlines() if line.startswith("| `year` |"))
    assert "Report year Y" in row and "timing" in row
    year_line = next(line for line in adapting.splitlines() if line.startswith("year: "))
    assert "report year Y" in year_line
    assert "spending was evaluated" not in year_line


def test_perflib_new_offers_previous():
    text = params_text("shiyan", 2024, "试验区", read_outline(None))
    line = next(line for line in text.splitlines() if line.strip().startswith("key_evaluations: next"))
    assert "previous" in line


def _heshuo_text() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "params" / "heshuo" / "2023.yaml").read_text(encoding="utf-8"))["text"]


def _findings(tmp_path, **extra):
    from perflib.validation import load_data

    return load_data(make_params(tmp_path, **{**NEUTRAL, **extra}))[1]


def test_a_notice_dated_before_the_key_evaluations_were_done_is_refused(tmp_path):
    """timing next (the default) says the key evaluations of 2023 were done in 2024: a date in 2023 contradicts it."""
    text = {**_heshuo_text(), "issue_date": "2023-11-20"}
    found = [f for f in _findings(tmp_path, text=text) if f.code == "E138"]
    assert len(found) == 1
    shown = str(found[0])
    assert found[0].value == "2023-11-20" and found[0].column == "text.issue_date"
    assert "2024" in found[0].message and "previous" in found[0].expected
    assert not [f for f in _findings(tmp_path / "notice", text=text, timing={"key_evaluations": "previous"}) if f.code == "E138"]
    assert shown.startswith("[E138 错误]") and "params/demo/2023.yaml" in shown and "2023-11-20" in shown


def test_a_date_before_the_report_year_is_refused_whatever_the_timing(tmp_path):
    text = {**_heshuo_text(), "issue_date": "2022-12-31"}
    found = [f for f in _findings(tmp_path, text=text, timing="same") if f.code == "E138"]
    assert len(found) == 1 and "报告年度为 2023 年" in found[0].message


def test_the_references_date_agrees_with_its_timing(tmp_path):
    assert not [f for f in _findings(tmp_path) if f.code == "E138"]  # 和硕县's 2024-03-15, timing next
