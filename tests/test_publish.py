"""Publishing an output folder: perflib replaces only what it wrote, keeps what a user put there,
and finishes or undoes a publish that a crash interrupted (the crash states are made directly)."""
from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pytest

from perflib.files import carry_over, publish, recover, remove_staging, write_atomic


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_outputs(folder: Path, report: bytes = b"<html>old</html>", extra: dict[str, bytes] | None = None) -> Path:
    """An output folder as a run leaves it: report.html, figures/a.png and a manifest listing both."""
    files = {"report.html": report, "figures/a.png": b"png-old", **(extra or {})}
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    outputs = [{"path": rel, "sha256": sha(data), "size": len(data)} for rel, data in sorted(files.items())]
    (folder / "manifest.json").write_text(json.dumps({"outputs": outputs}), encoding="utf-8")
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def places(tmp_path):
    final = tmp_path / "outputs" / "demo" / "2023"
    staging = tmp_path / "outputs" / "demo" / ".2023.staging"
    final.parent.mkdir(parents=True)
    return final, staging


def test_user_notes_in_output_folder_survive_a_publish(places):
    final, staging = places
    make_outputs(final.parent / "2023")
    (final / "我的笔记.txt").write_text("复核意见", encoding="utf-8")
    (final / "审阅" / "report-reviewed.docx").parent.mkdir()
    (final / "审阅" / "report-reviewed.docx").write_bytes(b"reviewed")
    make_outputs(staging, report=b"<html>new</html>")
    notes = publish(staging, final)
    after = tree(final)
    assert after["report.html"] == b"<html>new</html>"
    assert after["我的笔记.txt"] == "复核意见".encode("utf-8")
    assert after["审阅/report-reviewed.docx"] == b"reviewed"
    assert not staging.exists() and not (final.parent / ".2023.old").exists()
    assert len(notes) == 1 and "我的笔记.txt" in notes[0] and "已保留" in notes[0]


def test_a_publish_without_user_files_says_nothing_and_drops_perflibs_old_files(places):
    final, staging = places
    make_outputs(final, extra={"figures/gone.png": b"old chart"})
    (final / "failed").mkdir()
    (final / "failed" / "annual_report.ipynb").write_text("{}", encoding="utf-8")
    make_outputs(staging, report=b"<html>new</html>")
    assert publish(staging, final) == []
    assert set(tree(final)) == {"report.html", "figures/a.png", "manifest.json"}


def test_an_output_edited_after_its_run_is_moved_aside_not_overwritten(places):
    final, staging = places
    make_outputs(final)
    (final / "report.html").write_bytes(b"<html>edited by hand</html>")
    make_outputs(staging, report=b"<html>new</html>")
    notes = publish(staging, final)
    after = tree(final)
    assert after["report.html"] == b"<html>new</html>"
    assert after["kept/report.html"] == b"<html>edited by hand</html>"
    assert any("被改动过" in n and "kept/report.html" in n for n in notes)


def test_a_user_file_where_the_new_run_writes_is_moved_aside(places):
    final, staging = places
    make_outputs(final)
    make_outputs(staging, extra={"figures.csv": b"new ledger"})
    (final / "figures.csv").write_bytes(b"user's own table")  # not in the old manifest
    notes = publish(staging, final)
    assert tree(final)["figures.csv"] == b"new ledger"
    assert tree(final)["kept/figures.csv"] == b"user's own table"
    assert any("kept/" in n for n in notes)


def test_kept_copies_never_overwrite_each_other(places):
    final, staging = places
    for text in (b"first edit", b"second edit"):
        make_outputs(staging)
        if final.exists():
            (final / "report.html").write_bytes(text)
        publish(staging, final)
    make_outputs(staging)
    (final / "report.html").write_bytes(b"third edit")
    publish(staging, final)
    after = tree(final)
    assert after["kept/report.html"] == b"second edit" and after["kept/report.2.html"] == b"third edit"


def test_a_crash_between_the_two_renames_is_undone_by_the_next_publish(places):
    final, staging = places
    old = final.parent / ".2023.old"
    make_outputs(old)  # the state after the first rename: the report is only in the hidden folder
    (old / "notes.txt").write_text("mine", encoding="utf-8")
    before = tree(old)
    notes = recover(final)
    assert tree(final) == before and not old.exists()
    assert "恢复" in notes[0]


def test_a_crash_after_the_second_rename_is_finished(places):
    final, staging = places
    old = final.parent / ".2023.old"
    make_outputs(old)
    (old / "notes.txt").write_text("mine", encoding="utf-8")
    make_outputs(final, report=b"<html>new</html>")  # the new outputs were already in place
    recover(final)
    after = tree(final)
    assert after["report.html"] == b"<html>new</html>" and after["notes.txt"] == b"mine"
    assert not old.exists()


def test_a_crash_during_the_carry_over_is_finished_without_losing_a_file(places):
    final, staging = places
    old = final.parent / ".2023.old"
    make_outputs(old, extra={})
    for name in ("a.txt", "b.txt"):
        (old / name).write_text(name, encoding="utf-8")
    make_outputs(final, report=b"<html>new</html>")
    os.replace(old / "a.txt", final / "a.txt")  # moved before the crash; b.txt not yet
    recover(final)
    after = tree(final)
    assert after["a.txt"] == b"a.txt" and after["b.txt"] == b"b.txt" and not old.exists()


def test_a_failed_run_after_a_crash_does_not_cost_the_old_report(places):
    final, staging = places
    old = final.parent / ".2023.old"
    make_outputs(old)
    (final / "failed").mkdir(parents=True)  # a failed run kept its notebook before anything recovered
    (final / "failed" / "annual_report.ipynb").write_text("{}", encoding="utf-8")
    recover(final)
    after = tree(final)
    assert after["report.html"] == b"<html>old</html>" and "failed/annual_report.ipynb" in after
    assert not old.exists()


def test_publish_recovers_an_interrupted_publish_before_its_own(places):
    final, staging = places
    old = final.parent / ".2023.old"
    make_outputs(old)
    (old / "notes.txt").write_text("mine", encoding="utf-8")
    make_outputs(staging, report=b"<html>new</html>")
    publish(staging, final)
    after = tree(final)
    assert after["report.html"] == b"<html>new</html>" and after["notes.txt"] == b"mine"


def test_a_killed_runs_staging_folder_is_removed_and_said(places):
    final, staging = places
    staging.mkdir()
    (staging / "annual_report.ipynb").write_text("half", encoding="utf-8")
    notes = remove_staging(staging)
    assert not staging.exists() and "临时文件夹" in notes[0]
    assert remove_staging(staging) == []


def test_a_folder_without_manifest_keeps_only_what_the_new_run_does_not_write(places):
    final, staging = places  # the rollup's folder has no manifest
    final.mkdir()
    (final / "rollup.html").write_bytes(b"old")
    (final / "notes.txt").write_bytes(b"mine")
    staging.mkdir()
    (staging / "rollup.html").write_bytes(b"new")
    publish(staging, final)
    assert tree(final) == {"rollup.html": b"new", "notes.txt": b"mine"}


def test_carry_over_of_nothing_is_nothing(places):
    final, _ = places
    assert carry_over(final.parent / "absent", final) == []


def test_a_full_disk_leaves_no_empty_file(tmp_path, monkeypatch):
    target = tmp_path / "report.html"

    real_fdopen = os.fdopen

    class FullDisk:
        """A file whose writes fail as on a full disk, after the file was created."""

        def __init__(self, fd, *args, **kwargs):
            self.file = real_fdopen(fd, *args, **kwargs)

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    monkeypatch.setattr(os, "fdopen", FullDisk)
    with pytest.raises(OSError) as raised:
        write_atomic(target, b"x" * 100_000)
    assert raised.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []


# -- verify: the whole manifest and the folder's file list (unit level; real runs in test_nothing_lost)

def test_every_field_of_a_tampered_manifest_is_named():
    from perflib.verify import compare_manifests

    fresh = {"title": "2023年和硕县预算绩效管理工作情况", "findings": {"errors": 0, "warnings": 2},
             "inputs": [{"path": "data/heshuo/2023.xlsx", "sha256": "a", "sheets": {"培训": 12}}],
             "outputs": [{"path": "report.html", "sha256": "h"}, {"path": "report.pdf", "sha256": "p1"}],
             "git": {"commit": "x"}, "versions": {"python": "3.11"}}
    stored = json.loads(json.dumps(fresh))
    stored["title"] = "2023年和硕县预算绩效管理工作情况（修订）"
    stored["findings"]["warnings"] = 0
    stored["inputs"][0]["sheets"]["培训"] = 13
    stored["outputs"] = stored["outputs"][1:]
    stored["outputs"][0]["sha256"] = "p2"  # a PDF's bytes: not certified byte for byte
    stored["git"] = {"commit": "y"}  # the environment: a note elsewhere, not a problem
    problems = compare_manifests(stored, fresh)
    assert len(problems) == 4
    assert any("title" in p and "（修订）" in p for p in problems)
    assert any("findings.warnings" in p for p in problems)
    assert any("inputs[data/heshuo/2023.xlsx].sheets.培训" in p for p in problems)
    assert any("outputs[report.html]" in p for p in problems)
    assert compare_manifests(fresh, json.loads(json.dumps(fresh))) == []


def test_files_the_manifest_does_not_list_are_told_apart(tmp_path):
    from perflib.verify import check_folder_files

    make_outputs(tmp_path)
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "figures" / "extra.png").write_bytes(b"planted")
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    problems, others = check_folder_files(manifest, tmp_path)
    assert others == ["notes.txt"]
    assert len(problems) == 1 and "figures/extra.png" in problems[0]


def test_a_manifest_of_the_wrong_shape_is_a_user_error(tmp_path):
    from perflib.errors import ManifestError
    from perflib.verify import verify

    (tmp_path / "manifest.json").write_text('{"county": "heshuo", "year": 2023, "outputs": [{"path": 1}]}', encoding="utf-8")
    with pytest.raises(ManifestError, match="outputs"):
        verify(tmp_path, root=tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ManifestError, match="顶层"):
        verify(tmp_path, root=tmp_path)


# -- the machine refuses a write: E178, told apart from other failures (unit level) ---------------

def test_write_failures_are_told_apart_from_other_errors(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    from perflib.faults import write_failure_of as _write_failure_of

    final = tmp_path / "outputs" / "demo" / "2023"
    full = OSError(errno.ENOSPC, "No space left on device")
    assert _write_failure_of(full, final) == "磁盘空间已满（ENOSPC）"
    in_kernel = PapermillExecutionError(3, 3, "export()", "OSError", f"[Errno 30] Read-only file system: '{final.parent}/.2023.staging/report.html'", [])
    assert "只读" in _write_failure_of(in_kernel, final)
    denied_here = PermissionError(errno.EACCES, "Permission denied", str(final.parent / ".2023.lock"))
    assert "没有写入权限" in _write_failure_of(denied_here, final)
    denied_elsewhere = PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "data" / "x.xlsx"))
    assert _write_failure_of(denied_elsewhere, final) is None, "an unreadable input is not the output folder's fault"
    assert _write_failure_of(ValueError("x"), final) is None


@pytest.mark.e2e
def test_a_run_that_cannot_make_its_output_folder_says_which_and_why(tmp_path, monkeypatch):
    from pathlib import Path as RealPath

    from conftest import make_params

    from perflib.errors import OutputNotWritable
    from perflib.run import run_report

    make_params(tmp_path)
    real_mkdir = RealPath.mkdir

    def read_only(self, *args, **kwargs):
        if "outputs" in self.parts:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(RealPath, "mkdir", read_only)
    with pytest.raises(OutputNotWritable) as raised:
        run_report("demo", 2023, root=tmp_path, progress=False)
    message = str(raised.value)
    assert raised.value.code == "E178" and "[E178 错误]" in message
    assert str(tmp_path / "outputs" / "demo" / "2023") in message and "EROFS" in message


@pytest.mark.parametrize("command", [["rollup", "--no-progress"], ["batch", "--no-progress"]])
def test_any_command_refused_by_a_full_or_read_only_disk_says_so_not_internal_error(command, monkeypatch, capsys, tmp_path):
    from perflib import batch, rollup
    from perflib.cli import main

    def refused(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "outputs" / "batch-summary.csv"))

    monkeypatch.setattr(rollup, "run_rollup", refused)
    monkeypatch.setattr(batch, "run_batch", refused)
    monkeypatch.setattr(batch, "find_jobs", lambda *a, **k: [])
    monkeypatch.setenv("PERFLIB_ROOT", str(tmp_path))
    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks").mkdir()
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "[E178 错误]" in err and "只读" in err and "batch-summary.csv" in err and "内部错误" not in err
