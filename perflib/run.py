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
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from . import project, render_pdf
from .errors import RunFailed, RunTimedOut  # noqa: F401  (RunFailed: rollup imports it from here)
from .faults import engine_keeping_unfinished, forget_engine, kernel_death, notebook_bytes, refused_writes_named, run_failed, tell
from .files import publish, recover, remove_staging, write_atomic
from .params import load_params
from .stop_signals import Stopped, deferred, note_published, signal_of

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
    notes: list[str] = field(default_factory=list)  # restored, kept or moved aside (Chinese), printed as they happen


def skip_unused_imports() -> None:
    """Keep this process from importing what a run never uses. jsonschema (under nbformat and
    papermill) imports ``rfc3987_syntax`` when it is installed (JupyterLab's dependencies bring
    it), and that import builds some forty parsers: 0.7 s of every ``perflib`` command, for IRI
    formats that the notebook schema does not have. Called by the command line and the batch
    workers, before anything imports jsonschema or papermill."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None: "import rfc3987_syntax" raises ImportError


KERNEL_LAUNCHER = "perflib.kernel_launcher"  # dies with the process that started it (PR_SET_PDEATHSIG)


def ensure_kernel() -> str:
    """The project's named kernel (this interpreter, started through ``perflib.kernel_launcher``
    so that no kernel outlives its run), registered in this environment if missing or older."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if Path(spec.argv[0]).exists() and KERNEL_LAUNCHER in spec.argv:
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    install_kernel()
    return KERNEL_NAME


def install_kernel() -> str:
    """Install the project's kernel spec in this environment (``sys.prefix``): ipykernel's own,
    with ``perflib.kernel_launcher`` in place of ``ipykernel_launcher``. Its folder."""
    import shutil

    from ipykernel.kernelspec import make_ipkernel_cmd, write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    argv = make_ipkernel_cmd(mod=KERNEL_LAUNCHER, python_arguments=["-Xfrozen_modules=off"])  # as ipykernel's install
    folder = write_kernel_spec(overrides={"argv": argv, "display_name": KERNEL_DISPLAY_NAME})
    try:
        return KernelSpecManager().install_kernel_spec(folder, kernel_name=KERNEL_NAME, prefix=sys.prefix)
    finally:
        shutil.rmtree(Path(folder).parent, ignore_errors=True)


# papermill and nbclient metadata that changes from run to run (times, paths, random ids).
_VOLATILE_NB_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables")


def make_deterministic(path: Path) -> None:
    """Remove run-dependent metadata from an executed notebook so that reruns give the same bytes."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    _deterministic(nb)
    nbformat.write(nb, path)


def _deterministic(nb) -> None:
    for key in _VOLATILE_NB_KEYS:
        nb.metadata.get("papermill", {}).pop(key, None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
        cell.metadata.pop("execution", None)
        papermill = cell.metadata.get("papermill")
        if papermill:
            for key in ("start_time", "end_time", "duration"):
                papermill.pop(key, None)


class Interrupted(Stopped):
    """The run was stopped by Ctrl-C or SIGTERM (``signum``); its kernel is gone and nothing was published."""


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


def _execute_interruptibly(execute, time_limit: float | None = None) -> None:
    """Run ``execute`` (papermill) in a worker thread so that this thread keeps the signals.

    After ``time_limit`` seconds the kernel is ended (papermill sees it die and returns) and
    ``RunTimedOut`` is raised; ``execute_notebook`` then keeps the notebook as far as it ran.

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
            raise Stopped(signum)
        restore = signal.signal(signal.SIGTERM, on_term)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    timed_out = False
    try:
        worker.start()
        while worker.is_alive():
            worker.join(timeout=0.2)
            if deadline is not None and time.monotonic() > deadline and worker.is_alive():
                timed_out = True
                _kill_children()  # the kernel: nbclient sees it die and papermill returns
                worker.join(timeout=60)
                break
    except KeyboardInterrupt as exc:
        _kill_children()
        worker.join(timeout=30)
        raise Interrupted(signal_of(exc)) from None
    finally:
        if restore is not None:
            signal.signal(signal.SIGTERM, restore)
    if timed_out:  # named by the cell that was running (the engine kept the notebook and noted it)
        error = outcome.get("error")
        raise RunTimedOut(time_limit, getattr(error, "perflib_cell", None), getattr(error, "perflib_cell_code", ""))
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


def execute_notebook(source: Path, target: Path, root: Path, parameters: dict, progress: bool, start_timeout: int = 60,
                     time_limit: float | None = None) -> None:
    """papermill executes ``source`` into ``target`` (working folder: target's), on the project's
    kernel, for ``root``; stoppable by Ctrl-C or SIGTERM (Interrupted). The notebook is saved once
    at the end, not after every cell (papermill's default grows with the square of the cell count).
    The kernel is ended at once when the last cell is done (nbclient's "immediate" shutdown):
    every output is written by then, and the graceful shutdown only waits for the kernel's exit
    hooks (0.15 s of every report, benchmarks/RESULTS.md). ``time_limit``: seconds, then the kernel
    is ended and ``RunTimedOut`` raised."""
    import papermill as pm

    with project_root(root), tempfile.TemporaryDirectory(prefix="perflib-kernel-") as sockets:
        engine = engine_keeping_unfinished(Path(target))
        try:
            _execute_interruptibly(lambda: pm.execute_notebook(
                str(source), str(target), parameters=parameters, cwd=str(Path(target).parent), kernel_name=ensure_kernel(),
                progress_bar=cell_progress_bar() if progress else False, request_save_on_cell_execute=False,
                report_mode=False, start_timeout=start_timeout, shutdown_kernel="immediate",
                kernel_manager_class=ipc_kernel_manager(Path(sockets)), engine_name=engine), time_limit)
        finally:
            forget_engine(engine)


def cell_progress_bar() -> dict | bool:
    """papermill's per-cell progress bar, labelled in Chinese; none when stderr is not a terminal
    (a log would keep every carriage-return frame)."""
    if not sys.stderr.isatty():
        return False
    return {"desc": "执行单元格", "unit": "格", "file": sys.stderr}


def ipc_kernel_manager(folder: Path):
    """A kernel manager whose kernel talks over Unix sockets in ``folder`` (private to the run)
    instead of TCP ports on 127.0.0.1: the kernel then prints no "running over TCP without
    encryption" warning, and reports started at the same moment cannot race for a port."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = str(folder / "kernel")

    return IPCKernelManager


def run_report(county: str, year: int, root: Path | None = None, progress: bool = True,
               output_dir: Path | None = None, data_root: Path | None = None, start_timeout: int = 60,
               time_limit: float | None = None) -> RunResult:
    """Execute the annual notebook for one county and year and publish its outputs atomically
    (to ``outputs/<county>/<year>/``, or to ``output_dir``: ``perflib verify`` re-runs elsewhere).

    ``start_timeout``: seconds a kernel may take to start (papermill's default, 60; a busy batch may need more).
    ``time_limit``: seconds the whole run may take (default ``$PERFLIB_RUN_TIMEOUT``, else 600,
    ``perflib.limits.run_time_limit``); then its kernel is ended and the run fails (E157), its
    notebook kept in ``failed/``."""
    from .limits import run_time_limit
    from .manifest import write_manifest

    limit = run_time_limit(time_limit)
    root = (root or project.find_root()).resolve()
    params = load_params(county, year, root, data_root=data_root)  # a wrong params file is reported before a kernel starts
    final = Path(output_dir).resolve() if output_dir else project.output_dir(root, county, year)
    parameters = {"county": county, "year": int(year), "output_dir": "."}
    if data_root is not None:
        parameters["data_root"] = str(Path(data_root).resolve())
    with render_pdf.converter(params):  # one LibreOffice, started while the report is made
        files, notes = execute_and_publish(project.notebook_path(root), NOTEBOOK_OUT, final, root, parameters, progress,
                                           start_timeout, limit,
                                           before_publish=lambda staging, notebook: write_manifest(staging, params, notebook))
    return RunResult(county, int(year), final, files, notes)


def execute_and_publish(source: Path, notebook_name: str, final: Path, root: Path, parameters: dict, progress: bool,
                        start_timeout: int = 60, time_limit: float | None = None,
                        before_publish=None) -> tuple[list[Path], list[str]]:
    """Execute a notebook into a staging folder beside ``final`` and, only if it succeeded, put the
    staging folder in place of ``final`` (under a lock), keeping the user's own files there. A
    failed run keeps its notebook in ``final/failed/`` and raises ``RunFailed``; an interrupted one
    leaves nothing; what a crashed or killed run left is restored or removed first. The report run
    and the rollup both go through here. After ``time_limit`` seconds the kernel is ended (E157).
    ``before_publish(staging, notebook)`` adds files last (the manifest). Returns the folder's files
    and the notes said to the user."""
    with refused_writes_named(final):
        final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.parent / f".{final.name}.staging"
    with refused_writes_named(final), FileLock(str(final.parent / f".{final.name}.lock")):
        notes = tell(recover(final) + remove_staging(staging))  # what a crashed or killed run left
        staging.mkdir()
        notebook = staging / notebook_name
        try:
            execute_notebook(source, notebook, root, parameters, progress, start_timeout, time_limit)
        except Interrupted:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        except Exception as exc:
            kept = _keep_failed(notebook, final)
            shutil.rmtree(staging, ignore_errors=True)
            raise run_failed(exc, kept, final) from exc
        try:
            make_deterministic(notebook)
            if before_publish is not None:
                before_publish(staging, notebook)  # provenance and output hashes, before the outputs go public
        except (OSError, KeyboardInterrupt):  # a full disk, a late signal: nothing half-written stays
            shutil.rmtree(staging, ignore_errors=True)
            raise
        with deferred():  # a signal now takes effect once the outputs are in place (two renames)
            notes += tell(publish(staging, final))
            note_published(final)
    return sorted(p for p in final.rglob("*") if p.is_file()), notes


def _keep_failed(notebook: Path, final: Path) -> Path | None:
    """Keep a failed run's notebook in ``final/failed/`` (made deterministic where it can be
    read); None if there is none or it cannot be written (disk full: nothing half-written is left)."""
    if not notebook.exists():
        return None
    failed = final / "failed"
    kept = failed / notebook.name
    made = [p for p in (final, failed) if not p.exists()]
    try:
        data = notebook.read_bytes()
        try:
            import nbformat

            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
            _deterministic(nb)
            data = notebook_bytes(nb)
        except Exception:  # a half-written notebook is still worth keeping as it is
            pass
        write_atomic(kept, data)
    except OSError:
        for folder in reversed(made):  # folders made here for it, left empty
            try:
                folder.rmdir()
            except OSError:
                pass
        return None
    return kept
