"""Shared fixtures: the project's paths, a copy of the project to run in, small workbooks."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest
from openpyxl import Workbook

from perflib.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The county's own report, present beside the project only in the workplace where perflib was
# made; tests use it in addition to their fixtures when it exists, never instead of them.
SEED = ROOT.parent / "shared" / "seed" / "000_1da96bbd88da6ce3.txt"
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="the reference report is not beside the project (optional)")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# What only an end-to-end test may start: a Jupyter kernel (or papermill, which starts one),
# LibreOffice, Chromium (Playwright's driver starts it), or perflib's commands that run a notebook.
SLOW_PROGRAMS = ("soffice", "libreoffice", "oosplash", "chromium", "playwright", "ipykernel", "kernel_launcher",
                 "papermill")
NOTEBOOK_COMMANDS = {"run", "batch", "rollup", "verify"}
E2E_HINT = "mark this test @pytest.mark.e2e (or the file: pytestmark = pytest.mark.e2e)"


def slow_program(argv) -> str | None:
    """What in a command line (a list or a string) starts a kernel, LibreOffice or Chromium, or None."""
    words = [str(argv)] if isinstance(argv, (str, bytes, Path)) else [str(word) for word in argv]
    # Not a start: Python code given with -c (it may import papermill), a test's own stand-in in a
    # temporary folder (a fake ``soffice`` script).
    looked_at = [word for before, word in zip(["", *words], words)
                 if before != "-c" and tempfile.gettempdir() not in word]
    line = " ".join(looked_at).lower()
    for name in SLOW_PROGRAMS:
        if name in line:
            return name
    for first, second in zip(words, words[1:]):  # perflib run ..., python -m perflib batch ...
        if Path(first).name == "perflib" and second in NOTEBOOK_COMMANDS:
            return f"perflib {second}"
    return None


@pytest.fixture(autouse=True)
def slow_starts_need_e2e(request, monkeypatch):
    """A test not marked e2e that starts a kernel, LibreOffice or Chromium fails, saying to mark it:
    ``-m "not e2e"`` (make test-fast) stays fast only if no such test escapes the mark."""
    if request.node.get_closest_marker("e2e") is not None:
        yield
        return
    started: list[str] = []

    def refuse(what: str):
        started.append(what)
        pytest.fail(f"{request.node.nodeid} starts {what}: {E2E_HINT}", pytrace=False)

    original_init = subprocess.Popen.__init__

    def guarded_init(self, args, *more, **kwargs):
        what = slow_program(args)
        if what is not None:
            refuse(what)
        original_init(self, args, *more, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded_init)
    import jupyter_client
    import papermill

    def refused(what: str):
        def call(*args, **kwargs):
            refuse(what)
        return call

    monkeypatch.setattr(papermill, "execute_notebook", refused("papermill.execute_notebook"))
    monkeypatch.setattr(jupyter_client.KernelManager, "start_kernel", refused("a Jupyter kernel"))
    monkeypatch.setattr(jupyter_client.AsyncKernelManager, "start_kernel", refused("a Jupyter kernel"))
    yield
    if started:  # raised inside code that may have swallowed it (a thread, a broad except)
        pytest.fail(f"{request.node.nodeid} started {started[0]}: {E2E_HINT}", pytrace=False)


@pytest.fixture(autouse=True)
def inputs_are_never_written(request):
    """Around every end-to-end test: the project's own data and params keep their bytes."""
    if request.node.get_closest_marker("e2e") is None:
        yield
        return
    before = tree_hashes(ROOT / "data") | {f"params/{k}": v for k, v in tree_hashes(ROOT / "params").items()}
    yield
    after = tree_hashes(ROOT / "data") | {f"params/{k}": v for k, v in tree_hashes(ROOT / "params").items()}
    assert after == before, "an end-to-end test changed the project's inputs"


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the project's params, data and notebooks to run in, so tests never touch outputs/."""
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def minimal_rows() -> dict[str, list[list]]:
    """One valid row per table (header excluded), by table name."""
    return {
        "key_evaluations": [["评价报告甲", "甲局", "其他重大项目", 100, 91, "优", "公开"]],
        "policy_documents": [["某某办法", "某财预〔2023〕1号", "2023-02-01"]],
        "pre_assessments": [["项目甲", "甲局", 10, "2023-03-01", "予以支持"]],
        "department_target_reviews": [["甲局"]],
        "project_target_reviews": [["甲局", "项目甲", 10]],
        "department_monitoring": [["甲局"]],
        "project_monitoring": [["5月", "2023-05-31", "甲局", "项目甲", 10, 5]],
        "department_self_evaluations": [["甲局", 100, 90, "优"]],
        "project_self_evaluations": [["甲局", "项目甲", 10, 85, "良"]],
        "third_party_evaluations": [["项目乙", "乙局", 20, "某公司", 80, "良"]],
        "self_evaluation_reviews": [["甲局", "项目甲", 10, "某会计师事务所", 85, "良"]],
        "reallocations": [["调出", "甲局", "项目丙", 5, "某专项资金"]],
        "result_applications": [["甲局", "项目甲", 1]],
        "authenticity_checks": [["项目甲", "甲局", "本级抽查"]],
        "trainings": [["2023-06-01", "培训", 30]],
    }


def write_workbook(path: Path, rows: dict[str, list[list]] | None = None, headers: dict[str, list] | None = None) -> Path:
    """A workbook with every table of ``minimal_rows``: ``rows`` replace a table's rows (None: no
    sheet at all), ``headers`` its header row."""
    rows = {**minimal_rows(), **(rows or {})}
    wb = Workbook()
    wb.remove(wb.active)
    for spec in TABLES:
        if rows.get(spec.name) is None:
            continue
        ws = wb.create_sheet(spec.sheet)
        ws.append((headers or {}).get(spec.name, list(spec.headers)))
        for row in rows[spec.name]:
            ws.append(row)
    wb.save(path)
    return path


def make_params(root: Path, rows: dict[str, list[list]] | None = None, settings: dict | None = None, county: str = "demo", year: int = 2023, **extra):
    """A small project in ``root``: a workbook of ``rows`` and a params file; returns its Params."""
    import yaml

    from perflib.params import load_params

    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    write_workbook(root / "data" / f"{county}-{year}.xlsx", rows)
    base = yaml.safe_load((ROOT / "params" / "heshuo" / "2023.yaml").read_text(encoding="utf-8"))
    base.pop("illustrative", None)  # 和硕县's notes on its own chart and date are not the test county's
    base.update(county=county, year=year, county_name="示例县", data=f"data/{county}-{year}.xlsx", **extra)
    if settings is not None:
        base["settings"] = settings
    folder = root / "params" / county
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{year}.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return load_params(county, year, root)


def plain_papermill(project: Path, params_file: str, files: Path) -> subprocess.CompletedProcess:
    """The standard papermill command a user types: the annual notebook with a params file as
    papermill's parameters file (-f), outputs to ``files``; the executed notebook beside them."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "papermill"), "notebooks/annual_report.ipynb", str(files.parent / "out.ipynb"),
         "-f", params_file, "-p", "output_dir", str(files), "--no-progress-bar"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )


def kernels_of(pid: int) -> list[psutil.Process]:
    """The kernel processes started by process ``pid`` (other test runs on the machine don't count)."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    kernels = []
    for child in children:
        try:  # a child that just ended (a zombie until reaped, e.g. LibreOffice restarting itself) is no kernel
            if any(launcher in " ".join(child.cmdline()) for launcher in ("ipykernel_launcher", "perflib.kernel_launcher")):
                kernels.append(child)
        except psutil.Error:
            pass
    return kernels
