"""The story of one report, step by step: params + data → validated tables → findings → figures
(and the earlier years of 与上年对比) → charts → document → ledger. ``make_report`` runs every
step; the notebook calls the same steps one per cell and shows what each produced; ``export``
(perflib.outputs) writes the files."""
from __future__ import annotations

from dataclasses import dataclass

from .charts import draw_charts
from .document import Chart, Document, build_document
from .figures import Figures, compute_figures
from .findings import Finding, warnings
from .formatting import Printer
from .history import History, add_comparisons, load_history
from .inputs import Dataset
from .ledger import Ledger, build_ledger
from .params import Params
from .validation import load_data, stop_on_errors


@dataclass
class Report:
    """Everything a run produces, before it is written to files."""

    params: Params
    dataset: Dataset
    findings: list[Finding]
    figures: Figures
    history: History
    charts: dict[str, Chart]
    document: Document
    ledger: Ledger


def compute(params: Params, dataset: Dataset) -> tuple[Figures, History]:
    """The report's figures from validated tables, with the comparison with earlier years (if any)."""
    figures = compute_figures(dataset, params)
    history = load_history(params)  # 与上年对比: the county's earlier years, if any
    add_comparisons(figures, history, params)
    return figures, history


def compose(params: Params, dataset: Dataset, findings: list[Finding], figures: Figures, history: History) -> Report:
    """Charts, the document (outline, templates) and the ledger of every printed number."""
    charts = draw_charts(figures, Printer(params.settings))
    document = build_document(figures, params, charts, warnings(findings) + history.notes, dataset.tables)
    ledger = build_ledger(params, dataset, figures, document)
    return Report(params, dataset, findings, figures, history, charts, document, ledger)


def make_report(params: Params) -> Report:
    """Every step at once (the command line's audit-text, tests, scripts)."""
    dataset, findings = load_data(params)
    stop_on_errors(findings)
    figures, history = compute(params, dataset)
    return compose(params, dataset, findings, figures, history)
