"""汇总: the rollup reads each report's ledger back (figures.csv, else the executed notebook),
never recomputes, and lists missing and failed reports."""
from __future__ import annotations

import io
import re

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from test_batch import add_broken_county

from perflib import rollup
from perflib.batch import Job, run_batch
from perflib.params import load_params
from perflib.pipeline import make_report


def test_ledger_csv_round_trips_the_figures(tmp_path):
    from conftest import ROOT

    from perflib.ledger import write_figures_csv

    report = make_report(load_params("example3", 2023, ROOT))
    write_figures_csv(report.ledger, tmp_path)
    ledger = rollup.read_ledger(tmp_path)
    values = dict(zip(ledger["名称"], ledger["数值"]))
    assert {k: v for k, v in values.items() if k in report.figures} == {f.key: str(f.value) for f in report.figures.items.values()}
    assert values["yoy.trainings.attendees.change"] == str(report.figures["trainings.attendees"].value - report.figures["yoy.trainings.attendees.previous"].value)
    assert rollup.read_ledger(tmp_path / "nothing-here") is None


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A project where only some reports were generated: 示例一县 both years, 示例三县 2023, and a broken one."""
    import shutil

    from conftest import ROOT

    root = tmp_path_factory.mktemp("project")
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    for case in ("tianshui", "wuhai_haibowan", "donghai", "shunqing", "daying", "sichuan_county_monitoring", "qilihe"):
        shutil.rmtree(root / "params" / case)  # development cases of other regions: not this prefecture's rollup
    add_broken_county(root)
    declared = (root / "params" / "rollup.yaml").read_text(encoding="utf-8")  # every params file, not the sample's declared set
    (root / "params" / "rollup.yaml").write_text(re.sub(r"^(counties|years):.*\n", "", declared, flags=re.M), encoding="utf-8")
    jobs = [Job("example1", 2022), Job("example1", 2023), Job("example3", 2023), Job("broken", 2023)]
    run_batch(root, jobs, n_jobs=2, progress=False, out=io.StringIO())
    return root


@pytest.mark.e2e
def test_rollup_reads_ledgers_and_flags_missing_and_failed(generated):
    collection = rollup.collect(generated)
    status = {(e.county, e.year): e.status for e in collection.entries}
    assert status[("example1", 2022)] == status[("example1", 2023)] == status[("example3", 2023)] == "已汇总"
    assert status[("heshuo", 2023)] == status[("example2", 2022)] == status[("example3", 2022)] == "缺少"
    assert status[("broken", 2023)] == "生成失败"
    broken = next(e for e in collection.entries if e.county == "broken")
    assert "E111" in broken.reason
    attendees = load_workbook(generated / "data/example1/2023.xlsx", read_only=True)["培训"]
    expected = sum(row[2] for row in attendees.iter_rows(min_row=2, values_only=True))
    example1 = next(e for e in collection.included if (e.county, e.year) == ("example1", 2023))
    assert example1.value("trainings.attendees") == expected


@pytest.mark.e2e
def test_rollup_takes_figures_from_the_ledger_not_the_data(generated, tmp_path):
    import shutil

    out = tmp_path / "example1-2023"
    shutil.copytree(generated / "outputs/example1/2023", out)
    ledger = (out / "figures.csv").read_text(encoding="utf-8-sig")
    tampered = re.sub(r"^(trainings\.attendees,[^,]*,[^,]*,)(\d+),", r"\g<1>999,", ledger, flags=re.M)
    assert tampered != ledger
    (out / "figures.csv").write_text(tampered, encoding="utf-8-sig")
    ledger = rollup.read_ledger(out)
    values = dict(zip(ledger["名称"], ledger["数值"]))
    assert values["trainings.attendees"] == "999"


@pytest.mark.e2e
def test_without_figures_csv_the_executed_notebook_is_read(generated, tmp_path):
    import shutil

    out = tmp_path / "example1-2022"
    shutil.copytree(generated / "outputs/example1/2022", out)
    from_csv = rollup.read_ledger(out)
    (out / "figures.csv").unlink()
    from_notebook = rollup.read_ledger(out)
    csv_values = dict(zip(from_csv["名称"], from_csv["数值"]))
    nb_values = dict(zip(from_notebook["名称"], from_notebook["数值"]))
    for key in ("key_evaluations.objects", "key_evaluations.amount", "target_reviews.amount", "trainings.attendees",
                "results.budget_cut", "monitoring.2022-05.progress", "monitoring.2022-08.schedule"):
        assert nb_values[key] == csv_values[key], key


def _tables(soup) -> dict[str, list[list[str]]]:
    """Every table of a rollup page by its title without the number (「表2　」), header row first."""
    tables = {}
    for block in soup.select("div.table-block"):
        title = re.sub(r"^表\d+\u3000", "", block.find("p", class_="caption").get_text())
        tables[title] = [[c.get_text() for c in tr.find_all(["th", "td"])] for tr in block.find_all("tr")]
    return tables


def _number(text: str):
    from decimal import Decimal

    return Decimal(text.replace(",", "").rstrip("%"))


@pytest.mark.e2e
def test_perflib_rollup_writes_html_docx_and_pdf_listing_missing_reports_in_its_appendix(generated):
    from perflib.render_pdf import unavailable_reason
    from perflib.rollup import run_rollup

    files = run_rollup(generated, progress=False)
    expected = {"rollup.html", "rollup.ipynb", "rollup.docx"} | (set() if unavailable_reason() else {"rollup.pdf"})
    assert {p.name for p in files} >= expected
    soup = BeautifulSoup((generated / "outputs/rollup/rollup.html").read_text(encoding="utf-8"), "html.parser")
    text = re.sub(r"\s+", "", soup.get_text())
    assert soup.find("h1").get_text() == "2022—2023年示例州预算绩效管理工作情况汇总"
    tables = _tables(soup)
    # the report-status table is the appendix, after the 落款
    status = tables["各县年度报告生成情况"][1:]
    assert ["和硕县", "2023", "缺少"] == status[[r[:2] for r in status].index(["和硕县", "2023"])][:3]
    assert any(r[:3] == ["示例一县", "2023", "已汇总"] for r in status)
    assert text.index("示例州财政局2024年4月15日") < text.index("附：各县年度报告生成情况")
    assert "缺少或生成失败的5份未纳入汇总（见附）" in text
    key = tables["2023年度各县（市）重点绩效评价"][1:]
    assert [r[0] for r in key] == ["示例一县", "示例三县", "合计"]
    assert len(soup.find_all("img")) == 5
    assert "各县（市）均已建立预算绩效管理制度" in text  # conclusions from params/rollup.yaml


@pytest.mark.e2e
def test_rollup_totals_are_the_sums_of_the_printed_parts_and_shares_add_up(generated):
    from perflib.rollup import run_rollup

    run_rollup(generated, progress=False)
    soup = BeautifulSoup((generated / "outputs/rollup/rollup.html").read_text(encoding="utf-8"), "html.parser")
    tables = _tables(soup)
    checked = 0
    for title, rows in tables.items():
        if rows[-1][0] != "合计":
            continue
        parts, total = rows[1:-1], rows[-1]
        for c in range(1, len(total)):
            assert sum(_number(r[c]) for r in parts) == _number(total[c]), (title, rows[0][c])
            checked += 1
        assert all("," in cell for r in rows[1:] for cell in r[1:] if cell.replace(".", "").replace("%", "").isdigit()
                   and _number(cell) >= 1000), "thousands separators as in the county reports"
    assert checked >= 15
    shares = tables["2023年各县（市）主要指标占比"]
    assert [rows for rows in shares[-1] if rows.endswith("%")] == ["100.0%"] * 3


@pytest.mark.e2e
def test_rollup_ranks_counties_and_gives_each_ones_change_on_the_year_before(generated):
    from decimal import Decimal

    collection = rollup.collect(generated)
    now = collection.of_year(2023)
    columns, rows = rollup.ranking_table(now)
    amounts = [_number(r[1]) for r in rows]
    assert amounts == sorted(amounts, reverse=True) and [r[2] for r in rows][0] == "1"
    changes = rollup.change_table(collection, 2023)
    example1 = next(r for r in changes if r[0] == "示例一县")
    before = next(e for e in collection.included if (e.county, e.year) == ("example1", 2022))
    after = next(e for e in now if e.county == "example1")
    rate = (after.value("trainings.attendees") - before.value("trainings.attendees")) / before.value("trainings.attendees") * 100
    assert example1[4] == ("增长" if rate > 0 else "下降") + f"{abs(rate).quantize(Decimal('0.1'), 'ROUND_HALF_UP')}%"
    assert next(r for r in changes if r[0] == "示例三县")[1:] == ("—",) * 4  # 示例三县 2022 is missing


def test_shares_are_rounded_to_add_up_to_exactly_100():
    from decimal import Decimal

    assert sum(rollup.shares([Decimal(1)] * 3)) == Decimal("100.0")
    assert rollup.shares([Decimal(1)] * 3) == [Decimal("33.4"), Decimal("33.3"), Decimal("33.3")]
    assert rollup.shares([Decimal(0), Decimal(0)]) == [Decimal(0), Decimal(0)]


def test_rollup_params_are_checked(tmp_path):
    from perflib.errors import ParamsError

    (tmp_path / "params").mkdir()
    assert rollup.load_rollup_params(tmp_path) == rollup.RollupParams()
    (tmp_path / "params" / "rollup.yaml").write_text("region_name: 某州\nsignature: x\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="signature"):
        rollup.load_rollup_params(tmp_path)
    (tmp_path / "params" / "rollup.yaml").write_text("region_name: 某州\nissuer: 某州财政局\nissue_date: 2024-04-05\n",
                                                     encoding="utf-8")
    loaded = rollup.load_rollup_params(tmp_path, region_name="另一州")
    assert (loaded.region_name, loaded.issuer, str(loaded.issue_date)) == ("另一州", "某州财政局", "2024-04-05")
