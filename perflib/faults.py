"""What can go wrong around a run that is not the data's fault, said in Chinese and leaving
nothing half-done: the machine refuses a write (disk full, read-only, no permission: E178), the
kernel dies (E179: the unfinished notebook is kept with the running cell marked), and what a
crashed or killed run left behind (an interrupted publish, a staging folder), which the next
``run`` or ``check`` restores or removes and says so."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from . import project
from .errors import KernelDied, OutputNotWritable, PerflibError, RunFailed, is_user_error
from .files import cannot_write_message, recover, remove_staging, write_atomic, write_failure


@contextmanager
def refused_writes_named(final: Path):
    """Turn a write the machine refused (disk full, read-only, no permission) in or around
    ``final`` into ``OutputNotWritable`` (E178), naming the folder and the cause."""
    try:
        yield
    except OSError as exc:
        cause = write_failure_of(exc, final)
        if cause is None:
            raise
        raise OutputNotWritable(cannot_write_message(final, cause)) from exc


def tidy_outputs(root: Path, county: str, year: int) -> list[str]:
    """What ``perflib check`` does for the outputs: restore a publish that was interrupted and
    remove the staging folder of a killed run, unless a run holds the lock (it will do it)."""
    from filelock import Timeout

    final = project.output_dir(root, county, year)
    if not final.parent.is_dir():
        return []
    try:
        with FileLock(str(final.parent / f".{year}.lock"), timeout=0):
            return tell(recover(final) + remove_staging(final.parent / f".{year}.staging"))
    except (Timeout, OSError):
        return []


def tell(notes: list[str]) -> list[str]:
    """Print notes for the user (restored, kept, moved aside) as they happen; return them."""
    for note in notes:
        print(f"注意：{note}", flush=True)
    return notes


def write_failure_of(exc: BaseException, final: Path) -> str | None:
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


def kernel_death(exc: BaseException) -> str | None:
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


def run_failed(exc: BaseException, kept: Path | None, final: Path) -> RunFailed:
    """The user error for a failed run: the machine refused a write (E178), the kernel died (E179),
    or any other failure (E144, the notebook's own message where it wrote one)."""
    cause = write_failure_of(exc, final)
    if cause is not None:
        return OutputNotWritable(cannot_write_message(final, cause), kept)
    died = kernel_death(exc)
    if died is not None:
        return KernelDied(died, kept)
    failed = RunFailed(failure_reason(exc), kept)
    if isinstance(exc, PerflibError):  # e.g. the run's time limit (E157): its own code
        failed.code = exc.code
    return failed


def failure_reason(exc: BaseException) -> str:
    """A failed run's reason for the user: the message of a perflib error raised in the notebook,
    else the cell and its error."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PerflibError):  # e.g. the run's time limit (E157)
        return exc.message
    died = kernel_death(exc)
    if died is not None:
        return died
    if isinstance(exc, PapermillExecutionError):
        if is_user_error(exc.ename):  # messages written for the user
            return exc.evalue
        return f"笔记本第 {exc.exec_count} 个单元格出错：{exc.ename}: {exc.evalue}"
    return f"{type(exc).__name__}: {exc}"



def engine_keeping_unfinished(target: Path) -> str:
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
                exc.perflib_cell = save_unfinished(nb_man.nb, target)  # type: ignore[attr-defined]
                exc.perflib_cell_code = running_code(nb_man.nb)  # type: ignore[attr-defined]
                raise

    name = f"perflib-{id(KeepingEngine):x}"
    papermill_engines.register(name, KeepingEngine)
    return name


def forget_engine(name: str) -> None:
    from papermill.engines import papermill_engines

    getattr(papermill_engines, "_engines", {}).pop(name, None)


def save_unfinished(nb, target: Path) -> int | None:
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
        write_atomic(target, notebook_bytes(nb))
    except OSError:
        pass
    return ordinal


def running_code(nb) -> str:
    """The first line of code (comments left out) of the cell that was running, to name it in a
    message: 「report = perflib.compose(params, dataset, findings, figures, history)」."""
    ran = [c for c in nb.cells if c.cell_type == "code" and _status(c) not in (None, "pending")]
    if not ran:
        return ""
    lines = [line.strip() for line in str(ran[-1].source).splitlines()]
    code = next((line for line in lines if line and not line.startswith("#")), "")
    return code.split("  #")[0][:100]


def notebook_bytes(nb) -> bytes:
    """A notebook's bytes as ``nbformat.write`` writes them."""
    import nbformat

    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def _status(cell) -> str | None:
    return cell.metadata.get("papermill", {}).get("status")
