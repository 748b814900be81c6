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


@pytest.mark.e2e
def test_perflib_rollup_writes_html_listing_missing_reports(generated):
    from perflib.rollup import run_rollup

    files = run_rollup(generated, progress=False)
    assert {p.name for p in files} >= {"rollup.html", "rollup.ipynb"}
    soup = BeautifulSoup((generated / "outputs/rollup/rollup.html").read_text(encoding="utf-8"), "html.parser")
    text = re.sub(r"\s+", "", soup.get_text())
    assert soup.find("h1").get_text() == "2022—2023年各县（市）预算绩效管理工作情况汇总"
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in soup.find_all("table")[0].find_all("tr")[1:]]
    assert ["和硕县", "2023", "缺少"] == rows[[r[:2] for r in rows].index(["和硕县", "2023"])][:3]
    assert any(r[:3] == ["示例一县", "2023", "已汇总"] for r in rows)
    assert "缺少或生成失败的5份未纳入汇总" in text  # 和硕县 2023, 示例二县 both years, 示例三县 2022, broken
    key_table = soup.find_all("table")[1]
    county_rows = [[td.get_text() for td in tr.find_all("td")] for tr in key_table.find_all("tr")[1:]]
    assert [r[0] for r in county_rows] == ["示例一县", "示例三县", "合计"]
    assert int(county_rows[-1][1]) == int(county_rows[0][1]) + int(county_rows[1][1])
    assert len(soup.find_all("img")) == 5
