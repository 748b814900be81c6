"""Nothing lost, nothing silent (issue #13), with real runs: a user's files in the output folder
survive the next run; a publish interrupted by a crash is restored by the next run or ``check``;
a SIGKILLed run's staging folder is cleaned up; a kernel that dies, a full disk and a read-only
output folder each give a Chinese message and leave no empty file."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import kernels_of, ROOT, tree_hashes

pytestmark = pytest.mark.e2e
PERFLIB = str(Path(sys.executable).parent / "perflib")
OUT = Path("outputs/heshuo/2023")
RUN = ("run", "--county", "heshuo", "--year", "2023", "--no-progress")


def perflib(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PERFLIB_ROOT": str(root)}
    return subprocess.run([PERFLIB, *args], cwd=root, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def ran_once(tmp_path_factory) -> Path:
    """A project copy with one good run in outputs/ (copied by each test that needs one)."""
    root = tmp_path_factory.mktemp("ran-once")
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    result = perflib(root, *RUN)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def project(ran_once, tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(ran_once, root, symlinks=True)
    return root


def insert_cell(root: Path, source: str, at: int = 4) -> None:
    path = root / "notebooks" / "annual_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)


def without_failed(hashes: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in hashes.items() if not k.startswith("failed/")}


def test_user_notes_in_output_folder_survive_a_run(project):
    out = project / OUT
    (out / "复核笔记.txt").write_text("第三页数字待核", encoding="utf-8")
    (out / "审阅").mkdir()
    (out / "审阅" / "report-审阅稿.docx").write_bytes(b"reviewed copy")
    (out / "report.html").write_bytes(b"<html>edited after the run</html>")  # perflib's, edited by hand
    result = perflib(project, *RUN)
    assert result.returncode == 0, result.stderr
    assert (out / "复核笔记.txt").read_text(encoding="utf-8") == "第三页数字待核"
    assert (out / "审阅" / "report-审阅稿.docx").read_bytes() == b"reviewed copy"
    assert (out / "kept" / "report.html").read_bytes() == b"<html>edited after the run</html>"
    assert (out / "report.html").read_bytes() != b"<html>edited after the run</html>"
    assert "复核笔记.txt" in result.stdout and "已保留" in result.stdout and "kept/report.html" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert not any(e["path"].startswith(("复核", "审阅", "kept/")) for e in manifest["outputs"]), "user files are not perflib's"


def test_check_restores_a_publish_interrupted_between_its_renames(project):
    out = project / OUT
    before = tree_hashes(out)
    os.replace(out, out.parent / ".2023.old")  # the crash state: the report only in the hidden folder
    result = perflib(project, "check", "--county", "heshuo", "--year", "2023")
    assert result.returncode == 0, result.stderr
    assert "恢复" in result.stdout
    assert tree_hashes(out) == before
    assert not (out.parent / ".2023.old").exists()


def test_a_sigkilled_run_leaves_outputs_intact_and_the_next_run_cleans_up(project):
    out = project / OUT
    before = tree_hashes(out)
    insert_cell(project, "import time\ntime.sleep(300)")
    env = {**os.environ, "PERFLIB_ROOT": str(project)}
    process = subprocess.Popen([PERFLIB, *RUN], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    staging = out.parent / ".2023.staging"
    deadline = time.monotonic() + 120
    kernels = []
    while time.monotonic() < deadline and not kernels:
        time.sleep(0.2)
        kernels = kernels_of(process.pid)
    assert kernels, "the kernel started"
    time.sleep(2)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    for kernel in kernels:  # an orphaned kernel would hold the sleeping cell; end it as a user would
        try:
            kernel.kill()
        except psutil.NoSuchProcess:
            pass
    assert staging.exists(), "SIGKILL left the staging folder"
    assert tree_hashes(out) == before, "the previous outputs are untouched"
    (project / "notebooks" / "annual_report.ipynb").write_bytes((ROOT / "notebooks" / "annual_report.ipynb").read_bytes())
    result = perflib(project, *RUN)
    assert result.returncode == 0, result.stderr
    assert not staging.exists()
    assert "临时文件夹" in result.stdout
    assert tree_hashes(out) == before, "the same report as before"


@pytest.mark.parametrize("death", ["import os\nos._exit(1)", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"],
                         ids=["os._exit", "SIGKILL"])
def test_a_kernel_that_dies_gives_a_chinese_message_and_keeps_the_notebook(project, death):
    out = project / OUT
    before = tree_hashes(out)
    insert_cell(project, death)
    result = perflib(project, *RUN)
    assert result.returncode == 1, result.stderr
    assert "[E179 错误]" in result.stderr and "内核" in result.stderr and "意外退出" in result.stderr
    assert "DeadKernelError" not in result.stderr and "内部错误" not in result.stderr
    failed = out / "failed" / "annual_report.ipynb"
    nb = nbformat.read(failed, as_version=4)
    marked = [i for i, c in enumerate(nb.cells) if "papermill-error-cell-tag" in c.metadata.get("tags", [])]
    assert marked and death in nb.cells[marked[0] + 1].source, "the cell that was running is marked"
    assert without_failed(tree_hashes(out)) == before


def _mount(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, f"perflib-{uuid.uuid4().hex[:8]}", str(target)],
                          capture_output=True).returncode == 0


@pytest.fixture
def small_outputs(project):
    """outputs/ on a tmpfs of its own (root only; skipped elsewhere), unmounted after the test."""
    outputs = project / "outputs"
    saved = project / "outputs-before"
    os.replace(outputs, saved)
    if not _mount(outputs, "size=8m"):
        outputs.rmdir()
        os.replace(saved, outputs)
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN)")
    shutil.copytree(saved, outputs, dirs_exist_ok=True)
    yield outputs
    subprocess.run(["umount", "-l", str(outputs)], check=False)


def test_a_read_only_output_folder_is_named_with_its_cause(project, small_outputs):
    out = project / OUT
    before = tree_hashes(out)
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_outputs)], capture_output=True).returncode == 0
    result = perflib(project, *RUN)
    assert result.returncode == 1
    assert "[E178 错误]" in result.stderr and "只读" in result.stderr and "EROFS" in result.stderr
    assert str(project / OUT) in result.stderr, "the message names the folder"
    assert "内部错误" not in result.stderr and "Traceback" not in result.stderr
    assert tree_hashes(out) == before


def test_a_full_disk_is_named_and_leaves_no_empty_file(project, small_outputs):
    out = project / OUT
    before = tree_hashes(out)
    filler = small_outputs / "filler"
    free = shutil.disk_usage(small_outputs).free
    with open(filler, "wb") as handle:  # leave 100 KB: the run fills the disk while writing its outputs
        handle.write(b"\0" * max(0, free - 100_000))
    result = perflib(project, *RUN)
    assert result.returncode == 1
    assert "[E178 错误]" in result.stderr and "磁盘空间已满" in result.stderr and "ENOSPC" in result.stderr
    assert "内部错误" not in result.stderr and "Traceback" not in result.stderr
    filler.unlink()
    assert without_failed(tree_hashes(out)) == before
    empty = [p for p in small_outputs.rglob("*") if p.is_file() and p.stat().st_size == 0 and not p.name.endswith(".lock")]
    assert empty == []
    assert not (out.parent / ".2023.staging").exists()
    kept = out / "failed" / "annual_report.ipynb"
    if kept.exists():
        nbformat.read(kept, as_version=4)  # whole, if it was kept at all


# -- perflib verify certifies the whole manifest and the folder's file list -------------------

def edit_manifest(out: Path, edit) -> None:
    path = out / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def test_verify_fails_on_an_edited_title_findings_count_and_row_count(project):
    out = project / OUT

    def tamper(manifest):
        manifest["title"] = manifest["title"] + "（修订）"
        manifest["findings"]["warnings"] += 1
        data = next(e for e in manifest["inputs"] if "sheets" in e)
        data["sheets"]["培训"] += 1

    edit_manifest(out, tamper)
    result = perflib(project, "verify", str(out))
    assert result.returncode == 1, result.stdout
    assert "核验未通过" in result.stdout
    assert "清单中的 title 与重新生成的不同" in result.stdout
    assert "findings.warnings" in result.stdout
    assert "sheets.培训" in result.stdout


def test_verify_names_files_that_are_not_perflibs_and_fails_on_one_planted_among_its_own(project):
    out = project / OUT
    (out / "复核笔记.txt").write_text("mine", encoding="utf-8")
    result = perflib(project, "verify", str(out))
    assert result.returncode == 0, result.stdout
    assert "核验通过" in result.stdout and "不在清单中" in result.stdout and "复核笔记.txt" in result.stdout
    (out / "figures" / "图9.png").write_bytes(b"planted")
    result = perflib(project, "verify", str(out))
    assert result.returncode == 1
    assert "多了清单没有列出的文件：figures/图9.png" in result.stdout
