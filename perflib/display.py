"""What the notebook shows (IPython display, the notebook's only output module): input rows with
their Excel row numbers and Chinese headers, findings, figures, paragraphs and the rendered report,
part by part as the outline lists them. Display only; no computation. (perflib.records stores
data in the notebook for programs; this module shows it to people.)"""
from __future__ import annotations

import dataclasses
import html
import re

import pandas as pd
from IPython.display import HTML, Markdown, display

from . import records
from .document import Document, Section
from .findings import Finding
from .inputs import Dataset
from .manifest import summarize_findings
from .mapping import mapped_tables
from .narrative import load_outline
from .outline import Part
from .params import ILLUSTRATIVE_PARTS_NOTICE
from .pipeline import Report
from .render_html import render_body
from .schema import TABLES_BY_NAME, TableSpec


def md(text: object) -> str:
    """Text from data or params made safe for Markdown: no HTML, no Markdown markup."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|>~])", r"\\\1", html.escape(str(text)))


def rows_frame(dataset: Dataset, table: str, spec: TableSpec | None = None) -> pd.DataFrame:
    """A table as the analyst knows it: Excel row numbers as index, headers in Chinese (``spec``:
    the county's own names, params columns)."""
    spec = spec or TABLES_BY_NAME[table]
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
    table = table.replace("<td>nan</td>", "<td></td>").replace("<td>None</td>", "<td></td>")
    return HTML(_column_widths(table, list(frame.columns)))


# The narrowest each column of a figures table may be, set on its header cell (a browser sizes a
# column to at least its cells' min-width). Without it a browser squeezes a column of Chinese text
# to one character a line when the table is wider than the page (「重点绩效评价」 down the cell).
COLUMN_MIN_WIDTHS = {"含义": 8, "来源": 7, "计算": 6}  # em; the other columns hold numbers or words without spaces


def _column_widths(table: str, columns: list[str]) -> str:
    """The header cells with their column's min-width inline (a notebook keeps inline styles where
    it may drop a <style> element) and no wrapping inside a header; the n-th header is the n-th column."""
    widths = iter(COLUMN_MIN_WIDTHS.get(str(c)) for c in columns)

    def header(match: re.Match) -> str:
        width = next(widths, None)
        style = f"min-width:{width}em;white-space:nowrap" if width else "white-space:nowrap"
        return f'<th style="{style}">'

    head_end = table.index("</thead>") if "</thead>" in table else 0
    return re.sub(r"<th>", header, table[:head_end]) + table[head_end:]


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


def show_document(document: Document) -> None:
    """The whole report as the HTML page shows it, with the analyst's notes at the end."""
    display(HTML(render_body(document, notes=True)))


def _part_html(document: Document, section: Section) -> str:
    """One section of the document as HTML, without the page's title."""
    return render_body(dataclasses.replace(document, title="", sections=(section,)), notes=False).split("\n", 1)[1]


def show_part(report: Report, part: Part, section: Section, heading: str) -> None:
    """One part of the report for the auditor: the rows it used, its figures, its text."""
    display(Markdown(f"### {md(heading)}"))
    specs = mapped_tables(report.params.columns)
    for table in part.tables:
        if table in report.dataset.tables:
            display(Markdown(f"**输入：工作表「{specs[table].sheet}」**（{len(report.dataset.tables[table])} 行）"))
            display(rows_frame(report.dataset, table, specs[table]))
    if part.figures:
        display(Markdown("**计算得到的数字**"))
        display(figures_table(report.figures.frame(report.document.printer, part.figures)))
    display(Markdown("**报告文字**"))
    display(HTML(_part_html(report.document, section)))


def show_parts(report: Report) -> None:
    """Every part of the report that draws on data, in the outline's order (parts of params text
    alone are shown in the whole report below; 与上年对比 by ``year_over_year``)."""
    outline = load_outline(report.params)
    for section, parent in _sections_with_parents(report.document):
        part = next((p for p in outline.walk() if p.key == section.key), None) if section.key else None
        if part is None or not (part.tables or part.figures) or part.appendix:
            continue
        heading = f"{parent.number.rstrip('、')}{section.heading}" if parent is not None else section.heading
        show_part(report, part, section, heading)


def _sections_with_parents(document: Document):
    for top in document.sections:
        yield top, None
        for child in top.children:
            yield child, top


def params_summary(params) -> None:
    s = params.settings
    if params.illustrative_notes:  # some things printed are illustrative: each named, as in 「示例数据说明」
        titles = {p.key: p.title for p in load_outline(params).walk()}
        names = {"issue_date": "落款的成文日期", **{k: f"「{md(t)}」" for k, t in titles.items()}}
        lines = [f"- {names.get(what, '图表 ' + md(what))}：{md(note)}" if what else f"- {md(note)}"
                 for what, note in params.illustrative_notes]  # a chart's number: the report's 「示例数据说明」
        display(Markdown(f"**⚠ 示例数据：{md(ILLUSTRATIVE_PARTS_NOTICE)}**\n\n" + "\n".join(lines)))
    elif params.illustrative:  # invented data: the notebook says so first, as the HTML and Word do
        display(Markdown(f"**⚠ 示例数据：{md(params.illustrative)}**"))
    display(Markdown(
        f"**{md(params.title)}**  \n"
        f"参数文件：{md(params.source.relative_to(params.root).as_posix()) if params.source else '（由 papermill 注入）'}　"
        f"数据：{md(params.data_label)}  \n"
        f"格式：万元保留 {s.amount_decimals} 位小数，{'有' if s.thousands_separator else '无'}千分位；亿元 {s.yi_decimals} 位；"
        f"百分比 {s.percent_decimals} 位；零计数写作「{'0个' if s.zero_count_style == 'zero' else '无…'}」；等级：{md(params.grade_bands())}"
    ))


def year_over_year(report: Report) -> None:
    """与上年对比 for the auditor: which earlier years were loaded, the notes on those left out,
    the comparison figures, and the appendix (perflib.history)."""
    history = report.history
    loaded = "、".join(f"{y.year}年（{y.source}）" for y in history.years)
    display(Markdown(f"**以前年度数据：** {loaded or '无（本报告不作与上年对比）'}"))
    if history.notes:
        display(findings_frame(history.notes))
    ledger = report.figures.frame(report.document.printer, ("yoy.",))
    if ledger.empty:
        return
    display(Markdown("**计算得到的数字**"))
    display(figures_table(ledger))
    part = next((s for s in report.document.walk() if s.number == "附："), None)
    if part is not None:
        display(Markdown("**报告附录**"))
        display(HTML(_part_html(report.document, part)))
