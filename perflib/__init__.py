"""perflib: annual budget performance management reports (预算绩效管理工作情况) from data."""
from .charts import draw_charts
from .document import Document, build_document
from .figures import Figure, Figures, compute_figures
from .findings import DataError, Finding
from .inputs import Dataset, load_dataset
from . import ledger, manifest  # the auditor's trail: figures.csv, manifest.json
from .ledger import read_figures
from .params import Params, ParamsError, load_params
from .report import Report, export, load_data, make_report, stop_on_errors
from .render_html import render_html

__version__ = "0.1.0"

__all__ = [
    "DataError", "Dataset", "Document", "Figure", "Figures", "Finding", "Params", "ParamsError", "Report",
    "build_document", "compute_figures", "draw_charts", "export", "load_data", "load_dataset", "load_params",
    "make_report", "read_figures", "render_html", "stop_on_errors",
]
