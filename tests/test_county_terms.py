"""A county's report in its own terms (issue 12): its outline, its sheets, its words, its types and
grade labels, its number formats, its year relation; zeros and absent data say nothing."""
from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import ROOT, make_params, minimal_rows

from perflib.errors import ParamsError
from perflib.figures import largest_remainder
from perflib.findings import errors
from perflib.formatting import Printer
from perflib.params import load_params
from perflib.pipeline import make_report
from perflib.validation import load_data

NEUTRAL = {"wording": {}}  # make_params starts from 和硕县's params: these tests use the neutral defaults


def only(*tables: str) -> dict:
    """Rows for a workbook holding only these tables' sheets (the others absent)."""
    return {name: (rows if name in tables else None) for name, rows in minimal_rows().items()}


def report_of(tmp_path, rows=None, settings=None, **extra):
    params = make_params(tmp_path, rows, settings, **{**NEUTRAL, **extra})
    return make_report(params)


# -- 1. the outline is the county's -------------------------------------------------------------

def test_a_county_with_only_three_sheets_gets_only_those_parts(tmp_path):
    report = report_of(tmp_path, only("pre_assessments", "project_monitoring", "trainings"),
                       text={"policy_basis": "为落实预算绩效管理要求。"}, facts={})
    doc = report.document
    keys = [s.key for s in doc.walk()]
    assert keys == ["work", "pre_assessments", "monitoring", "trainings"]
    assert [s.heading for s in doc.sections[0].children] == ["（一）事前绩效评估情况", "（二）预算绩效监控情况", "（三）预算绩效管理培训工作"]
    text = doc.text()
    for absent in ("重点绩效评价", "目标审核", "自评", "调减", "真实性", "存在问题", "下一步措施", "第三方", "质量核查"):
        assert absent not in text, absent
    assert not any(f.key.startswith(("key_evaluations.", "target_reviews.", "authenticity.")) for f in report.figures.items.values())
    assert {f.code for f in report.findings} >= {"W250"} and not errors(report.findings)


def test_params_choose_reorder_and_rename_parts(tmp_path):
    outline = [{"key": "trainings", "title": "培训"}, {"key": "key_evaluations", "title": "重点评价"}]
    doc = report_of(tmp_path, outline=outline).document
    assert [s.heading for s in doc.sections] == ["一、培训", "二、重点评价"]


def test_params_add_a_part_with_its_own_template(tmp_path):
    folder = tmp_path / "params" / "demo" / "templates" / "narrative"
    folder.mkdir(parents=True)
    (folder / "departments.j2").write_text('本年度重点评价涉及部门单位{{ f["key_evaluations.departments"] }}。', encoding="utf-8")
    outline = ["key_evaluations", {"key": "departments", "title": "涉及部门", "template": "departments.j2", "tables": ["key_evaluations"]}]
    doc = report_of(tmp_path, outline=outline, templates="params/demo/templates").document
    assert doc.sections[1].heading == "二、涉及部门"
    assert "涉及部门单位1个" in doc.text()


def test_a_part_the_params_keep_needs_its_sheet(tmp_path):
    params = make_params(tmp_path, only("key_evaluations"), outline=["key_evaluations", "trainings"])
    _, findings = load_data(params)
    assert [(f.code, f.sheet) for f in errors(findings)] == [("E101", "培训")]


def test_an_unknown_part_in_params_is_refused(tmp_path):
    with pytest.raises(ParamsError, match="不是已有的部分"):
        report_of(tmp_path, outline=["key_evaluations", "nonsense"])


def test_absent_optional_text_leaves_no_heading(tmp_path):
    text = {"policy_basis": "为落实预算绩效管理要求。"}  # no problems, no measures
    doc = report_of(tmp_path, text=text).document
    assert not any("存在问题" in s.title or "下一步措施" in s.title for s in doc.walk())
    assert all(s.blocks or s.children for s in doc.walk())


# -- 2. nothing invented; zeros ------------------------------------------------------------------

def test_zeros_are_left_out_by_default_and_types_with_no_objects_are_not_claimed(tmp_path):
    rows = {"authenticity_checks": [["项目甲", "甲局", "本级抽查"]]}
    text = report_of(tmp_path, rows, settings={}).document.text()
    assert "0个" not in text
    assert "协助" not in text  # no 「协助…对0个项目真实性核查」
    assert "评价类型覆盖" not in text  # 其他重大项目 alone: no area named, none claimed
    assert "（包括其他重大项目1个）" not in text  # one type with objects: 「无…」 for the others
    assert "；无部门整体评价" in text


def test_the_reference_keeps_its_zero_counts_by_its_settings():
    text = make_report(load_params("heshuo", 2023, ROOT)).document.text()
    assert "政府采购项目0个" in text and "0个项目报告涉及涉密及敏感信息" in text
    assert "评价类型覆盖部门整体、财政政策等方面" in text  # the types it evaluated, no others


# -- 3. neutral wording --------------------------------------------------------------------------

def test_default_wording_names_no_region_party_or_office(tmp_path):
    params_text = {"policy_basis": "为落实预算绩效管理要求。"}
    text = report_of(tmp_path, text=params_text).document.text()
    for word in ("自治区", "县委、县政府", "我县", "今年各股室"):
        assert word not in text, word
    assert "协助上级财政部门对1个项目" not in text  # the minimal data has no check for the level above
    assert "示例县邀请第三方机构" in text and "示例县财政局组织" in text


def test_the_county_supplies_its_own_words(tmp_path):
    text = report_of(tmp_path, wording={"we": "我区", "party": "区委、区政府", "bureau": "某区财政局"}).document.text()
    assert "围绕区委、区政府重大决策部署" in text and "我区邀请第三方机构" in text and "某区财政局组织" in text


def test_heshuo_reads_as_the_reference_with_its_own_words():
    text = make_report(load_params("heshuo", 2023, ROOT)).document.text()
    assert "今年各股室随机抽取20个项目" in text and "协助自治区对4个项目" in text
    assert "积极围绕县委、县政府重大决策部署" in text and "我县邀请第三方机构" in text


# -- 4. categories and grades in the county's terms ----------------------------------------------

def test_declared_types_with_aliases_map_rows(tmp_path):
    types = [{"name": "项目支出评价", "kind": "项目", "aliases": ["项目评价"]}, {"name": "政策评价", "kind": "财政政策"}]
    rows = {"key_evaluations": [["报告甲", "甲局", "项目评价", 100, 91, "优", "公开"], ["报告乙", "乙局", "政策评价", 60.5, 85, "良", "公开"]]}
    report = report_of(tmp_path, rows, evaluation_types=types)
    f = report.figures
    assert (f["key_evaluations.type.1"].value, f["key_evaluations.type.2"].value) == (1, 1)
    assert (f["key_evaluations.type.1.amount"].value, f["key_evaluations.type.2.amount"].value) == (Decimal(100), Decimal("60.5"))
    assert "项目支出评价1个" in report.document.text()
    # by the standard kinds of 中发〔2018〕34号, for the rollup: 财政政策 (3rd), 项目 (7th)
    assert (f["key_evaluations.standard.3"].value, f["key_evaluations.standard.7"].value) == (1, 1)
    assert "key_evaluations.standard.1" not in f  # no type of the county maps to 部门整体


def test_undeclared_type_is_an_error(tmp_path):
    rows = {"key_evaluations": [["报告甲", "甲局", "全成本项目", 100, 91, "优", "公开"]]}
    _, findings = load_data(make_params(tmp_path, rows))
    assert [(f.code, f.row, f.value) for f in errors(findings)] == [("E190", 2, "全成本项目")]


def test_two_grade_label_sets_in_one_report_with_counts_and_shares(tmp_path):
    rows = {
        "project_self_evaluations": [["甲局", f"项目{i}", 10, s, g] for i, (s, g) in
                                     enumerate([(95, "优秀"), (92, "优秀"), (85, "良好"), (70, "中"), (88, "良好"), (91, "优秀")])],
        "self_evaluation_reviews": [["甲局", "项目0", 10, "某所", 85, "良"], ["乙局", "项目1", 10, "某所", 75, "中(一般)"],
                                    ["乙局", "项目2", 10, "某所", 82, "良"]],
    }
    grades = {"project_self_evaluations": ["优秀", "良好", "中", "差"], "self_evaluation_reviews": ["优", "良", "中(一般)", "差"]}
    report = report_of(tmp_path, rows, settings={"print_grades": True}, grades=grades)
    f = report.figures
    assert [f[f"self_evaluations.project_grades.{i}"].value for i in range(1, 5)] == [3, 2, 1, 0]
    assert [f[f"reviews.grades.{i}"].value for i in range(1, 5)] == [0, 2, 1, 0]
    assert sum(f[f"self_evaluations.project_grades.{i}.share"].value for i in range(1, 5)) == 1
    assert f["reviews.departments"].value == 2  # 涉及部门单位2个: 甲局, 乙局
    assert f["self_evaluations.project_departments"].value == 1
    text = report.document.text()
    assert "单位自评结果“优秀”的3个，“良好”的2个，“中”的1个，无等级为“差”的项目" in text
    assert "复核结果“良”的2个，“中(一般)”的1个，无等级为“优”和“差”的项目" in text


def test_a_template_prints_grade_shares(tmp_path):
    folder = tmp_path / "params" / "demo" / "templates" / "narrative"
    folder.mkdir(parents=True)
    (folder / "evaluations.j2").write_text('{% from "narrative/_grades.j2" import grade_shares %}'
                                           '自评{{ grade_shares(all_grades["self_evaluations.project_grades"]) }}。', encoding="utf-8")
    rows = {"project_self_evaluations": [["甲局", f"项目{i}", 10, s, g] for i, (s, g) in enumerate([(95, "优"), (85, "良"), (82, "良")])]}
    text = report_of(tmp_path, rows, templates="params/demo/templates").document.text()
    assert "自评“优”的1个，占比33%；“良”的2个，占比67%；无等级为“中”和“差”的项目。" in text


def test_a_template_lists_grades_in_the_short_form(tmp_path):
    folder = tmp_path / "params" / "demo" / "templates" / "narrative"
    folder.mkdir(parents=True)
    (folder / "evaluations.j2").write_text('{% from "narrative/_grades.j2" import grade_list %}'
                                           '单位自评结果{{ grade_list(all_grades["self_evaluations.project_grades"]) }}。', encoding="utf-8")
    rows = {"project_self_evaluations": [["甲局", f"项目{i}", 10, s, g] for i, (s, g) in enumerate([(95, "优秀"), (85, "良好"), (82, "良好")])]}
    text = report_of(tmp_path, rows, templates="params/demo/templates", grades={"project_self_evaluations": ["优秀", "良好", "中", "差"]}).document.text()
    assert "单位自评结果“优秀”1个、“良好”2个。" in text


def test_largest_remainder_shares_add_up_to_100_percent():
    shares = largest_remainder([1, 1, 1], 3, 0)
    assert shares == [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")] and sum(shares) == 1
    assert sum(largest_remainder([2, 5, 6, 0], 13, 1)) == 1
    assert largest_remainder([0, 0], 0, 0) == [0, 0]


# -- 5. numbers as the county prints them --------------------------------------------------------

def test_per_figure_formats_precision_of_the_data_units_and_separators(tmp_path):
    rows = {"project_target_reviews": [["甲局", "项目甲", "340915.5112"]], "result_applications": [["甲局", "项目甲", "15091.58"]],
            "pre_assessments": [["项目甲", "甲局", 2895, "2023-03-01", "予以支持"]],
            "third_party_evaluations": [["项目乙", "乙局", 33000, "某公司", 80, "良"]]}
    formats = {"target_reviews.amount": {"decimals": "data", "thousands": False}, "results.": {"decimals": "data", "thousands": False},
               "pre_assessments.amount": {"decimals": "data"}, "third_party.amount": {"unit": "亿元", "decimals": 1}}
    report = report_of(tmp_path, rows, formats=formats)
    text = report.document.text()
    assert "340915.5112万元" in text and "15091.58万元" in text and "2,895万元" in text and "3.3亿元" in text
    printer = report.document.printer
    assert printer(report.figures["self_evaluations.project_amount"]) == "10万元"  # the county's setting elsewhere
    assert report.ledger["third_party.amount"].printed == "3.3亿元"  # the ledger holds what is printed


def test_counts_and_amounts_join_naturally(tmp_path):
    rows = {"pre_assessments": [["项目甲", "甲局", 160, "2023-03-01", "予以支持"], ["项目乙", "甲局", 200, "2023-03-02", "予以支持"]]}
    assert "对2个新增项目开展事前绩效评估，涉及资金360万元" in report_of(tmp_path, rows).document.text()
    folder = tmp_path / "own" / "params" / "demo" / "templates" / "narrative"
    folder.mkdir(parents=True)
    (folder / "pre_assessments.j2").write_text('{% from "narrative/_phrases.j2" import count_amount %}'
                                               '事前绩效评估{{ count_amount(f["pre_assessments.count"], "项目", f["pre_assessments.amount"]) }}。', encoding="utf-8")
    text = report_of(tmp_path / "own", rows, templates="params/demo/templates").document.text()
    assert "事前绩效评估2个项目、360万元。" in text


# -- 6. year relation ----------------------------------------------------------------------------

def test_evaluations_done_in_the_same_year(tmp_path):
    f = report_of(tmp_path, timing="same").figures
    assert f["report.evaluation_year"].value == 2023
    assert report_of(tmp_path / "next").figures["report.evaluation_year"].value == 2024


def test_year_relation_of_each_activity(tmp_path):
    report = report_of(tmp_path, timing={"key_evaluations": "same", "self_evaluations": "same"})
    f = report.figures
    assert (f["report.evaluation_year"].value, f["report.self_evaluations_year"].value, f["report.third_party_year"].value) == (2023, 2023, 2022)
    text = report.document.text()
    assert "组织各部门单位对2023年部门整体绩效" in text and "邀请第三方机构对2022年1个重点项目" in text
    with pytest.raises(ParamsError, match="timing"):
        report_of(tmp_path / "bad", timing={"trainings": "same"})


# -- 7. new structures ---------------------------------------------------------------------------

def test_evaluations_in_progress_have_no_grades_or_titles(tmp_path):
    rows = {"key_evaluations": [["报告甲", "甲局", "其他重大项目", 100, 91, "优", "公开", None, "已完成"],
                                [None, "乙局", "其他重大项目", 50, None, None, None, None, "进行中"]]}
    report = report_of(tmp_path, rows)
    f = report.figures
    assert (f["key_evaluations.objects"].value, f["key_evaluations.in_progress"].value, f["key_evaluations.reports"].value) == (2, 1, 1)
    assert "目前1个评价已完成，1个评价正在进行，已形成1个评价报告" in report.document.text()


def test_key_evaluation_table_columns_chosen_by_the_county(tmp_path):
    rows = {"key_evaluations": [["报告甲", "甲局", "其他重大项目", "1260.5", 91, "优", "公开"]]}
    doc = report_of(tmp_path, rows, key_evaluation_table=["序号", "主管部门", "评价报告", "评价资金", "评价等级"],
                    settings={"amount_decimals": 2}).document
    table = next(b for s in doc.walk() for b in s.blocks if getattr(b, "columns", None) and "主管部门" in b.columns)
    assert table.columns == ("序号", "主管部门", "评价报告", "评价资金（万元）", "评价等级")
    assert [doc.printed(c) for c in table.rows[0]] == ["1", "甲局", "报告甲", "1,260.50万元", "优"]


def test_monitoring_batch_month_apart_from_its_data_cut_off(tmp_path):
    rows = {"project_monitoring": [["7月", "2023-06-30", "甲局", "项目甲", 100, 50], ["9月", "2023-08-31", "甲局", "项目甲", 100, 70]]}
    report = report_of(tmp_path, rows)
    batches = report.figures.lists["monitoring.batches"]
    assert [(b["month"], b["as_of"].month) for b in batches] == [(7, 6), (9, 8)]
    assert report.figures["monitoring.2023-06.schedule"].value == Decimal(6) / 12  # 序时进度 from the cut-off
    text = report.document.text()
    assert "完成年初及年中追加项目7、9月绩效监控审核工作" in text
    assert "7月项目绩效监控（1-6月数据）1个100万元，总体进度50%" in text


def test_reports_all_within_a_few_templates():
    """Each development case needs at most a few short templates of its own."""
    for folder in (ROOT / "params").glob("*/templates"):
        files = list(folder.rglob("*.j2"))
        assert len(files) <= 3 and all(len(p.read_text(encoding="utf-8")) < 600 for p in files), folder


def test_printer_without_county_formats_is_unchanged():
    from perflib.figures import Figure

    figure = Figure("x", "x", Decimal("24066.4"), "万元", "wan", "s")
    assert Printer()(figure) == "24,066万元"
