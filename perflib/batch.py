"""``perflib batch``: many counties and years in one command, each report in its own kernel.

The story of a batch: find the params files (all, or filtered by county, year or a glob), run
``run_one`` for each in parallel (local worker processes, or a dask.distributed cluster), report
each finished report on one line under a progress bar, then print and save the summary
(``outputs/batch-summary.csv``). ``run_one`` is the same function in both engines: it checks the
data (for the error and warning counts), runs the report with ``run.run_report`` (its own kernel,
atomic publish), retries once a report whose kernel failed to start (papermill issues #239, #329:
kernels started in parallel can time out), and ends every process the report left behind
(papermill #478: leaked kernels filled memory). One failing report never stops the others.
"""
from __future__ import annotations

import fnmatch
import os
import re
import signal
import socket
import sys
import threading
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable, Iterable, Sequence

from . import project
from .errors import BatchError

SUMMARY_CSV = "batch-summary.csv"
OK = "成功"
FAILED = "失败"
# Numeric libraries in each kernel use one thread: N parallel reports on N cores, not N × N threads.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
# How jupyter_client and nbclient say that a kernel did not come up.
KERNEL_START_MESSAGES = ("Kernel didn't respond", "Kernel died before replying", "kernel_info", "Kernel failed to start")


@dataclass(frozen=True)
class Job:
    """One report of the batch: a county folder and a year with a params file."""

    county: str
    year: int


@dataclass
class Outcome:
    """What became of one report; a row of the summary."""

    county: str
    year: int
    county_name: str
    status: str  # 成功 / 失败
    seconds: float
    errors: int | None  # data errors found by the checks (None: could not be checked)
    warnings: int | None
    attempts: int
    output: str  # the published folder, or the failed notebook kept
    message: str  # why it failed, in Chinese ("" on success)
    worker: str = ""  # host:pid of the process that ran it

    @property
    def ok(self) -> bool:
        return self.status == OK


SUMMARY_COLUMNS = {  # Outcome field -> column header of the summary (screen and CSV)
    "county": "县（目录）", "county_name": "县名", "year": "年度", "status": "状态", "seconds": "用时（秒）",
    "errors": "错误", "warnings": "提示", "attempts": "尝试次数", "output": "输出", "message": "说明", "worker": "运行进程",
}


def find_jobs(root: Path, counties: Sequence[str] = (), years: Sequence[int] = (), pattern: str | None = None) -> list[Job]:
    """Every ``params/<county>/<year>.yaml`` of the project, filtered; in county, year order.

    ``pattern`` is a glob matched against the path from the project (``params/example*/2023.yaml``)
    or from ``params/`` (``example*/*.yaml``).
    """
    jobs = []
    for path in sorted((root / "params").glob("*/*.yaml")):
        if not path.stem.isdigit():
            continue
        job = Job(path.parent.name, int(path.stem))
        relative = path.relative_to(root).as_posix()
        if counties and job.county not in counties:
            continue
        if years and job.year not in years:
            continue
        if pattern and not (fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative.removeprefix("params/"), pattern)):
            continue
        jobs.append(job)
    return jobs


def kernel_start_failed(exc: BaseException) -> bool:
    """Whether a failed run failed because its kernel did not start (worth one retry)."""
    from nbclient.exceptions import CellTimeoutError

    seen = exc
    while seen is not None:
        if isinstance(seen, TimeoutError) and not isinstance(seen, CellTimeoutError):
            return True
        if type(seen).__module__.startswith("zmq"):  # e.g. a port taken by a kernel started at the same moment
            return True
        if isinstance(seen, RuntimeError) and any(m in str(seen) for m in KERNEL_START_MESSAGES):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


_one_report_at_a_time = threading.Lock()  # per process: a dask worker with several threads runs reports in turn


@contextmanager
def _single_threaded_numerics():
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: "1" for name in THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _descendants() -> set[int]:
    import psutil

    return {p.pid for p in psutil.Process().children(recursive=True)}


def end_processes_since(before: set[int]) -> list[int]:
    """End this process's descendants that were not there in ``before`` (kernels a report left); their pids.
    The worker's PDF converter is kept: its LibreOffice may have started (or started again) during
    the report, and ending it made every next report start LibreOffice anew."""
    import psutil

    from .render_pdf import converter_processes

    leftovers = []
    for pid in _descendants() - before - converter_processes():
        try:
            process = psutil.Process(pid)
            if not any("resource_tracker" in part for part in process.cmdline()):  # multiprocessing's own helper
                leftovers.append(process)
        except psutil.Error:
            pass
    from .run import end_processes

    groups = set()  # a PDF converter runs in a session of its own (render_pdf), which a LibreOffice it
    for process in leftovers:  # starts again while being ended joins: end the session too
        try:
            if os.getpgid(process.pid) == process.pid:
                groups.add(process.pid)
        except OSError:
            pass
    end_processes(leftovers)
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            pass
    return [p.pid for p in leftovers]


def _check(county: str, year: int, root: Path, data_root) -> tuple[str, int | None, int | None]:
    """County name and the counts of data errors and warnings, as ``perflib check`` finds them
    (for a report whose notebook recorded no findings: its kernel never ran)."""
    from .findings import errors
    from .params import ParamsError, load_params
    from .validation import load_data

    try:
        params = load_params(county, year, root, data_root=data_root)
    except ParamsError:
        return county, 1, 0
    except Exception:
        return county, None, None
    try:
        _, findings = load_data(params)
    except Exception:
        return params.county_name, None, None
    n_errors = len(errors(findings))
    return params.county_name, n_errors, len(findings) - n_errors


def _recorded(notebook: Path | None) -> tuple[str, int, int] | None:
    """County name and counts of errors and warnings as the executed notebook recorded them
    (perflib.records), so that the worker need not read the data a second time."""
    from . import records

    if notebook is None or not Path(notebook).is_file():
        return None
    nb = records.notebook_of(notebook)
    provenance, findings = records.read(nb, records.PROVENANCE), records.read(nb, records.FINDINGS)
    if not provenance or not findings:
        return None
    return provenance["params"]["county_name"], findings["errors"], findings["warnings"]


def run_one(county: str, year: int, root: str | Path, data_root: str | Path | None = None,
            start_timeout: int = 60, start_retries: int = 1, time_limit: float | None = None) -> Outcome:
    """One report of a batch, in this process (a local worker or a dask worker): never raises for a failed report."""
    from .errors import PerflibError
    from .run import NOTEBOOK_OUT, RunFailed, run_report

    root = Path(root)
    with _one_report_at_a_time, _single_threaded_numerics():
        started = time.monotonic()
        attempts, status, message, output, notebook = 0, FAILED, "", "", None
        while True:
            attempts += 1
            _start_pdf_converter()  # kept from report to report (started again if it died), so not a leftover
            before = _descendants()
            try:
                result = run_report(county, year, root=root, progress=False, data_root=data_root, start_timeout=start_timeout,
                                    time_limit=time_limit)
                status, output, notebook = OK, project.relative(result.output_dir, root), result.output_dir / NOTEBOOK_OUT
            except RunFailed as exc:
                if attempts <= start_retries and kernel_start_failed(exc):
                    continue
                message = exc.reason if attempts == 1 else f"内核启动失败，重试后仍失败：{exc.reason}"
                output = project.relative(exc.failed_notebook, root) if exc.failed_notebook else ""
                notebook = exc.failed_notebook
            except (PerflibError, FileNotFoundError) as exc:  # bad data, params, a refused input
                message = str(exc)
            except Exception as exc:  # a bug in perflib: this report fails, the batch goes on
                message = f"内部错误：{type(exc).__name__}: {exc}"
            finally:
                end_processes_since(before)
            break
        county_name, n_errors, n_warnings = _recorded(notebook) or _check(county, year, root, data_root)
        return Outcome(county, int(year), county_name, status, round(time.monotonic() - started, 1),
                       n_errors, n_warnings, attempts, output, message, f"{socket.gethostname()}:{os.getpid()}")


def _start_pdf_converter() -> None:
    """This worker's long-lived LibreOffice for report.pdf (perflib.render_pdf), if it can have one."""
    from .render_pdf import start_converter

    try:
        start_converter()
    except Exception:  # no converter: each report converts with a LibreOffice of its own, as before
        pass


def _worker_started() -> None:
    """A local worker process: numeric libraries single-threaded before anything imports them."""
    from .run import skip_unused_imports

    os.environ.update({name: "1" for name in THREAD_VARIABLES})
    skip_unused_imports()
    _start_pdf_converter()  # LibreOffice starts while the first report is being made


def _crashed(job: Job, exc: BaseException) -> Outcome:
    return Outcome(job.county, job.year, job.county, FAILED, 0.0, None, None, 1, "",
                   f"工作进程异常退出：{type(exc).__name__}: {exc}")


def worker_died_message(died) -> str:
    """Why a report failed whose worker process ended while running it (E184)."""
    how = f"被信号 {died.signal_name} 结束" if died.signal_name else f"退出码 {died.exitcode}"
    return (f"[E184 错误] 运行这份报告的工作进程意外退出（{how}；常见原因是内存不足被系统结束，或被他人结束）。"
            "这份报告没有发布，原有输出未改动；其余报告照常运行。可单独重新运行这份报告。")


def run_local(jobs: Sequence[Job], root: Path, n_jobs: int, on_done: Callable[[Outcome], None], work=None, **options) -> list[Outcome]:
    """Run ``jobs`` in ``n_jobs`` worker processes (spawned: nothing inherited but the environment).
    A worker that dies (SIGKILL, out of memory) fails only the report it was running (E184); a new
    worker takes its place for the others (perflib.worker_pool). ``work``: the function each
    worker calls per report (``run_one``)."""
    from .worker_pool import CallFailed, WorkerDied, run_calls

    outcomes = []
    before = _descendants()

    def answered(job: Job, answer) -> None:
        if isinstance(answer, WorkerDied):
            outcome = Outcome(job.county, job.year, job.county, FAILED, 0.0, None, None, 1, "", worker_died_message(answer))
        elif isinstance(answer, CallFailed):  # run_one never raises for a report: a bug in perflib
            outcome = Outcome(job.county, job.year, job.county, FAILED, 0.0, None, None, 1, "",
                              f"内部错误：{answer.kind}: {answer.text}")
        else:
            outcome = answer
        outcomes.append(outcome)
        on_done(outcome)

    calls = [(job, work or run_one, (job.county, job.year, str(root)), options) for job in jobs]
    try:
        run_calls(calls, max(1, n_jobs), answered, initializer=_worker_started)
    except KeyboardInterrupt:  # stop now: the workers and all they started, without waiting for their reports
        end_processes_since(before)
        raise
    return outcomes


SCHEDULER_CONNECT_SECONDS = 20
_SCHEDULER_ADDRESS = re.compile(r"(tcp|tls)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):([0-9]{1,5})")


def check_scheduler_address(address: str) -> None:
    """A dask scheduler's address as ``tcp://HOST:PORT`` (or ``tls://``), the port from 1 to
    65535; anything else is refused before any connection is tried (E186)."""
    match = _SCHEDULER_ADDRESS.fullmatch(address or "")
    if match is None or not 1 <= int(match[3]) <= 65535:
        raise BatchError(f"[E186 错误] 调度器地址「{address}」的格式不对：应为 tcp://主机:端口，如 tcp://10.0.0.5:8786"
                         "（端口为 1 到 65535 之间的整数）。", code="E186")


def run_distributed(jobs: Sequence[Job], root: Path, scheduler: str, on_done: Callable[[Outcome], None], **options) -> list[Outcome]:
    """Run ``jobs`` on a dask.distributed cluster: the same ``run_one``, submitted to the scheduler's workers.

    Workers need perflib installed and the project folder readable (and writable for outputs/)
    at the same path as here.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise BatchError("未安装 dask.distributed（pip install distributed），无法使用 --scheduler。") from None
    check_scheduler_address(scheduler)
    try:
        client = Client(scheduler, timeout=f"{SCHEDULER_CONNECT_SECONDS}s")
    except Exception:  # unreachable, refused, or not a dask scheduler there (dask's own words are English)
        raise BatchError(f"[E186 错误] 无法连接调度器 {scheduler}：{SCHEDULER_CONNECT_SECONDS} 秒内未能与 dask 调度器建立连接"
                         "（地址不可达、端口上没有运行 dask scheduler，或对方不是 dask 调度器）。"
                         "请确认已启动 dask scheduler 和 dask worker，地址和端口无误（见 docs/batch.md）。", code="E186") from None
    outcomes = []
    try:
        futures = {client.submit(run_one, job.county, job.year, str(root), pure=False, key=f"perflib-{job.county}-{job.year}-{time.time_ns()}", **options): job
                   for job in jobs}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:
                outcome = _crashed(futures[future], exc)
            outcomes.append(outcome)
            on_done(outcome)
    finally:
        client.close()
    return outcomes


def brief(message: str, limit: int = 200) -> str:
    """A failure message on one line (a data error lists its first errors), cut at ``limit`` characters."""
    text = " ".join(line.strip() for line in message.splitlines() if line.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def outcome_line(outcome: Outcome) -> str:
    """One line per finished report: 「✓ heshuo 2023 成功，用时 8.1 秒」."""
    mark = "✓" if outcome.ok else "✗"
    line = f"{mark} {outcome.county} {outcome.year} {outcome.status}，用时 {outcome.seconds:.1f} 秒"
    if outcome.attempts > 1:
        line += f"（内核启动失败，已重试 {outcome.attempts - 1} 次）"
    if not outcome.ok:
        line += "：" + brief(outcome.message) if outcome.message else ""
    return line


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(value) -> str:
    return "" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)


def summary_table(outcomes: Iterable[Outcome], columns: Sequence[str] = ("county", "county_name", "year", "status", "seconds", "errors", "warnings")) -> str:
    """The summary as aligned text for the terminal (CJK characters count double)."""
    rows = [[SUMMARY_COLUMNS[c] for c in columns]] + [[_cell(getattr(o, c)) for c in columns] for o in outcomes]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(columns))]
    return "\n".join("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip() for row in rows)


def write_summary(outcomes: Sequence[Outcome], path: Path) -> Path:
    """The summary as CSV (UTF-8 with BOM, opens in Excel), one row per report, in county, year
    order; text that Excel would take for a formula starts with ``'`` (``perflib.safety.csv_cell``)."""
    import csv
    import io

    from .files import write_atomic
    from .safety import csv_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = [f.name for f in fields(Outcome) if f.name != "worker"]  # host:pid says nothing reproducible
    writer.writerow([SUMMARY_COLUMNS[n] for n in names])
    for outcome in sorted(outcomes, key=lambda o: (o.county, o.year)):
        row = asdict(outcome)
        writer.writerow([csv_cell(_cell(row[n])) for n in names])  # no cell runs as a formula in Excel
    write_atomic(path, buffer.getvalue().encode("utf-8-sig"))
    return path


def refuse_unwritable_summary(path: Path, root: Path) -> None:
    """The summary's place holds something that is not a regular file (a folder, a pipe): the
    batch stops before it starts (E185), rather than failing after its first report."""
    if path.exists() and not path.is_file():
        what = "文件夹" if path.is_dir() else "特殊文件"
        raise BatchError(f"[E185 错误] 无法写入批量汇总 {project.relative(path, root)}：该位置是一个{what}，不是普通文件。"
                         "请移走或改名后重新运行（perflib 不会删除它）。", code="E185")


def previous_outcomes(path: Path) -> dict:
    """The rows of an earlier summary by (county, year), or {} without one."""
    if not path.is_file():
        return {}
    try:
        return {(o.county, o.year): o for o in read_summary(path)}
    except (OSError, ValueError, KeyError):
        return {}


class SummaryWriter:
    """The batch summary, written again after every result (atomic replace), with the rows of
    reports skipped by --resume kept."""

    def __init__(self, path: Path, kept: Sequence = ()):
        self.path = path
        self.kept = list(kept)
        self.arrived: list = []

    def add(self, outcome) -> None:
        self.arrived.append(outcome)
        write_summary(self.kept + self.arrived, self.path)

    def write(self) -> Path:
        return write_summary(self.kept + self.arrived, self.path)


def read_summary(path: Path) -> list[Outcome]:
    """A summary written by ``write_summary`` (the rollup uses it to name failed reports)."""
    import csv

    from .safety import csv_value

    headers = {v: k for k, v in SUMMARY_COLUMNS.items()}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [{headers[k]: csv_value(v) for k, v in row.items() if k in headers} for row in csv.DictReader(handle)]
    number = lambda v: int(v) if v not in ("", None) else None  # noqa: E731
    return [Outcome(r["county"], int(r["year"]), r["county_name"], r["status"], float(r["seconds"] or 0), number(r["errors"]),
                    number(r["warnings"]), int(r["attempts"] or 1), r["output"], r["message"], r.get("worker", "")) for r in rows]


def run_batch(root: Path, jobs: Sequence[Job], n_jobs: int | None = None, scheduler: str | None = None, progress: bool = True,
              data_root: str | None = None, start_timeout: int = 60, out=None, time_limit: float | None = None,
              resume: bool = False, observe: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run every job, print one line per finished report and the summary, save ``outputs/batch-summary.csv``.

    The summary is written again after every finished report (perflib.batch_state), so an
    interrupted batch (Ctrl-C, SIGTERM) keeps the rows of what finished; ``resume`` skips the
    reports whose outputs are current (their inputs unchanged since they were made). ``observe``
    is called with each outcome as it arrives (benchmarks). No process started for the batch
    outlives it: whatever a worker left is ended at the end, or at once on an interrupt.
    """
    from tqdm import tqdm

    from .batch_state import done_reason

    if not jobs:
        raise BatchError("没有符合条件的参数文件（params/<县>/<年度>.yaml）。")
    out = out or sys.stdout
    root = Path(root).resolve()
    from .limits import MAX_JOBS, batch_jobs, run_time_limit

    n_jobs = batch_jobs(n_jobs) or min(os.cpu_count() or 1, MAX_JOBS)  # a wrong value stops the batch before it starts (E183)
    options = dict(data_root=str(Path(data_root).resolve()) if data_root else None, start_timeout=start_timeout,
                   time_limit=run_time_limit(time_limit))  # so does a wrong time limit, given or from the environment
    if scheduler is not None:
        check_scheduler_address(scheduler)  # a wrong address stops the batch before it starts (E186)
    summary_path = root / "outputs" / SUMMARY_CSV
    refuse_unwritable_summary(summary_path, root)
    kept: list[Outcome] = []
    if resume:
        previous = previous_outcomes(summary_path)
        todo = []
        for job in jobs:
            reason = done_reason(root, job.county, job.year, options["data_root"])
            if reason is None:
                todo.append(job)
            else:
                before_row = previous.get((job.county, job.year))
                kept.append(Outcome(job.county, job.year, before_row.county_name if before_row else job.county, OK,
                                    before_row.seconds if before_row else 0.0, before_row.errors if before_row else None,
                                    before_row.warnings if before_row else None, 0,
                                    project.relative(project.output_dir(root, job.county, job.year), root), reason))
        if kept:
            print(f"跳过 {len(kept)} 份输入未改变的报告（--resume），运行其余 {len(todo)} 份。", file=out, flush=True)
        jobs = todo
    summary = SummaryWriter(summary_path, kept)
    before = _descendants()
    # No bar where stderr is not a terminal: a log would keep every carriage-return frame.
    bar = tqdm(total=len(jobs), desc="批量生成", unit="份", disable=not progress or not sys.stderr.isatty(), file=sys.stderr,
               dynamic_ncols=True)
    failures = 0

    def on_done(outcome: Outcome) -> None:
        nonlocal failures
        summary.add(outcome)  # the summary on disk has every report finished so far
        failures += not outcome.ok
        if progress:
            bar.write(outcome_line(outcome), file=out)
            bar.set_postfix_str(f"失败 {failures}", refresh=False)
        else:
            print(outcome_line(outcome), file=out, flush=True)
        bar.update(1)
        if observe is not None:
            observe(outcome)

    try:
        with _sigterm_interrupts():
            if not jobs:
                outcomes = []
            elif scheduler:
                outcomes = run_distributed(jobs, root, scheduler, on_done, **options)
            else:
                outcomes = run_local(jobs, root, n_jobs, on_done, **options)
    except KeyboardInterrupt:
        bar.close()
        end_processes_since(before)
        written = summary.write()
        print(f"\n已中断：已完成的 {len(summary.arrived)} 份报告已发布并写入 {project.relative(written, root)}；"
              "未完成的报告未改动原有输出。用 perflib batch --resume 继续。", file=out, flush=True)
        raise
    finally:
        bar.close()
        end_processes_since(before)
    outcomes = sorted(kept + outcomes, key=lambda o: (o.county, o.year))
    written = summary.write()
    failed = [o for o in outcomes if not o.ok]
    print("\n" + summary_table(outcomes), file=out)
    print(f"\n共 {len(outcomes)} 份报告：成功 {len(outcomes) - len(failed)} 份，失败 {len(failed)} 份。"
          f"汇总已写入 {project.relative(written, root)}。", file=out)
    for outcome in failed:
        print(f"  失败：{outcome.county} {outcome.year}：{brief(outcome.message)}", file=out)
    return outcomes


@contextmanager
def _sigterm_interrupts():
    """SIGTERM stops the batch like Ctrl-C (KeyboardInterrupt), in the main thread."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    from .stop_signals import Stopped

    def on_term(signum, frame):
        raise Stopped(signum)
    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
