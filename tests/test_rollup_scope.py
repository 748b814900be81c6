"""What a rollup covers is what params/rollup.yaml declares (counties, years, who signs); the sample
rollup is the three illustrative counties and says so; a declared county or year without a report is
listed and warned about, a wrong rollup.yaml is refused with E182 (issue 23, item 7)."""
from __future__ import annotations

import re
import shutil
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from perflib import rollup
from perflib.errors import ParamsError
from perflib.rollup import INCLUDED, Collection, Entry, RollupParams


def _project(tmp_path, rollup_yaml: str, counties=("example1", "example2", "heshuo")):
    from conftest import ROOT

    (tmp_path / "params").mkdir()
    for county in counties:
        shutil.copytree(ROOT / "params" / county, tmp_path / "params" / county)
    (tmp_path / "params" / "rollup.yaml").write_text(rollup_yaml, encoding="utf-8")
    return tmp_path


def test_the_sample_rollup_is_the_three_illustrative_counties_signed_by_their_prefecture():
    from conftest import ROOT

    from perflib.params import load_params

    declared = rollup.load_rollup_params(ROOT)
    assert declared.counties == ("example1", "example2", "example3") and declared.years == (2022, 2023)
    assert (declared.region_name, declared.issuer) == ("示例州", "示例州财政局")
    assert declared.illustrative
    for county in declared.counties:
        for year in declared.years:
            assert load_params(county, year, ROOT).illustrative, (county, year)  # each input says it is invented
    collection = rollup.collect(ROOT)
    assert [(e.county, e.year) for e in collection.entries] == [(c, y) for c in declared.counties for y in declared.years]


def test_the_rollup_covers_the_declared_counties_and_years_only(tmp_path):
    root = _project(tmp_path, "counties: [example2, example1]\nyears: [2023]\n")
    collection = rollup.collect(root)
    assert [(e.county, e.year, e.county_name) for e in collection.entries] == [("example2", 2023, "示例二县"), ("example1", 2023, "示例一县")]
    assert [(e.county, e.year) for e in rollup.collect(root, ["heshuo"]).entries] == [("heshuo", 2023)]  # the command line wins


def test_without_a_declaration_every_params_file_is_covered(tmp_path):
    root = _project(tmp_path, "issuer: 某州财政局\n")
    assert {(e.county, e.year) for e in rollup.collect(root).entries} == {("example1", 2022), ("example1", 2023), ("example2", 2022),
                                                                          ("example2", 2023), ("heshuo", 2023)}


def test_a_declared_county_and_year_without_a_report_is_listed_and_warned(tmp_path):
    root = _project(tmp_path, "counties: [example1, heshuo]\nyears: [2022, 2023]\n")
    collection = rollup.collect(root)
    heshuo_2022 = next(e for e in collection.entries if (e.county, e.year) == ("heshuo", 2022))
    assert (heshuo_2022.status, heshuo_2022.county_name) == ("缺少", "和硕县")
    assert "无参数文件（params/heshuo/2022.yaml）" in heshuo_2022.reason
    warnings = {str(f) for f in rollup.scope_findings(collection)}
    assert "[W280 提示] 文件 params/heshuo/2022.yaml：汇总范围内的和硕县2022年未纳入汇总：无参数文件（params/heshuo/2022.yaml），该年度没有报告" in warnings
    assert any(w.startswith("[W281 提示] 文件 params/example1/2023.yaml：汇总范围内的示例一县2023年未纳入汇总：未找到已生成的报告") for w in warnings)
    assert len(warnings) == 4  # every declared report, none generated here
    status = rollup.status_table(collection)
    assert ("和硕县", "2022", "缺少", heshuo_2022.reason) in status  # and the document's appendix lists it


@pytest.mark.parametrize("text, said", [
    ("signature: x\n", "未知的键：signature"),
    ("counties: [example1, exmaple2]\n", "counties 的「exmaple2」没有参数文件夹 params/exmaple2/"),
    ("counties: example1\n", "counties 应为县目录名的列表"),
    ("counties: [example1, example1]\n", "「example1」写了两次"),
    ("counties: ['../etc']\n", "counties：县目录名「../etc」不合法"),
    ("years: [2023, '2022']\n", "years 应为四位数字年度的列表"),
    ("years: [23]\n", "years 应为四位数字年度的列表"),
    ("years: [2023, 2023]\n", "years 有重复的年度"),
    ("illustrative: [1]\n", "illustrative 应为 true/false"),
    ("issuer: [a, b]\n", "issuer 应为一行文字"),
    ("issue_date: 四月\n", "issue_date 应为日期（如 2024-04-15 或 2024年4月15日），现为「四月」"),
    ("- a\n- b\n", "顶层应为键值对"),
    ("issuer: x\nregion_name: [\n", "无法读取：第 3 行附近YAML 格式有误"),
])
def test_a_wrong_rollup_yaml_is_refused_with_e182(tmp_path, text, said):
    root = _project(tmp_path, text)
    with pytest.raises(ParamsError) as refused:
        rollup.load_rollup_params(root)
    assert refused.value.code == "E182"
    assert str(refused.value).startswith("[E182 错误] 汇总参数文件 params/rollup.yaml")
    assert said in str(refused.value)
    assert not re.search(r"[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}", str(refused.value)), "no English sentence"  # PyYAML's words are not shown


def _entry(county, year, name, illustrative=""):
    values = {"key_evaluations.objects": 2, "key_evaluations.amount": "0.5", "target_reviews.amount": 100, "trainings.attendees": 30}
    return Entry(county, year, name, INCLUDED, "", {k: Decimal(v) for k, v in values.items()}, illustrative=illustrative)


def test_illustrative_inputs_are_declared_first_naming_each_report():
    collection = Collection([_entry("jia", 2022, "甲县", "甲县的数字是虚构的。"), _entry("jia", 2023, "甲县", "甲县的数字是虚构的。"),
                             _entry("yi", 2023, "乙县"), _entry("bing", 2023, "丙县", "丙县的项目明细为示意。")], [2022, 2023])
    document = rollup.build_document(collection, {}, params=RollupParams(issuer="某州财政局", illustrative="本汇总的落款为示例。"))
    first = document.sections[0]
    assert (first.number, first.title, first.key) == ("", "示例数据说明", "illustrative")
    notice = document.text_of(first.blocks[0].runs)
    assert notice.startswith("本汇总的落款为示例。本汇总所依据的下列报告使用示例数据")
    assert "甲县2022年、2023年（报告中的示例数据说明：甲县的数字是虚构的）" in notice
    assert "丙县2023年（报告中的示例数据说明：丙县的项目明细为示意）" in notice
    assert "乙县" not in notice  # real data is not called illustrative
    assert document.sections[1].number == "一、"
    from perflib.render_html import render_html

    soup = BeautifulSoup(render_html(document), "html.parser")
    assert "示例数据说明" in soup.get_text() and soup.get_text().index("示例数据说明") < soup.get_text().index("一、")


def test_a_rollup_of_real_reports_has_no_illustrative_notice():
    collection = Collection([_entry("yi", 2023, "乙县")], [2023])
    document = rollup.build_document(collection, {}, params=RollupParams(issuer="某州财政局"))
    assert "示例数据说明" not in [s.title for s in document.sections]


def test_collect_reads_each_reports_illustrative_declaration(tmp_path):
    from perflib.ledger import write_figures_csv
    from perflib.params import ILLUSTRATIVE_NOTICE, load_params
    from perflib.pipeline import make_report

    from conftest import ROOT

    root = _project(tmp_path, "counties: [example1]\nyears: [2023]\nregion_name: 示例州\n", counties=("example1",))
    shutil.copytree(ROOT / "data" / "example1", root / "data" / "example1")
    out = root / "outputs" / "example1" / "2023"
    out.mkdir(parents=True)
    write_figures_csv(make_report(load_params("example1", 2023, root)).ledger, out)
    collection = rollup.collect(root)
    assert collection.included[0].illustrative == ILLUSTRATIVE_NOTICE
    text = rollup.build_document(collection, {}, params=rollup.load_rollup_params(root)).text()
    assert f"示例一县2023年（报告中的示例数据说明：{ILLUSTRATIVE_NOTICE.rstrip('。')}）" in text


@pytest.mark.e2e
def test_the_sample_rollup_is_coherent_and_declares_its_illustrative_inputs_in_every_output(tmp_path):
    """`perflib rollup` on the sample, as the README gives it: the three example counties of 示例州,
    signed 示例州财政局, with a 示例数据说明 first in the HTML, the Word file and the notebook, and
    figures (not 「—」) in its tables."""
    import docx
    import nbformat

    from conftest import ROOT

    from perflib.ledger import write_figures_csv
    from perflib.params import load_params
    from perflib.pipeline import make_report

    root = _project(tmp_path, (ROOT / "params" / "rollup.yaml").read_text(encoding="utf-8"), counties=("example1", "example2", "example3"))
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    for county in ("example1", "example2", "example3"):
        shutil.copytree(ROOT / "data" / county, root / "data" / county)
        for year in (2022, 2023):
            out = root / "outputs" / county / str(year)
            out.mkdir(parents=True)
            write_figures_csv(make_report(load_params(county, year, root)).ledger, out)
    rollup.run_rollup(root, progress=False)
    folder = root / "outputs" / "rollup"
    soup = BeautifulSoup((folder / "rollup.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.find("h1").get_text() == "2022—2023年示例州预算绩效管理工作情况汇总"
    headings = [h.get_text() for h in soup.find_all("h2")]
    assert headings[0] == "示例数据说明" and headings[1].startswith("一、")
    text = soup.get_text()
    for name in ("示例一县", "示例二县", "示例三县"):
        assert f"{name}2022年、2023年" in text[text.index("示例数据说明"):text.index("一、")]
    assert "示例州财政局" in text and "和硕县" not in text
    cells = [td.get_text() for td in soup.select("td.num")]
    assert cells and cells.count("—") == 0  # every county reports every part the sample rollup compares
    word = "\n".join(p.text for p in docx.Document(str(folder / "rollup.docx")).paragraphs)
    assert word.index("示例数据说明") < word.index("一、总体情况")
    notebook = nbformat.read(folder / "rollup.ipynb", as_version=4)
    shown = "".join(str(o.get("data", {}).get("text/markdown", "")) for c in notebook.cells for o in c.get("outputs", []))
    assert "⚠ 示例数据：本汇总的地区名称、落款和结论文字为示例" in shown


def test_perflib_rollup_prints_a_warning_for_each_report_it_could_not_include(tmp_path, monkeypatch, capsys):
    from perflib import cli

    root = _project(tmp_path, "counties: [example1, heshuo]\nyears: [2023, 2024]\n")
    (root / "notebooks").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("PERFLIB_ROOT", raising=False)
    monkeypatch.setattr(rollup, "run_rollup", lambda *a, **k: [])
    assert cli.main(["rollup", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "[W280 提示] 文件 params/heshuo/2024.yaml：汇总范围内的和硕县2024年未纳入汇总：无参数文件" in printed
    assert "[W281 提示] 文件 params/example1/2023.yaml" in printed
    assert printed.count("[W28") == 4


def test_perflib_rollup_refuses_a_wrong_rollup_yaml_before_any_kernel(tmp_path, monkeypatch, capsys):
    from perflib import cli

    root = _project(tmp_path, "counties: [exmaple1]\n")
    (root / "notebooks").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("PERFLIB_ROOT", raising=False)
    monkeypatch.setattr(rollup, "run_rollup", lambda *a, **k: pytest.fail("the rollup notebook ran"))
    assert cli.main(["rollup", "--no-progress"]) == 1
    assert "[E182 错误] 汇总参数文件 params/rollup.yaml 中 counties 的「exmaple1」没有参数文件夹" in capsys.readouterr().err
