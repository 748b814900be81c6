"""汇总 (rollup): a prefecture's comparison across counties and years, from the annual reports.

The figures are read back from each executed report's ledger (``outputs/<county>/<year>/figures.csv``,
or the ledger tables shown in its executed notebook), never recomputed from the data: the rollup
prints what the counties published. Every county and year that has a params file is expected; a
report that is missing or whose last run failed is listed as such, not silently skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Sequence

import pandas as pd

from . import formatting as fmt
from . import project
from .document import Chart, Document, Paragraph, Section, Table

INCLUDED, MISSING, FAILED = "已汇总", "缺少", "生成失败"
ROLLUP_FOLDER = "rollup"


# ---- reading ledgers back ----------------------------------------------------------------------

def read_ledger(output_dir: Path) -> pd.DataFrame | None:
    """The ledger of one executed report: its ``figures.csv`` if present, else the ledger recorded in
    its executed notebook (``perflib.ledger.read_figures``); None if neither is there.
    Columns as ``figures.csv`` (``perflib.ledger.CSV_COLUMNS``: 名称, 数值, 印刷形式…), all text."""
    from .ledger import CSV_COLUMNS, FIGURES_CSV, ledger_rows, read_figures

    output_dir = Path(output_dir)
    ledger = output_dir / FIGURES_CSV
    if ledger.is_file():
        from .safety import csv_value

        return pd.read_csv(ledger, dtype=str, keep_default_na=False, encoding="utf-8-sig").map(csv_value)  # as csv_cell wrote them
    notebook = output_dir / "annual_report.ipynb"
    if notebook.is_file():
        try:
            return pd.DataFrame(ledger_rows(read_figures(notebook)), columns=CSV_COLUMNS)
        except LookupError:  # a notebook without a recorded ledger
            return None
    return None


# ---- what the rollup covers --------------------------------------------------------------------

@dataclass
class Entry:
    """One expected annual report: its status and, when included, its figures by name."""

    county: str
    year: int
    county_name: str
    status: str
    reason: str = ""
    values: dict[str, Decimal | str] = field(default_factory=dict)
    printed: dict[str, str] = field(default_factory=dict)

    def value(self, key: str, default=Decimal(0)):
        return self.values.get(key, default)


@dataclass
class Collection:
    """The reports a rollup covers, in county, year order."""

    entries: list[Entry]
    years: list[int]

    @property
    def included(self) -> list[Entry]:
        return [e for e in self.entries if e.status == INCLUDED]

    @property
    def left_out(self) -> list[Entry]:
        return [e for e in self.entries if e.status != INCLUDED]

    def latest_year(self) -> int | None:
        return max((e.year for e in self.included), default=None)

    def of_year(self, year: int) -> list[Entry]:
        return [e for e in self.included if e.year == year]

    def counties(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((e.county, e.county_name) for e in self.entries))


def _number(text: str):
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return text


def _county_name(root: Path, county: str, year: int) -> str:
    import yaml

    try:
        from .safety import load_yaml

        raw = load_yaml(project.params_path(root, county, year), "参数文件")
        return str(raw.get("county_name") or county)
    except Exception:  # an unreadable params file: its report is failed anyway
        return county


def collect(root: Path, counties: Sequence[str] | None = None, years: Sequence[int] | None = None) -> Collection:
    """Every county and year with a params file (filtered), with its ledger or why it has none.

    A report counts as failed when its last run failed (``failed/`` in its output folder, or
    ``失败`` in ``outputs/batch-summary.csv``); an older good ledger is then not used either, so
    that the rollup never mixes a stale report into a fresh batch.
    """
    from .batch import SUMMARY_CSV, brief, find_jobs, read_summary

    root = Path(root)
    summary_path = root / "outputs" / SUMMARY_CSV
    summary = {(o.county, o.year): o for o in read_summary(summary_path)} if summary_path.is_file() else {}
    entries = []
    for job in find_jobs(root, list(counties or ()), list(years or ())):
        name = _county_name(root, job.county, job.year)
        out = project.output_dir(root, job.county, job.year)
        batch = summary.get((job.county, job.year))
        if (out / "failed").exists() or (batch is not None and not batch.ok):
            reason = brief(batch.message) if batch and batch.message else "最近一次生成失败，见 " + project.relative(out / "failed", root)
            entries.append(Entry(job.county, job.year, name, FAILED, reason))
            continue
        ledger = read_ledger(out)
        if ledger is None:
            entries.append(Entry(job.county, job.year, name, MISSING, f"未找到已生成的报告（{project.relative(out, root)}/），请先运行 perflib batch"))
            continue
        entries.append(Entry(job.county, job.year, name, INCLUDED, "",
                             {k: _number(v) for k, v in zip(ledger["名称"], ledger["数值"])},
                             dict(zip(ledger["名称"], ledger["印刷形式"]))))
    return Collection(entries, sorted({e.year for e in entries}))


# ---- tables ------------------------------------------------------------------------------------

def wan(value) -> str:
    return fmt.fmt_wan(Decimal(value), 0, True, unit=False)


def yi(value) -> str:
    return fmt.fmt_number(Decimal(value), 2)


def count(value) -> str:
    return str(int(value))


def monitoring_batches(entry: Entry) -> list[dict]:
    """The monitoring batches of one report, from its ledger names ``monitoring.YYYY-MM.*``."""
    months = sorted({m for m in (re.fullmatch(r"monitoring\.(\d{4}-\d{2})\.progress", k) for k in entry.values) if m} , key=lambda m: m.group(1))
    batches = []
    for m in months:
        key = f"monitoring.{m.group(1)}"
        progress, schedule = entry.value(f"{key}.progress"), entry.value(f"{key}.schedule")
        batches.append({"month": m.group(1), "label": f"{int(m.group(1)[5:])}月", "projects": entry.value(f"{key}.projects"),
                        "amount": entry.value(f"{key}.amount"), "progress": progress, "schedule": schedule,
                        "gap": (progress - schedule) * 100})
    return batches


KEY_EVALUATION_COLUMNS = ("县（市）", "评价对象（个）", "评价资金（亿元）", "评价报告（份）", "不予公开（份）")
FUNDS_COLUMNS = ("县（市）", "目标审核项目（个）", "目标审核金额（万元）", "自评项目（个）", "自评资金（万元）", "第三方评价资金（万元）", "结果应用调减（万元）")
MONITORING_COLUMNS = ("县（市）", "批次", "项目（个）", "金额（万元）", "执行进度", "序时进度", "差（百分点）")
TRAINING_COLUMNS = ("县（市）", "培训（次）", "培训（人次）", "真实性核查抽查项目（个）")
TREND_KEYS = (  # (figure name, label, printed as)
    ("key_evaluations.objects", "重点评价对象（个）", count),
    ("key_evaluations.amount", "重点评价资金（亿元）", yi),
    ("target_reviews.amount", "目标审核金额（万元）", wan),
    ("self_evaluations.projects", "自评项目（个）", count),
    ("results.budget_cut", "结果应用调减（万元）", wan),
    ("trainings.attendees", "培训（人次）", count),
)


def _with_total(rows: list[tuple[str, ...]], sums: list) -> list[tuple[str, ...]]:
    return rows + [("合计", *sums)] if rows else rows


def key_evaluation_table(entries: list[Entry]) -> list[tuple[str, ...]]:
    keys = ("key_evaluations.objects", "key_evaluations.amount", "key_evaluations.reports", "key_evaluations.withheld")
    rows = [(e.county_name, count(e.value(keys[0])), yi(e.value(keys[1])), count(e.value(keys[2])), count(e.value(keys[3]))) for e in entries]
    return _with_total(rows, [count(sum(e.value(keys[0]) for e in entries)), yi(sum(e.value(keys[1]) for e in entries)),
                              count(sum(e.value(keys[2]) for e in entries)), count(sum(e.value(keys[3]) for e in entries))])


def funds_table(entries: list[Entry]) -> list[tuple[str, ...]]:
    keys = (("target_reviews.projects", count), ("target_reviews.amount", wan), ("self_evaluations.projects", count),
            ("self_evaluations.project_amount", wan), ("third_party.amount", wan), ("results.budget_cut", wan))
    rows = [(e.county_name, *[show(e.value(k)) for k, show in keys]) for e in entries]
    return _with_total(rows, [show(sum(e.value(k) for e in entries)) for k, show in keys])


def monitoring_table(entries: list[Entry]) -> list[tuple[str, ...]]:
    rows = []
    for e in entries:
        for b in monitoring_batches(e):
            rows.append((e.county_name, b["label"], count(b["projects"]), wan(b["amount"]), fmt.fmt_percent(b["progress"], 0),
                         fmt.fmt_percent(b["schedule"], 2), f"{fmt.fmt_number(b['gap'], 1, False)}"))
    return rows


def training_table(entries: list[Entry]) -> list[tuple[str, ...]]:
    keys = ("trainings.sessions", "trainings.attendees", "authenticity.own")
    rows = [(e.county_name, *[count(e.value(k)) for k in keys]) for e in entries]
    return _with_total(rows, [count(sum(e.value(k) for e in entries)) for k in keys])


def trend_table(collection: Collection) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    years = collection.years
    columns = ("县（市）", "指标", *[f"{y}年" for y in years])
    rows = []
    for county, name in collection.counties():
        by_year = {e.year: e for e in collection.included if e.county == county}
        for key, label, show in TREND_KEYS:
            rows.append((name, label, *[show(by_year[y].value(key)) if y in by_year else "—" for y in years]))
    return columns, rows


def status_table(collection: Collection) -> list[tuple[str, ...]]:
    return [(e.county_name, str(e.year), e.status, e.reason) for e in collection.entries]


def status_frame(collection: Collection) -> pd.DataFrame:
    """For the notebook: every expected report and whether it is included."""
    return pd.DataFrame(status_table(collection), columns=["县（市）", "年度", "状态", "说明"])


# ---- the document ------------------------------------------------------------------------------

def _span(years: list[int]) -> str:
    if not years:
        return ""
    return f"{years[0]}—{years[-1]}年" if years[0] != years[-1] else f"{years[0]}年"


def build_document(collection: Collection, charts: dict[str, Chart], region_name: str = "") -> Document:
    """The rollup as the same document model as the annual report (rendered by render_html).

    ``region_name``: the prefecture or region as printed (巴音郭楞蒙古自治州); empty: 「各县（市）」."""
    latest = collection.latest_year()
    now = collection.of_year(latest) if latest else []
    left_out = collection.left_out
    span = _span(collection.years)
    n_counties = len(collection.counties())
    intro = (f"本汇总涵盖{region_name}{n_counties}个县（市）{span}共{len(collection.entries)}份年度预算绩效管理工作情况报告，"
             f"已汇总{len(collection.included)}份。各项数字均取自各县已生成报告的数字台账，未重新计算。")
    intro += (f"缺少或生成失败的{len(left_out)}份未纳入汇总，见下表：" + "；".join(f"{e.county_name}{e.year}年（{e.status}）" for e in left_out) + "。"
              if left_out else "所有报告均已生成并纳入汇总。")
    sections = [Section(1, fmt.heading_number(1, 1), "汇总范围和报告生成情况", (
        Paragraph(intro), Table("表1　各县年度报告生成情况", ("县（市）", "年度", "状态", "说明"), tuple(status_table(collection)))))]
    if now:
        def section(title, text, table_caption, columns, rows, chart_key=None):
            blocks = [Paragraph(text), Table(table_caption, columns, tuple(rows))]
            if chart_key and chart_key in charts:
                blocks.append(charts[chart_key])
            sections.append(Section(1, fmt.heading_number(1, len(sections) + 1), title, tuple(blocks)))

        total_objects = sum(e.value("key_evaluations.objects") for e in now)
        section("重点绩效评价", f"{latest + 1}年度，各县（市）对{latest}年度支出共选取{count(total_objects)}个重点绩效评价对象，"
                f"评价资金合计{yi(sum(e.value('key_evaluations.amount') for e in now))}亿元。",
                f"表2　{latest}年度各县重点绩效评价", KEY_EVALUATION_COLUMNS, key_evaluation_table(now), "key_evaluations")
        section("绩效目标审核、绩效评价和结果应用资金", f"{latest}年各县年初预算项目绩效目标审核金额合计"
                f"{wan(sum(e.value('target_reviews.amount') for e in now))}万元，通过结果应用调减预算资金合计"
                f"{wan(sum(e.value('results.budget_cut') for e in now))}万元。",
                f"表3　{latest}年各县绩效目标审核、评价和结果应用资金", FUNDS_COLUMNS, funds_table(now), "funds")
        behind = [f"{e.county_name}{b['label']}" for e in now for b in monitoring_batches(e) if b["gap"] < Decimal("-0.5")]
        section("预算绩效监控进度与序时进度", f"{latest}年各县项目绩效监控共{sum(len(monitoring_batches(e)) for e in now)}个批次，"
                + (f"执行进度低于序时进度的有：{'、'.join(behind)}。" if behind else "各批次执行进度均不低于序时进度。"),
                f"表4　{latest}年各县项目绩效监控执行进度", MONITORING_COLUMNS, monitoring_table(now), "monitoring")
        section("预算绩效管理培训和真实性核查", f"{latest}年各县共开展预算绩效管理培训{count(sum(e.value('trainings.sessions') for e in now))}次、"
                f"{count(sum(e.value('trainings.attendees') for e in now))}人次。",
                f"表5　{latest}年各县培训和真实性核查", TRAINING_COLUMNS, training_table(now), "trainings")
        if len(collection.years) > 1:
            columns, rows = trend_table(collection)
            section("各县历年趋势", f"下表列出各县{span}主要指标（“—”表示该年度报告缺少或生成失败）。",
                    f"表6　各县{span}主要指标", columns, rows, "trends")
    title = f"{span}{region_name or '各县（市）'}预算绩效管理工作情况汇总"
    return Document(title, tuple(sections))


def export(document: Document, output_dir: Path) -> list[Path]:
    """``rollup.html``, and ``rollup.docx`` when perflib has a DOCX renderer (``perflib.render_docx``)."""
    from .render_html import render_html
    from .files import write_atomic

    output_dir = Path(output_dir)
    html = output_dir / "rollup.html"
    write_atomic(html, render_html(document).encode("utf-8"))
    written = [html]
    from .render_docx import render_docx

    path = output_dir / "rollup.docx"
    write_atomic(path, render_docx(document))
    written.append(path)
    return written


# ---- running the rollup notebook ---------------------------------------------------------------

def run_rollup(root: Path | None = None, counties: Sequence[str] = (), years: Sequence[int] = (), region_name: str = "",
               progress: bool = True) -> list[Path]:
    """Execute ``notebooks/rollup.ipynb`` with papermill and publish ``outputs/rollup/`` atomically
    (the executed notebook, ``rollup.html`` and, with a DOCX renderer, ``rollup.docx``)."""
    import shutil

    from filelock import FileLock

    from .files import publish
    from .run import RunFailed, _failure_reason, _keep_failed, execute_notebook, make_deterministic

    root = (root or project.find_root()).resolve()
    final = root / "outputs" / ROLLUP_FOLDER
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.parent / f".{ROLLUP_FOLDER}.staging"
    parameters = {"counties": list(counties) or None, "years": [int(y) for y in years] or None, "region_name": region_name, "output_dir": "."}
    with FileLock(str(final.parent / f".{ROLLUP_FOLDER}.lock")):
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        notebook = staging / "rollup.ipynb"
        try:
            from .limits import run_time_limit

            execute_notebook(project.notebook_path(root, "rollup"), notebook, root, parameters, progress,
                             time_limit=run_time_limit())  # $PERFLIB_RUN_TIMEOUT or 600 s (E157)
        except KeyboardInterrupt:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        except Exception as exc:
            kept = _keep_failed(notebook, final)
            if kept is not None:
                kept = kept.rename(kept.with_name("rollup.ipynb"))
            shutil.rmtree(staging, ignore_errors=True)
            raise RunFailed(_failure_reason(exc), kept) from exc
        make_deterministic(notebook)
        publish(staging, final)
    return sorted(p for p in final.rglob("*") if p.is_file())
