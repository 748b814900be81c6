"""Running the annual notebook with papermill, the way ``perflib run`` and ``make report`` do.

The notebook executes in a real Jupyter kernel inside a staging folder next to the final one;
only a run that succeeded replaces ``outputs/<county>/<year>/`` (two renames under a lock), so a
failed run never touches the previous good outputs. A failed run's executed notebook is kept in
``outputs/<county>/<year>/failed/`` with the failing cell marked by papermill.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from . import pdf_converter, project
from .errors import RunFailed, is_user_error
from .files import publish
from .params import load_params

KERNEL_NAME = "perflib"
KERNEL_DISPLAY_NAME = "Python (perflib)"
NOTEBOOK_OUT = "annual_report.ipynb"
STAGING_NOTE = "run in progress"


@dataclass
class RunResult:
    county: str
    year: int
    output_dir: Path
    files: list[Path]


def skip_unused_imports() -> None:
    """Keep this process from importing what a run never uses. jsonschema (under nbformat and
    papermill) imports ``rfc3987_syntax`` when it is installed (JupyterLab's dependencies bring
    it), and that import builds some forty parsers: 0.7 s of every ``perflib`` command, for IRI
    formats that the notebook schema does not have. Called by the command line and the batch
    workers, before anything imports jsonschema."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None: "import rfc3987_syntax" raises ImportError


def ensure_kernel() -> str:
    """The project's named kernel (this interpreter), registered in this environment if missing."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if Path(spec.argv[0]).exists():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY_NAME, prefix=sys.prefix)
    return KERNEL_NAME


# papermill and nbclient metadata that changes from run to run (times, paths, random ids).
_VOLATILE_NB_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables")


def make_deterministic(path: Path) -> None:
    """Remove run-dependent metadata from an executed notebook so that reruns give the same bytes."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for key in _VOLATILE_NB_KEYS:
        nb.metadata.get("papermill", {}).pop(key, None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
        cell.metadata.pop("execution", None)
        papermill = cell.metadata.get("papermill")
        if papermill:
            for key in ("start_time", "end_time", "duration"):
                papermill.pop(key, None)
    nbformat.write(nb, path)


def _failure_reason(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        if is_user_error(exc.ename):  # messages written for the user
            return exc.evalue
        return f"笔记本第 {exc.exec_count} 个单元格出错：{exc.ename}: {exc.evalue}"
    return f"{type(exc).__name__}: {exc}"


class Interrupted(KeyboardInterrupt):
    """The run was stopped by Ctrl-C or SIGTERM; its kernel is gone and nothing was published."""


def _kill_children() -> None:
    """End every process this one started (the kernel and anything it spawned)."""
    import psutil

    end_processes(psutil.Process().children(recursive=True))


def end_processes(processes: list) -> None:
    """Terminate ``processes`` (psutil), then kill those still alive after 5 seconds."""
    import psutil

    for process in processes:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(processes, timeout=5)
    for process in alive:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def _execute_interruptibly(execute) -> None:
    """Run ``execute`` (papermill) in a worker thread so that this thread keeps the signals.

    nbclient installs its own SIGINT/SIGTERM handlers when it runs in the main thread; here it
    does not, and Ctrl-C or SIGTERM ends the kernel, waits for papermill to return and raises
    ``Interrupted``: no kernel outlives the run, and the caller removes its staging folder.
    """
    outcome: dict[str, BaseException] = {}

    def work() -> None:
        try:
            execute()
        except BaseException as exc:  # handed to the calling thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="perflib-papermill", daemon=True)
    restore = None
    if threading.current_thread() is threading.main_thread():
        def on_term(signum, frame):
            raise KeyboardInterrupt
        restore = signal.signal(signal.SIGTERM, on_term)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(timeout=0.2)
    except KeyboardInterrupt:
        _kill_children()
        worker.join(timeout=30)
        raise Interrupted() from None
    finally:
        if restore is not None:
            signal.signal(signal.SIGTERM, restore)
    if "error" in outcome:
        raise outcome["error"]


@contextmanager
def project_root(root: Path):
    """``PERFLIB_ROOT`` set to ``root`` while papermill runs (the kernel inherits it), restored after."""
    previous = os.environ.get("PERFLIB_ROOT")
    os.environ["PERFLIB_ROOT"] = str(root)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PERFLIB_ROOT", None)
        else:
            os.environ["PERFLIB_ROOT"] = previous


def execute_notebook(source: Path, target: Path, root: Path, parameters: dict, progress: bool, start_timeout: int = 60) -> None:
    """papermill executes ``source`` into ``target`` (working folder: target's), on the project's
    kernel, for ``root``; stoppable by Ctrl-C or SIGTERM (Interrupted). The notebook is saved once
    at the end, not after every cell (papermill's default grows with the square of the cell count).
    The kernel is ended at once when the last cell is done (nbclient's "immediate" shutdown):
    every output is written by then, and the graceful shutdown only waits for the kernel's exit
    hooks (0.15 s of every report, benchmarks/RESULTS.md)."""
    import papermill as pm

    with project_root(root):
        _execute_interruptibly(lambda: pm.execute_notebook(
            str(source), str(target), parameters=parameters, cwd=str(Path(target).parent), kernel_name=ensure_kernel(),
            progress_bar=progress, request_save_on_cell_execute=False, report_mode=False, start_timeout=start_timeout,
            shutdown_kernel="immediate"))


def run_report(county: str, year: int, root: Path | None = None, progress: bool = True,
               output_dir: Path | None = None, data_root: Path | None = None, start_timeout: int = 60) -> RunResult:
    """Execute the annual notebook for one county and year and publish its outputs atomically
    (to ``outputs/<county>/<year>/``, or to ``output_dir``: ``perflib verify`` re-runs elsewhere).

    ``start_timeout``: seconds a kernel may take to start (papermill's default, 60; a busy batch may need more)."""
    from .manifest import write_manifest

    root = (root or project.find_root()).resolve()
    params = load_params(county, year, root, data_root=data_root)  # a wrong params file is reported before a kernel starts
    final = Path(output_dir).resolve() if output_dir else project.output_dir(root, county, year)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.parent / f".{year}.staging"
    parameters = {"county": county, "year": int(year), "output_dir": "."}
    if data_root is not None:
        parameters["data_root"] = str(Path(data_root).resolve())
    with FileLock(str(final.parent / f".{year}.lock")):
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        notebook = staging / NOTEBOOK_OUT
        try:
            with pdf_converter.session(params):  # one LibreOffice, started while the report is made
                execute_notebook(project.notebook_path(root), notebook, root, parameters, progress, start_timeout)
        except Interrupted:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        except Exception as exc:
            kept = _keep_failed(notebook, final)
            shutil.rmtree(staging, ignore_errors=True)
            raise RunFailed(_failure_reason(exc), kept) from exc
        make_deterministic(notebook)
        write_manifest(staging, params, notebook)  # provenance and output hashes, before the outputs go public
        publish(staging, final)
    files = sorted(p for p in final.rglob("*") if p.is_file())
    return RunResult(county, int(year), final, files)


def _keep_failed(notebook: Path, final: Path) -> Path | None:
    if not notebook.exists():
        return None
    failed = final / "failed"
    failed.mkdir(parents=True, exist_ok=True)
    kept = failed / NOTEBOOK_OUT
    shutil.copyfile(notebook, kept)
    try:
        make_deterministic(kept)
    except Exception:  # a half-written notebook is still worth keeping as it is
        pass
    return kept
