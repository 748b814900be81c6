"""Records: data an executed notebook carries in its outputs under perflib's own MIME types.

A cell records a JSON payload beside a form people read (Markdown or plain text); JupyterLab and
nbconvert show the readable form and keep the payload. Afterwards the runner, the rollup and
auditors read the payload back from the ``.ipynb`` instead of recomputing it, so the notebook and
the files made from it cannot disagree. Three are recorded: the ledger (perflib.ledger), the
provenance and the findings summary (perflib.manifest).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

FIGURES = "application/vnd.perflib.figures+json"
PROVENANCE = "application/vnd.perflib.provenance+json"
FINDINGS = "application/vnd.perflib.findings+json"


def record(mime: str, payload: Any, readable: dict[str, str], name: str) -> None:
    """Display ``payload`` under ``mime`` together with ``readable`` ({mime type: text})."""
    from IPython.display import display

    display({**readable, mime: payload}, raw=True, metadata={"perflib": {"name": name}})


def notebook_of(notebook: Any) -> Any:
    """A NotebookNode: ``notebook`` itself, or the notebook read from its path. Read it once
    when taking several records from it."""
    if isinstance(notebook, (str, Path)):
        import nbformat

        return nbformat.read(str(notebook), as_version=4)
    return notebook


def read(notebook: Any, mime: str) -> Any | None:
    """The last payload recorded under ``mime`` in ``notebook`` (a path or a NotebookNode), or None."""
    notebook = notebook_of(notebook)
    payload = None
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") in ("display_data", "execute_result") and mime in output.get("data", {}):
                payload = output["data"][mime]
    return payload
