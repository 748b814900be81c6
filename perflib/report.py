"""The story of one report, step by step: params + data → validated tables → findings →
figures → narrative and charts → document → files. The notebook calls these same steps and
shows what each produced; ``make_report`` runs them all at once (tests, scripts)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .charts import draw_charts
from .checks import check_dataset, check_stated_totals
from .document import Document, build_document
from .figures import Figures, compute_figures
from .findings import DataError, Finding, errors, warnings
from .inputs import Dataset, load_dataset
from .files import write_atomic
from .layout import load_layout
from .params import Params
from .render_html import render_html
from .yoy import add_comparisons, load_history

REPORT_HTML = "report.html"
REPORT_DOCX = "report.docx"
REPORT_PDF = "report.pdf"
FIGURES_DIR = "figures"


@dataclass
class Report:
    params: Params
    dataset: Dataset
    findings: list[Finding]
    figures: Figures
    document: Document


def load_data(params: Params) -> tuple[Dataset, list[Finding]]:
    """The county-year tables and every finding about them (loading and cross-table checks)."""
    dataset = load_dataset(params.data, params.data_label)
    findings = list(dataset.findings)
    if not errors(findings):  # cross-table checks need tables that typed cleanly
        findings += check_dataset(dataset, params)
    if not errors(findings) and params.stated_totals:
        findings += check_stated_totals(compute_figures(dataset, params), params)
    return dataset, findings


def stop_on_errors(findings: list[Finding]) -> None:
    """Raise ``DataError`` listing the errors, if any: a report is never made from bad data."""
    if errors(findings):
        raise DataError(findings)


def make_report(params: Params) -> Report:
    dataset, findings = load_data(params)
    stop_on_errors(findings)
    figures = compute_figures(dataset, params)
    history = load_history(params)  # 与上年对比: the county's earlier years, if any
    add_comparisons(figures, history, params)
    document = build_document(figures, params, draw_charts(figures), warnings(findings) + history.notes)
    return Report(params, dataset, findings, figures, document)


def export(document: Document, output_dir: Path) -> list[Path]:
    """Write the publication files of a document into ``output_dir``: report.html, report.docx,
    figures/ (each chart as PNG and SVG) and report.pdf (converted by LibreOffice when it is
    installed; otherwise the reason is printed and the other files stand)."""
    from .render_docx import render_docx
    from .render_pdf import PdfSkipped, convert_docx_to_pdf

    output_dir = Path(output_dir)
    html = output_dir / REPORT_HTML
    write_atomic(html, render_html(document).encode("utf-8"))
    docx = output_dir / REPORT_DOCX
    write_atomic(docx, render_docx(document))
    written = [html, docx, *export_figures(document, output_dir / FIGURES_DIR)]
    try:
        written.append(convert_docx_to_pdf(docx, output_dir / REPORT_PDF, document.layout or load_layout()))
    except PdfSkipped as skipped:
        print(f"未生成 {REPORT_PDF}：{skipped.reason}")
    return written


def export_figures(document: Document, folder: Path) -> list[Path]:
    """Each chart of the document as ``<name>.png`` (print resolution, for Word) and ``<name>.svg`` (web)."""
    written = []
    for chart in document.charts():
        for suffix, data in ((".png", chart.png), (".svg", chart.svg.encode("utf-8"))):
            path = folder / f"{chart.key}{suffix}"
            write_atomic(path, data)
            written.append(path)
    return written


def output_folder(params: Params, output_dir: str | os.PathLike | None) -> Path:
    """Where the notebook writes its files: ``output_dir`` if given (relative to the working
    directory, as papermill runs it), else ``outputs/<county>/<year>/`` of the project."""
    from . import project

    if output_dir is not None:
        return Path(output_dir)
    return project.output_dir(params.root, params.county, params.year)
