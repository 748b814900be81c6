"""The auditor's trail, end to end: manifest.json, the ledger (figures.csv and the notebook's
record), and ``perflib verify`` on a real papermill run of 和硕县 2023 in a copy of the project."""
from __future__ import annotations

import csv
import hashlib
import json
import platform
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, sha256, tree_hashes
from openpyxl import load_workbook

from perflib.cli import main
from perflib.ledger import read_figures, unsourced_numbers
from perflib.manifest import git_state
from perflib.run import run_report

pytestmark = pytest.mark.e2e

OUT = Path("outputs") / "heshuo" / "2023"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project with a fresh run of 和硕县 2023 in outputs/ (tests copy it again to change it)."""
    root = tmp_path_factory.mktemp("trail") / "project"
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    run_report("heshuo", 2023, root=root, progress=False)
    return root


@pytest.fixture
def changed_project(project, tmp_path) -> Path:
    """A copy of the run project that a test may change."""
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    return copy


def manifest_of(root: Path) -> dict:
    return json.loads((root / OUT / "manifest.json").read_text(encoding="utf-8"))


# -- manifest.json ----------------------------------------------------------------------------

def test_manifest_hashes_every_input_with_size_and_sheet_rows(project):
    inputs = {e["path"]: e for e in manifest_of(project)["inputs"]}
    assert set(inputs) == {"params/heshuo/2023.yaml", "data/heshuo/2023.xlsx", "notebooks/annual_report.ipynb",
                           "params/heshuo/templates/narrative/trainings.j2"}  # its own wording of the training sentence
    for path, entry in inputs.items():
        data = (project / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
    sheets = inputs["data/heshuo/2023.xlsx"]["sheets"]
    workbook = load_workbook(project / "data/heshuo/2023.xlsx", read_only=True)
    for name, rows in sheets.items():
        filled = [r for r in workbook[name].iter_rows(values_only=True) if any(v not in (None, "") for v in r)]
        assert rows == len(filled) - 1, name  # all but the header row
    assert sheets["项目绩效监控"] == 130 + 307  # the reference's two monitoring batches


def test_manifest_records_params_versions_findings_and_outputs(project):
    import pandas
    import papermill

    manifest = manifest_of(project)
    assert (manifest["county"], manifest["year"], manifest["params"]["county_name"]) == ("heshuo", 2023, "和硕县")
    assert manifest["params"]["facts"]["indicator_system"]["categories"] == 28
    versions = manifest["versions"]
    assert versions["python"] == platform.python_version()
    assert (versions["pandas"], versions["papermill"]) == (pandas.__version__, papermill.__version__)
    assert set(versions) == {"python", "perflib", "pandas", "papermill", "nbconvert", "matplotlib", "ipykernel"}
    assert manifest["git"] is None  # the copy is not a git checkout
    assert manifest["findings"]["errors"] == 0
    folder = project / OUT
    on_disk = {p.relative_to(folder).as_posix(): sha256(p) for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert {e["path"]: e["sha256"] for e in manifest["outputs"]} == on_disk
    assert {"annual_report.ipynb", "report.html", "figures.csv"} <= set(on_disk)
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    assert str(project) not in text  # no absolute paths
    assert not re.search(r"\d{4}-\d\d-\d\dT|\d\d:\d\d:\d\d", text)  # no timestamps


def test_the_runner_takes_provenance_and_findings_from_the_notebooks_records(project, changed_project):
    """The executed notebook records what it read and found; the manifest is that record (the
    runner does not load the data a second time), and it equals what is computed afresh."""
    from perflib import records
    from perflib.manifest import build_manifest, findings_summary, provenance
    from perflib.params import load_params

    notebook = project / OUT / "annual_report.ipynb"
    recorded = records.read(notebook, records.PROVENANCE)
    params = load_params("heshuo", 2023, project)
    assert recorded == json.loads(json.dumps(provenance(params), ensure_ascii=False))
    assert records.read(notebook, records.FINDINGS) == findings_summary(params)
    # The record is what counts: a notebook that recorded other findings gives a manifest with those.
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if records.FINDINGS in output.get("data", {}):
                output["data"][records.FINDINGS] = {"errors": 0, "warnings": 1, "codes": {"W999": 1}, "messages": ["记录"]}
    manifest = build_manifest(changed_project / OUT, params, nb)
    assert manifest["findings"]["codes"] == {"W999": 1}
    assert manifest["inputs"] == recorded["inputs"]


def test_manifest_is_the_same_bytes_when_written_again(changed_project):
    from perflib.manifest import write_manifest
    from perflib.params import load_params

    path = changed_project / OUT / "manifest.json"
    first = path.read_bytes()
    write_manifest(changed_project / OUT, load_params("heshuo", 2023, changed_project))
    assert path.read_bytes() == first


def test_notebook_shows_the_provenance_near_the_top(project):
    import nbformat

    nb = nbformat.read(project / OUT / "annual_report.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    shown = json.dumps([o.get("data", {}) for o in code[4].outputs], ensure_ascii=False)  # names before, parameters, injected, params, provenance
    data_hash = sha256(project / "data/heshuo/2023.xlsx")
    assert data_hash in shown and "data/heshuo/2023.xlsx" in shown and platform.python_version() in shown


def test_git_state_names_the_commit_and_a_dirty_tree(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (tmp_path / "a.txt").write_text("a", encoding="utf-8")

    def git(*args):
        return subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                              capture_output=True, text=True, check=True).stdout.strip()

    git("init", "-q")
    git("add", "a.txt")
    git("commit", "-qm", "one")
    assert git_state(tmp_path) == {"commit": git("rev-parse", "HEAD"), "dirty": False}
    (tmp_path / "a.txt").write_text("b", encoding="utf-8")
    assert git_state(tmp_path)["dirty"] is True
    assert git_state(tmp_path.parent / "not-a-checkout-anywhere") is None


# -- the ledger -------------------------------------------------------------------------------

def html_blocks(path: Path) -> list[str]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return [e.get_text() for e in soup.find_all(["h1", "h2", "h3", "p", "th", "td", "figcaption", "caption", "li"])]


def test_every_number_in_the_html_report_is_in_the_ledger(project):
    """No printed number without a source: each digit of the page's text belongs to a ledger entry,
    the ledger being the one recorded in the executed notebook."""
    blocks = html_blocks(project / OUT / "report.html")
    digits = sum(ch.isdigit() for b in blocks for ch in b)
    assert digits > 150  # the check has something to check
    assert unsourced_numbers(blocks, read_figures(project / OUT / "annual_report.ipynb")) == []


def test_completeness_check_flags_a_number_the_ledger_does_not_hold(project):
    ledger = read_figures(project / OUT / "annual_report.ipynb")
    blocks = html_blocks(project / OUT / "report.html")
    tampered = [b.replace("调减预算资金130万元", "调减预算资金131万元") for b in blocks] + ["附：7"]
    missing = unsourced_numbers(tampered, ledger)
    assert len(missing) == 2
    assert missing[0].startswith("「管理结果应用调减预算资金131万元") and missing[0].endswith("中的 131")
    assert missing[1] == "「附：7」中的 7"


def test_read_figures_gives_exact_values_and_excel_rows(project):
    ledger = read_figures(project / OUT / "annual_report.ipynb")
    may = ledger["monitoring.2023-05.amount"]
    assert (may.value, may.unit, may.printed) == (Decimal(24066), "万元", "24,066万元")
    workbook = load_workbook(project / "data/heshuo/2023.xlsx", read_only=True)
    rows = [i for i, r in enumerate(workbook["项目绩效监控"].iter_rows(values_only=True), start=1) if r[0] == "5月"]
    assert list(may.rows) == rows
    assert ledger["trainings.attendees"].value == 380
    assert ledger["text.policy_basis.1"].printed == "新党发〔2018〕30号"


def test_read_figures_refuses_a_notebook_without_a_ledger():
    with pytest.raises(LookupError, match="数字台账"):
        read_figures(ROOT / "notebooks" / "annual_report.ipynb")


def test_figures_csv_opens_in_excel_and_matches_the_notebook(project):
    raw = (project / OUT / "figures.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    ledger = read_figures(project / OUT / "annual_report.ipynb")
    assert [r["名称"] for r in rows] == list(ledger.items)
    assert [r["印刷形式"] for r in rows] == [f.printed for f in ledger.items.values()]
    assert {r["类别"] for r in rows} == {"数字", "编号", "引文"}


# -- perflib verify ---------------------------------------------------------------------------

def run_verify(root: Path, capsys) -> tuple[int, str]:
    code = main(["verify", str(root / OUT)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_verify_passes_on_fresh_outputs_and_leaves_them_untouched(changed_project, capsys):
    before = tree_hashes(changed_project / "outputs")
    code, out = run_verify(changed_project, capsys)
    assert code == 0, out
    assert out.startswith("核验通过") and "report.html" in out and "annual_report.ipynb" in out
    assert tree_hashes(changed_project / "outputs") == before


def test_verify_names_an_input_whose_bytes_changed(changed_project, capsys):
    workbook = changed_project / "data/heshuo/2023.xlsx"
    data = bytearray(workbook.read_bytes())
    data[-1] ^= 1
    workbook.write_bytes(bytes(data))
    code, out = run_verify(changed_project, capsys)
    assert code == 1
    assert "核验未通过" in out and "输入文件已改变：data/heshuo/2023.xlsx" in out
    assert "params/heshuo/2023.yaml" not in out


def test_verify_names_a_missing_input(changed_project, capsys):
    (changed_project / "params/heshuo/2023.yaml").unlink()
    code, out = run_verify(changed_project, capsys)
    assert code == 1 and "输入文件缺失：params/heshuo/2023.yaml" in out


def test_verify_names_an_edited_output(changed_project, capsys):
    html = changed_project / OUT / "report.html"
    html.write_text(html.read_text(encoding="utf-8").replace("24,066万元", "24,067万元"), encoding="utf-8")
    code, out = run_verify(changed_project, capsys)
    assert code == 1
    assert "输出文件在生成后被改动：report.html" in out
    assert "annual_report.ipynb" not in out.split("核验未通过")[1]  # only the edited file is named
