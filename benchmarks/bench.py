"""Benchmarks: how fast one report, the analyst's loop, a batch and big data sets are.

Run with ``make bench`` (not part of ``make test``: timings belong here, never in tests). Every
number is measured in this one run on this machine, medians of several repetitions, and printed
as ratios against a floor measured in the same run; the results, with the machine's
description, are written to benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
sys.path.insert(0, str(ROOT))


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def project_copy(where: Path) -> Path:
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, where / name, dirs_exist_ok=True)
    return where


def machine() -> list[str]:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), platform.processor())
    mem = next((int(l.split()[1]) // 1024 // 1024 for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")), 0)
    import matplotlib, nbclient, openpyxl, pandas, papermill
    versions = ", ".join(f"{m.__name__} {m.__version__}" for m in (pandas, papermill, nbclient, matplotlib, openpyxl))
    return [f"- CPU: {cpu}, {os.cpu_count()} cores; memory {mem} GiB", f"- {platform.platform()}; Python {platform.python_version()}", f"- {versions}",
            f"- OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"]


# 1. One report against the floor ------------------------------------------------------------
def papermill_baseline(work: Path) -> None:
    subprocess.run([str(BIN / "papermill"), str(ROOT / "benchmarks" / "baseline.ipynb"), str(work / "baseline-out.ipynb"),
                    "--cwd", str(work), "--no-progress-bar", "-k", "perflib"], check=True, capture_output=True)


def perflib_run(root: Path) -> None:
    env = {**os.environ, "PERFLIB_ROOT": str(root)}
    subprocess.run([str(BIN / "perflib"), "run", "--county", "heshuo", "--year", "2023", "--no-progress"], cwd=root, env=env, check=True, capture_output=True)


def kernel_start_stop() -> None:
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    NotebookClient(new_notebook(cells=[new_code_cell("1")]), kernel_name="perflib").execute()


def in_process_report(root: Path) -> None:
    code = textwrap.dedent(f"""
        import pathlib, perflib
        p = perflib.load_params("heshuo", 2023, pathlib.Path({str(root)!r}))
        r = perflib.make_report(p)
        perflib.export(r.document, pathlib.Path({str(root)!r}) / "inproc")
    """)
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def import_perflib() -> None:
    subprocess.run([sys.executable, "-c", "import perflib, perflib.display"], check=True, capture_output=True)


def python_startup() -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=True, capture_output=True)


def bench_one_report(repeat: int) -> tuple[list[list[str]], dict]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = project_copy(work / "project")
        perflib_run(root)  # warm caches (font cache, .pyc) before measuring
        papermill_baseline(work)
        baseline = median_time(lambda: papermill_baseline(work), repeat)
        measured = median_time(lambda: perflib_run(root), repeat)
        parts = {
            "python start": median_time(python_startup, repeat),
            "import perflib (pandas, matplotlib, jinja2, openpyxl)": median_time(import_perflib, repeat),
            "kernel start + stop (nbclient, one cell)": median_time(kernel_start_stop, repeat),
            "the whole report in one process, no kernel (floor of the work)": median_time(lambda: in_process_report(root), repeat),
        }
        outputs = sorted(p.name for p in (root / "outputs" / "heshuo" / "2023").iterdir())
    ratio = measured / baseline
    rows = [["papermill, minimal notebook (baseline)", f"{baseline:.2f} s", "1.00", ""],
            [f"perflib run 和硕县 2023 ({', '.join(outputs)})", f"{measured:.2f} s", f"{ratio:.2f}", f"≤ 1.5: {'met' if ratio <= 1.5 else 'NOT met'}"]]
    rows += [[f"  part: {k}", f"{v:.2f} s", f"{v / baseline:.2f}", ""] for k, v in parts.items()]
    return rows, {"baseline": baseline, "measured": measured}


# 2. The analyst's loop ----------------------------------------------------------------------
def bench_analyst_loop(repeat: int) -> list[list[str]]:
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        root = project_copy(Path(tmp))
        nb = nbformat.read(root / "notebooks" / "annual_report.ipynb", as_version=4)
        os.environ["PERFLIB_ROOT"] = str(root)
        client = NotebookClient(nb, kernel_name="perflib", resources={"metadata": {"path": str(root / "notebooks")}})
        code_cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        with client.setup_kernel():
            def run_all():
                for i, cell in code_cells:
                    client.execute_cell(cell, i)
            run_all()  # first run: imports, font registration
            loop = median_time(run_all, repeat)
    return [["re-run all cells, kernel already running", f"{loop:.2f} s", "", f"< 1 s: {'met' if loop < 1 else 'NOT met'}"]]


# 4. Data scale ------------------------------------------------------------------------------
def write_scale_data(folder: Path, n: int, xlsx: bool) -> Path:
    """A full data set whose monitoring and key-evaluation tables have ``n`` rows each."""
    from openpyxl import Workbook, load_workbook

    from perflib.schema import TABLES_BY_NAME

    rng = random.Random(n)
    sample = load_workbook(ROOT / "data" / "heshuo" / "2023.xlsx", read_only=True)
    tables = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in sample.worksheets}
    monitoring = [list(TABLES_BY_NAME["project_monitoring"].headers)]
    evaluations = [list(TABLES_BY_NAME["key_evaluations"].headers)]
    for i in range(n):
        budget = rng.randint(100, 999999) / 100
        month = (5, 8)[i % 2]
        monitoring.append([f"{month}月", f"2023-{month:02d}-{30 + (month == 8):02d}" if month == 8 else "2023-05-31", f"部门{i % 97}", f"项目{i:07d}", budget, round(budget * rng.uniform(0.2, 0.9), 2)])
        score = rng.randint(60, 100)
        evaluations.append([f"评价报告{i:07d}", f"部门{i % 97}", "其他重大项目", rng.randint(100, 99999) / 100, score,
                            "优" if score >= 90 else "良" if score >= 80 else "中", "公开"])
    tables["项目绩效监控"], tables["重点绩效评价"] = monitoring, evaluations
    if xlsx:
        path = folder / f"scale-{n}.xlsx"
        wb = Workbook(write_only=True)
        for name, rows in tables.items():
            ws = wb.create_sheet(name)
            for row in rows:
                ws.append(row)
        wb.save(path)
        return path
    path = folder / f"scale-{n}"
    path.mkdir()
    for name, rows in tables.items():
        with (path / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([["" if v is None else (v.isoformat()[:10] if hasattr(v, "isoformat") else v) for v in row] for row in rows])
    return path


SCALE_CODE = """
import json, pathlib, resource, sys, time
from perflib.params import load_params
from perflib.report import load_data
from perflib.figures import compute_figures
root, data = pathlib.Path(sys.argv[1]), sys.argv[2]
params = load_params("heshuo", 2023, root, overrides={"data": data})
start = time.perf_counter()
dataset, findings = load_data(params)
loaded = time.perf_counter()
figures = compute_figures(dataset, params)
done = time.perf_counter()
errors = [str(f) for f in findings if f.is_error][:3]
print(json.dumps({"load_check": loaded - start, "figures": done - loaded, "total": done - start, "errors": errors,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure_scale(root: Path, data: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", SCALE_CODE, str(root), str(data.relative_to(root))], check=True, capture_output=True, text=True)
    result = json.loads(out.stdout)
    if result["errors"]:
        raise RuntimeError(f"scale data has errors: {result['errors']}")
    return result


def bench_data_scale(sizes: list[int], xlsx_sizes: list[int]) -> list[list[str]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = project_copy(Path(tmp))
        data_dir = root / "data" / "scale"
        data_dir.mkdir()
        for kind, wanted in (("CSV", sizes), ("XLSX", xlsx_sizes)):
            previous = None
            for n in wanted:
                data = write_scale_data(data_dir, n, xlsx=kind == "XLSX")
                r = measure_scale(root, data)
                growth = f"{r['total'] / previous:.1f}× per 10×" if previous else ""
                target = ""
                if kind == "CSV" and n == 1_000_000:
                    ok = r["total"] < 10 and r["peak_mb"] < 2048
                    target = f"< 10 s and < 2 GB: {'met' if ok else 'NOT met'}"
                rows.append([f"{kind} {n:,} rows: load + check + figures", f"{r['total']:.2f} s (load {r['load_check']:.2f}, figures {r['figures']:.2f}); peak {r['peak_mb']:.0f} MB", growth, target])
                previous = r["total"]
    return rows


def bench_xlsx_readers(n: int) -> list[list[str]]:
    """openpyxl (read-only) against calamine on the same workbook: time, and whether values agree."""
    from openpyxl import load_workbook
    from python_calamine import CalamineWorkbook

    with tempfile.TemporaryDirectory() as tmp:
        path = write_scale_data(Path(tmp), n, xlsx=True)

        def with_openpyxl():
            wb = load_workbook(path, read_only=True, data_only=True)
            rows = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
            wb.close()
            return rows

        def with_calamine():
            wb = CalamineWorkbook.from_path(str(path))
            return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}

        t_openpyxl = median_time(with_openpyxl, 3)
        t_calamine = median_time(with_calamine, 3)
        a, b = with_openpyxl(), with_calamine()
        same = all([[("" if v is None else v) for v in row] for row in a[name]] == [[v for v in row] for row in b[name]] for name in a)
    return [[f"read a {n:,}-row workbook: openpyxl read-only", f"{t_openpyxl:.2f} s", "1.00", ""],
            [f"read a {n:,}-row workbook: calamine", f"{t_calamine:.2f} s", f"{t_calamine / t_openpyxl:.2f}", f"same values: {'yes' if same else 'no'}"]]


# 6. Known costs ------------------------------------------------------------------------------
def bench_save_per_cell(repeat: int) -> list[list[str]]:
    import papermill as pm

    with tempfile.TemporaryDirectory() as tmp:
        root = project_copy(Path(tmp))
        os.environ["PERFLIB_ROOT"] = str(root)
        nb_path = str(root / "notebooks" / "annual_report.ipynb")

        def run(save: bool):
            pm.execute_notebook(nb_path, str(root / "out.ipynb"), parameters={"county": "heshuo", "year": 2023, "output_dir": str(root / "o")},
                                kernel_name="perflib", progress_bar=False, request_save_on_cell_execute=save, cwd=str(root))
        run(False)
        without = median_time(lambda: run(False), repeat)
        with_saving = median_time(lambda: run(True), repeat)
    return [["papermill without saving after each cell (what perflib does)", f"{without:.2f} s", "1.00", ""],
            ["papermill saving after each cell (papermill's default)", f"{with_saving:.2f} s", f"{with_saving / without:.2f}", ""]]


def table(rows: list[list[str]]) -> str:
    lines = ["| Measurement | Time | Ratio | Target |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and smaller data (a smoke run)")
    args = parser.parse_args()
    repeat = 2 if args.quick else args.repeat
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    xlsx_sizes = [10_000] if args.quick else [10_000, 100_000]
    sections = []

    def section(title: str, rows: list[list[str]], note: str = "") -> None:
        text = f"## {title}\n\n{table(rows)}\n" + (f"\n{note}\n" if note else "")
        print(text, flush=True)
        sections.append(text)

    rows, _ = bench_one_report(repeat)
    section("1. One report against the floor", rows,
            "Baseline: papermill executing benchmarks/baseline.ipynb (pandas, matplotlib, a 10-row DataFrame, one chart). "
            "Measured: `perflib run` for 和硕县 2023 from the command line, every output. Parts are measured separately.")
    section("2. The analyst's loop", bench_analyst_loop(repeat))
    section("4. Data scale", bench_data_scale(sizes, xlsx_sizes), "Monitoring and key-evaluation tables at each size; every other table as in the sample.")
    section("4b. xlsx readers", bench_xlsx_readers(xlsx_sizes[-1]))
    section("6. Known costs", bench_save_per_cell(repeat))
    header = ["# Benchmark results", "", "Measured in one run of `make bench` on:", "", *machine(), "",
              f"Repetitions: {repeat} (medians).", ""]
    RESULTS.write_text("\n".join(header) + "\n" + "\n".join(sections), encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
