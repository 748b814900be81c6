"""audit-text on a paragraph from each development case, written as those counties published it
(dev-cases.yaml's facts in their own words): every figure agrees with the data, no false alarm."""
from __future__ import annotations

import pytest
from conftest import ROOT

from perflib.audit_text import audit_lines, parse_text
from perflib.params import load_params
from perflib.pipeline import make_report

PARAGRAPHS = {
    ("tianshui", 2021): "天水市财政局委托第三方评价机构，于8月25日至10月24日对2021年度8个项目、2个预算部门开展重点绩效评价。",
    ("wuhai_haibowan", 2020): "选取6个项目委托第三方机构开展重点绩效评价，目前评价工作正在进行中。",
    ("donghai", 2024): "对7个重点项目、1家部门整体、1个全成本项目开展重点绩效评价，涉及资金3.3亿元。",
    ("shunqing", 2024): "组织215个预算单位对1-8月所有项目及9月新增项目开展绩效运行监控，共监控5146个，涉及资金536,376.05万元。",
    ("daying", 2023): "7月、9月分别对1-6月、1-8月的预算执行开展绩效监控，通过绩效结果应用调减预算资金1114.26万元。",
    ("sichuan_county_monitoring", 2023): "对58个一级预算单位开展绩效监控，选取执行进度慢的5个重点项目，反馈问题16条，收回资金2.63万元。",
    ("qilihe", 2024): "对1-6月预算执行开展绩效监控，实现全覆盖，并选取4个重点项目开展重点监控。",
}


@pytest.mark.parametrize("case", sorted(PARAGRAPHS), ids=lambda c: f"{c[0]}-{c[1]}")
def test_a_published_paragraph_of_each_dev_case_agrees_figure_by_figure(case):
    county, year = case
    if not (ROOT / "params" / county / f"{year}.yaml").exists():
        pytest.fail(f"dev case params/{county}/{year}.yaml is missing")
    report = make_report(load_params(county, year, ROOT))
    paragraph = PARAGRAPHS[case]
    audit = audit_lines([paragraph], report)
    assert audit.problems == [], [str(p) for p in audit.problems]
    stated = [f.raw for f in parse_text([paragraph]).figures]
    assert stated and sorted(t.raw for t, _ in audit.agreements) == sorted(stated)
