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
    return {p.pid for p in psutil.Process().children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())}


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
    assert len({o.worker for o in summary.values()}) == 2, "two worker processes shared the work"
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


def test_kernel_that_did_not_start_is_retried_once(project_copy, monkeypatch):
    calls = fake_runs(monkeypatch, [RuntimeError("Kernel didn't respond in 60 seconds")])
    outcome = run_one("heshuo", 2023, project_copy)
    assert (outcome.status, outcome.attempts, len(calls)) == ("成功", 2, 2)


def test_kernel_failing_to_start_twice_counts_as_failed(project_copy, monkeypatch):
    calls = fake_runs(monkeypatch, [RuntimeError("Kernel didn't respond in 60 seconds")] * 2)
    outcome = run_one("heshuo", 2023, project_copy)
    assert (outcome.status, outcome.attempts, len(calls)) == ("失败", 2, 2)
    assert outcome.message.startswith("内核启动失败，重试后仍失败")


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
