"""perflib: annual budget performance management reports (预算绩效管理工作情况) from data.

The public names are imported lazily, so that the command line (which only needs papermill)
starts without loading pandas and matplotlib; the notebook's kernel loads them once.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "PerflibError": "errors", "DataError": "errors", "ParamsError": "errors",
    "Finding": "findings",
    "Dataset": "inputs", "load_dataset": "inputs",
    "Document": "document", "build_document": "document",
    "Figure": "figures", "Figures": "figures", "compute_figures": "figures",
    "Params": "params", "load_params": "params", "notebook_overrides": "params",
    "load_data": "validation", "stop_on_errors": "validation",
    "Report": "pipeline", "compute": "pipeline", "compose": "pipeline", "make_report": "pipeline",
    "export": "outputs", "output_folder": "outputs",
    "draw_charts": "charts", "Printer": "formatting",
    "render_html": "render_html",
    "read_figures": "ledger",
}
_SUBMODULES = {"ledger", "manifest", "display", "pipeline", "outputs", "figures", "run", "history"}  # reached as perflib.<name>
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'perflib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
