"""The rollup compares counties through the standard kinds of 中发〔2018〕34号 and never prints 0
for a part a county does not report (issue 12)."""
from __future__ import annotations

from conftest import make_params, minimal_rows

from perflib import rollup
from perflib.ledger import write_figures_csv
from perflib.pipeline import make_report


def _evaluation(title, kind):
    return [title, "甲局", kind, 100, 91, "优", "公开"]


def _county(root, county, name, types, evaluations, absent=()):
    rows = {**minimal_rows(), "key_evaluations": evaluations, **{table: None for table in absent}}
    params = make_params(root, rows, county=county, wording={}, evaluation_types=types)
    path = root / "params" / county / "2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("county_name: 示例县", f"county_name: {name}"), encoding="utf-8")
    report = make_report(params)
    out = root / "outputs" / county / "2023"
    out.mkdir(parents=True)
    write_figures_csv(report.ledger, out)


def _tables(doc) -> dict[str, tuple]:
    return {b.caption: (b.columns, b.rows) for s in doc.walk() for b in s.blocks if hasattr(b, "columns")}


def _project(root):
    # 甲县 calls its project evaluations 项目支出评价, 乙县 calls them 项目: both are the kind 项目.
    _county(root, "jia", "甲县", [{"name": "项目支出评价", "kind": "项目"}, {"name": "部门整体评价", "kind": "部门整体"}],
            [_evaluation("报告一", "项目支出评价"), _evaluation("报告二", "项目支出评价"), _evaluation("报告三", "部门整体评价")])
    _county(root, "yi", "乙县", [{"name": "项目", "kind": "项目"}],
            [_evaluation("报告四", "项目"), _evaluation("报告五", "项目"), _evaluation("报告六", "项目")],
            absent=("project_monitoring", "department_monitoring", "project_target_reviews"))
    return rollup.collect(root)


def test_differently_named_types_of_one_standard_kind_add_up(tmp_path):
    collection = _project(tmp_path)
    columns, rows = rollup.standard_kinds_table(collection.of_year(2023))
    assert columns == ("县（市）", "部门整体", "项目")
    assert rows == [("甲县", "1", "2"), ("乙县", "0", "3"), ("合计", "1", "5")]
    doc = rollup.build_document(collection, {})
    assert _tables(doc)["2023年度各县（市）重点绩效评价对象按类型"][1] == tuple(rows)


def test_a_county_without_the_monitoring_sheet_is_not_reported_not_zero_and_not_ranked(tmp_path):
    doc = rollup.build_document(_project(tmp_path), {})
    tables = _tables(doc)
    monitoring = tables["2023年各县（市）项目绩效监控执行进度"][1]
    assert [r for r in monitoring if r[0] == "乙县"] == [("乙县", "未报告", "—", "—", "—", "—", "—")]
    columns, ranking = tables["2023年各县（市）主要指标及位次"]
    review = columns.index("目标审核金额（万元）")
    yi = next(r for r in ranking if r[0] == "乙县")
    assert (yi[review], yi[review + 1]) == ("—", "—")  # not 0, and no place (not last of 2)
    jia = next(r for r in ranking if r[0] == "甲县")
    assert jia[review + 1] == "1"
    funds = tables["2023年各县（市）绩效目标审核、评价和结果应用资金"][1]
    assert funds[1][1:3] == ("—", "—") and funds[2][1:3] == funds[0][1:3]  # 合计 is 甲县's alone
    shares = tables["2023年各县（市）主要指标占比"][1]
    assert [r for r in shares if r[0] != "甲县"] == [("乙县", "0.03", "50.0%", "—", "—", "1", "50.0%"),
                                                  ("合计", "0.06", "100.0%", "10", "100.0%", "2", "100.0%")]
    text = doc.text()
    assert "2023年度，2个县（市）共选取6个重点绩效评价对象，评价资金合计0.06亿元；1个县（市）年初预算项目绩效目标审核金额合计10万元（乙县未报告）。" in text
    assert "不计为0" in text


def test_a_county_without_key_evaluations_is_listed_last_without_a_place(tmp_path):
    _county(tmp_path, "jia", "甲县", [{"name": "项目", "kind": "项目"}], [_evaluation("报告一", "项目")])
    _county(tmp_path, "yi", "乙县", [{"name": "项目", "kind": "项目"}], [], absent=("key_evaluations",))
    _county(tmp_path, "bing", "丙县", [{"name": "项目", "kind": "项目"}], [_evaluation("报告二", "项目")])
    columns, rows = rollup.ranking_table(rollup.collect(tmp_path).of_year(2023))
    assert [r[:3] for r in rows] == [("丙县", "0.01", "1"), ("甲县", "0.01", "1"), ("乙县", "—", "—")]
    assert rollup.key_evaluation_table(rollup.collect(tmp_path).of_year(2023))[-1] == ("合计", "2", "0.02", "2", "0")
    text = rollup.build_document(rollup.collect(tmp_path), {}).text()
    assert "2023年度，2个县（市）共选取2个重点绩效评价对象（乙县未报告），2个县（市）评价资金合计0.02亿元（乙县未报告）；年初预算" in text
