"""Hostile input (issue 13): what perflib reads is bounded in memory and time, and contained in
the project. The findings of each class are in the bad-input corpus too; here: memory measured,
commands that must not hang, time limits, links, CSV injection."""
from __future__ import annotations

import csv
import io
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, tree_hashes, write_workbook

from perflib import safety
from perflib.batch import Outcome, read_summary, write_summary

PYTHON = sys.executable
PERFLIB = str(Path(sys.executable).parent / "perflib")
MB = 2 ** 20
BOMB_MB = 1100  # the bomb: a sheet that inflates to over a gigabyte
# What a check may take at most: perflib's own imports (pandas, calamine, openpyxl) are ~150 MB;
# reading the 1 GB bomb took 2.5 GB before it was bounded.
CHECK_MEMORY_BOUND_MB = 400


def peak_memory_of(args: list[str], root: Path, env: dict | None = None, timeout: int = 300) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``perflib <args>`` in a fresh Python process; its output and its peak resident memory in MB,
    read by itself at the end: VmHWM, the peak of its own memory (Linux's ru_maxrss would carry over
    the peak of the forking pytest process, which grows with the tests run before)."""
    code = ("import re, resource, sys\n"
            "from perflib.cli import main\n"
            "status = main(sys.argv[1:])\n"
            "try:\n"
            "    peak = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
            "except OSError:  # no /proc: the process's maximum as the system counts it\n"
            "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "print(f'PEAK_KB={peak}', file=sys.stderr)\n"
            "sys.exit(status)\n")
    result = subprocess.run([PYTHON, "-c", code, *args], cwd=root, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, "PERFLIB_ROOT": str(root), **(env or {})})
    peak = [line for line in result.stderr.splitlines() if line.startswith("PEAK_KB=")]
    assert peak, result.stderr[-2000:]
    return result, int(peak[0].removeprefix("PEAK_KB=")) / 1024


def small_project(root: Path, data_name: str = "demo-2023.xlsx", **params) -> Path:
    """params/demo/2023.yaml (the sample's, for 示例县) reading ``data/<data_name>``; returns the data path."""
    base = yaml.safe_load((ROOT / "params" / "heshuo" / "2023.yaml").read_text(encoding="utf-8"))
    base.update(county="demo", year=2023, county_name="示例县", data=f"data/{data_name}", **params)
    (root / "params" / "demo").mkdir(parents=True, exist_ok=True)
    (root / "notebooks").mkdir(exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "params" / "demo" / "2023.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return root / "data" / data_name


# -- zip bombs ------------------------------------------------------------------------------------

def bomb(path: Path, inside: str, megabytes: int, declared: int | None = None, base: Path | None = None) -> Path:
    """A zip package (a copy of ``base``'s parts) whose part ``inside`` inflates to ``megabytes`` of
    spaces: about 1 MB on disk. With ``declared``, the zip headers claim that many bytes instead
    (a lying bomb: readers that trust the data over the headers inflate it all)."""
    parts = {}
    if base is not None:
        with zipfile.ZipFile(base) as archive:
            parts = {i.filename: archive.read(i.filename) for i in archive.infolist() if i.filename != inside}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        with archive.open(inside, "w") as out:
            out.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            chunk = b" " * MB
            for _ in range(megabytes):
                out.write(chunk)
            out.write(b"</sheetData></worksheet>")
    if declared is not None:
        _patch_declared_size(path, inside, declared)
    return path


def _patch_declared_size(path: Path, name: str, size: int) -> None:
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack("<H", data[central + 28:central + 30])[0]
        if bytes(data[central + 46:central + 46 + name_length]) == encoded:
            data[central + 24:central + 28] = struct.pack("<I", size)  # uncompressed size in the directory
            local = struct.unpack("<I", data[central + 42:central + 46])[0]
            data[local + 22:local + 26] = struct.pack("<I", size)  # and in the local header
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def sample_workbook(tmp_path_factory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("base") / "base.xlsx")


@pytest.mark.parametrize("lying", [False, True], ids=["declared", "lying_headers"])
def test_a_zip_bomb_workbook_is_refused_in_bounded_memory(tmp_path, sample_workbook, lying):
    data = small_project(tmp_path)
    bomb(data, "xl/worksheets/sheet1.xml", BOMB_MB, declared=4096 if lying else None, base=sample_workbook)
    assert data.stat().st_size < 3 * MB
    result, peak = peak_memory_of(["check", "--county", "demo", "--year", "2023"], tmp_path)
    assert result.returncode == 1, result.stderr
    assert "[E150 错误]" in result.stdout and "xl/worksheets/sheet1.xml" in result.stdout and "Traceback" not in result.stderr
    assert peak < CHECK_MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


def test_the_zip_scan_counts_real_inflated_bytes_not_the_declared_ones(tmp_path, monkeypatch):
    from perflib.limits import check_zip

    path = bomb(tmp_path / "lying.zip", "part.xml", 5, declared=100)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("part.xml").file_size == 100
    monkeypatch.setenv("PERFLIB_MAX_INFLATED_PART_MB", "6")
    check_zip(path, "lying.zip")  # 5 MB real: within 6
    monkeypatch.setenv("PERFLIB_MAX_INFLATED_PART_MB", "4")
    with pytest.raises(safety.InputRefused) as refused:
        check_zip(path, "lying.zip")
    assert refused.value.code == "E150" and "part.xml" in refused.value.message


def test_audit_text_refuses_a_docx_zip_bomb_in_bounded_memory(tmp_path):
    small_project(tmp_path)
    report = bomb(tmp_path / "报告.docx", "word/document.xml", BOMB_MB // 4, declared=4096)
    result, peak = peak_memory_of(["audit-text", str(report), "--county", "heshuo", "--year", "2023"], ROOT)
    assert result.returncode == 1 and "[E150 错误]" in result.stderr and "Traceback" not in result.stderr
    assert peak < CHECK_MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


def test_audit_text_refuses_a_huge_text_at_once_in_bounded_memory(tmp_path):
    text = tmp_path / "报告.txt"
    with text.open("wb") as handle:
        handle.truncate(50 * MB)  # 50 MB (sparse): refused by its size, never read
    result, peak = peak_memory_of(["audit-text", str(text), "--county", "heshuo", "--year", "2023"], ROOT, timeout=120)
    assert result.returncode == 1 and "[E158 错误]" in result.stderr and "报告.txt" in result.stderr
    assert peak < CHECK_MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


# -- YAML that expands --------------------------------------------------------------------------

BILLION_LAUGHS = "county: demo\nyear: 2023\n" + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10))


def test_a_billion_laughs_params_file_is_refused_in_bounded_memory(tmp_path):
    small_project(tmp_path)
    (tmp_path / "params" / "demo" / "2023.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    assert len(BILLION_LAUGHS) < 2000
    result, peak = peak_memory_of(["check", "--county", "demo", "--year", "2023"], tmp_path, timeout=120)
    assert result.returncode == 1 and "[E156 错误]" in result.stderr and "Traceback" not in result.stderr
    assert peak < CHECK_MEMORY_BOUND_MB, f"peak {peak:.0f} MB"


def test_a_county_layout_with_yaml_aliases_is_refused(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "layout.yaml").write_text("page: &p {width_mm: 210}\nbody: *p\n", encoding="utf-8")
    from perflib.layout import _read

    with pytest.raises(safety.InputRefused) as refused:
        _read(folder / "layout.yaml")
    assert refused.value.code == "E156"


# -- reads that never end -----------------------------------------------------------------------

def test_check_does_not_hang_on_a_fifo_params_file(tmp_path):
    small_project(tmp_path)
    params = tmp_path / "params" / "demo" / "2023.yaml"
    params.unlink()
    os.mkfifo(params)
    result = subprocess.run([PERFLIB, "check", "--county", "demo", "--year", "2023"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PERFLIB_ROOT": str(tmp_path)})
    assert result.returncode == 1 and "[E151 错误]" in result.stderr and "命名管道" in result.stderr


@pytest.mark.e2e
def test_run_and_batch_do_not_hang_on_fifo_data(project_copy):
    data = project_copy / "data" / "heshuo" / "2023.xlsx"
    data.unlink()
    os.mkfifo(data)
    env = {**os.environ, "PERFLIB_ROOT": str(project_copy)}
    run = subprocess.run([PERFLIB, "run", "--county", "heshuo", "--year", "2023", "--no-progress"], cwd=project_copy,
                         capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 1 and "[E151 错误]" in run.stderr and "Traceback" not in run.stderr
    batch = subprocess.run([PERFLIB, "batch", "--county", "heshuo", "--year", "2023", "--jobs", "1", "--no-progress"],
                           cwd=project_copy, capture_output=True, text=True, timeout=300, env=env)
    assert batch.returncode == 1
    (outcome,) = read_summary(project_copy / "outputs" / "batch-summary.csv")
    assert outcome.status == "失败" and "E151" in outcome.message


# -- time limits ----------------------------------------------------------------------------------

RUNAWAY = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}培训。\n"


def add_runaway_template(root: Path, county: str = "heshuo") -> None:
    folder = root / "params" / county / "templates" / "narrative"
    folder.mkdir(parents=True, exist_ok=True)  # 和硕县 has templates of its own
    (folder / "trainings.j2").write_text(RUNAWAY, encoding="utf-8")
    path = root / "params" / county / "2023.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["templates"] = f"params/{county}/templates"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")


@pytest.mark.e2e
def test_a_runaway_template_is_stopped_at_the_time_limit_and_the_batch_goes_on(project_copy):
    env = {**os.environ, "PERFLIB_ROOT": str(project_copy)}
    out = project_copy / "outputs" / "heshuo" / "2023"

    def perflib(*args, timeout=600):
        return subprocess.run([PERFLIB, *args, "--no-progress"], cwd=project_copy, capture_output=True, text=True, timeout=timeout, env=env)

    assert perflib("run", "--county", "heshuo", "--year", "2023").returncode == 0
    before = tree_hashes(out)
    add_runaway_template(project_copy)
    # Without the limit this run never ends (10^10 loop steps); the subprocess timeout only guards the test.
    run = perflib("run", "--county", "heshuo", "--year", "2023", "--time-limit", "20", timeout=400)
    assert run.returncode == 1 and "[E157 错误]" in run.stderr and "20 秒" in run.stderr, run.stderr
    failed = out / "failed" / "annual_report.ipynb"
    assert failed.is_file()
    assert {k: v for k, v in tree_hashes(out).items() if not k.startswith("failed/")} == before
    # A batch: the runaway report fails at its limit, the next report is made.
    batch = perflib("batch", "--county", "heshuo", "--county", "example1", "--year", "2023", "--jobs", "1", "--time-limit", "40", timeout=600)
    assert batch.returncode == 1
    outcomes = {o.county: o for o in read_summary(project_copy / "outputs" / "batch-summary.csv")}
    assert outcomes["heshuo"].status == "失败" and "E157" in outcomes["heshuo"].message
    assert outcomes["example1"].status == "成功"


def test_the_time_limit_is_settable_and_checked(monkeypatch):
    from perflib.limits import DEFAULT_RUN_SECONDS, run_time_limit

    monkeypatch.delenv("PERFLIB_RUN_TIMEOUT", raising=False)
    assert run_time_limit() == DEFAULT_RUN_SECONDS == 600
    monkeypatch.setenv("PERFLIB_RUN_TIMEOUT", "90")
    assert run_time_limit() == 90 and run_time_limit(30) == 30
    monkeypatch.setenv("PERFLIB_RUN_TIMEOUT", "soon")
    with pytest.raises(safety.InputRefused) as refused:
        run_time_limit()
    assert refused.value.code == "E183"


# -- contained ------------------------------------------------------------------------------------

@pytest.mark.parametrize("county", ["../../x", "..", "a/b", "x\\y", ".hidden", "a b", "heshuo\u202e", "", "x" * 65])
def test_unsafe_county_names_are_refused_before_any_path_is_built(county, tmp_path):
    from perflib import project
    from perflib.params import load_params

    with pytest.raises(safety.InputRefused) as refused:
        load_params(county, 2023, tmp_path)
    assert refused.value.code == "E155"
    with pytest.raises(safety.InputRefused):
        project.output_dir(tmp_path, county, 2023)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("year", ["2023; x", "../2023", 2023.5, "２０２３", 123, True, "20233"])
def test_years_that_are_not_four_digits_are_refused(year, tmp_path):
    from perflib.params import load_params

    with pytest.raises(safety.InputRefused) as refused:
        load_params("heshuo", year, ROOT)
    assert refused.value.code == "E155"


@pytest.mark.parametrize("county", ["heshuo", "example1", "和硕", "he-shuo_2"])
def test_ordinary_county_names_pass(county):
    assert safety.check_county(county) == county and safety.check_year("2023") == 2023


@pytest.mark.e2e
def test_run_refuses_a_county_outside_the_project_and_writes_nothing(project_copy):
    outside = project_copy.parent / "x"
    result = subprocess.run([PERFLIB, "run", "--county", "../../x", "--year", "2023", "--no-progress"], cwd=project_copy,
                            capture_output=True, text=True, timeout=120, env={**os.environ, "PERFLIB_ROOT": str(project_copy)})
    assert result.returncode == 1 and "[E155 错误]" in result.stderr
    assert not outside.exists() and not (project_copy / "outputs").exists()


def test_a_template_linked_outside_the_project_is_refused_and_not_printed(project_copy, tmp_path_factory):
    import perflib

    secret = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    secret.write_text("机密内容：外部文件", encoding="utf-8")
    folder = project_copy / "params" / "heshuo" / "templates" / "narrative"
    folder.mkdir(parents=True, exist_ok=True)  # 和硕县 has templates of its own
    (folder / "trainings.j2").unlink(missing_ok=True)
    (folder / "trainings.j2").symlink_to(secret)
    path = project_copy / "params" / "heshuo" / "2023.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["templates"] = "params/heshuo/templates"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    with pytest.raises(safety.InputRefused) as refused:
        perflib.make_report(perflib.load_params("heshuo", 2023, project_copy))
    assert refused.value.code == "E152" and "trainings.j2" in refused.value.message
    assert "机密内容" not in refused.value.message


def test_a_csv_data_link_inside_the_folder_is_read(tmp_path):
    """Links are resolved, not banned: one to a file within the data folder is fine."""
    from perflib.inputs import read_sheets

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "real.txt").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "培训.csv").symlink_to(folder / "real.txt")
    assert read_sheets(folder, "data")["培训"].columns == [["a", "1"], ["b", "2"]]


# -- CSV injection --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, written", [
    ("=HYPERLINK(\"http://x\",\"点击\")", "'=HYPERLINK(\"http://x\",\"点击\")"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("'=1", "''=1"),
    ("-5", "-5"), ("-0.25", "-0.25"), ("-1e3", "-1e3"), ("24,066万元", "24,066万元"), ("'quoted", "'quoted"), ("", ""),
])
def test_formula_like_cells_are_neutralized_and_read_back_exactly(value, written):
    assert safety.csv_cell(value) == written
    assert safety.csv_value(written) == value


def test_batch_summary_csv_neutralizes_formulas(tmp_path):
    outcome = Outcome("demo", 2023, "=HYPERLINK(\"http://x\",\"示例县\")", "失败", 1.5, -5, 0, 1, "", "@cmd", "host:1")
    path = write_summary([outcome], tmp_path / "batch-summary.csv")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    cells = rows[1]
    assert cells[2] == "'=HYPERLINK(\"http://x\",\"示例县\")" and cells[9] == "'@cmd" and cells[5] == "-5"
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    (back,) = read_summary(path)
    assert back.county_name == outcome.county_name and back.message == "@cmd" and back.errors == -5


def test_figures_csv_neutralizes_formulas_from_data():
    from perflib.ledger import Entry, Ledger, figures_csv

    ledger = Ledger()
    ledger.add(Entry("quoted.x", "=HYPERLINK(\"http://x\")", "-3+2", "", "=1+1", "@source", (), "-how"))
    ledger.add(Entry("change.y", "减少", -5, "万元", "-5", "数据", (), "计算"))
    rows = list(csv.reader(io.StringIO(figures_csv(ledger).decode("utf-8-sig"))))[1:]
    assert [c for row in rows for c in row if c[:1] in ("=", "+", "@", "\t", "\r") or c.startswith("-") and c != "-5"] == []
    assert rows[1][3] == "-5" and rows[1][5] == "-5"


def test_the_sample_reports_figures_csv_is_unchanged_by_neutralizing():
    """Neutralizing changes nothing in a normal report: no cell of the sample's ledger needs it."""
    import perflib
    from perflib.ledger import ledger_rows

    report = perflib.make_report(perflib.load_params("heshuo", 2023, ROOT))
    cells = [c for row in ledger_rows(report.ledger) for c in row]
    assert len(cells) > 500
    assert [c for c in cells if safety.csv_cell(c) != c] == []
