"""Writing files: whole or not at all, and publishing a finished output folder in place of the
previous one. Every module that writes an output goes through here."""
from __future__ import annotations

import errno as _errno
import os
import shutil
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # published files are readable, unlike mkstemp's 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def publish(staging: Path, final: Path) -> list[str]:
    """Replace ``final`` by ``staging`` with two renames; the old outputs go only once the new are
    in place, and files perflib did not write are carried over (``carry_over``). An earlier publish
    that was interrupted is finished or undone first (``recover``). Returns notes for the user
    (Chinese): what was restored, kept or moved aside; none in the usual case."""
    notes = recover(final)
    old = _old(final)
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    notes += carry_over(old, final)
    shutil.rmtree(old, ignore_errors=True)
    return notes


# Publishing keeps what is not perflib's --------------------------------------------------------
# An output folder may hold files a user put there (notes, a reviewed .docx). perflib owns only
# what it wrote: the files its manifest lists (``manifest.json`` itself, ``failed/``); a folder
# without a manifest (the rollup's) owns the paths the new run writes. Everything else is moved
# into the new folder at the same path; a perflib file edited after its run, or a user file where
# the new run writes, is moved to ``kept/`` instead. Nothing is deleted that perflib did not write.

KEPT = "kept"  # user files and edited outputs that the new outputs would have replaced
FAILED = "failed"  # a failed run's notebook (perflib's; a successful run drops it)
_MANIFEST = "manifest.json"


def _old(final: Path) -> Path:
    return final.parent / f".{final.name}.old"


def _perflib_files(folder: Path) -> dict[str, str] | None:
    """The files perflib wrote into ``folder`` (path -> SHA-256) by its manifest; None without one."""
    import json

    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
        return {e["path"]: e["sha256"] for e in manifest.get("outputs", [])}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _free_place(path: Path) -> Path:
    """``path``, or ``name.2.ext``, ``name.3.ext`` … if it is taken."""
    n = 2
    candidate = path
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.stem}.{n}{path.suffix}")
        n += 1
    return candidate


def carry_over(old: Path, final: Path) -> list[str]:
    """Move every file of ``old`` that perflib did not write (or that was edited since) into
    ``final``; return what was done, in Chinese, for the user."""
    if not old.is_dir():
        return []
    owned = _perflib_files(old)
    kept_user, kept_aside, kept_edited = [], [], []
    for path in sorted(p for p in old.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(old).as_posix()
        if rel == _MANIFEST or rel.split("/", 1)[0] == FAILED:
            continue
        target = final / rel
        if owned is not None and rel in owned:
            if path.is_symlink() or _sha256(path) == owned[rel]:
                continue  # perflib's own, unchanged: replaced by the new run's
            destination, where = _free_place(final / KEPT / rel), kept_edited
        elif owned is None and (target.exists() or target.is_symlink()):
            continue  # no manifest: a path the new run writes is perflib's
        elif target.exists() or target.is_symlink():
            destination, where = _free_place(final / KEPT / rel), kept_aside
        else:
            destination, where = target, kept_user
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)
        where.append(f"{rel}" + ("" if destination == target else f" → {destination.relative_to(final).as_posix()}"))
    notes = []
    if kept_user:
        notes.append(f"输出文件夹 {final} 中不是 perflib 生成的文件已保留：{'、'.join(kept_user)}。")
    if kept_aside:
        notes.append(f"输出文件夹 {final} 中与新输出同名的非 perflib 文件已移到 {KEPT}/：{'、'.join(kept_aside)}。")
    if kept_edited:
        notes.append(f"输出文件夹 {final} 中生成后被改动过的文件已移到 {KEPT}/（新生成的文件在原位置）：{'、'.join(kept_edited)}。")
    return notes


def recover(final: Path) -> list[str]:
    """Finish or undo a publish that was interrupted (a crash or SIGKILL between or after
    its renames), found by the hidden ``.<name>.old`` folder; return what was done, in Chinese.
    Call it holding the folder's lock."""
    old = _old(final)
    if not old.is_dir():
        return []
    if not final.exists():  # between the two renames: the old report is the only one
        os.replace(old, final)
        return [f"上次发布在替换输出时中断：已从 {old.name} 恢复原有的输出到 {final}。"]
    if (final / _MANIFEST).exists() or not (old / _MANIFEST).exists():
        # after the second rename: the new outputs are in place, only the old folder was left
        notes = carry_over(old, final)
        shutil.rmtree(old, ignore_errors=True)
        return [f"上次发布在收尾时中断：新的输出已在 {final}，已完成收尾。", *notes]
    # ``final`` holds only what a later failed run kept (failed/): the old report is the good one
    for entry in final.iterdir():
        if not (old / entry.name).exists():
            os.replace(entry, old / entry.name)
    shutil.rmtree(final)
    os.replace(old, final)
    return [f"上次发布在替换输出时中断：已从 {old.name} 恢复原有的输出到 {final}。"]


def remove_staging(staging: Path) -> list[str]:
    """Remove the staging folder a killed run left behind; say so. Call it holding the lock."""
    if not staging.exists():
        return []
    shutil.rmtree(staging, ignore_errors=True)
    return [f"已清理上次被强制终止的运行留下的临时文件夹 {staging.name}。"]


# Writing fails because of the machine ----------------------------------------------------------
# Disk full, a read-only file system, no permission: the user's environment, said in Chinese with
# the folder, never 「内部错误」.
WRITE_FAILURES = {
    _errno.ENOSPC: ("磁盘空间已满", "ENOSPC"),
    _errno.EDQUOT: ("超出了磁盘配额", "EDQUOT"),
    _errno.EROFS: ("文件夹所在的文件系统是只读的", "EROFS"),
    _errno.EACCES: ("没有写入权限", "EACCES"),
    _errno.EPERM: ("不允许写入", "EPERM"),
    _errno.EFBIG: ("文件超过了允许的大小（文件大小限制）", "EFBIG"),
}


def write_failure(errno_number: int | None) -> str | None:
    """The cause of a failed write in Chinese (``磁盘空间已满（ENOSPC）``), or None if it is not one
    the user's machine causes."""
    found = WRITE_FAILURES.get(errno_number)  # type: ignore[arg-type]
    return f"{found[0]}（{found[1]}）" if found else None


def cannot_write_message(folder: Path, cause: str) -> str:
    return (f"[E178 错误] 无法写入输出文件夹 {folder}：{cause}。请腾出磁盘空间或改正该文件夹的权限（或换一个可写的位置）后重新运行；"
            "原有的输出未改动。")
