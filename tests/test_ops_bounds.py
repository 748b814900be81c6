"""Bounds and faults around runs and batches (issue 24, round 3): limits that are finite and in
range, a killed batch worker failing only its own report, ``--resume`` deciding by hashes, the
summary and scheduler refused in Chinese, late signals said, a converter's output checked, no
kernel outliving its run, and ``verify`` holding a folder to its own county, year and files."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from perflib import batch
from perflib.batch import FAILED, OK, Job, Outcome


# -- a killed batch worker fails only its own report --------------------------------------------

def report_or_die(county: str, year: int, root: str, **options) -> Outcome:
    """A stand-in for ``run_one`` in the batch's worker processes: county "killed" ends its own
    worker with SIGKILL (as the kernel's out-of-memory killer or an operator would), the others
    take a moment and succeed."""
    if county == "killed":
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(1.0)
    return Outcome(county, year, county, OK, 1.0, 0, 0, 1, f"outputs/{county}/{year}", "", str(os.getpid()))


def test_a_worker_killed_with_sigkill_fails_only_its_own_report(tmp_path):
    jobs = [Job("a", 2023), Job("killed", 2023), Job("b", 2023), Job("c", 2023), Job("d", 2023)]
    seen = []
    outcomes = batch.run_local(jobs, tmp_path, 2, seen.append, work=report_or_die)
    by_county = {o.county: o for o in outcomes}
    assert sorted(by_county) == ["a", "b", "c", "d", "killed"] and len(seen) == 5
    assert [c for c, o in sorted(by_county.items()) if not o.ok] == ["killed"]
    message = by_county["killed"].message
    assert by_county["killed"].status == FAILED and "[E184 错误]" in message and "SIGKILL" in message, message
    assert "BrokenProcessPool" not in message


# -- limits are finite and in range ---------------------------------------------------------------

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-5"])
def test_a_run_time_limit_that_is_not_finite_and_positive_is_refused(project_copy, monkeypatch, capsys, value):
    from perflib import cli

    monkeypatch.setenv("PERFLIB_ROOT", str(project_copy))
    monkeypatch.chdir(project_copy)
    assert cli.main(["run", "--county", "heshuo", "--year", "2023", "--no-progress", f"--time-limit={value}"]) == 1
    err = capsys.readouterr().err
    assert "[E183 错误]" in err and f"「{float(value)}」" in err and "内部错误" not in err, err
    assert not (project_copy / "outputs" / "heshuo").exists(), "refused before anything ran"


@pytest.mark.parametrize("value", ["nan", "inf", "NaN", "1e999"])
def test_a_time_limit_from_the_environment_that_is_not_finite_is_refused(monkeypatch, value):
    from perflib.errors import PerflibError
    from perflib.limits import run_time_limit

    monkeypatch.setenv("PERFLIB_RUN_TIMEOUT", value)
    with pytest.raises(PerflibError) as refused:
        run_time_limit()
    assert refused.value.code == "E183" and "PERFLIB_RUN_TIMEOUT" in str(refused.value)


@pytest.mark.parametrize("jobs", ["0", "-1", "-999", "100000", "65"])
def test_batch_jobs_outside_1_to_64_are_refused_before_the_batch_starts(project_copy, monkeypatch, capsys, jobs):
    from perflib import cli

    monkeypatch.setenv("PERFLIB_ROOT", str(project_copy))
    monkeypatch.chdir(project_copy)
    assert cli.main(["batch", "--county", "heshuo", "--no-progress", f"--jobs={jobs}"]) == 1
    err = capsys.readouterr().err
    assert "[E183 错误]" in err and "1 到 64" in err and f"「{jobs}」" in err, err
    assert not (project_copy / "outputs").exists()


def test_batch_jobs_in_range_are_taken():
    from perflib.limits import batch_jobs

    assert [batch_jobs(n) for n in (None, 1, 8, 64)] == [None, 1, 8, 64]


def test_a_batch_refuses_a_time_limit_from_the_environment_before_it_starts(project_copy, monkeypatch):
    from perflib.errors import PerflibError

    monkeypatch.setenv("PERFLIB_RUN_TIMEOUT", "nan")
    with pytest.raises(PerflibError) as refused:
        batch.run_batch(project_copy, [Job("heshuo", 2023)], n_jobs=1, progress=False)
    assert refused.value.code == "E183"
    assert not (project_copy / "outputs").exists()


# -- the summary and the scheduler, refused in Chinese --------------------------------------------

def test_a_folder_where_the_batch_summary_goes_is_a_coded_error_before_the_batch_starts(project_copy, monkeypatch, capsys):
    from perflib import cli

    (project_copy / "outputs" / "batch-summary.csv").mkdir(parents=True)
    monkeypatch.setenv("PERFLIB_ROOT", str(project_copy))
    monkeypatch.chdir(project_copy)
    assert cli.main(["batch", "--county", "heshuo", "--no-progress", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "[E185 错误]" in err and "outputs/batch-summary.csv" in err and "文件夹" in err, err
    assert "内部错误" not in err
    assert not (project_copy / "outputs" / "heshuo").exists(), "refused before any report ran"


@pytest.mark.parametrize("address", ["nonsense", "127.0.0.1:8786", "tcp://127.0.0.1", "tcp://127.0.0.1:0",
                                     "tcp://127.0.0.1:99999", "tcp://:8786", "http://127.0.0.1:8786", "tcp://127.0.0.1:87a"])
def test_a_scheduler_address_not_of_the_form_tcp_host_port_is_refused(project_copy, monkeypatch, capsys, address):
    from perflib import cli

    monkeypatch.setenv("PERFLIB_ROOT", str(project_copy))
    monkeypatch.chdir(project_copy)
    assert cli.main(["batch", "--county", "heshuo", "--no-progress", "--scheduler", address]) == 1
    err = capsys.readouterr().err
    assert "[E186 错误]" in err and f"「{address}」" in err and "tcp://主机:端口" in err, err


def test_a_scheduler_address_where_no_dask_scheduler_answers_is_a_coded_chinese_error(project_copy, monkeypatch, capsys):
    """A server on 127.0.0.1 that answers with bytes no dask scheduler sends (dask itself then
    says 「Maximum allowed dimension exceeded」 or 「Unable to allocate 3.07 EiB」)."""
    import re
    import socket
    import threading

    from perflib import cli

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(30)
    port = server.getsockname()[1]

    def answer_garbage():
        try:
            while True:
                connection, _ = server.accept()
                connection.sendall(b"\xff" * 64)
                time.sleep(0.5)
                connection.close()
        except OSError:
            return

    threading.Thread(target=answer_garbage, daemon=True).start()
    monkeypatch.setattr(batch, "SCHEDULER_CONNECT_SECONDS", 5)
    monkeypatch.setenv("PERFLIB_ROOT", str(project_copy))
    monkeypatch.chdir(project_copy)
    try:
        assert cli.main(["batch", "--county", "heshuo", "--no-progress", "--scheduler", f"tcp://127.0.0.1:{port}"]) == 1
    finally:
        server.close()
    err = capsys.readouterr().err
    message = next(line for line in err.splitlines() if line.startswith("失败："))
    assert "[E186 错误]" in message and f"tcp://127.0.0.1:{port}" in message and "5 秒内" in message, err
    english = set(re.findall(r"[A-Za-z]{3,}", message.replace(f"tcp://127.0.0.1:{port}", "")))
    assert english <= {"dask", "scheduler", "worker", "docs", "batch"}, message  # names of programs and files only


# -- verify holds a folder to its own county, year and files (end to end) -------------------------

@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> Path:
    """A copy of the project with one fresh run of 和硕县 2023 (tests copy it again to change it)."""
    import shutil

    from conftest import ROOT

    from perflib.run import run_report

    root = tmp_path_factory.mktemp("ops") / "project"
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    run_report("heshuo", 2023, root=root, progress=False)
    return root


@pytest.fixture
def ran_copy(ran, tmp_path) -> Path:
    import shutil

    copy = tmp_path / "project"
    shutil.copytree(ran, copy, symlinks=True)
    return copy


HESHUO = Path("outputs") / "heshuo" / "2023"


@pytest.mark.e2e
def test_verify_fails_an_output_that_is_a_link_to_an_identical_copy_outside_the_folder(ran_copy, tmp_path):
    from perflib.verify import verify

    docx = ran_copy / HESHUO / "report.docx"
    outside = tmp_path / "elsewhere.docx"
    outside.write_bytes(docx.read_bytes())
    docx.unlink()
    docx.symlink_to(outside)
    result = verify(ran_copy / HESHUO, root=ran_copy)
    assert not result.ok
    assert any(p.startswith("[E189 错误] 输出文件 report.docx 是指向") and str(outside) in p for p in result.problems), result.problems


@pytest.mark.e2e
def test_verify_fails_a_folder_holding_another_countys_report(ran_copy):
    import shutil

    from perflib.verify import verify

    shutil.copytree(ran_copy / HESHUO, ran_copy / "outputs" / "example1" / "2023")
    result = verify(ran_copy / "outputs" / "example1" / "2023", root=ran_copy)
    assert not result.ok
    assert result.problems == ["[E189 错误] 文件夹 outputs/example1/2023 中的清单属于 heshuo 2023 年的报告，"
                               "与文件夹所示的县和年度不符：这不是 example1 2023 年的报告。"], result.problems


# -- --resume decides by hashing the inputs -------------------------------------------------------

@pytest.mark.e2e
def test_resume_runs_a_report_whose_data_changed_though_its_manifest_no_longer_lists_the_data(ran_copy):
    import json

    from openpyxl import load_workbook

    from perflib.batch_state import SKIPPED_MESSAGE, done_reason

    assert done_reason(ran_copy, "heshuo", 2023) == SKIPPED_MESSAGE, "fresh outputs are current"
    manifest_path = ran_copy / HESHUO / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["inputs"] = [e for e in manifest["inputs"] if e["path"] != "data/heshuo/2023.xlsx"]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    workbook_path = ran_copy / "data" / "heshuo" / "2023.xlsx"
    workbook = load_workbook(workbook_path)
    workbook["培训"]["C2"] = 999
    workbook.save(workbook_path)
    assert done_reason(ran_copy, "heshuo", 2023) is None, "the changed data is found from the params, not from the manifest"


@pytest.mark.e2e
def test_resume_runs_a_report_whose_published_output_was_changed(ran_copy):
    from perflib.batch_state import done_reason

    (ran_copy / HESHUO / "report.html").write_text("edited", encoding="utf-8")
    assert done_reason(ran_copy, "heshuo", 2023) is None


def test_resume_reads_earlier_years_with_the_params_loader_and_history_reach(project_copy, monkeypatch):
    """An earlier year's params file with a key written twice is refused by the params loader
    (the run leaves that year out, W220): only the params file itself counts, not the data that
    plain YAML would take from the last of the two keys. The years looked back are
    ``history.EARLIER_YEARS``, not a number of its own."""
    from perflib import history
    from perflib.batch_state import _earlier_years

    params = project_copy / "params" / "example1" / "2022.yaml"
    assert _earlier_years(project_copy, "example1", 2023) == [params, project_copy / "data" / "example1" / "2022.xlsx"]
    params.write_text(params.read_text(encoding="utf-8") + "data: data/example2/2022.xlsx\n", encoding="utf-8")
    assert _earlier_years(project_copy, "example1", 2023) == [params]
    this_year = [project_copy / "params" / "example1" / "2023.yaml", project_copy / "data" / "example1" / "2023.xlsx"]
    assert _earlier_years(project_copy, "example1", 2024) == [params, *this_year]
    monkeypatch.setattr(history, "EARLIER_YEARS", 1)
    assert _earlier_years(project_copy, "example1", 2024) == this_year


# -- what the PDF converter gives back is checked before it is published --------------------------

MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def fake_converter(folder: Path, output: bytes) -> Path:
    """An ``soffice`` that writes ``output`` as the PDF and exits 0, as a broken converter would."""
    (folder / "made.bin").write_bytes(output)
    script = folder / "soffice"
    script.write_text("#!/bin/sh\n# the last argument is the docx; --outdir is given before it\n"
                      'while [ $# -gt 1 ]; do if [ "$1" = --outdir ]; then out="$2"; fi; shift; done\n'
                      f'name=$(basename "$1" .docx); cp "{folder / "made.bin"}" "$out/$name.pdf"; exit 0\n', encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("output, why", [(b"NOT A PDF", "不以 %PDF- 开头"), (b"", "不以 %PDF- 开头"),
                                         (MINIMAL_PDF[:-7], "结尾没有 %%EOF"), (b"%PDF-1.7\nnothing here\n%%EOF\n", "读不出任何一页")])
def test_a_converter_that_gives_back_no_pdf_writes_no_report_pdf(tmp_path, monkeypatch, output, why):
    from perflib.errors import PerflibError
    from perflib.layout import load_layout
    from perflib.render_pdf import convert_docx_to_pdf

    monkeypatch.setenv("PERFLIB_SOFFICE", str(fake_converter(tmp_path, output)))
    monkeypatch.delenv("PERFLIB_PDF_CONVERTER", raising=False)
    docx = tmp_path / "report.docx"
    docx.write_bytes(b"PK docx")
    with pytest.raises(PerflibError) as refused:
        convert_docx_to_pdf(docx, tmp_path / "report.pdf", load_layout())
    assert refused.value.code == "E188" and "[E188 错误]" in str(refused.value) and why in str(refused.value)
    assert not (tmp_path / "report.pdf").exists()


def test_a_converter_that_gives_back_a_pdf_with_a_page_is_taken(tmp_path, monkeypatch):
    from perflib.layout import load_layout
    from perflib.render_pdf import convert_docx_to_pdf

    monkeypatch.setenv("PERFLIB_SOFFICE", str(fake_converter(tmp_path, MINIMAL_PDF)))
    monkeypatch.delenv("PERFLIB_PDF_CONVERTER", raising=False)
    docx = tmp_path / "report.docx"
    docx.write_bytes(b"PK docx")
    assert convert_docx_to_pdf(docx, tmp_path / "report.pdf", load_layout()).read_bytes().startswith(b"%PDF-1.4")


@pytest.mark.e2e
def test_a_run_whose_converter_gives_back_no_pdf_fails_and_keeps_the_previous_outputs(ran_copy, tmp_path, monkeypatch, capsys):
    from conftest import tree_hashes

    from perflib import cli

    before = tree_hashes(ran_copy / HESHUO)
    assert "report.pdf" in before
    from perflib import render_pdf

    render_pdf.stop_converter()  # a converter left by an earlier test of this process would convert instead of the fake
    monkeypatch.setenv("PERFLIB_SOFFICE", str(fake_converter(tmp_path, b"NOT A PDF")))
    monkeypatch.setenv("PERFLIB_UNO_PYTHON", "none")
    monkeypatch.setenv("PERFLIB_ROOT", str(ran_copy))
    monkeypatch.chdir(ran_copy)
    assert cli.main(["run", "--county", "heshuo", "--year", "2023", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "[E188 错误]" in err and "report.docx" in err and "NOT A PDF" in err, err
    assert {k: v for k, v in tree_hashes(ran_copy / HESHUO).items() if not k.startswith("failed/")} == before


# -- no kernel outlives the run that started it -----------------------------------------------------

def slow_notebook(root: Path, cell: str = "import time\ntime.sleep(120)") -> None:
    import nbformat

    path = root / "notebooks" / "annual_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell(cell))
    nbformat.write(nb, path)


def start_run(root: Path, **popen):
    import subprocess
    import sys

    env = {**os.environ, "PERFLIB_ROOT": str(root)}
    return subprocess.Popen([str(Path(sys.executable).parent / "perflib"), "run", "--county", "heshuo", "--year", "2023",
                             "--no-progress"], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **popen)


def kernels_started_by(pid: int, timeout: float = 120) -> list:
    """The kernel processes of the run ``pid`` (they carry PERFLIB_ROOT and run ipykernel), once there are any."""
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = [p for p in psutil.Process(pid).children(recursive=True)
                     if any("kernel" in part for part in p.cmdline()) and "-f" in p.cmdline()]
        except psutil.Error:
            found = []
        if found:
            return found
        time.sleep(0.2)
    return []


def wait_for(path: Path, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return path.exists()


@pytest.mark.e2e
@pytest.mark.parametrize("busy", ["import time\ntime.sleep(120)",
                                  # C code that keeps the interpreter's lock: ipykernel's own parent poller cannot run
                                  "import ctypes\nctypes.PyDLL(None).sleep(120)"])
def test_a_kernel_dies_with_its_run_when_the_runs_process_group_is_killed(project_copy, busy):
    import psutil

    marker = project_copy / "in-the-slow-cell"
    slow_notebook(project_copy, f"open({str(marker)!r}, 'w').close()\n{busy}")
    process = start_run(project_copy, start_new_session=True)  # its own process group, as a shell job
    kernels = []
    try:
        kernels = kernels_started_by(process.pid)
        assert kernels, "the kernel started"
        assert wait_for(marker), "the kernel reached the slow cell"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        _, alive = psutil.wait_procs(kernels, timeout=10)
        assert alive == [], f"kernels outlived their run: {[p.pid for p in alive]}"
    finally:
        for kernel in kernels:
            try:
                kernel.kill()
            except psutil.Error:
                pass
        if process.poll() is None:
            process.kill()


def test_the_projects_kernel_spec_starts_the_kernel_through_the_launcher_that_dies_with_its_parent():
    from jupyter_client.kernelspec import KernelSpecManager

    from perflib.run import KERNEL_NAME, ensure_kernel

    ensure_kernel()
    argv = KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv
    assert argv[argv.index("-m") + 1] == "perflib.kernel_launcher" and argv[-2:] == ["-f", "{connection_file}"]


def test_the_kernel_launcher_asks_for_sigkill_when_its_parent_ends(tmp_path):
    """A child started through the launcher's ``die_with_parent`` reports the parent-death signal
    Linux holds for it (/proc/self/status has none; prctl PR_GET_PDEATHSIG does)."""
    import subprocess
    import sys

    code = ("import ctypes, signal\nfrom perflib.kernel_launcher import die_with_parent\n"
            "assert die_with_parent()\nvalue = ctypes.c_int()\n"
            "ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0)\nprint(value.value)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == signal.SIGKILL


# -- a late SIGTERM or SIGINT is said, and leaves the outputs whole ---------------------------------

def run_signalled_at(root: Path, where: str, sig: int):
    """``perflib run`` in a child Python in which ``perflib.run.<where>`` sends the process ``sig``
    (as an operator's ``kill`` would) when it is called: after the notebook has run, outside
    its execution."""
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "import perflib.run as run\n"
        f"original = run.{where}\n"
        "def signalled(*args, **kwargs):\n"
        f"    os.kill(os.getpid(), {int(sig)})\n"
        "    return original(*args, **kwargs)\n"
        f"run.{where} = signalled\n"
        "from perflib.cli import main\n"
        "sys.exit(main(['run', '--county', 'heshuo', '--year', '2023', '--no-progress']))\n")
    env = {**os.environ, "PERFLIB_ROOT": str(root)}
    return subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=600,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


@pytest.mark.e2e
@pytest.mark.parametrize("sig, name", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")])
def test_a_late_signal_is_said_and_the_previous_outputs_stay(ran_copy, sig, name):
    from conftest import tree_hashes

    before = tree_hashes(ran_copy / HESHUO)
    result = run_signalled_at(ran_copy, "make_deterministic", sig)
    assert result.returncode == 128 + sig, (result.returncode, result.stderr)
    assert f"[E187 错误] 已中断：收到信号 {name}" in result.stderr and "原有输出未改动" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert tree_hashes(ran_copy / HESHUO) == before
    assert not (ran_copy / "outputs" / "heshuo" / ".2023.staging").exists()


@pytest.mark.e2e
def test_a_signal_during_the_publish_waits_for_it_to_finish(ran_copy):
    import json

    from conftest import sha256

    (ran_copy / "params" / "heshuo" / "2023.yaml").open("a", encoding="utf-8").write("\n# edited\n")
    result = run_signalled_at(ran_copy, "publish", signal.SIGTERM)
    assert result.returncode == 128 + signal.SIGTERM, result.stderr
    assert "[E187 错误] 已中断：收到信号 SIGTERM" in result.stderr and "新的输出已完整发布到 outputs/heshuo/2023/" in result.stderr
    folder = ran_copy / HESHUO
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [e["path"] for e in manifest["outputs"] if sha256(folder / e["path"]) != e["sha256"]] == []
    assert next(e for e in manifest["inputs"] if e["path"] == "params/heshuo/2023.yaml")["sha256"] == \
        sha256(ran_copy / "params" / "heshuo" / "2023.yaml"), "the new run's outputs are the ones in place"
    assert not (ran_copy / "outputs" / "heshuo" / ".2023.old").exists()


@pytest.mark.e2e
def test_a_batch_worker_killed_in_a_real_batch_fails_only_its_report_and_its_kernel_ends(project_copy):
    import subprocess
    import sys

    import psutil

    from perflib.batch import read_summary

    marker = project_copy / "heshuo-in-the-slow-cell"
    slow_notebook(project_copy, f"if county == 'heshuo':\n    open({str(marker)!r}, 'w').close()\n"
                                "    import time\n    time.sleep(300)")
    env = {**os.environ, "PERFLIB_ROOT": str(project_copy), "PERFLIB_SOFFICE": "none"}
    process = subprocess.Popen([str(Path(sys.executable).parent / "perflib"), "batch", "--jobs", "2", "--no-progress",
                                "--county", "heshuo", "--county", "example1", "--county", "example3", "--year", "2023"],
                               cwd=project_copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_for(marker, 300), "heshuo's kernel reached the slow cell"
        staging = str(project_copy / "outputs" / "heshuo" / ".2023.staging")
        kernel = next(p for p in psutil.Process(process.pid).children(recursive=True)
                      if "perflib.kernel_launcher" in p.cmdline() and p.cwd() == staging)
        worker = kernel.parent()  # papermill runs the notebook in the staging folder: its kernel's working folder
        assert worker.pid != process.pid
        worker.kill()  # SIGKILL, as the out-of-memory killer would
        printed = process.communicate(timeout=400)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, printed
    outcomes = {o.county: o for o in read_summary(project_copy / "outputs" / "batch-summary.csv")}
    assert {c: o.status for c, o in outcomes.items()} == {"heshuo": "失败", "example1": "成功", "example3": "成功"}, printed
    assert "[E184 错误]" in outcomes["heshuo"].message and "SIGKILL" in outcomes["heshuo"].message
    assert "失败：heshuo 2023：[E184 错误]" in printed
    _, alive = psutil.wait_procs([kernel], timeout=10)
    assert alive == [], "the killed worker's kernel ended with it"
