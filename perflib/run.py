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
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from . import project
from .errors import KernelDied, OutputNotWritable, RunFailed, is_user_error
from .files import cannot_write_message, publish, recover, remove_staging, write_atomic, write_failure
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
    notes: list[str] = field(default_factory=list)  # restored, kept or moved aside (Chinese), printed as they happen


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


def _failure_reason(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    died = _kernel_death(exc)
    if died is not None:
        return died
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
        engine = _engine_keeping_unfinished(Path(target))
        try:
            _execute_interruptibly(lambda: pm.execute_notebook(
                str(source), str(target), parameters=parameters, cwd=str(Path(target).parent), kernel_name=ensure_kernel(),
                progress_bar=progress, request_save_on_cell_execute=False, report_mode=False, start_timeout=start_timeout,
                shutdown_kernel="immediate", engine_name=engine))
        finally:
            _forget_engine(engine)


def run_report(county: str, year: int, root: Path | None = None, progress: bool = True,
               output_dir: Path | None = None, data_root: Path | None = None, start_timeout: int = 60) -> RunResult:
    """Execute the annual notebook for one county and year and publish its outputs atomically
    (to ``outputs/<county>/<year>/``, or to ``output_dir``: ``perflib verify`` re-runs elsewhere).

    ``start_timeout``: seconds a kernel may take to start (papermill's default, 60; a busy batch may need more)."""
    from .manifest import write_manifest

    root = (root or project.find_root()).resolve()
    params = load_params(county, year, root, data_root=data_root)  # a wrong params file is reported before a kernel starts
    final = Path(output_dir).resolve() if output_dir else project.output_dir(root, county, year)
    staging = final.parent / f".{year}.staging"
    parameters = {"county": county, "year": int(year), "output_dir": "."}
    if data_root is not None:
        parameters["data_root"] = str(Path(data_root).resolve())
    notes: list[str] = []
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(final.parent / f".{year}.lock")):
            notes += _tell(recover(final) + remove_staging(staging))  # what a crashed or killed run left
            staging.mkdir()
            notebook = staging / NOTEBOOK_OUT
            try:
                execute_notebook(project.notebook_path(root), notebook, root, parameters, progress, start_timeout)
            except Interrupted:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            except Exception as exc:
                kept = _keep_failed(notebook, final)
                shutil.rmtree(staging, ignore_errors=True)
                raise _run_failed(exc, kept, final) from exc
            try:
                make_deterministic(notebook)
                write_manifest(staging, params, notebook)  # provenance and output hashes, before the outputs go public
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            notes += _tell(publish(staging, final))
    except OSError as exc:
        cause = _write_failure_of(exc, final)
        if cause is None:
            raise
        raise OutputNotWritable(cannot_write_message(final, cause)) from exc
    files = sorted(p for p in final.rglob("*") if p.is_file())
    return RunResult(county, int(year), final, files, notes)


def tidy_outputs(root: Path, county: str, year: int) -> list[str]:
    """What ``perflib check`` does for the outputs: restore a publish that was interrupted and
    remove the staging folder of a killed run, unless a run holds the lock (it will do it)."""
    from filelock import Timeout

    final = project.output_dir(root, county, year)
    if not final.parent.is_dir():
        return []
    try:
        with FileLock(str(final.parent / f".{year}.lock"), timeout=0):
            return _tell(recover(final) + remove_staging(final.parent / f".{year}.staging"))
    except (Timeout, OSError):
        return []


def _tell(notes: list[str]) -> list[str]:
    """Print notes for the user (restored, kept, moved aside) as they happen; return them."""
    for note in notes:
        print(f"注意：{note}", flush=True)
    return notes


def _write_failure_of(exc: BaseException, final: Path) -> str | None:
    """The cause (Chinese) if ``exc`` is a write the machine refused (disk full, read-only, no
    permission) in or around ``final``; None for anything else. No permission is only taken as
    such for a path beside ``final`` (an unreadable input is another matter)."""
    import errno
    import re

    from papermill.exceptions import PapermillExecutionError

    seen: BaseException | None = exc
    while seen is not None:
        number, path = None, None
        if isinstance(seen, OSError):
            number, path = seen.errno, seen.filename
        elif isinstance(seen, PapermillExecutionError) and seen.ename in ("OSError", "PermissionError", "FileNotFoundError"):
            match = re.match(r"\[Errno (\d+)\][^:]*(?::\s*'(.*)')?", str(seen.evalue))
            if match:
                number, path = int(match[1]), match[2]
        cause = write_failure(number)
        if cause is not None:
            if number not in (errno.EACCES, errno.EPERM) or path is None:
                return cause
            try:
                Path(path).resolve().relative_to(final.parent.resolve())
                return cause
            except ValueError:
                pass
        seen = seen.__cause__ or seen.__context__
    return None


def _kernel_death(exc: BaseException) -> str | None:
    """The reason (Chinese) if the run failed because its kernel died, else None."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ == "DeadKernelError" or (isinstance(seen, RuntimeError) and "Kernel died" in str(seen)):
            cell = getattr(seen, "perflib_cell", None)
            where = f"执行笔记本第 {cell} 个代码单元格时" if cell else "运行中"
            return (f"[E179 错误] Jupyter 内核在{where}意外退出（内核进程被结束，常见原因是内存不足、"
                    "被系统或他人终止，或单元格中的代码结束了进程）。请检查内存后重新运行。")
        seen = seen.__cause__ or seen.__context__
    return None


def _run_failed(exc: BaseException, kept: Path | None, final: Path) -> RunFailed:
    """The user error for a failed run: the machine refused a write (E178), the kernel died (E179),
    or any other failure (E144, the notebook's own message where it wrote one)."""
    cause = _write_failure_of(exc, final)
    if cause is not None:
        return OutputNotWritable(cannot_write_message(final, cause), kept)
    died = _kernel_death(exc)
    if died is not None:
        return KernelDied(died, kept)
    return RunFailed(_failure_reason(exc), kept)


def _engine_keeping_unfinished(target: Path) -> str:
    """A papermill engine (its registered name) that writes the notebook to ``target`` when the
    run stops other than by a failing cell (a kernel that died, a timeout): papermill saves only
    at the end, and would keep nothing. The cell that was running is marked as papermill marks a
    failing cell."""
    from papermill.engines import NBClientEngine, papermill_engines

    class KeepingEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            except Exception as exc:
                exc.perflib_cell = _save_unfinished(nb_man.nb, target)  # type: ignore[attr-defined]
                raise

    name = f"perflib-{id(KeepingEngine):x}"
    papermill_engines.register(name, KeepingEngine)
    return name


def _forget_engine(name: str) -> None:
    from papermill.engines import papermill_engines

    getattr(papermill_engines, "_engines", {}).pop(name, None)


def _save_unfinished(nb, target: Path) -> int | None:
    """Write an unfinished notebook with the cell that was running marked; its ordinal among the
    code cells (None if none ran). A write that fails leaves nothing behind."""
    import copy

    import nbformat

    nb = copy.deepcopy(nb)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    ran = [i for i in code if _status(nb.cells[i]) not in (None, "pending")]
    ordinal = None
    if ran:
        index = ran[-1]
        ordinal = code.index(index) + 1
        nb.cells[index].metadata.setdefault("papermill", {})["status"] = "failed"
        marker = nbformat.v4.new_markdown_cell(
            '<span style="color:red; font-size:2em;">内核在执行下面这个单元格时意外退出（运行未完成）。</span>')
        marker.metadata["tags"] = ["papermill-error-cell-tag"]
        nb.cells.insert(index, marker)
    try:
        write_atomic(target, _notebook_bytes(nb))
    except OSError:
        pass
    return ordinal


def _notebook_bytes(nb) -> bytes:
    """A notebook's bytes as ``nbformat.write`` writes them."""
    import nbformat

    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def _status(cell) -> str | None:
    return cell.metadata.get("papermill", {}).get("status")


def _keep_failed(notebook: Path, final: Path) -> Path | None:
    """Keep a failed run's notebook in ``final/failed/`` (made deterministic where it can be
    read); None if there is none or it cannot be written (disk full: nothing half-written is left)."""
    if not notebook.exists():
        return None
    failed = final / "failed"
    kept = failed / NOTEBOOK_OUT
    made = [p for p in (final, failed) if not p.exists()]
    try:
        data = notebook.read_bytes()
        try:
            import nbformat

            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
            _deterministic(nb)
            data = _notebook_bytes(nb)
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
