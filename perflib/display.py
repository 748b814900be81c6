"""What the notebook shows: input rows with their Excel row numbers and Chinese headers,
findings, figures, paragraphs and the rendered report. Display only; no computation."""
from __future__ import annotations

import html
import re

import pandas as pd
from IPython.display import HTML, Markdown, display

from . import records
from .document import Document
from .figures import Figures
from .findings import Finding
from .inputs import Dataset
from .manifest import summarize_findings
from .render_html import render_body
from .schema import TABLES_BY_NAME


def md(text: object) -> str:
    """Text from data or params made safe for Markdown: no HTML, no Markdown markup."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|>~])", r"\\\1", html.escape(str(text)))


def rows_frame(dataset: Dataset, table: str) -> pd.DataFrame:
    """A table as the analyst knows it: Excel row numbers as index, headers in Chinese."""
    spec = TABLES_BY_NAME[table]
    frame = dataset.tables[table].set_index("excel_row")
    frame.index.name = "Excel 行号"
    return frame.rename(columns={c.name: c.header for c in spec.columns}).astype(str).replace({"None": "", "nan": "", "NaN": "", "NaT": "", "<NA>": ""})


def figures_table(frame: pd.DataFrame) -> HTML:
    """A figures table (``Figures.frame()``) whole, for an auditor: every row and every cell in
    full (no 「…」), NaN as an empty cell, a percentage's value as a percentage (0.46 → 46%)."""
    from decimal import Decimal, InvalidOperation

    frame = frame.copy()
    if {"数值", "单位"} <= set(frame.columns):
        def shown(value, unit):
            if unit == "%":
                try:
                    return f"{(Decimal(str(value)) * 100).normalize():f}%"
                except InvalidOperation:
                    return value
            return value
        frame["数值"] = [shown(v, u) for v, u in zip(frame["数值"], frame["单位"])]
    with pd.option_context("display.max_colwidth", None, "display.max_rows", None, "display.max_columns", None):
        table = frame.to_html(index=False, na_rep="", max_rows=None, max_cols=None, escape=True, notebook=True, border=0)
    return HTML(table.replace("<td>nan</td>", "<td></td>").replace("<td>None</td>", "<td></td>"))


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    columns = ["代码", "级别", "位置", "说明", "值", "应为"]
    rows = [[f.code, "错误" if f.is_error else "提示", f.location, f.message, f.value or "", f.expected or ""] for f in findings]
    return pd.DataFrame(rows, columns=columns)


def show_findings(findings: list[Finding]) -> None:
    """The findings, and their summary recorded for the manifest."""
    n_errors = sum(f.is_error for f in findings)
    said = f"**数据检查：{n_errors} 处错误，{len(findings) - n_errors} 条提示。**" if findings else "**数据检查：未发现问题。**"
    records.record(records.FINDINGS, summarize_findings(findings), {"text/markdown": said}, "findings")
    if findings:
        display(findings_frame(findings))


def show_section(dataset: Dataset, figures: Figures, document: Document, tables: list[str], prefixes: list[str], heading: str) -> None:
    """One part of the report for the auditor: the rows it used, its figures, its text."""
    for table in tables:
        display(Markdown(f"**输入：工作表「{TABLES_BY_NAME[table].sheet}」**（{len(dataset.tables[table])} 行）"))
        display(rows_frame(dataset, table))
    ledger = pd.concat([figures.frame(p) for p in prefixes], ignore_index=True)
    display(Markdown("**计算得到的数字**"))
    display(figures_table(ledger))
    part = next(s for s in document.walk() if s.title == heading)
    display(Markdown("**报告文字**"))
    display(HTML(render_body(Document("", (part,)), notes=False).split("\n", 1)[1]))


def show_document(document: Document) -> None:
    display(HTML(render_body(document, notes=True)))


# Which input tables and which figures each part of the report draws on (for the notebook).
SECTION_SOURCES: dict[str, tuple[list[str], list[str]]] = {
    "公开重大政策和重点项目绩效执行结果": (["key_evaluations"], ["report.", "key_evaluations."]),
    "制度建设方面": (["policy_documents"], ["documents.", "indicators."]),
    "事前绩效评估情况": (["pre_assessments"], ["pre_assessments."]),
    "预算绩效目标情况": (["department_target_reviews", "project_target_reviews"], ["target_reviews."]),
    "预算绩效监控情况": (["department_monitoring", "project_monitoring"], ["monitoring."]),
    "预算绩效评价情况": (["department_self_evaluations", "project_self_evaluations", "third_party_evaluations"], ["self_evaluations.", "third_party."]),
    "预算绩效结果应用情况": (["result_applications"], ["results."]),
    "预算绩效真实性核查工作情况": (["authenticity_checks"], ["authenticity."]),
    "预算绩效管理培训工作": (["trainings"], ["trainings."]),
    "第三方执业质量核查工作": ([], ["third_party_quality."]),
}


def section(dataset: Dataset, figures: Figures, document: Document, title: str) -> None:
    """One part of the report, by its title: rows used, figures computed, text."""
    tables, prefixes = SECTION_SOURCES[title]
    show_section(dataset, figures, document, tables, prefixes, title)


def params_summary(params) -> None:
    s = params.settings
    display(Markdown(
        f"**{md(params.title)}**  \n"
        f"参数文件：{md(params.source.relative_to(params.root).as_posix()) if params.source else '（由 papermill 注入）'}　"
        f"数据：{md(params.data_label)}  \n"
        f"格式：万元保留 {s.amount_decimals} 位小数，{'有' if s.thousands_separator else '无'}千分位；亿元 {s.yi_decimals} 位；"
        f"百分比 {s.percent_decimals} 位；零计数写作「{'0个' if s.zero_count_style == 'zero' else '无…'}」；等级：{'、'.join(s.grade_labels)}"
    ))


def year_over_year(history, figures: Figures, document: Document) -> None:
    """与上年对比 for the auditor: which earlier years were loaded, the notes on those left out,
    the comparison figures, and the appendix (perflib.yoy)."""
    loaded = "、".join(f"{y.year}年（{y.source}）" for y in history.years)
    display(Markdown(f"**以前年度数据：** {loaded or '无（本报告不作与上年对比）'}"))
    if history.notes:
        display(findings_frame(history.notes))
    ledger = figures.frame("yoy.")
    if ledger.empty:
        return
    display(Markdown("**计算得到的数字**"))
    display(figures_table(ledger))
    part = next((s for s in document.walk() if s.number == "附："), None)
    if part is not None:
        display(Markdown("**报告附录**"))
        display(HTML(render_body(Document("", (part,)), notes=False).split("\n", 1)[1]))
