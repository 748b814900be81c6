"""The files of one report: ``report.html``, ``report.docx``, ``figures/`` (each chart as PNG and
SVG), ``figures.csv`` (the ledger) and ``report.pdf`` (LibreOffice, when installed). ``export``
writes them all, for the notebook and for scripts alike; the runner adds the executed notebook and
``manifest.json`` and publishes the folder (perflib.run)."""
from __future__ import annotations

import os
from pathlib import Path

from .document import Document
from .errors import ReportInconsistent
from .files import write_atomic
from .layout import load_layout
from .ledger import write_figures_csv
from .params import Params
from .pipeline import Report
from .render_html import render_html

REPORT_HTML = "report.html"
REPORT_DOCX = "report.docx"
REPORT_PDF = "report.pdf"
FIGURES_DIR = "figures"


def export(report: Report, output_dir: Path) -> list[Path]:
    """Write every publication file of a report into ``output_dir``, once the report has passed its
    own audit (``audit_text.self_audit``: sums, differences, shares and data as printed); a report
    that fails it raises ``ReportInconsistent`` and writes nothing. Without LibreOffice the PDF is
    skipped with its reason printed, and the other files stand."""
    from .audit_text import self_audit
    from .render_docx import render_docx
    from .render_pdf import PdfSkipped, convert_docx_to_pdf

    audit = self_audit(report)
    if audit.problems:
        raise ReportInconsistent(audit.problems)
    document = report.document
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
    written.append(write_figures_csv(report.ledger, output_dir))
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
