"""The story of one report, step by step: params + data → validated tables → findings →
figures → narrative and charts → document → files. The notebook calls these same steps and
shows what each produced; ``make_report`` runs them all at once (tests, scripts)."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .charts import draw_charts
from .checks import check_dataset, check_stated_totals
from .document import Document, build_document
from .figures import Figures, compute_figures
from .findings import DataError, Finding, errors, warnings
from .inputs import Dataset, load_dataset
from .params import Params
from .render_html import render_html
from .yoy import add_comparisons, load_history

REPORT_HTML = "report.html"


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


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # published files are readable, unlike mkstemp's 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export(document: Document, output_dir: Path) -> list[Path]:
    """Write the publication files of a document into ``output_dir``."""
    html = output_dir / REPORT_HTML
    write_atomic(html, render_html(document).encode("utf-8"))
    return [html]


def output_folder(params: Params, output_dir: str | os.PathLike | None) -> Path:
    """Where the notebook writes its files: ``output_dir`` if given (relative to the working
    directory, as papermill runs it), else ``outputs/<county>/<year>/`` of the project."""
    from . import project

    if output_dir is not None:
        return Path(output_dir)
    return project.output_dir(params.root, params.county, params.year)
