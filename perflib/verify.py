"""``perflib verify outputs/<county>/<year>``: is the report still what its inputs and code give?

Three questions, answered from the folder's ``manifest.json``:
1. Are the inputs unchanged? Each input's SHA-256 against the manifest (changed, missing, new).
2. Are the stored outputs the ones the run wrote? Each output's SHA-256 against the manifest.
3. Does re-running give the same bytes? The report is run again with the same machinery
   (``run.run_report``) into a temporary folder and each output compared byte for byte.

When an input changed, the report is not re-run: outputs made from other inputs cannot match,
and the verdict is already known. PDF files are the one exception to byte comparison: a warm
LibreOffice numbers the embedded fonts differently from a fresh one, so a PDF's bytes depend on
the conversions before it. What is reproducible about a PDF is compared instead: its text and page
count (``render_pdf.pdf_text``); a difference there fails the verdict, equal text with other bytes
is a note. The files it is rendered from are compared byte for byte.

The manifest itself is certified whole: after the re-run, every field of the stored manifest
(title, inputs with their row counts, params, findings, the list of outputs, ...) must equal the
re-run's, except the ones that describe the machine (``git``, ``versions``, said as notes) and a
PDF's hash. The folder's file list is certified too: a file in one of perflib's own subfolders
(``figures/``) that the manifest does not list fails the verdict; any other file the manifest
does not list (a user's notes, ``kept/``, ``failed/``) is named as not perflib's, not certified.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import project
from .manifest import MANIFEST, input_files, read_manifest, sha256_of

NOT_BYTE_REPRODUCIBLE = (".pdf",)


@dataclass
class Verification:
    folder: Path
    problems: list[str] = field(default_factory=list)  # each makes the verdict fail
    notes: list[str] = field(default_factory=list)  # worth knowing, not a failure
    compared: list[str] = field(default_factory=list)  # outputs found identical after the re-run
    not_perflibs: list[str] = field(default_factory=list)  # files in the folder the manifest does not list: not certified

    @property
    def ok(self) -> bool:
        return not self.problems

    def verdict(self) -> str:
        lines = []
        if self.ok:
            lines.append(f"核验通过：输入文件与清单一致，重新生成的 {len(self.compared)} 个输出文件与保存的逐字节相同"
                         f"（{'、'.join(self.compared)}），清单与重新生成的一致。")
        else:
            lines.append(f"核验未通过：发现 {len(self.problems)} 处不一致。")
            lines += [f"  - {p}" for p in self.problems]
        if self.not_perflibs:
            lines.append(f"  另有 {len(self.not_perflibs)} 个文件不在清单中（不是 perflib 为本报告生成的），未核验："
                         + "、".join(self.not_perflibs[:20]) + ("等" if len(self.not_perflibs) > 20 else "") + "。")
        lines += [f"  说明：{n}" for n in self.notes]
        return "\n".join(lines)


def check_inputs(manifest: dict, root: Path) -> list[str]:
    """Each input named in the manifest that is missing or whose bytes changed, and any new input."""
    problems = []
    recorded = {e["path"]: e for e in manifest.get("inputs", [])}
    for path, entry in recorded.items():
        file = root / path
        if not file.is_file():
            problems.append(f"输入文件缺失：{path}（生成报告时存在，SHA-256 {entry['sha256'][:12]}…）")
        elif sha256_of(file) != entry["sha256"]:
            problems.append(f"输入文件已改变：{path}（清单记录 SHA-256 {entry['sha256'][:12]}…，现为 {sha256_of(file)[:12]}…）")
    try:
        from .params import load_params

        current = input_files(load_params(manifest["county"], int(manifest["year"]), root))
    except Exception:  # a params file that no longer loads is already reported as changed or missing
        current = []
    for entry in current:
        if entry["path"] not in recorded:
            problems.append(f"新增了输入文件：{entry['path']}（生成报告时没有）")
    return problems


def check_folder_is_the_reports(manifest: dict, folder: Path, root: Path) -> list[str]:
    """The folder is ``outputs/<county>/<year>`` of the manifest's own county and year (E189):
    ``outputs/a/2023`` holding county b's report is not a's report, however well it verifies."""
    try:
        relative = folder.relative_to(root / "outputs").parts
    except ValueError:
        return []  # a folder elsewhere (a copy for an auditor): named by its manifest
    if len(relative) != 2:
        return []
    county, year = relative
    if (county, year) != (manifest["county"], str(manifest["year"])):
        return [f"[E189 错误] 文件夹 outputs/{county}/{year} 中的清单属于 {manifest['county']} {manifest['year']} 年的报告，"
                f"与文件夹所示的县和年度不符：这不是 {county} {year} 年的报告。"]
    return []


def check_stored_outputs(manifest: dict, folder: Path) -> list[str]:
    """Each output the manifest lists is a regular file inside the folder (not a link, E189) with
    the recorded SHA-256."""
    problems = []
    for entry in manifest.get("outputs", []):
        file = folder / entry["path"]
        outside = _not_inside(file, folder)
        if outside:
            problems.append(f"[E189 错误] 输出文件 {entry['path']} {outside}：核验只认可文件夹内的普通文件。")
            continue
        if not file.is_file():
            problems.append(f"输出文件缺失：{entry['path']}")
        elif sha256_of(file) != entry["sha256"]:
            problems.append(f"输出文件在生成后被改动：{entry['path']}（与清单记录的 SHA-256 不符）")
    return problems


def check_folder_files(manifest: dict, folder: Path) -> tuple[list[str], list[str]]:
    """The folder's files that the manifest does not list: problems for those inside perflib's own
    subfolders (where the outputs' folders are, e.g. ``figures/``), and the others, named as not
    perflib's (a user's notes, ``kept/``, ``failed/``)."""
    listed = {e["path"] for e in manifest.get("outputs", []) if isinstance(e, dict) and "path" in e}
    owned_dirs = {path.rsplit("/", 1)[0] for path in listed if "/" in path}
    problems, others = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(folder).as_posix()
        if rel in listed or rel == MANIFEST:
            continue
        if "/" in rel and rel.rsplit("/", 1)[0] in owned_dirs:
            problems.append(f"输出文件夹中多了清单没有列出的文件：{rel}（位于 perflib 的输出目录 {rel.rsplit('/', 1)[0]}/ 中）")
        else:
            others.append(rel)
    return problems, others


def _not_inside(file: Path, folder: Path) -> str | None:
    """Why ``file`` is not a regular file of its own inside ``folder`` (Chinese), or None."""
    path = folder
    for part in file.relative_to(folder).parts:
        path = path / part
        if path.is_symlink():
            return f"是指向 {os.readlink(path)} 的符号链接（或位于符号链接的文件夹中），不是文件夹内的文件"
    if file.exists() and not file.is_file():
        return "不是普通文件"
    try:
        file.resolve().relative_to(folder.resolve())
    except ValueError:
        return "位于输出文件夹之外"
    return None


# Fields of the manifest that describe the machine, not the report: compared as notes.
ENVIRONMENT_FIELDS = ("git", "versions")


def _flat(value, prefix: str = "") -> dict[str, object]:
    """A manifest as dotted paths to its leaves (``findings.codes.W204``, ``inputs[params/x.yaml].sha256``);
    lists of entries with a path are keyed by it, so that an entry removed is named by its path."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
        return out or {prefix: {}}
    if isinstance(value, list):
        if value and all(isinstance(e, dict) and "path" in e for e in value):
            out = {}
            for entry in value:
                rest = {k: v for k, v in entry.items() if k != "path"}
                out.update(_flat(rest, f"{prefix}[{entry['path']}]") or {f"{prefix}[{entry['path']}]": {}})
            return out or {prefix: []}
        out = {}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{prefix}[{i}]"))
        return out or {prefix: []}
    return {prefix: value}


def _shown(value) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def compare_manifests(manifest: dict, rerun_manifest: dict, limit: int = 20) -> list[str]:
    """Every field in which the stored manifest differs from the re-run's, as problems (Chinese),
    except the environment (``ENVIRONMENT_FIELDS``) and a PDF's bytes."""
    def certified(m: dict) -> dict[str, object]:
        kept = {k: v for k, v in m.items() if k not in ENVIRONMENT_FIELDS and k != "outputs"}
        flat = _flat(kept)
        for entry in m.get("outputs", []):  # one field per output; a PDF by its presence only
            path = entry.get("path")
            pdf = str(path).lower().endswith(NOT_BYTE_REPRODUCIBLE)
            flat[f"outputs[{path}]"] = "PDF" if pdf else f"SHA-256 {str(entry.get('sha256'))[:12]}…，{entry.get('size')} 字节"
        return flat

    stored, fresh = certified(manifest), certified(rerun_manifest)
    problems = []
    for key in sorted(set(stored) | set(fresh)):
        if key not in fresh:
            problems.append(f"清单中的 {key} 在重新生成的清单中没有（清单：「{_shown(stored[key])}」）")
        elif key not in stored:
            problems.append(f"清单缺少 {key}（重新生成为「{_shown(fresh[key])}」）")
        elif stored[key] != fresh[key]:
            problems.append(f"清单中的 {key} 与重新生成的不同（清单：「{_shown(stored[key])}」，重新生成：「{_shown(fresh[key])}」）")
    if len(problems) > limit:
        problems = problems[:limit] + [f"清单另有 {len(problems) - limit} 处与重新生成的不同"]
    return problems


def compare_rerun(manifest: dict, folder: Path, rerun: Path, result: Verification) -> None:
    entry_hash = {e["path"]: e["sha256"] for e in manifest.get("outputs", [])}
    recorded = list(entry_hash)
    for path in recorded:
        stored, fresh = folder / path, rerun / path
        if not fresh.is_file():
            result.problems.append(f"重新生成时没有得到 {path}")
            continue
        if not stored.is_file() or sha256_of(stored) != entry_hash[path]:
            continue  # already reported as missing or edited
        if stored.read_bytes() == fresh.read_bytes():
            result.compared.append(path)
        elif path.lower().endswith(NOT_BYTE_REPRODUCIBLE):
            _compare_pdf(path, stored, fresh, result)
        else:
            result.problems.append(f"重新生成的 {path} 与保存的不一致")
    for entry in read_manifest(rerun).get("outputs", []):
        if entry["path"] not in recorded:
            result.notes.append(f"当前代码还会生成 {entry['path']}，清单中没有这个文件。")


def _compare_pdf(path: str, stored: Path, fresh: Path, result: Verification) -> None:
    """A PDF whose bytes differ: its text and page count must be the re-run's (what is reproducible
    about a PDF, docs/publication.md); the bytes are not compared."""
    from .render_pdf import pdf_text

    text, fresh_text = pdf_text(stored), pdf_text(fresh)
    if text is None or fresh_text is None:
        result.notes.append(f"{path} 的字节与重新生成的不同；未安装 pdftotext（Debian: poppler-utils），未能核对其文字和页数。")
    elif text != fresh_text:
        pages, fresh_pages = text.count("\f"), fresh_text.count("\f")
        how = f"页数不同（保存的 {pages} 页，重新生成的 {fresh_pages} 页）" if pages != fresh_pages else "页数相同，文字不同"
        result.problems.append(f"重新生成的 {path} 与保存的不一致：{how}")
    else:
        result.notes.append(f"{path} 的文字和页数（{text.count(chr(12))} 页）与重新生成的相同；"
                            "其字节不同（LibreOffice 给嵌入字体的编号随转换次序而变），按设计不逐字节比较。")


def _environment_notes(manifest: dict, rerun_manifest: dict) -> list[str]:
    """Why outputs might differ: other code or other versions than at the recorded run."""
    notes = []
    old_git, new_git = manifest.get("git"), rerun_manifest.get("git")
    if old_git != new_git:
        def shown(g):
            return "无 git 记录" if not g else f"提交 {g['commit'][:12]}{'（有未提交改动）' if g['dirty'] else ''}"
        notes.append(f"代码版本不同：生成时为 {shown(old_git)}，现在为 {shown(new_git)}。要复现原报告，请检出生成时的提交后再核验。")
    old_v, new_v = manifest.get("versions", {}), rerun_manifest.get("versions", {})
    changed = [f"{k} {old_v.get(k)} → {new_v.get(k)}" for k in sorted(set(old_v) | set(new_v)) if old_v.get(k) != new_v.get(k)]
    if changed:
        notes.append("软件版本不同：" + "，".join(changed) + "。")
    return notes


def _check_shape(manifest, folder: Path) -> None:
    """A manifest verify can read: an object with county, year and entries with path and sha256."""
    from .errors import ManifestError

    def entries_ok(key: str) -> bool:
        entries = manifest.get(key, [])
        return isinstance(entries, list) and all(isinstance(e, dict) and isinstance(e.get("path"), str)
                                                 and isinstance(e.get("sha256"), str) for e in entries)

    if not isinstance(manifest, dict):
        raise ManifestError(f"{folder / MANIFEST} 不是有效的清单：顶层应为对象（键值对）。")
    year = manifest.get("year")
    if not isinstance(manifest.get("county"), str) or isinstance(year, bool) or not isinstance(year, int):
        raise ManifestError(f"{folder / MANIFEST} 不是有效的清单：缺少 county 或 year（或其值不对）。")
    for key in ("inputs", "outputs"):
        if not entries_ok(key):
            raise ManifestError(f"{folder / MANIFEST} 不是有效的清单：{key} 应为列表，每项含 path 和 sha256。")


def verify(folder: Path, root: Path | None = None, progress: bool = False) -> Verification:
    """Check an output folder against its manifest, re-running the report elsewhere."""
    from .run import run_report

    folder = Path(folder).resolve()
    manifest = read_manifest(folder)
    _check_shape(manifest, folder)
    root = (root or project.find_root(folder)).resolve()
    result = Verification(folder)
    result.problems += check_folder_is_the_reports(manifest, folder, root)
    linked = _not_inside(folder / MANIFEST, folder)
    if linked:
        result.problems.append(f"[E189 错误] 清单 {MANIFEST} {linked}：核验只认可文件夹内的普通文件。")
    result.problems += check_inputs(manifest, root)
    result.problems += check_stored_outputs(manifest, folder)
    extra, result.not_perflibs = check_folder_files(manifest, folder)
    result.problems += extra
    if any(p.startswith(("输入文件", "新增了输入文件")) for p in result.problems):
        result.notes.append("输入已改变，未重新生成报告：用改变后的输入生成的报告不会与保存的相同。")
        return result
    with tempfile.TemporaryDirectory(prefix="perflib-verify-") as temporary:
        rerun = Path(temporary) / f"{manifest['county']}-{manifest['year']}"
        run_report(manifest["county"], int(manifest["year"]), root=root, progress=progress, output_dir=rerun)
        compare_rerun(manifest, folder, rerun, result)
        rerun_manifest = read_manifest(rerun)
    result.notes += _environment_notes(manifest, rerun_manifest)
    result.problems += compare_manifests(manifest, rerun_manifest)  # params, title, findings, rows, outputs, ...
    return result


__all__ = ["MANIFEST", "Verification", "verify"]
