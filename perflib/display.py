"""What the notebook shows: input rows with their Excel row numbers and Chinese headers,
findings, figures, paragraphs and the rendered report. Display only; no computation."""
from __future__ import annotations

import pandas as pd
from IPython.display import HTML, Markdown, display

from .document import Document, Paragraph, Section
from .figures import Figures
from .findings import Finding
from .inputs import Dataset
from .render_html import render_body
from .schema import TABLES_BY_NAME


def rows_frame(dataset: Dataset, table: str) -> pd.DataFrame:
    """A table as the analyst knows it: Excel row numbers as index, headers in Chinese."""
    spec = TABLES_BY_NAME[table]
    frame = dataset.tables[table].set_index("excel_row")
    frame.index.name = "Excel 行号"
    return frame.rename(columns={c.name: c.header for c in spec.columns}).astype(str).replace({"None": ""})


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    columns = ["代码", "级别", "位置", "说明", "值", "应为"]
    rows = [[f.code, "错误" if f.is_error else "提示", f.location, f.message, f.value or "", f.expected or ""] for f in findings]
    return pd.DataFrame(rows, columns=columns)


def show_findings(findings: list[Finding]) -> None:
    if not findings:
        display(Markdown("**数据检查：未发现问题。**"))
        return
    n_errors = sum(f.is_error for f in findings)
    display(Markdown(f"**数据检查：{n_errors} 处错误，{len(findings) - n_errors} 条提示。**"))
    display(findings_frame(findings))


def show_section(dataset: Dataset, figures: Figures, document: Document, tables: list[str], prefixes: list[str], heading: str) -> None:
    """One part of the report for the auditor: the rows it used, its figures, its text."""
    for table in tables:
        display(Markdown(f"**输入：工作表「{TABLES_BY_NAME[table].sheet}」**（{len(dataset.tables[table])} 行）"))
        display(rows_frame(dataset, table))
    ledger = pd.concat([figures.frame(p) for p in prefixes], ignore_index=True)
    display(Markdown("**计算得到的数字**"))
    display(ledger)
    section = next(s for s in document.walk() if s.heading.startswith(heading) or s.title == heading)
    display(Markdown("**报告文字**"))
    display(HTML(render_body(Document("", (section,)), notes=False).split("\n", 1)[1]))


def show_document(document: Document) -> None:
    display(HTML(render_body(document, notes=True)))
