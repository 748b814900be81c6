"""``perflib batch``: all sample reports in two processes, one broken report failing alone, no
kernel outliving the batch; the same batch on a real dask.distributed cluster; retry rules."""
from __future__ import annotations

import io

import psutil
import pytest
from openpyxl import load_workbook

from perflib import batch, cli
from perflib.batch import Job, find_jobs, kernel_start_failed, read_summary, run_batch, run_one
from perflib.run import RunFailed, RunResult

SAMPLE_REPORTS = {("heshuo", 2023), ("example1", 2022), ("example1", 2023),
                  ("example2", 2022), ("example2", 2023), ("example3", 2022), ("example3", 2023),
                  # the development cases of other counties' published reports (tests/test_dev_cases.py)
                  ("tianshui", 2021), ("wuhai_haibowan", 2020), ("donghai", 2024), ("shunqing", 2024), ("daying", 2023),
                  ("sichuan_county_monitoring", 2023), ("qilihe", 2024)}


def add_broken_county(root):
    """params/broken/2023.yaml: 示例一县's 2023 data with a text where an amount belongs (E111)."""
    (root / "data" / "broken").mkdir()
    wb = load_workbook(root / "data/example1/2023.xlsx")
    wb["项目目标审核"]["C5"] = "约一百万"
    wb.save(root / "data/broken/2023.xlsx")
    params = (root / "params/example1/2023.yaml").read_text(encoding="utf-8")
    (root / "params/broken").mkdir()
    (root / "params/broken/2023.yaml").write_text(params.replace("county: example1", "county: broken")
                                                  .replace("data/example1/2023.xlsx", "data/broken/2023.xlsx"), encoding="utf-8")


def kernels_of(root) -> list[psutil.Process]:
    """Every process on the machine that a run for this project started (kernels carry PERFLIB_ROOT)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("PERFLIB_ROOT") == str(root):
                found.append(process)
        except psutil.Error:
            pass
    return found


def descendants() -> set[int]:
    found = set()
    for p in psutil.Process().children(recursive=True):
        try:  # a child that just ended (a zombie until reaped) has no command line to read
            if "resource_tracker" not in " ".join(p.cmdline()):
                found.add(p.pid)
        except psutil.Error:
            pass
    return found


def test_find_jobs_filters_by_county_year_and_glob(project_copy):
    assert {(j.county, j.year) for j in find_jobs(project_copy)} == SAMPLE_REPORTS
    assert find_jobs(project_copy, counties=["heshuo"]) == [Job("heshuo", 2023)]
    assert find_jobs(project_copy, years=[2022], pattern="example*/*.yaml") == [Job(f"example{i}", 2022) for i in (1, 2, 3)]
    assert find_jobs(project_copy, pattern="params/example2/2023.yaml") == [Job("example2", 2023)]


@pytest.mark.e2e
def test_batch_of_all_sample_reports_with_one_broken(project_copy, monkeypatch, capsys):
    add_broken_county(project_copy)
    before = descendants()
    monkeypatch.chdir(project_copy)
    monkeypatch.delenv("PERFLIB_ROOT", raising=False)
    summarized = []
    write_summary = batch.write_summary
    monkeypatch.setattr(batch, "write_summary", lambda outcomes, path: summarized.extend(outcomes) or write_summary(outcomes, path))
    code = cli.main(["batch", "--jobs", "2", "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 1, "a failed report makes the batch fail"
    summary = {(o.county, o.year): o for o in read_summary(project_copy / "outputs" / "batch-summary.csv")}
    assert set(summary) == SAMPLE_REPORTS | {("broken", 2023)}
    assert [key for key, o in summary.items() if not o.ok] == [("broken", 2023)]
    broken = summary["broken", 2023]
    assert broken.errors == 1 and "E111" in broken.message and "约一百万" in broken.message
    # Counts and names as each executed notebook recorded them, equal to what `perflib check` finds.
    from perflib.findings import errors
    from perflib.params import load_params
    from perflib.validation import load_data

    for (county, year), outcome in summary.items():
        params = load_params(county, year, project_copy)
        _, findings = load_data(params)
        assert (outcome.county_name, outcome.errors, outcome.warnings) == (
            params.county_name, len(errors(findings)), len(findings) - len(errors(findings))), (county, year)
    assert (project_copy / broken.output).is_file(), "the failed notebook is kept"
    for county, year in SAMPLE_REPORTS:
        assert (project_copy / "outputs" / county / str(year) / "report.html").is_file()
        assert f"✓ {county} {year} 成功" in printed
    assert "✗ broken 2023 失败" in printed and f"共 {len(SAMPLE_REPORTS) + 1} 份报告：成功 {len(SAMPLE_REPORTS)} 份，失败 1 份" in printed
    assert len({o.worker for o in summarized}) == 2, "two worker processes shared the work"
    csv_text = (project_copy / "outputs" / "batch-summary.csv").read_text(encoding="utf-8-sig")
    assert "运行进程" not in csv_text and not [o.worker for o in summarized if o.worker in csv_text]  # no host:pid
    # papermill #478: no kernel (nor worker) of the batch is left running
    assert kernels_of(project_copy) == []
    assert descendants() <= before


@pytest.mark.e2e
def test_batch_on_a_dask_cluster(project_copy):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, worker_dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
        jobs = [Job("example1", 2023), Job("example3", 2022)]
        out = io.StringIO()
        outcomes = run_batch(project_copy, jobs, scheduler=cluster.scheduler_address, progress=False, out=out)
        assert [(o.county, o.year, o.status) for o in outcomes] == [("example1", 2023, "成功"), ("example3", 2022, "成功")]
        assert {int(o.worker.rsplit(":", 1)[1]) for o in outcomes} <= worker_pids, "the reports ran in the cluster's workers"
        for job in jobs:
            assert (project_copy / "outputs" / job.county / str(job.year) / "report.html").is_file()
        assert kernels_of(project_copy) == []


def test_unreachable_scheduler_is_a_clear_error(project_copy):
    pytest.importorskip("distributed")
    with pytest.raises(batch.BatchError, match="无法连接调度器"):
        batch.run_distributed([Job("heshuo", 2023)], project_copy, "tcp://127.0.0.1:9", lambda o: None)


def fake_runs(monkeypatch, failures):
    """Replace the kernel run: raise the given failures in turn, then succeed; count the calls."""
    calls = []

    def fake(county, year, root, **kwargs):
        calls.append(kwargs)
        if len(calls) <= len(failures):
            cause = failures[len(calls) - 1]
            try:
                raise cause
            except Exception as exc:
                raise RunFailed(f"{type(exc).__name__}: {exc}") from exc
        return RunResult(county, year, root / "outputs" / county / str(year), [])

    monkeypatch.setattr("perflib.run.run_report", fake)
    return calls


@pytest.mark.e2e
def test_kernel_that_did_not_start_is_retried_once(project_copy, monkeypatch):
    calls = fake_runs(monkeypatch, [RuntimeError("Kernel didn't respond in 60 seconds")])
    outcome = run_one("heshuo", 2023, project_copy)
    assert (outcome.status, outcome.attempts, len(calls)) == ("成功", 2, 2)


@pytest.mark.e2e
def test_kernel_failing_to_start_twice_counts_as_failed(project_copy, monkeypatch):
    calls = fake_runs(monkeypatch, [RuntimeError("Kernel didn't respond in 60 seconds")] * 2)
    outcome = run_one("heshuo", 2023, project_copy)
    assert (outcome.status, outcome.attempts, len(calls)) == ("失败", 2, 2)
    assert outcome.message.startswith("内核启动失败，重试后仍失败")


@pytest.mark.e2e
def test_a_failure_inside_the_notebook_is_not_retried(project_copy, monkeypatch):
    from nbclient.exceptions import CellTimeoutError

    calls = fake_runs(monkeypatch, [CellTimeoutError("A cell timed out")])
    outcome = run_one("heshuo", 2023, project_copy)
    assert (outcome.status, outcome.attempts, len(calls)) == ("失败", 1, 1)


def test_kernel_start_failures_are_recognized():
    assert kernel_start_failed(RunFailed("x").with_traceback(None)) is False
    try:
        try:
            raise RuntimeError("Kernel died before replying to kernel_info")
        except RuntimeError as cause:
            raise RunFailed("内核未启动") from cause
    except RunFailed as exc:
        assert kernel_start_failed(exc)


def english_words(output: str, counties: set[str]) -> list[str]:
    """Words of Latin letters in what a command printed, other than paths, file names and county folders."""
    import re

    tokens = [t for t in re.split(r"[\s，。：；、（）()]+", output) if t and "/" not in t and "." not in t]
    return [t for t in tokens if re.search(r"[A-Za-z]{3,}", t) and t not in counties]


@pytest.mark.e2e
@pytest.mark.parametrize("command", [["run", "--county", "heshuo", "--year", "2023"],
                                     ["batch", "--county", "heshuo", "--year", "2023", "--jobs", "1"]])
def test_run_and_batch_print_only_chinese(project_copy, command):
    """No kernel warning ("Kernel is running over TCP without encryption"), no English progress bar."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "PERFLIB_ROOT"}
    result = subprocess.run([str(Path(sys.executable).parent / "perflib"), *command], cwd=project_copy, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    printed = result.stdout + result.stderr
    assert "完成" in printed or "成功" in printed
    assert english_words(printed, {"heshuo"}) == [], printed[-2000:]
    assert "\r" not in printed, "no progress-bar frames in a log"
    # The check itself can fail: ipykernel's warning is English.
    assert english_words("[IPKernelApp] WARNING | Kernel is running over TCP without encryption.", {"heshuo"})
def converter_processes(cwd) -> set[int]:
    """Long-lived PDF converters (unoserver) and their LibreOffice (perflib.render_pdf) working in ``cwd``
    (they inherit the batch's working folder, the project: converters of other runs on the machine
    are not counted)."""
    found = set()
    for process in psutil.process_iter(["cmdline"]):
        line = " ".join(process.info["cmdline"] or ())
        try:
            if "perflib-pdf-" in line and process.cwd() == str(cwd):
                found.add(process.pid)
        except psutil.Error:
            pass
    return found


@pytest.mark.e2e
def test_an_interrupted_batch_keeps_what_finished_and_resume_skips_it(project_copy, monkeypatch, capsys):
    """The summary is written as results arrive: after Ctrl-C it lists the finished reports; no
    kernel, worker or LibreOffice is left; --resume runs only what is not done (inputs unchanged)."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    summary_path = project_copy / "outputs" / "batch-summary.csv"
    converters_before, before = converter_processes(project_copy), descendants()
    env = {**os.environ, "PERFLIB_ROOT": str(project_copy)}
    env.pop("PERFLIB_ROOT")
    selection = ["--county", "example1", "--county", "example3"]
    process = subprocess.Popen([str(Path(sys.executable).parent / "perflib"), "batch", "--jobs", "1", "--no-progress", *selection],
                               cwd=project_copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               # Ctrl-C as at a terminal, also when the tests themselves run in the background
                               # (a shell starts background jobs with SIGINT ignored, and the child would inherit it)
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if summary_path.is_file() and len(read_summary(summary_path)) >= 1:
            break
        time.sleep(0.2)
    assert process.poll() is None, "the batch was still running when the first report finished"
    process.send_signal(signal.SIGINT)
    printed = process.communicate(timeout=120)[0]
    assert process.returncode == 130, printed
    assert "已中断" in printed and "--resume" in printed
    finished = {(o.county, o.year): o for o in read_summary(summary_path)}
    assert 1 <= len(finished) < 4 and all(o.ok for o in finished.values())
    for county, year in finished:
        assert (project_copy / "outputs" / county / str(year) / "manifest.json").is_file()
    time.sleep(1)
    assert kernels_of(project_copy) == []
    # a worker's converter ends with it: its server sees its parent gone (within a second) and ends
    # LibreOffice, which on a loaded machine takes some seconds more
    settled = time.monotonic() + 20
    while converter_processes(project_copy) - converters_before and time.monotonic() < settled:
        time.sleep(0.5)
    assert converter_processes(project_copy) <= converters_before, "no PDF converter nor LibreOffice is left"
    assert descendants() <= before
    made = {key: (project_copy / "outputs" / key[0] / str(key[1]) / "manifest.json").stat().st_mtime_ns for key in finished}

    # --resume: the finished reports are skipped, the others run; the summary has all four.
    monkeypatch.chdir(project_copy)
    monkeypatch.delenv("PERFLIB_ROOT", raising=False)
    monkeypatch.setenv("PERFLIB_SOFFICE", "none")
    assert cli.main(["batch", "--jobs", "1", "--no-progress", "--resume", *selection]) == 0
    said = capsys.readouterr().out
    assert f"跳过 {len(finished)} 份输入未改变的报告" in said
    summary = {(o.county, o.year): o for o in read_summary(summary_path)}
    assert set(summary) == {("example1", 2022), ("example1", 2023), ("example3", 2022), ("example3", 2023)}
    assert all(o.ok for o in summary.values())
    for key in finished:
        assert summary[key].attempts == 0 and "沿用已有输出" in summary[key].message
        assert (project_copy / "outputs" / key[0] / str(key[1]) / "manifest.json").stat().st_mtime_ns == made[key]

    # A changed input (here the params file of example1 2022, which example1 2023 also reads for
    # 与上年对比) makes both run again; example3 is skipped.
    params = project_copy / "params/example1/2022.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "\n# 改动\n", encoding="utf-8")
    assert cli.main(["batch", "--jobs", "1", "--no-progress", "--resume", *selection]) == 0
    said = capsys.readouterr().out
    assert "跳过 2 份输入未改变的报告" in said and "✓ example1 2022 成功" in said and "✓ example1 2023 成功" in said
