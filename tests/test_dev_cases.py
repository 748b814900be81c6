"""Development cases (issue 12): figures that other counties, districts and cities published, each
encoded as params/<case>/<year>.yaml and data/<case>/<year>.xlsx. Every string the published
report prints comes out exactly; nothing is said about work the case has no data for; a case
whose rows are partly invented says so in every output.

The expectations are copied from the cases' published figures (issue 12's dev-cases.yaml), never
from perflib's output, and this file does not read anything outside the project."""
from __future__ import annotations

import re

import pytest
from conftest import ROOT
from openpyxl import load_workbook

from perflib.ledger import unsourced_numbers
from perflib.params import load_params
from perflib.pipeline import make_report

# case folder, year: (strings the published report prints, words it must not print (no data),
#                     whether the workbook is partly invented)
CASES = {
    ("tianshui", 2021): (["8个项目", "2个预算部门", "8月25日至10月24日"],
                         ["万元", "亿元", "资金总额", "等级", "“优", "“良", "监控", "事前", "培训", "%"], False),
    ("wuhai_haibowan", 2020): (["6个"], ["等级", "“优", "万元", "亿元", "序号", "形成", "评价报告"], False),
    ("donghai", 2024): (["7个重点项目", "1家部门整体", "1个全成本项目", "3.3亿元"], ["万元", "等级", "%", "形成"], True),
    ("shunqing", 2024): (["215个预算单位", "5146个", "536,376.05万元"], ["%", "序时进度", "执行"], True),
    ("daying", 2023): (["7月", "9月", "1-6月", "1-8月", "1114.26万元"], ["%", "序时进度", "个项目"], True),
    ("sichuan_county_monitoring", 2023): (["58个一级预算单位", "5个", "16条", "2.63万元", "191万元", "63万元", "128万元"],
                                          ["%", "序时进度"], True),
    ("qilihe", 2024): (["1-6月", "4个重点项目"], ["%", "万元", "序时进度"], True),
}


@pytest.fixture(scope="module", params=sorted(CASES), ids=lambda c: f"{c[0]}-{c[1]}")
def case(request):
    county, year = request.param
    return county, year, make_report(load_params(county, year, ROOT))


def body(report) -> str:
    """The report's text without the title and the illustrative notice (tested on its own)."""
    return "\n".join(s_text for s_text in report.document.text().split("\n")[1:] if "示例数据" not in s_text)


def test_every_published_string_is_printed_exactly(case):
    county, year, report = case
    text = report.document.text()
    missing = [s for s in CASES[county, year][0] if s not in text]
    assert missing == []


def test_nothing_is_said_about_work_without_data(case):
    county, year, report = case
    text = body(report)
    said = [w for w in CASES[county, year][1] if w in text]
    assert said == [], text


def test_only_the_parts_with_data_and_headings_numbered_from_one(case):
    _, _, report = case
    numbered = [s.number for s in report.document.sections if s.key != "illustrative"]
    assert numbered == ["一、", "二、", "三、", "四、"][:len(numbered)]
    assert all(s.blocks or s.children for s in report.document.walk()), "no empty heading"
    assert not any(s.key in ("problems", "measures", "history") for s in report.document.walk())


def test_every_number_printed_has_a_ledger_entry(case):
    _, _, report = case
    blocks = [cell for line in report.document.text().split("\n")[1:] for cell in line.split("\t")]
    assert unsourced_numbers(blocks, report.ledger) == []


def test_invented_rows_are_declared_and_the_report_says_so(case):
    county, year, report = case
    invented = CASES[county, year][2]
    assert bool(report.params.illustrative) == invented
    first = report.document.sections[0]
    assert (first.key == "illustrative") == invented
    if invented:
        assert "示例数据" in report.document.text().split("\n")[1]
        note = load_workbook(ROOT / "data" / county / f"{year}.xlsx", read_only=True)["说明"]["A1"].value
        assert note.startswith("示例数据")


def test_published_totals_are_the_sums_of_the_rows():
    """The invented rows add up to the published totals, read straight from the workbooks."""
    def column(path, sheet, header):
        rows = list(load_workbook(ROOT / path, read_only=True)[sheet].iter_rows(values_only=True))
        at = list(rows[0]).index(header)
        return [r[at] for r in rows[1:]]

    from decimal import Decimal

    total = sum(Decimal(str(v)) for v in column("data/shunqing/2024.xlsx", "项目绩效监控", "预算金额(万元)"))
    assert total == Decimal("536376.05")
    assert len(set(column("data/shunqing/2024.xlsx", "项目绩效监控", "主管部门"))) == 215
    assert sum(Decimal(str(v)) for v in column("data/donghai/2024.xlsx", "重点绩效评价", "评价资金(万元)")) == Decimal(33000)
    moves = list(zip(column("data/sichuan_county_monitoring/2023.xlsx", "资金调整", "调整方向"),
                     column("data/sichuan_county_monitoring/2023.xlsx", "资金调整", "金额(万元)")))
    assert sum(Decimal(str(a)) for d, a in moves if d == "调出") == 191
    assert sum(Decimal(str(a)) for d, a in moves if d != "调出") == 63 + 128


@pytest.mark.e2e
def test_a_case_runs_through_the_notebook_and_its_outputs_say_it_is_illustrative(tmp_path):
    """The real run (papermill) of an illustrative case: the notice is on the HTML page, in the Word
    document and in the notebook, and the published strings are on the page."""
    import shutil

    from bs4 import BeautifulSoup
    from docx import Document as Docx

    from perflib.run import run_report

    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, tmp_path / name)
    result = run_report("daying", 2023, root=tmp_path, progress=False)
    out = result.output_dir
    page = re.sub(r"\s+", "", BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser").get_text())
    assert "示例数据说明" in page and all(s in page for s in CASES["daying", 2023][0])
    docx_text = "".join(p.text for p in Docx(str(out / "report.docx")).paragraphs)
    assert "示例数据" in docx_text
    assert "示例数据" in (out / "annual_report.ipynb").read_text(encoding="utf-8")
