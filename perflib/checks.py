"""Checks across rows, tables and params, after each table is typed.

Grades against scores (财预〔2020〕10号), executed against budget, one as-of date per monitoring
batch, dates inside the report's year.
"""
from __future__ import annotations

from typing import Iterable

from .findings import Finding
from .inputs import Dataset
from .params import Params
from .rules import grade_for_score
from .schema import TABLES_BY_NAME

GRADED_TABLES = ("key_evaluations", "department_self_evaluations", "project_self_evaluations", "third_party_evaluations")
# Dates that must fall inside the report's year (other dates, like 评价 done the year after, may not).
DATED_IN_YEAR = {"project_monitoring": "as_of", "trainings": "date", "policy_documents": "issued", "pre_assessments": "date"}


def check_dataset(dataset: Dataset, params: Params) -> list[Finding]:
    """Findings across rows and tables; the typed tables themselves are not changed."""
    found: list[Finding] = []
    for name in GRADED_TABLES:
        found.extend(_grades(dataset, name, params.settings.grade_labels))
    found.extend(_executed_within_budget(dataset))
    found.extend(_one_as_of_per_batch(dataset))
    for name, column in DATED_IN_YEAR.items():
        found.extend(_dates_in_year(dataset, name, column, params.year))
    return found


def _where(dataset: Dataset, table: str) -> dict:
    return dict(file=dataset.source, sheet=TABLES_BY_NAME[table].sheet)


def _records(dataset: Dataset, table: str) -> Iterable[dict]:
    return dataset.tables[table].to_dict("records")


def _grades(dataset: Dataset, table: str, labels: tuple[str, ...]) -> list[Finding]:
    spec = TABLES_BY_NAME[table]
    found = []
    for record in _records(dataset, table):
        grade, score = record.get("grade"), record.get("score")
        if grade is None:
            continue
        at = dict(row=record["excel_row"], column=spec.column("grade").header, **_where(dataset, table))
        if grade not in labels:
            found.append(Finding("E117", "评价等级不在参数规定的等级名称中。", value=grade, expected="以下之一：" + "、".join(labels), **at))
        elif score is not None and grade_for_score(score, labels) != grade:
            expected = grade_for_score(score, labels)
            found.append(Finding("E130", f"得分 {score} 对应的等级是「{expected}」（财预〔2020〕10号：90分及以上{labels[0]}，80–90{labels[1]}，60–80{labels[2]}，60以下{labels[3]}）。", value=grade, expected=f"「{expected}」或改正得分", **at))
    return found


def _executed_within_budget(dataset: Dataset) -> list[Finding]:
    spec = TABLES_BY_NAME["project_monitoring"]
    found = []
    for record in _records(dataset, "project_monitoring"):
        budget, executed = record.get("budget"), record.get("executed")
        if budget is not None and executed is not None and executed > budget:
            found.append(Finding("E131", f"执行金额大于预算金额 {budget} 万元。", row=record["excel_row"], column=spec.column("executed").header, value=str(executed), expected=f"不大于 {budget}", **_where(dataset, "project_monitoring")))
    return found


def _one_as_of_per_batch(dataset: Dataset) -> list[Finding]:
    spec = TABLES_BY_NAME["project_monitoring"]
    first: dict[str, tuple] = {}
    found = []
    for record in _records(dataset, "project_monitoring"):
        batch, as_of = record.get("batch"), record.get("as_of")
        if batch is None or as_of is None:
            continue
        if batch not in first:
            first[batch] = (as_of, record["excel_row"])
        elif first[batch][0] != as_of:
            found.append(Finding("E132", f"批次「{batch}」的截止日期与第 {first[batch][1]} 行（{first[batch][0]}）不同。", row=record["excel_row"], column=spec.column("as_of").header, value=str(as_of), expected=str(first[batch][0]), **_where(dataset, "project_monitoring")))
    return found


def _dates_in_year(dataset: Dataset, table: str, column: str, year: int) -> list[Finding]:
    spec = TABLES_BY_NAME[table]
    found = []
    for record in _records(dataset, table):
        value = record.get(column)
        if value is not None and value.year != year:
            found.append(Finding("E133", f"日期不在报告年度 {year} 年内。", row=record["excel_row"], column=spec.column(column).header, value=str(value), expected=f"{year} 年内的日期", **_where(dataset, table)))
    return found
