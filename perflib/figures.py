"""Figures: every number the report prints, computed from the validated tables.

Each figure is named (``monitoring.2023-05.amount``), carries its exact value, its unit and the
style it prints in (a count, an amount in 万元 or 亿元, a percentage), and says where it came from
(sheet, Excel rows, aggregation), so that an auditor can trace any printed number back to its
input rows. A figure is a value until a renderer prints it with ``formatting.Printer`` and the
county's settings; templates cite figures, they never receive their text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

import pandas as pd

from . import formatting as fmt
from .inputs import Dataset
from .money import total, wan_to_yi
from .params import Params
from .rules import compare_with_schedule, schedule_progress
from .schema import CHECK_KINDS, EVALUATION_TYPES, PUBLICATION_STATES, TABLES_BY_NAME


@dataclass(frozen=True)
class Figure:
    """One number of the report (or a quoted text), its unit, how it prints, and its provenance."""

    key: str
    label: str  # what it is, in Chinese
    value: Any  # int, Decimal, or text for scalars from params
    unit: str
    style: str  # how it prints: fmt.COUNT, fmt.WAN, fmt.YI, fmt.PERCENT, … (perflib.formatting)
    source: str  # sheet name, or "参数" for a params scalar
    rows: tuple[int, ...] = ()
    how: str = ""  # aggregation: 计数, 求和, 比率, 参数
    decimals: int | None = None  # fixed decimals for this figure; None: the county's setting for its style


@dataclass(frozen=True)
class FigureRef:
    """A figure cited in the report's text or tables, by name: printed only by a renderer."""

    key: str


@dataclass
class Figures:
    """The ledger of figures, in the order they were computed, plus the lists the text cites."""

    items: dict[str, Figure] = field(default_factory=dict)
    lists: dict[str, list] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Figure:
        return self.items[key]

    def __contains__(self, key: str) -> bool:
        return key in self.items

    def add(self, figure: Figure) -> Figure:
        if figure.key in self.items:
            raise KeyError(f"figure {figure.key} computed twice")
        self.items[figure.key] = figure
        return figure

    def frame(self, printer: fmt.Printer, prefixes: Iterable[str] = ("",)) -> pd.DataFrame:
        """The figures (or those under ``prefixes``) as a table for display, printed by ``printer``."""
        prefixes = tuple(prefixes)
        rows = [
            {"名称": f.key, "含义": f.label, "数值": str(f.value), "单位": f.unit, "印刷形式": printer(f),
             "来源": f.source, "计算": f.how, "行号": row_ranges(f.rows)}
            for f in self.items.values() if f.key.startswith(prefixes)
        ]
        return pd.DataFrame(rows, columns=["名称", "含义", "数值", "单位", "印刷形式", "来源", "计算", "行号"])


def row_ranges(rows: Iterable[int]) -> str:
    """Excel rows as ranges: ``2-6, 9``."""
    rows = sorted(rows)
    if not rows:
        return ""
    spans, start, prev = [], rows[0], rows[0]
    for r in rows[1:]:
        if r != prev + 1:
            spans.append(f"{start}-{prev}" if start != prev else f"{start}")
            start = r
        prev = r
    spans.append(f"{start}-{prev}" if start != prev else f"{start}")
    return ", ".join(spans)


def _excel_rows(rows: pd.DataFrame) -> tuple[int, ...]:
    return tuple(rows["excel_row"].tolist())  # tolist gives Python ints


class _Calculator:
    """Counts and sums over table rows, each recorded as a figure with its rows."""

    def __init__(self, figures: Figures):
        self.figures = figures

    def count(self, key: str, label: str, table: str, rows: pd.DataFrame, unit: str = "个") -> Figure:
        return self.figures.add(Figure(key, label, len(rows), unit, fmt.COUNT, TABLES_BY_NAME[table].sheet, _excel_rows(rows), "计数"))

    def sum_count(self, key: str, label: str, table: str, rows: pd.DataFrame, column: str, unit: str) -> Figure:
        n = int(sum(rows[column]))
        return self.figures.add(Figure(key, label, n, unit, fmt.COUNT, TABLES_BY_NAME[table].sheet, _excel_rows(rows),
                                       f"求和（{TABLES_BY_NAME[table].column(column).header}）"))

    def amount(self, key: str, label: str, table: str, rows: pd.DataFrame, column: str = "amount", yi: bool = False) -> Figure:
        value = total(rows[column])
        header = TABLES_BY_NAME[table].column(column).header
        if yi:
            return self.figures.add(Figure(key, label, wan_to_yi(value), "亿元", fmt.YI, TABLES_BY_NAME[table].sheet,
                                           _excel_rows(rows), f"求和（{header}）÷10000"))
        return self.figures.add(Figure(key, label, value, "万元", fmt.WAN, TABLES_BY_NAME[table].sheet, _excel_rows(rows), f"求和（{header}）"))

    def scalar(self, key: str, label: str, value: Any, unit: str = "") -> Figure:
        return self.figures.add(Figure(key, label, value, unit, fmt.PLAIN, "参数", (), "参数"))


def compute_figures(dataset: Dataset, params: Params) -> Figures:
    """All figures of the report, from the tables of ``dataset`` and the scalars of ``params``."""
    figures = Figures()
    calc = _Calculator(figures)
    t = dataset.tables
    calc.scalar("report.year", "报告年度", params.year, "年")
    calc.scalar("report.evaluation_year", "重点评价开展年度（报告年度次年）", params.year + 1, "年")
    calc.scalar("report.previous_year", "上年度", params.year - 1, "年")
    _key_evaluations(calc, t["key_evaluations"])
    _documents(calc, t["policy_documents"], params)
    calc.count("pre_assessments.count", "事前绩效评估新增项目数", "pre_assessments", t["pre_assessments"])
    calc.amount("pre_assessments.amount", "事前绩效评估涉及资金", "pre_assessments", t["pre_assessments"])
    calc.count("target_reviews.departments", "部门整体绩效目标审核部门数", "department_target_reviews", t["department_target_reviews"])
    calc.count("target_reviews.projects", "年初预算项目绩效目标审核项目数", "project_target_reviews", t["project_target_reviews"])
    calc.amount("target_reviews.amount", "年初预算项目绩效目标审核金额", "project_target_reviews", t["project_target_reviews"])
    calc.count("monitoring.departments", "部门整体绩效监控审核部门数", "department_monitoring", t["department_monitoring"])
    _monitoring(calc, t["project_monitoring"], params)
    calc.count("self_evaluations.departments", "部门整体绩效自评部门数", "department_self_evaluations", t["department_self_evaluations"])
    calc.amount("self_evaluations.department_amount", "部门整体绩效自评涉及资金", "department_self_evaluations", t["department_self_evaluations"])
    calc.count("self_evaluations.projects", "项目绩效自评项目数", "project_self_evaluations", t["project_self_evaluations"])
    calc.amount("self_evaluations.project_amount", "项目绩效自评涉及资金", "project_self_evaluations", t["project_self_evaluations"])
    calc.count("third_party.projects", "第三方重点评价项目数", "third_party_evaluations", t["third_party_evaluations"])
    calc.amount("third_party.amount", "第三方重点评价涉及资金", "third_party_evaluations", t["third_party_evaluations"])
    calc.amount("results.budget_cut", "结果应用调减预算资金", "result_applications", t["result_applications"])
    checks = t["authenticity_checks"]
    calc.count("authenticity.own", "本级随机抽查项目数", "authenticity_checks", checks[checks["kind"] == CHECK_KINDS[0]])
    calc.count("authenticity.region", "协助自治区核查项目数", "authenticity_checks", checks[checks["kind"] == CHECK_KINDS[1]])
    calc.count("trainings.sessions", "培训次数", "trainings", t["trainings"], unit="次")
    calc.sum_count("trainings.attendees", "培训人次", "trainings", t["trainings"], "attendees", "人次")
    calc.scalar("third_party_quality.rating", "第三方执业质量核查评价结果", params.third_party_quality_rating)
    return figures


def _key_evaluations(calc: _Calculator, rows: pd.DataFrame) -> None:
    table = "key_evaluations"
    calc.count("key_evaluations.objects", "重点绩效评价对象数", table, rows)
    for i, kind in enumerate(EVALUATION_TYPES, start=1):
        of_type = rows[rows["type"] == kind]
        calc.count(f"key_evaluations.type.{i}", f"评价对象数：{kind}", table, of_type)
        calc.amount(f"key_evaluations.type.{i}.amount", f"评价资金：{kind}", table, of_type)
    calc.amount("key_evaluations.amount", "重点绩效评价资金总额", table, rows, yi=True)
    calc.count("key_evaluations.reports", "形成评价报告数", table, rows[rows["title"].notna()])
    withheld = rows[rows["publication"].isin(PUBLICATION_STATES[1:])]
    calc.count("key_evaluations.withheld", "涉及涉密及敏感信息不予公开的报告数", table, withheld)
    published = rows[rows["publication"] == PUBLICATION_STATES[0]]
    calc.figures.lists["key_evaluations.published"] = list(published["title"])
    types = list(enumerate(EVALUATION_TYPES, start=1))
    calc.figures.lists["key_evaluations.types"] = [(kind, calc.figures[f"key_evaluations.type.{i}"]) for i, kind in types]
    calc.figures.lists["key_evaluations.funds_by_type"] = [(kind, calc.figures[f"key_evaluations.type.{i}.amount"]) for i, kind in types]


def _documents(calc: _Calculator, rows: pd.DataFrame, params: Params) -> None:
    calc.count("documents.count", "出台制度文件数", "policy_documents", rows, unit="个")
    calc.figures.lists["documents.titles"] = list(rows["title"])
    system = params.indicator_system
    calc.scalar("indicators.categories", f"《{system.name}》类数", system.categories, "类")
    calc.scalar("indicators.items", f"《{system.name}》条数", system.indicators, "条")


def _monitoring(calc: _Calculator, rows: pd.DataFrame, params: Params) -> None:
    table = "project_monitoring"
    s = params.settings
    batches = []
    order = rows.assign(_as_of=rows["as_of"]).sort_values(["_as_of", "excel_row"], kind="stable")
    for batch in dict.fromkeys(order["batch"]):
        part = rows[rows["batch"] == batch]
        as_of = part["as_of"].iloc[0]
        key = f"monitoring.{as_of:%Y-%m}"
        count = calc.count(f"{key}.projects", f"{batch}项目绩效监控项目数", table, part)
        budget = calc.amount(f"{key}.amount", f"{batch}项目绩效监控预算金额", table, part, "budget")
        executed = calc.amount(f"{key}.executed", f"{batch}项目绩效监控执行金额", table, part, "executed")
        ratio = executed.value / budget.value if budget.value else Decimal(0)
        progress = calc.figures.add(Figure(f"{key}.progress", f"{batch}总体执行进度", ratio, "%", fmt.PERCENT,
                                           TABLES_BY_NAME[table].sheet, count.rows, "比率（执行金额÷预算金额）"))
        schedule = schedule_progress(as_of)
        calc.figures.add(Figure(f"{key}.schedule", f"{batch}序时进度（截至{as_of.isoformat()}）", schedule, "%",
                                fmt.PERCENT, TABLES_BY_NAME[table].sheet, count.rows, "规则（截止日期÷全年）", decimals=2))
        batches.append({
            "label": batch, "month": as_of.month, "as_of": as_of, "projects": count, "amount": budget,
            "executed": executed, "progress": progress, "schedule": calc.figures[f"{key}.schedule"],
            "phrase": compare_with_schedule(ratio, schedule, s.schedule_phrases),
        })
    calc.figures.lists["monitoring.batches"] = batches
