"""One evaluation report covering several evaluated objects (评价对象): objects and reports are
counted apart, each report is listed once, and a true repeat is still refused (issue 12)."""
from __future__ import annotations

from decimal import Decimal

from conftest import make_params

from perflib.findings import errors
from perflib.pipeline import make_report
from perflib.validation import load_data

TOWNSHIPS = "天水市各县区乡镇2021年乡村公益性补贴绩效评价报告"
ROADS = "农村公路养护资金绩效评价报告"


def evaluation(title, department, amount, score, grade, publication="公开", object_=None):
    # 评价报告名称, 主管部门, 评价类型, 评价资金(万元), 评价得分, 评价等级, 公开情况, 公开网址, 评价状态, 评价对象
    return [title, department, "其他重大项目", amount, score, grade, publication, None, None, object_]


FIVE_IN_TWO = [
    evaluation(TOWNSHIPS, "农业农村局", "10.5", 92, "优", object_="甲镇"),
    evaluation(TOWNSHIPS, "农业农村局", "20.25", 85, "良", object_="乙镇"),
    evaluation(TOWNSHIPS, "农业农村局", "0.0001", 91, "优", object_="丙乡"),
    evaluation(ROADS, "交通运输局", "100", 70, "中", object_="北线"),
    evaluation(ROADS, "交通运输局", "200.1", 75, "中", object_="南线"),
]
TABLE = ["序号", "评价报告", "评价对象数", "评价资金", "评价等级"]


def test_five_objects_in_two_reports_print_five_and_two_and_list_two_reports(tmp_path):
    params = make_params(tmp_path, {"key_evaluations": FIVE_IN_TWO}, {"amount_decimals": 4}, wording={}, key_evaluation_table=TABLE)
    report = make_report(params)
    f = report.figures
    assert f["key_evaluations.objects"].value == 5
    assert f["key_evaluations.reports"].value == 2
    assert f["key_evaluations.amount_wan"].value == Decimal("330.8501")
    assert [f[f"key_evaluations.grades.{i}"].value for i in (1, 2, 3)] == [2, 1, 2]  # per object
    text = report.document.text()
    assert "共选取5个评价对象" in text and "形成了2个评价报告" in text
    doc = report.document
    [table] = [b for s in doc.walk() for b in s.blocks if getattr(b, "columns", None) == ("序号", "评价报告", "评价对象数", "评价资金（万元）", "评价等级")]
    printed = [[doc.printed(c) for c in row] for row in table.rows]
    assert printed == [["1", TOWNSHIPS, "3个", "30.7501万元", "优、良"], ["2", ROADS, "2个", "300.1000万元", "中"]]


def test_a_withheld_combined_report_counts_once(tmp_path):
    rows = [evaluation(TOWNSHIPS, "农业农村局", 1, 92, "优", "涉密", "甲镇"),
            evaluation(TOWNSHIPS, "农业农村局", 1, 92, "优", "涉密", "乙镇"),
            evaluation(ROADS, "交通运输局", 1, 92, "优")]
    report = make_report(make_params(tmp_path, {"key_evaluations": rows}, wording={}))
    assert report.figures["key_evaluations.withheld"].value == 1
    assert report.figures["key_evaluations.reports"].value == 2
    assert report.figures.lists["key_evaluations.published"] == [ROADS]


def test_the_same_object_twice_in_one_report_is_refused_with_its_place(tmp_path):
    rows = FIVE_IN_TWO + [evaluation(TOWNSHIPS, "农业农村局", 3, 92, "优", object_="乙镇")]
    _, findings = load_data(make_params(tmp_path, {"key_evaluations": rows}))
    found = [f for f in errors(findings) if f.code == "E120"]
    assert len(found) == 1
    message = str(found[0])
    for part in ("demo-2023.xlsx", "重点绩效评价", "第 7 行", "评价对象", "乙镇", "与第 3 行重复"):
        assert part in message, (part, message)


def test_one_title_twice_without_objects_is_still_a_repeat(tmp_path):
    rows = [evaluation(ROADS, "交通运输局", 1, 92, "优"), evaluation(ROADS, "交通运输局", 2, 92, "优")]
    _, findings = load_data(make_params(tmp_path, {"key_evaluations": rows}))
    assert [(f.code, f.row, f.column) for f in errors(findings)] == [("E120", 3, "评价报告名称")]


def test_rows_of_one_report_must_share_their_publication(tmp_path):
    rows = [evaluation(TOWNSHIPS, "农业农村局", 1, 92, "优", "公开", "甲镇"),
            evaluation(TOWNSHIPS, "农业农村局", 1, 92, "优", "涉密", "乙镇")]
    _, findings = load_data(make_params(tmp_path, {"key_evaluations": rows}))
    assert [(f.code, f.row, f.column, f.value) for f in errors(findings)] == [("E193", 3, "公开情况", "涉密")]
