"""Grade bands per county (issue 26): labels and score floors from params, used by the checks (E130
quotes the county's own bands) and printable (the figure grades.bands); bands and labels validated
(E195, E122); print_grades holds for every graded table (E196); rows without a grade are said."""
from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import make_params

from perflib.errors import ParamsError
from perflib.findings import errors
from perflib.pipeline import make_report
from perflib.rules import GRADE_FLOORS, grade_bands_text, grade_for_score
from perflib.validation import load_data

NEUTRAL = {"wording": {}}
CAI_YU = "90分（含）以上为优，80分（含）至90分为良，60分（含）至80分为中，60分以下为差"
COUNTY_FLOORS = [90, 75, 60, 0]  # a county whose 良 starts at 75, lower than 财预〔2020〕10号's 80


def key_rows(*graded) -> list[list]:
    """Finished key evaluations, one report each: (score, grade) pairs (None: no score/grade)."""
    return [[f"评价报告{i}", "甲局", "其他重大项目", 100, score, grade, "公开"] for i, (score, grade) in enumerate(graded)]


# -- the bands: rules -----------------------------------------------------------------------------

def test_a_score_is_graded_by_the_countys_floors():
    floors = tuple(Decimal(f) for f in COUNTY_FLOORS)
    assert grade_for_score(77, ("优", "良", "中", "差")) == "中"  # 财预〔2020〕10号
    assert grade_for_score(77, ("优", "良", "中", "差"), floors) == "良"
    assert grade_for_score(Decimal("74.9"), ("优", "良", "中", "差"), floors) == "中"
    assert grade_for_score(75, ("优", "良", "中", "差"), floors) == "良"


def test_the_bands_in_words():
    assert grade_bands_text(("优", "良", "中", "差"), GRADE_FLOORS) == CAI_YU
    assert grade_bands_text(("优秀", "良好", "合格", "不合格"), (Decimal(90), Decimal("75.5"), Decimal(60), Decimal(0))) == (
        "90分（含）以上为优秀，75.5分（含）至90分为良好，60分（含）至75.5分为合格，60分以下为不合格")


# -- the checks quote the county's bands ------------------------------------------------------------

def test_e130_quotes_the_countys_own_bands(tmp_path):
    rows = {"key_evaluations": key_rows((77, "良"), (77, "中"))}
    params = make_params(tmp_path, rows, {"grade_floors": COUNTY_FLOORS}, **NEUTRAL)
    _, findings = load_data(params)
    e130 = [f for f in findings if f.code == "E130"]
    assert [f.row for f in e130] == [3]  # 77 is 良 here: only the row that says 中 is wrong
    message = e130[0].message
    assert "75分（含）至90分为良" in message and "60分（含）至75分为中" in message
    assert "财预〔2020〕10号" not in message and "80" not in message


def test_e130_quotes_cai_yu_by_default(tmp_path):
    params = make_params(tmp_path, {"key_evaluations": key_rows((77, "良"))}, {}, **NEUTRAL)
    _, findings = load_data(params)
    [e130] = [f for f in findings if f.code == "E130"]
    assert f"财预〔2020〕10号：{CAI_YU}" in e130.message


# -- printable --------------------------------------------------------------------------------------

def test_a_template_prints_the_countys_bands(tmp_path):
    folder = tmp_path / "params" / "demo" / "templates" / "narrative"
    folder.mkdir(parents=True)
    (folder / "evaluations.j2").write_text('评价结果按得分分为四档：{{ f["grades.bands"] }}。', encoding="utf-8")
    settings = {"grade_floors": COUNTY_FLOORS, "grade_labels": ["优秀", "良好", "中", "差"]}
    rows = {"key_evaluations": key_rows((91, "优秀")), "project_self_evaluations": [["甲局", "项目甲", 10, 85, "良好"]],
            "department_self_evaluations": [["甲局", 100, 90, "优秀"]], "third_party_evaluations": [["项目乙", "乙局", 20, "某公司", 80, "良好"]],
            "self_evaluation_reviews": [["甲局", "项目甲", 10, "某会计师事务所", 85, "良好"]]}
    report = make_report(make_params(tmp_path, rows, settings, templates="params/demo/templates", **NEUTRAL))
    assert ("评价结果按得分分为四档：90分（含）以上为优秀，75分（含）至90分为良好，60分（含）至75分为中，60分以下为差。"
            in report.document.text())
    assert report.figures["grades.bands"].source == "参数"


# -- the bands and labels are validated ---------------------------------------------------------------

@pytest.mark.parametrize("floors, why", [([90, 80, 80, 0], "从高到低、互不相同"), ([60, 80, 90, 0], "从高到低"),
                                         ([90, 80, 60, 10], "最低分应为 0")])
def test_bands_that_overlap_reverse_or_leave_a_gap_are_refused(tmp_path, floors, why):
    with pytest.raises(ParamsError) as caught:
        make_params(tmp_path, None, {"grade_floors": floors}, **NEUTRAL)
    assert caught.value.code == "E195"
    assert why in str(caught.value) and "settings.grade_floors" in str(caught.value) and " 第 " in str(caught.value)


@pytest.mark.parametrize("floors", [[90, 80, 60, 0, 0], [90, 80, 60], [120, 80, 60, 0], [90, 80, 60, -1]])
def test_bands_outside_0_100_or_not_four_are_refused_by_the_schema(tmp_path, floors):
    with pytest.raises(ParamsError) as caught:
        make_params(tmp_path, None, {"grade_floors": floors}, **NEUTRAL)
    assert caught.value.code == "E122" and "settings.grade_floors" in str(caught.value)


def test_a_grade_label_written_twice_is_refused(tmp_path):
    with pytest.raises(ParamsError) as caught:
        make_params(tmp_path, None, {"grade_labels": ["优良", "优良", "中", "差"]}, **NEUTRAL)
    assert caught.value.code == "E122"
    assert "settings.grade_labels" in str(caught.value) and "互不相同" in str(caught.value) and " 第 " in str(caught.value)


def test_a_tables_grade_label_written_twice_is_refused(tmp_path):
    with pytest.raises(ParamsError) as caught:
        make_params(tmp_path, None, {}, grades={"self_evaluation_reviews": ["优良", "优良", "中", "差"]}, **NEUTRAL)
    assert caught.value.code == "E122" and "grades.self_evaluation_reviews" in str(caught.value)


# -- print_grades holds for every graded table ---------------------------------------------------------

ALL_GRADED = {
    "key_evaluations": key_rows((91, "优")),
    "department_self_evaluations": [["甲局", 100, 90, "优"], ["乙局", 100, 70, "中"]],
    "project_self_evaluations": [["甲局", "项目甲", 10, 85, "良"]],
    "third_party_evaluations": [["项目乙", "乙局", 20, "某公司", 80, "良"], ["项目丙", "乙局", 20, "某公司", 55, "差"]],
    "self_evaluation_reviews": [["甲局", "项目甲", 10, "某会计师事务所", 85, "良"]],
}


def test_print_grades_states_every_graded_tables_grades(tmp_path):
    text = make_report(make_params(tmp_path, ALL_GRADED, {"print_grades": True}, **NEUTRAL)).document.text()
    assert "评价结论为“优”的1个" in text
    assert "部门整体自评结果“优”的1个，“中”的1个，无等级为“良”和“差”的部门单位" in text
    assert "单位自评结果“良”的1个" in text
    assert "复核结果“良”的1个" in text
    assert "第三方评价结果“良”的1个，“差”的1个，无等级为“优”和“中”的项目" in text


def test_print_grades_false_prints_no_grade_of_any_table(tmp_path):
    text = make_report(make_params(tmp_path, ALL_GRADED, {"print_grades": False}, **NEUTRAL)).document.text()
    for said in ("评价结论为", "自评结果“", "复核结果“", "第三方评价结果", "“优”", "“良”", "“差”", "等级"):
        assert said not in text, said


def test_a_grade_column_in_the_table_contradicts_print_grades_false(tmp_path):
    with pytest.raises(ParamsError) as caught:
        make_params(tmp_path, None, {"print_grades": False}, key_evaluation_table=["序号", "评价报告", "评价等级"], **NEUTRAL)
    assert caught.value.code == "E196" and "key_evaluation_table" in str(caught.value)


# -- rows without a grade are said, not hidden behind 「无等级为…」 ----------------------------------------------

def test_objects_without_a_grade_are_counted_not_hidden(tmp_path):
    rows = {**ALL_GRADED, "key_evaluations": key_rows((91, "优"), (None, None), (None, None)),
            "third_party_evaluations": [["项目乙", "乙局", 20, "某公司", 80, "良"], ["项目丙", "乙局", 20, "某公司", None, None]]}
    report = make_report(make_params(tmp_path, rows, {"print_grades": True}, **NEUTRAL))
    assert report.figures["key_evaluations.grades.ungraded"].value == 2
    assert report.figures["third_party.grades.ungraded"].value == 1
    text = report.document.text()
    assert "评价结论为“优”的1个，另有2个未评定等级。" in text
    assert "第三方评价结果“良”的1个，另有1个未评定等级。" in text
    assert "评价结论为“优”的1个，无等级" not in text and "第三方评价结果“良”的1个，无等级" not in text
    assert "部门整体自评结果“优”的1个，“中”的1个，无等级为“良”和“差”的部门单位" in text  # every row graded: 「无…」 holds
    assert "department_grades.ungraded" not in " ".join(report.figures.items)


def test_the_notebook_summary_states_the_countys_bands(tmp_path, monkeypatch):
    from perflib import display as shown

    said = []
    monkeypatch.setattr(shown, "display", lambda item: said.append(item.data))
    params = make_params(tmp_path, None, {"grade_floors": COUNTY_FLOORS, "grade_labels": ["优秀", "良好", "中", "差"]}, **NEUTRAL)
    shown.params_summary(params)
    assert "等级：90分（含）以上为优秀，75分（含）至90分为良好，60分（含）至75分为中，60分以下为差" in said[-1]
