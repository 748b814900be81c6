"""Figures: every number the report prints, computed from the validated tables.

Each figure is named (``monitoring.2023-05.amount``), carries its exact value, its unit and the
style it prints in (a count, an amount in 万元 or 亿元, a percentage), and says where it came from
(sheet, Excel rows, aggregation), so that an auditor can trace any printed number back to its
input rows. A figure is a value until a renderer prints it with ``formatting.Printer`` and the
county's settings; templates cite figures, they never receive their text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from collections.abc import Sequence
from typing import Any, Iterable

import numpy as np
import pandas as pd

from . import formatting as fmt
from .inputs import Dataset
from .mapping import mapped_tables
from .money import total, wan_to_yi
from .params import STANDARD_KINDS, Params
from .rules import compare_with_schedule, schedule_progress
from .schema import CHECK_KINDS, PUBLICATION_STATES, REALLOCATION_DIRECTIONS, TABLES_BY_NAME, TableSpec


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
    settings: Any = field(default=None, repr=False)  # params.FormatSettings: a count's measure word from ``formats``

    def __getitem__(self, key: str) -> Figure:
        return self.items[key]

    def __contains__(self, key: str) -> bool:
        return key in self.items

    def add(self, figure: Figure) -> Figure:
        if figure.key in self.items:
            raise KeyError(f"figure {figure.key} computed twice")
        if figure.style == fmt.COUNT and self.settings is not None:
            chosen = self.settings.format_of(figure.key)  # 「3项」「5场」: the county's measure word (perflib.counts)
            if chosen is not None and chosen.measure:
                figure = replace(figure, unit=chosen.measure)
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


class _Calculator:
    """Counts and sums over table rows, each recorded as a figure with its rows."""

    def __init__(self, figures: Figures, specs: dict[str, TableSpec] | None = None):
        self.figures = figures
        self.specs = specs or TABLES_BY_NAME  # the tables as the county's export names them (params columns)
        self._row_tuples: dict[bytes, tuple[int, ...]] = {}
        self._ints = np.empty(0, dtype=object)  # the Excel row numbers as Python ints, shared by every tuple
        self._sums: dict[tuple[str, str, int], Decimal] = {}  # by the id of the rows' shared tuple

    def excel_rows(self, rows: pd.DataFrame) -> tuple[int, ...]:
        """The Excel rows of ``rows``; figures over the same rows share one tuple (a million rows
        are a tuple of 40 MB, and a table's rows are the rows of many figures)."""
        numbers = rows["excel_row"].to_numpy()
        key = numbers.tobytes()
        found = self._row_tuples.get(key)
        if found is None:
            if len(numbers) and numbers.max() >= len(self._ints):
                self._ints = np.fromiter(range(int(numbers.max()) + 1), dtype=object)
            found = self._row_tuples[key] = tuple(self._ints.take(numbers).tolist())
        return found

    def sheet(self, table: str) -> str:
        return self.specs[table].sheet

    def header(self, table: str, column: str) -> str:
        """The column's header in the county's data; an amount exported in 元 says it is divided."""
        spec = self.specs[table].column(column)
        return spec.header if spec.divisor == 1 else f"{spec.header}÷{spec.divisor}"

    def count(self, key: str, label: str, table: str, rows: pd.DataFrame, unit: str = "个") -> Figure:
        return self.figures.add(Figure(key, label, len(rows), unit, fmt.COUNT, self.sheet(table), self.excel_rows(rows), "计数"))

    def sum_count(self, key: str, label: str, table: str, rows: pd.DataFrame, column: str, unit: str) -> Figure:
        n = int(sum(rows[column]))
        return self.figures.add(Figure(key, label, n, unit, fmt.COUNT, self.sheet(table), self.excel_rows(rows),
                                       f"求和（{self.header(table, column)}）"))

    def total(self, table: str, rows: pd.DataFrame, column: str) -> Decimal:
        """The exact sum of a money column of ``table`` over ``rows``, once for figures over the same rows."""
        key = (table, column, id(self.excel_rows(rows)))  # the tuple lives as long as the calculator
        if key not in self._sums:
            self._sums[key] = total(rows[column])  # an object column of Decimals, summed exactly
        return self._sums[key]

    def amount(self, key: str, label: str, table: str, rows: pd.DataFrame, column: str = "amount", yi: bool = False) -> Figure:
        value = self.total(table, rows, column)
        header = self.header(table, column)
        if yi:
            return self.figures.add(Figure(key, label, wan_to_yi(value), "亿元", fmt.YI, self.sheet(table),
                                           self.excel_rows(rows), f"求和（{header}）÷10000"))
        return self.figures.add(Figure(key, label, value, "万元", fmt.WAN, self.sheet(table), self.excel_rows(rows), f"求和（{header}）"))

    def distinct(self, key: str, label: str, table: str, rows: pd.DataFrame, column: str = "department", unit: str = "个") -> Figure:
        """How many different values a column holds (涉及部门单位N个)."""
        n = rows[column].nunique()
        header = self.header(table, column)
        return self.figures.add(Figure(key, label, int(n), unit, fmt.COUNT, self.sheet(table), self.excel_rows(rows), f"不同值计数（{header}）"))

    def scalar(self, key: str, label: str, value: Any, unit: str = "") -> Figure:
        return self.figures.add(Figure(key, label, value, unit, fmt.PLAIN, "参数", (), "参数"))


def compute_figures(dataset: Dataset, params: Params) -> Figures:
    """All figures of the report, from the tables of ``dataset`` and the scalars of ``params``.

    A table the county does not provide (its sheet is absent: ``validation.absent_sheets``) gives
    no figures at all, so no text can state a number for work the data does not show."""
    figures = Figures(settings=params.settings)
    calc = _Calculator(figures, mapped_tables(params.columns))
    t = dataset.tables
    has = t.__contains__
    offset = 1 if params.timing["key_evaluations"] == "next" else 0
    calc.scalar("report.year", "报告年度", params.year, "年")
    calc.scalar("report.evaluation_year", f"重点评价开展年度（报告年度{'次年' if offset else '当年'}）", params.year + offset, "年")
    calc.scalar("report.previous_year", "上年度", params.year - 1, "年")
    for name, label in (("self_evaluations", "单位自评"), ("third_party", "第三方重点评价")):
        same = params.timing[name] == "same"
        calc.scalar(f"report.{name}_year", f"{label}所评价的支出年度（{'报告年度' if same else '上年度'}）", params.year if same else params.year - 1, "年")
    figures.lists["key_evaluations.published"] = []
    figures.lists["key_evaluations.public"] = []
    figures.lists["key_evaluations.types"] = []
    figures.lists["key_evaluations.funds_by_type"] = []
    figures.lists["key_evaluations.scopes"] = []
    figures.lists["documents.titles"] = []
    figures.lists["monitoring.batches"] = []
    figures.lists["grades"] = {}
    calc.scalar("grades.bands", "等级分数段（参数 settings.grade_labels、settings.grade_floors）", params.grade_bands())
    if has("key_evaluations"):
        _key_evaluations(calc, t["key_evaluations"], params)
    _documents(calc, t.get("policy_documents"), params)
    if has("pre_assessments"):
        calc.count("pre_assessments.count", "事前绩效评估新增项目数", "pre_assessments", t["pre_assessments"])
        calc.amount("pre_assessments.amount", "事前绩效评估涉及资金", "pre_assessments", t["pre_assessments"])
        calc.distinct("pre_assessments.departments", "事前绩效评估涉及部门单位数", "pre_assessments", t["pre_assessments"])
    if has("department_target_reviews"):
        calc.count("target_reviews.departments", "部门整体绩效目标审核部门数", "department_target_reviews", t["department_target_reviews"])
    if has("project_target_reviews"):
        calc.count("target_reviews.projects", "年初预算项目绩效目标审核项目数", "project_target_reviews", t["project_target_reviews"])
        calc.amount("target_reviews.amount", "年初预算项目绩效目标审核金额", "project_target_reviews", t["project_target_reviews"])
        calc.distinct("target_reviews.project_departments", "项目绩效目标审核涉及部门单位数", "project_target_reviews", t["project_target_reviews"])
    if has("department_monitoring"):
        calc.count("monitoring.departments", "部门整体绩效监控审核部门数", "department_monitoring", t["department_monitoring"])
    if has("project_monitoring"):
        _monitoring(calc, t["project_monitoring"], params)
    if has("department_self_evaluations"):
        rows = t["department_self_evaluations"]
        calc.count("self_evaluations.departments", "部门整体绩效自评部门数", "department_self_evaluations", rows)
        calc.amount("self_evaluations.department_amount", "部门整体绩效自评涉及资金", "department_self_evaluations", rows)
        _grades(calc, "self_evaluations.department_grades", "部门整体自评", "department_self_evaluations", rows, params)
    if has("project_self_evaluations"):
        rows = t["project_self_evaluations"]
        calc.count("self_evaluations.projects", "项目绩效自评项目数", "project_self_evaluations", rows)
        calc.amount("self_evaluations.project_amount", "项目绩效自评涉及资金", "project_self_evaluations", rows)
        calc.distinct("self_evaluations.project_departments", "项目绩效自评涉及部门单位数", "project_self_evaluations", rows)
        _grades(calc, "self_evaluations.project_grades", "项目自评", "project_self_evaluations", rows, params)
    if has("self_evaluation_reviews"):
        rows = t["self_evaluation_reviews"]
        calc.count("reviews.projects", "复核项目数", "self_evaluation_reviews", rows)
        calc.distinct("reviews.departments", "复核涉及部门单位数", "self_evaluation_reviews", rows)
        if rows["amount"].notna().any():
            calc.amount("reviews.amount", "复核项目金额", "self_evaluation_reviews", _subset(rows, rows["amount"].notna()))
        _grades(calc, "reviews.grades", "复核", "self_evaluation_reviews", rows, params)
    if has("third_party_evaluations"):
        rows = t["third_party_evaluations"]
        calc.count("third_party.projects", "第三方重点评价项目数", "third_party_evaluations", rows)
        calc.amount("third_party.amount", "第三方重点评价涉及资金", "third_party_evaluations", rows)
        calc.distinct("third_party.departments", "第三方重点评价涉及部门单位数", "third_party_evaluations", rows)
        _grades(calc, "third_party.grades", "第三方重点评价", "third_party_evaluations", rows, params)
    if has("result_applications"):
        rows = t["result_applications"]
        calc.amount("results.budget_cut", "结果应用调减预算资金", "result_applications", rows)
        calc.count("results.projects", "结果应用调减预算项目数", "result_applications", rows)
    if has("reallocations"):
        rows = t["reallocations"]
        for name, direction in zip(("out", "to_new", "to_existing"), REALLOCATION_DIRECTIONS):
            part = _subset(rows, rows["direction"] == direction)
            if len(part):
                calc.count(f"reallocations.{name}.projects", f"资金调整（{direction}）项目数", "reallocations", part)
                calc.amount(f"reallocations.{name}.amount", f"资金调整（{direction}）金额", "reallocations", part)
    if has("authenticity_checks"):
        checks = t["authenticity_checks"]
        calc.count("authenticity.own", "本级随机抽查项目数", "authenticity_checks", _subset(checks, checks["kind"] == CHECK_KINDS[0]))
        calc.count("authenticity.region", "协助上级核查项目数", "authenticity_checks", _subset(checks, checks["kind"].isin(CHECK_KINDS[1:])))
    if has("trainings"):
        calc.count("trainings.sessions", "培训次数", "trainings", t["trainings"], unit="次")
        calc.sum_count("trainings.attendees", "培训人次", "trainings", t["trainings"], "attendees", "人次")
    if params.third_party_quality_rating:
        calc.scalar("third_party_quality.rating", "第三方执业质量核查评价结果", params.third_party_quality_rating)
    return figures


def _subset(rows: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """The rows where ``mask`` holds; ``rows`` itself when it holds on every row (a million rows not copied)."""
    return rows if mask.all() else rows[mask]


def _groups(rows: pd.DataFrame, column: str) -> dict[Any, pd.DataFrame]:
    """The rows of each value of ``column`` (blanks aside), found in one pass: value -> rows."""
    positions = rows.groupby(column, sort=False, dropna=True).indices
    return {value: rows if len(where) == len(rows) else rows.iloc[where] for value, where in positions.items()}


def largest_remainder(counts: list[int], total: int, places: int) -> list[Decimal]:
    """Shares of ``counts`` in ``total`` rounded to ``places`` decimals of a percent so that they add
    up to exactly 100% (largest-remainder method: round every share down, then give the units
    still missing to the largest remainders; ties go to the earlier class)."""
    if not total:
        return [Decimal(0)] * len(counts)
    unit = Decimal(1).scaleb(-(places + 2))  # one unit of the last printed place, as a ratio
    exact = [Decimal(c) / Decimal(total) for c in counts]
    floors = [(e / unit).to_integral_value(rounding="ROUND_FLOOR") * unit for e in exact]
    missing = int(((Decimal(1) - sum(floors)) / unit).to_integral_value())
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += unit
    return floors


def _grades(calc: "_Calculator", key: str, what: str, table: str, rows: pd.DataFrame, params: Params) -> None:
    """Grade counts and shares of one graded table (labels: params grades / settings.grade_labels):
    ``<key>.<i>`` the count of the i-th label, ``<key>.<i>.share`` its share of the graded rows,
    ``<key>.graded`` how many rows carry a grade, ``<key>.ungraded`` how many do not (only when some do
    not). Shares add up to 100% as printed (``largest_remainder``)."""
    has_grade = rows["grade"].notna()
    graded = _subset(rows, has_grade)[["excel_row", "grade"]]  # a count needs only the rows
    if graded.empty:
        return
    if not has_grade.all():  # rows without a grade are said (「另有N个未评定等级」), never hidden behind 「无等级为…」
        calc.count(f"{key}.ungraded", f"{what}无等级的个数", table, rows[~has_grade][["excel_row", "grade"]])
    labels = params.labels_for(table)
    places = params.settings.percent_decimals
    counts = []
    total_rows = calc.count(f"{key}.graded", f"{what}有等级的个数", table, graded)
    classes = []
    by_grade = _groups(graded, "grade")
    for i, label in enumerate(labels, start=1):
        of = by_grade.get(label, graded.iloc[:0])
        counts.append(calc.count(f"{key}.{i}", f"{what}等级为“{label}”的个数", table, of))
    shares = largest_remainder([c.value for c in counts], total_rows.value, places)
    for i, (label, count, share) in enumerate(zip(labels, counts, shares), start=1):
        figure = calc.figures.add(Figure(f"{key}.{i}.share", f"{what}等级为“{label}”的占比", share, "%", fmt.PERCENT,
                                         calc.sheet(table), count.rows, "比率（最大余数法，合计100%）", decimals=places))
        classes.append({"label": label, "count": count, "share": figure})
    calc.figures.lists["grades"][key] = classes


# The fields of a key evaluation that the report's table (document.report_tables) and the ledger read.
KEY_EVALUATION_FIELDS = ("excel_row", "title", "department", "_type", "amount", "score", "grade")


class Records(Sequence):
    """Rows of a table as records (dicts of ``fields``), made when read: the key-evaluation table
    of a million published reports would otherwise be a million dicts held by the figures."""

    def __init__(self, rows: pd.DataFrame, fields: tuple[str, ...]):
        self.fields = fields
        self._rows = rows[list(fields)]

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self))[i]  # negative indexes, and IndexError past the end
        return dict(zip(self.fields, (self._rows[f].iloc[i:i + 1].tolist()[0] for f in self.fields)))  # Python ints, as tolist

    def __iter__(self):
        columns = (self._rows[f].tolist() for f in self.fields)  # tolist gives Python ints (excel_row)
        return (dict(zip(self.fields, values)) for values in zip(*columns))


def _key_evaluations(calc: _Calculator, rows: pd.DataFrame, params: Params) -> None:
    table = "key_evaluations"
    types_written = rows["type"].tolist()
    type_names = {k: (params.type_of(k).name if k is not None and params.type_of(k) else k) for k in dict.fromkeys(types_written)}
    # 评价类型 as the county names it; objects, as the typed tables' columns (not pandas' str dtype)
    rows = rows.assign(_type=pd.Series(np.fromiter(map(type_names.__getitem__, types_written), dtype=object, count=len(types_written)),
                                       index=rows.index, dtype=object, copy=False))
    done = _subset(rows, rows["status"] != "进行中")
    calc.count("key_evaluations.objects", "重点绩效评价对象数", table, rows)
    if len(done) < len(rows):
        calc.count("key_evaluations.in_progress", "尚在进行的重点绩效评价数", table, _subset(rows, rows["status"] == "进行中"))
        calc.count("key_evaluations.done", "已完成的重点绩效评价数", table, done)
    has_amount = rows["amount"].notna()
    with_amount = has_amount.any()
    # 评价资金 sums are over the rows that state an amount (a blank one among them is a warning, W260)
    funded = _subset(rows, has_amount)
    types, funds = [], []
    by_type = _groups(rows[["excel_row", "_type", "amount"]], "_type")
    funded_by_type = (by_type if funded is rows else _groups(funded[["excel_row", "_type", "amount"]], "_type")) if with_amount else {}
    for i, kind in enumerate(params.evaluation_types, start=1):
        of_type = by_type.get(kind.name, rows.iloc[:0])
        count = calc.count(f"key_evaluations.type.{i}", f"评价对象数：{kind.name}", table, of_type, unit=kind.measure)
        types.append((kind.name, count))
        if with_amount:
            funds.append((kind.name, calc.amount(f"key_evaluations.type.{i}.amount", f"评价资金：{kind.name}", table,
                                                 funded_by_type.get(kind.name, funded.iloc[:0]))))
        if count.value and kind.scope:
            calc.figures.lists["key_evaluations.scopes"].append(kind.scope)
    # The same objects by the standard kinds of 中发〔2018〕34号 (params evaluation_types: kind), so that
    # counties naming their types differently compare in the rollup.
    for i, standard in enumerate(STANDARD_KINDS, start=1):
        names = {t.name for t in params.evaluation_types if t.kind == standard}
        if names:
            present = [name for name in by_type if name in names]  # the rows of one type were grouped above
            of_kind = by_type[present[0]] if len(present) == 1 else _subset(rows, rows["_type"].isin(names)) if present else rows.iloc[:0]
            calc.count(f"key_evaluations.standard.{i}", f"评价对象数（中发〔2018〕34号：{standard}）", table, of_kind)
    if with_amount:
        calc.amount("key_evaluations.amount", "重点绩效评价资金总额", table, funded, yi=True)
        calc.amount("key_evaluations.amount_wan", "重点绩效评价资金总额（万元）", table, funded)
    calc.distinct("key_evaluations.departments", "重点绩效评价涉及部门单位数", table, rows)
    # 「评价类型覆盖…等方面」: a scope holding 、 quotes every scope of the list (formatting.names_in_list)
    calc.figures.lists["key_evaluations.scopes"] = fmt.names_in_list(calc.figures.lists["key_evaluations.scopes"])
    calc.figures.lists["key_evaluations.types"] = types
    calc.figures.lists["key_evaluations.funds_by_type"] = funds
    # One report may cover several objects (评价对象: its rows share one 评价报告名称): reports are
    # the distinct titles of finished rows; objects, amounts and grades stay per row.
    titled = _subset(done, done["title"].notna())
    combined = not titled["title"].dropna().is_unique
    reports = (lambda key, label, of: calc.distinct(key, label, table, of, "title")) if combined else (lambda key, label, of: calc.count(key, label, table, of))
    reports("key_evaluations.reports", "形成评价报告数", titled)
    not_public = titled["publication"].isin(PUBLICATION_STATES[1:])
    # the reports the data says were published (公开情况 公开): the text says reports were published only then
    calc.figures.lists["key_evaluations.public"] = list(dict.fromkeys(titled["title"][titled["publication"] == PUBLICATION_STATES[0]]))
    withheld = _subset(titled, not_public)
    reports("key_evaluations.withheld", "涉及涉密及敏感信息不予公开的报告数", withheld)
    _grades(calc, "key_evaluations.grades", "重点绩效评价", table, done, params)
    sheet = calc.sheet(table)
    columns = params.key_evaluation_columns
    # the reports listed in the report's table, once each: finished, with a title, not withheld (公开, or not stated)
    if combined:
        published = titled[~titled["title"].isin(set(withheld["title"]))]
        records = [_one_report(part, params) for _, part in published.groupby("title", sort=False)]
        calc.figures.lists["key_evaluations.published"] = [r["title"] for r in records]
        calc.figures.lists["key_evaluations.rows"] = records
        for record in records:
            _table_row_figures(calc, columns, sheet, record["excel_row"], record["title"], record["amount"], record["excel_rows"])
        return
    # one row per report (the usual case, and a million rows at scale): records made when read
    published = _subset(titled, ~not_public)
    calc.figures.lists["key_evaluations.published"] = list(published["title"])
    calc.figures.lists["key_evaluations.rows"] = Records(published, KEY_EVALUATION_FIELDS)
    if "评价资金" in columns or "评价对象数" in columns:
        for excel_row, title, amount in zip(*(published[c].tolist() for c in ("excel_row", "title", "amount"))):
            _table_row_figures(calc, columns, sheet, excel_row, title, amount, (excel_row,))


def _table_row_figures(calc: _Calculator, columns: tuple[str, ...], sheet: str, excel_row: int, title: str, amount, rows_of: tuple[int, ...]) -> None:
    """The figures one report's row of the key-evaluation table prints: its amount (the sum of its
    objects' rows) and its number of objects, when the county's table has those columns."""
    if "评价资金" in columns and amount is not None:
        calc.figures.add(Figure(f"key_evaluations.row.{excel_row}.amount", f"评价资金：{title}", amount, "万元",
                                fmt.WAN, sheet, rows_of, "单元格" if len(rows_of) == 1 else f"求和（{calc.header('key_evaluations', 'amount')}）"))
    if "评价对象数" in columns:
        calc.figures.add(Figure(f"key_evaluations.row.{excel_row}.objects", f"评价对象数：{title}", len(rows_of), "个",
                                fmt.COUNT, sheet, rows_of, "计数"))


def _one_report(part: pd.DataFrame, params: Params) -> dict:
    """One report of the key-evaluation table from its rows (one per evaluated object): its first row,
    with the amount summed (exact), the departments and grades of its objects joined when they differ."""
    record = part.iloc[0].to_dict()
    record["excel_row"] = int(record["excel_row"])
    record["excel_rows"] = tuple(part["excel_row"].tolist())  # Python ints
    amounts = part["amount"].dropna()
    record["amount"] = total(amounts) if len(amounts) else None
    departments = list(dict.fromkeys(part["department"].dropna()))
    record["department"] = "、".join(departments) if departments else None
    labels = params.labels_for("key_evaluations")
    grades = sorted(set(part["grade"].dropna()), key=lambda g: labels.index(g) if g in labels else len(labels))
    record["grade"] = "、".join(grades) if grades else None
    scores = part["score"].dropna()
    record["score"] = scores.iloc[0] if len(part) == 1 and len(scores) else None
    return record


def _documents(calc: _Calculator, rows: pd.DataFrame | None, params: Params) -> None:
    if rows is not None:
        calc.count("documents.count", "出台制度文件数", "policy_documents", rows, unit="个")
        calc.figures.lists["documents.titles"] = list(rows["title"])
    system = params.indicator_system
    if system is None:
        return
    calc.scalar("indicators.categories", f"《{system.name}》类数", system.categories, "类")
    calc.scalar("indicators.items", f"《{system.name}》条数", system.indicators, "条")


def _monitoring(calc: _Calculator, rows: pd.DataFrame, params: Params) -> None:
    table = "project_monitoring"
    s = params.settings
    batches = []
    # Batches in the order of their first row by cut-off date, then Excel row: decided on each
    # (batch, cut-off) pair's first row, not on a million rows sorted.
    pairs = rows[["excel_row", "batch", "as_of"]].drop_duplicates(["batch", "as_of"])
    order = pairs.assign(_as_of=pairs["as_of"]).sort_values(["_as_of", "excel_row"], kind="stable")
    sheet = calc.sheet(table)
    calc.count("monitoring.projects", "项目绩效监控项目数（各批次合计）", table, rows)
    calc.amount("monitoring.amount", "项目绩效监控预算金额（各批次合计）", table, rows, "budget")
    calc.distinct("monitoring.units", "项目绩效监控涉及预算单位数", table, rows)
    if rows["key"].notna().any():
        calc.count("monitoring.key_projects", "重点监控项目数", table, _subset(rows, rows["key"] == "是"))
    if rows["problems"].notna().any():
        calc.sum_count("monitoring.problems", "监控发现并反馈的问题条数", table, _subset(rows, rows["problems"].notna()), "problems", "条")
    narrow = rows[["excel_row", "batch", "as_of", "budget", "executed"]]  # a batch's rows are taken with these columns only
    by_batch = _groups(narrow, "batch")
    for batch in dict.fromkeys(order["batch"]):
        part = by_batch.get(batch, narrow.iloc[:0])
        as_of = part["as_of"].iloc[0]
        key = f"monitoring.{as_of:%Y-%m}"
        # The batch's month is the one its name gives (a 7月 batch may cover 1-6月); its data cut-off
        # (截止日期) gives 序时进度 and the months it covers.
        named = re.fullmatch(r"\s*(\d{1,2})\s*月.*", str(batch))
        month = int(named.group(1)) if named and 1 <= int(named.group(1)) <= 12 else as_of.month
        covers = calc.figures.add(Figure(f"{key}.covers", f"{batch}监控数据覆盖的月份（截至{as_of.isoformat()}）",
                                         f"1-{as_of.month}" if as_of.month > 1 else "1", "月", fmt.PLAIN, sheet, calc.excel_rows(part), "截止日期的月份"))
        count = calc.count(f"{key}.projects", f"{batch}项目绩效监控项目数", table, part)
        budget = calc.amount(f"{key}.amount", f"{batch}项目绩效监控预算金额", table, part, "budget")
        executed = calc.amount(f"{key}.executed", f"{batch}项目绩效监控执行金额", table, part, "executed")
        ratio = executed.value / budget.value if budget.value else Decimal(0)
        progress = calc.figures.add(Figure(f"{key}.progress", f"{batch}总体执行进度", ratio, "%", fmt.PERCENT,
                                           calc.sheet(table), count.rows, "比率（执行金额÷预算金额）"))
        schedule = schedule_progress(as_of)
        calc.figures.add(Figure(f"{key}.schedule", f"{batch}序时进度（截至{as_of.isoformat()}）", schedule, "%",
                                fmt.PERCENT, calc.sheet(table), count.rows, "规则（截止日期÷全年）", decimals=2))
        batches.append({
            "label": batch, "month": month, "covers": covers, "as_of": as_of, "projects": count, "amount": budget,
            "executed": executed, "progress": progress, "schedule": calc.figures[f"{key}.schedule"],
            "phrase": compare_with_schedule(ratio, schedule, s.schedule_phrases),
        })
    calc.figures.lists["monitoring.batches"] = batches
