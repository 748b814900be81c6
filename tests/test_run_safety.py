"""A run that fails or is interrupted loses nothing; text from data is escaped; paths are confined."""
from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml
from conftest import kernels_of, plain_papermill, tree_hashes
from openpyxl import load_workbook

pytestmark = pytest.mark.e2e
PERFLIB = str(Path(sys.executable).parent / "perflib")
OUT = Path("outputs/heshuo/2023")


def perflib(root: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PERFLIB_ROOT": str(root)}
    return subprocess.run([PERFLIB, *args], cwd=root, env=env, capture_output=True, text=True, timeout=600, **kwargs)


def run_heshuo(root: Path) -> subprocess.CompletedProcess:
    return perflib(root, "run", "--county", "heshuo", "--year", "2023", "--no-progress")


def edit_params(root: Path, **changes) -> None:
    path = root / "params" / "heshuo" / "2023.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params.update(changes)
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")


def test_a_failed_run_keeps_previous_outputs_and_the_failed_notebook(project_copy):
    assert run_heshuo(project_copy).returncode == 0
    before = tree_hashes(project_copy / OUT)
    # a county template with a mistake breaks the run in the middle, after the data checks passed
    templates = project_copy / "params" / "heshuo" / "templates" / "narrative"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "trainings.j2").write_text("开展培训{{ f['trainings.sessions'] ", encoding="utf-8")
    edit_params(project_copy, templates="params/heshuo/templates")
    result = run_heshuo(project_copy)
    assert result.returncode == 1
    assert "模板 narrative/trainings.j2" in result.stderr and "Traceback" not in result.stderr
    failed = project_copy / OUT / "failed" / "annual_report.ipynb"
    assert failed.exists()
    nb = nbformat.read(failed, as_version=4)
    assert any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in nb.cells), "the failing cell is marked"
    after = {k: v for k, v in tree_hashes(project_copy / OUT).items() if not k.startswith("failed/")}
    assert after == before
    assert not (project_copy / "outputs" / "heshuo" / ".2023.staging").exists()


def test_data_errors_stop_the_run_with_the_list(project_copy):
    wb_path = project_copy / "data" / "heshuo" / "2023.xlsx"
    wb = load_workbook(wb_path)
    wb["培训"]["C3"] = "很多"
    wb.save(wb_path)
    result = run_heshuo(project_copy)
    assert result.returncode == 1
    assert "[E114 错误]" in result.stderr and "工作表「培训」，第 3 行，列「参训人次」" in result.stderr
    assert not (project_copy / OUT / "report.html").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupting_a_run_leaves_no_kernel_and_no_partial_output(project_copy, sig):
    assert run_heshuo(project_copy).returncode == 0
    before = tree_hashes(project_copy / OUT)
    path = project_copy / "notebooks" / "annual_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell("import time\ntime.sleep(120)"))
    nbformat.write(nb, path)
    env = {**os.environ, "PERFLIB_ROOT": str(project_copy)}
    # Ctrl-C as at a terminal: a suite run in the background inherits SIGINT ignored, and so would the run
    process = subprocess.Popen([PERFLIB, "run", "--county", "heshuo", "--year", "2023", "--no-progress"],
                               cwd=project_copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not (started := kernels_of(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert started, "the kernel started"
    time.sleep(2)  # let it reach the slow cell
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + sig, err  # 130 for Ctrl-C, 143 for SIGTERM
    assert "已中断" in err and "Traceback" not in err
    gone, alive = psutil.wait_procs(started, timeout=10)
    assert alive == [], "no kernel outlives the run"
    assert tree_hashes(project_copy / OUT) == before
    assert not (project_copy / "outputs" / "heshuo" / ".2023.staging").exists()


def test_two_runs_at_once_do_not_corrupt_each_other(project_copy):
    env = {**os.environ, "PERFLIB_ROOT": str(project_copy)}
    command = [PERFLIB, "run", "--county", "heshuo", "--year", "2023", "--no-progress"]
    first = subprocess.Popen(command, cwd=project_copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    second = subprocess.Popen(command, cwd=project_copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert first.wait(timeout=600) == 0 and second.wait(timeout=600) == 0
    together = tree_hashes(project_copy / OUT)
    assert run_heshuo(project_copy).returncode == 0
    assert tree_hashes(project_copy / OUT) == together  # same bytes as a run on its own
    assert sorted(p.name for p in (project_copy / "outputs" / "heshuo").iterdir() if not p.name.endswith(".lock")) == ["2023"]


def test_text_from_data_and_params_is_escaped(project_copy):
    wb_path = project_copy / "data" / "heshuo" / "2023.xlsx"
    wb = load_workbook(wb_path)
    wb["重点绩效评价"]["A2"] = "<script>alert(1)</script>"
    wb["制度文件"]["A2"] = "{{ 7*7 }}"
    wb["基本信息"]["B2"] = "和硕县<b>"  # else E141: the workbook names another county
    wb.save(wb_path)
    edit_params(project_copy, county_name="和硕县<b>")
    assert run_heshuo(project_copy).returncode == 0
    html = (project_copy / OUT / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "《{{ 7*7 }}》" in html and "《49》" not in html
    assert "和硕县<b>" not in html and "和硕县&lt;b&gt;" in html
    nb = nbformat.read(project_copy / OUT / "annual_report.ipynb", as_version=4)
    shown = "".join(str(o.get("data", {}).get("text/html", "")) + str(o.get("data", {}).get("text/markdown", ""))
                    for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "<script>alert(1)</script>" not in shown and "和硕县<b>" not in shown


def test_a_data_path_outside_the_project_is_refused(project_copy):
    edit_params(project_copy, data="../../../etc/hosts")
    result = run_heshuo(project_copy)
    assert result.returncode == 1
    assert "[E140 错误]" in result.stderr and "指向项目目录之外" in result.stderr
    assert not (project_copy / "outputs").exists(), "refused before any kernel or folder was made"


def test_a_data_root_on_the_command_line_admits_data_elsewhere(project_copy, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("shared-data")
    (project_copy / "data" / "heshuo" / "2023.xlsx").rename(elsewhere / "2023.xlsx")
    edit_params(project_copy, data=str(elsewhere / "2023.xlsx"))
    assert run_heshuo(project_copy).returncode == 1
    result = perflib(project_copy, "run", "--county", "heshuo", "--year", "2023", "--no-progress", "--data-root", str(elsewhere))
    assert result.returncode == 0, result.stderr


def test_a_gbk_csv_folder_gives_the_same_report_as_the_workbook(project_copy):
    assert run_heshuo(project_copy).returncode == 0
    from_xlsx = (project_copy / OUT / "report.html").read_bytes()
    folder = project_copy / "data" / "heshuo" / "2023-csv"
    folder.mkdir()
    wb = load_workbook(project_copy / "data" / "heshuo" / "2023.xlsx", data_only=True)
    for ws in wb.worksheets:
        with (folder / f"{ws.title}.csv").open("w", encoding="gbk", newline="") as handle:
            writer = csv.writer(handle)
            for row in ws.iter_rows(values_only=True):
                writer.writerow(["" if v is None else (v.date().isoformat() if hasattr(v, "date") else v) for v in row])
    edit_params(project_copy, data="data/heshuo/2023-csv")
    result = run_heshuo(project_copy)
    assert result.returncode == 0, result.stderr
    assert (project_copy / OUT / "report.html").read_bytes() == from_xlsx


def test_params_values_cannot_run_code_when_papermill_injects_them(project_copy, tmp_path):
    marker = tmp_path / "pwned"
    evil = f'"""\nimport pathlib; pathlib.Path(r"{marker}").write_text("x")\n"""\' + "\\n" + str(1) #'
    params = yaml.safe_load((project_copy / "params" / "heshuo" / "2023.yaml").read_text(encoding="utf-8"))
    edit_params(project_copy, text={**params["text"], "evaluation_remarks": evil, "third_party_scope": evil})
    result = plain_papermill(project_copy, "params/heshuo/2023.yaml", tmp_path / "files")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not marker.exists()
    html = (tmp_path / "files" / "report.html").read_text(encoding="utf-8")
    assert "pathlib.Path" in html  # printed as text, not run
