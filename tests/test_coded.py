"""A CSV's repeating columns read as their distinct cells type exactly as cell by cell (perflib.coded)."""
from __future__ import annotations

import csv
import io

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perflib import inputs
from perflib.coded import CodedCells
from perflib.schema import TABLES_BY_NAME

MONITORING = TABLES_BY_NAME["project_monitoring"]
EVALUATIONS = TABLES_BY_NAME["key_evaluations"]

# hostile cells for each column: spaces, full-width digits, totals, blanks, control and zero-width characters
CELLS = {
    "监控批次": ["5月", "8月", " 5月", "５月", "合计", "", "5月\x07"],
    "截止日期": ["2023-05-31", "2023/8/31", "2023-13-01", "", "45077", "2023年5月31日", "x"],
    "主管部门": ["部门甲", " 部门乙 ", "部门\u200b丙", "部门\u202e丁", "", "小计"],
    "项目名称": ["项目一", "项目二", "项目三", "", " 项目一"],
    "预算金额(万元)": ["12.5", "1,260", "7", "", "-3", "１２"],
    "执行金额(万元)": ["3.25", "7", "", "12.34567"],
    "执行率": ["", "26%", "0.5", "120%"],
    "重点监控": ["", "是", "否", "是 ", "也许"],
    "发现问题(条)": ["", "2", "２", "-1", "1.5"],
    "评价报告名称": ["报告一", "报告二", "", "报告一 "],
    "评价类型": ["其他重大项目", "部门整体", "", "x"],
    "评价资金(万元)": ["", "1260.5", "12"],
    "评价得分": ["92.5", "81", "", "101", "六十"],
    "评价等级": ["优", "良", "中", "", "差"],
    "公开情况": ["公开", "", "涉密", "不公开"],
    "公开网址": ["", "http://a"],
    "评价状态": ["", "已完成", "进行中"],
    "评价对象": ["", "某乡", "某镇"],
}


def rows_for(spec, draw_cell, n):
    return [[draw_cell(h) for h in spec.headers] for _ in range(n)]


@st.composite
def csv_texts(draw, spec):
    n = draw(st.integers(min_value=0, max_value=12))
    rows = [[draw(st.sampled_from(CELLS[h])) for h in spec.headers] for _ in range(n)]
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), [""] * len(spec.headers))  # a blank row
    title = [[f"{spec.sheet}（2023年）"] + [""] * (len(spec.headers) - 1)] if draw(st.booleans()) else []
    out = io.StringIO()
    csv.writer(out).writerows(title + [list(spec.headers)] + rows)
    return out.getvalue()


def typed_both_ways(tmp_path, spec, text):
    path = tmp_path / f"{spec.sheet}.csv"
    path.write_text(text, encoding="utf-8")
    coded_sheet = inputs._csv_sheet(path, path.name, lazy=True).load(spec)
    plain_sheet = inputs._csv_sheet(path, path.name, lazy=True).load()
    return coded_sheet, inputs.typed_table(spec, coded_sheet), inputs.typed_table(spec, plain_sheet)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_repeating_columns_type_as_cell_by_cell(tmp_path, data):
    spec = data.draw(st.sampled_from([MONITORING, EVALUATIONS]))
    _, (coded_table, coded_findings), (plain_table, plain_findings) = typed_both_ways(tmp_path, spec, data.draw(csv_texts(spec)))
    assert [str(f) for f in coded_findings] == [str(f) for f in plain_findings]
    pd.testing.assert_frame_equal(coded_table, plain_table)
    for name in coded_table.columns:  # the same values, of the same types (pandas' equality calls 1 and 1.0 equal)
        assert [repr(v) for v in coded_table[name]] == [repr(v) for v in plain_table[name]]


def test_only_repeating_columns_are_coded(tmp_path):
    text = "监控批次,截止日期,主管部门,项目名称,预算金额(万元),执行金额(万元)\n5月,2023-05-31,部门甲,项目一,12.5,3\n5月,2023-05-31,部门甲,项目二,7,2\n"
    sheet, (table, findings), _ = typed_both_ways(tmp_path, MONITORING, text)
    coded = [type(c) is CodedCells for c in inputs._csv_sheet(tmp_path / "项目绩效监控.csv", "x", lazy=True).load(MONITORING).columns]
    assert coded == [True, True, True, False, False, False]
    assert not findings and table["department"].tolist() == ["部门甲", "部门甲"] and table["department"].dtype == object
