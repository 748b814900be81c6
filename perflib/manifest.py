"""Provenance (来源记录): ``manifest.json`` beside a report's outputs.

It records what a run read (each input's path relative to the project, SHA-256, size and, for
workbooks, the rows read per sheet), the resolved parameters, the versions of the software, the
project's git commit and whether the working tree had changes, the findings summary and each
output's SHA-256. Same inputs and code give the same bytes: no timestamps, no absolute paths.
``perflib verify`` checks a folder against it. The notebook's first cells show the same
provenance (``show_provenance``), so a reader of the notebook alone sees it too.
"""
from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from . import project, records
from .params import Params
from .errors import ManifestError

MANIFEST = "manifest.json"


MANIFEST_VERSION = 1
VERSIONED_PACKAGES = ("perflib", "pandas", "papermill", "nbconvert", "matplotlib", "ipykernel")


def sha256_of(path: Path) -> str:
    from .safety import open_regular

    digest = hashlib.sha256()
    with open_regular(path, str(path)) as handle:  # a FIFO would never end (E151)
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_entry(path: Path, root: Path, role: str) -> dict[str, Any]:
    return {"path": project.relative(path, root), "role": role, "sha256": sha256_of(path), "size": path.stat().st_size}


def sheet_rows(params: Params) -> dict[str, int]:
    """Data rows read per sheet (after the header; 合计 rows skipped), as the report used them."""
    from .inputs import load_dataset
    from .schema import TABLES_BY_NAME

    dataset = load_dataset(params.data, params.data_label)
    absent = {f.sheet for f in dataset.findings if f.code == "E101"}  # a sheet the county does not provide
    return {TABLES_BY_NAME[name].sheet: int(len(table)) for name, table in dataset.tables.items() if TABLES_BY_NAME[name].sheet not in absent}


def input_paths(params: Params) -> list[tuple[Path, str]]:
    """Every file a run reads, with its role: params file, data (workbook or each CSV), the
    notebook, county templates. Links out of the data or templates folder are refused (E152)."""
    from .safety import require_inside

    root = params.root
    paths = []
    if params.source and params.source.exists():
        paths.append((params.source, "参数文件"))
    if params.data.is_dir():
        for path in project.csv_files(params.data):
            require_inside(path, params.data, project.relative(path, root))  # a link out of the data folder (E152)
            paths.append((path, "数据"))
    elif params.data.exists():
        paths.append((params.data, "数据"))
    notebook = project.notebook_path(root)
    if notebook.exists():
        paths.append((notebook, "笔记本"))
    if params.templates and params.templates.is_dir():
        for path in sorted(p for p in params.templates.rglob("*") if p.is_file()):
            require_inside(path, params.templates, f"模板 {path.name}")  # a link out of the folder (E152)
            paths.append((path, "模板"))
    return paths


def input_files(params: Params) -> list[dict[str, Any]]:
    """``input_paths`` with each file's path relative to the project, SHA-256, size and, for the
    data, the rows read per sheet."""
    root = params.root
    rows = sheet_rows(params) if params.data.exists() else {}
    entries = []
    for path, role in input_paths(params):
        entry = _file_entry(path, root, role)
        if role == "数据":
            if params.data.is_dir():
                if path.stem in rows:
                    entry["sheets"] = {path.stem: rows[path.stem]}
            else:
                entry["sheets"] = rows
        entries.append(entry)
    return entries


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)  # Decimal, dates


def resolved_params(params: Params) -> dict[str, Any]:
    """The parameters as the run used them (file values with papermill's overrides), no absolute paths."""
    return _jsonable({
        "county": params.county,
        "year": params.year,
        "county_name": params.county_name,
        "data": params.data_label,
        "settings": asdict(params.settings),
        "facts": {
            "indicator_system": asdict(params.indicator_system) if params.indicator_system else None,
            "pre_assessment_rule": params.pre_assessment_rule,
            "third_party_quality_rating": params.third_party_quality_rating,
        },
        "text": {
            "policy_basis": params.policy_basis,
            "third_party_scope": params.third_party_scope,
            "evaluation_remarks": params.evaluation_remarks,
            "problems": [asdict(i) for i in params.problems],
            "measures": [asdict(i) for i in params.measures],
        },
        "templates": project.relative(params.templates, params.root) if params.templates else None,
        "illustrative": params.illustrative,  # "" for real data; the notice every output carries otherwise
        "outline": params.outline,
        "wording": asdict(params.wording),
        "evaluation_types": [asdict(t) for t in params.evaluation_types],
        "grades": dict(params.grade_labels),
        "timing": params.timing,
        "key_evaluation_table": list(params.key_evaluation_columns),
        "more_text": dict(params.text),
    })


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "未安装"
    return versions


def git_state(root: Path) -> dict[str, Any] | None:
    """The commit checked out at ``root`` and whether tracked or new files differ from it;
    None when ``root`` is not in a git checkout or git is not installed."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True, timeout=30).stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain").strip())
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def provenance(params: Params) -> dict[str, Any]:
    """What the notebook shows at the top and the manifest records: inputs, params, versions, git."""
    return {
        "county": params.county,
        "year": params.year,
        "title": params.title,
        "inputs": input_files(params),
        "params": resolved_params(params),
        "versions": software_versions(),
        "git": git_state(params.root),
    }


def findings_summary(params: Params) -> dict[str, Any]:
    from .validation import load_data

    _, findings = load_data(params)
    return summarize_findings(findings)


def summarize_findings(findings: list) -> dict[str, Any]:
    codes: dict[str, int] = {}
    for f in findings:
        codes[f.code] = codes.get(f.code, 0) + 1
    return {"errors": sum(f.is_error for f in findings), "warnings": sum(not f.is_error for f in findings),
            "codes": dict(sorted(codes.items())), "messages": [str(f) for f in findings]}


def output_files(folder: Path) -> list[dict[str, Any]]:
    """Every file in an output folder except the manifest itself, sorted by path."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST and not p.name.startswith("."))
    return [{"path": p.relative_to(folder).as_posix(), "sha256": sha256_of(p), "size": p.stat().st_size} for p in files]


def build_manifest(folder: Path, params: Params, notebook: Any = None) -> dict[str, Any]:
    """The manifest of ``folder``. Provenance and findings are read from the executed
    ``notebook`` (a path or NotebookNode) where it recorded them, so that the runner need not
    load the data again; otherwise they are computed here."""
    recorded_provenance = recorded_findings = None
    if notebook is not None:
        notebook = records.notebook_of(notebook)
        recorded_provenance = records.read(notebook, records.PROVENANCE)
        recorded_findings = records.read(notebook, records.FINDINGS)
    return {"manifest_version": MANIFEST_VERSION, **(recorded_provenance or provenance(params)),
            "findings": recorded_findings or findings_summary(params), "outputs": output_files(folder)}


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    # Keys sorted: the provenance read back from a notebook (nbformat sorts keys) and the one
    # computed here give the same bytes.
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_manifest(folder: Path, params: Params, notebook: Any = None) -> Path:
    """Write ``manifest.json`` for the outputs now in ``folder`` (the runner's staging folder)."""
    from .files import write_atomic

    path = Path(folder) / MANIFEST
    write_atomic(path, manifest_bytes(build_manifest(Path(folder), params, notebook)))
    return path


def read_manifest(folder: Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(f"{path} 不存在：该文件夹不是 perflib run 生成的输出文件夹，或清单已被删除。")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path} 不是有效的清单（JSON）：{exc}") from None


def show_provenance(params: Params) -> None:
    """The provenance as the notebook's second cell shows it, recorded for the manifest."""
    record = provenance(params)
    lines = ["**来源记录**（与输出文件夹中的 `manifest.json` 一致；`perflib verify` 据此核验）", "",
             "| 输入文件 | 用途 | 大小（字节） | SHA-256 |", "|---|---|---|---|"]
    for e in record["inputs"]:
        # the short form keeps the table narrow (a 64-digit hash does not wrap); the full value is
        # the cell's tooltip and listed below the table
        lines.append(f"| `{e['path']}` | {e['role']} | {e['size']} | <code title=\"{e['sha256']}\">{e['sha256'][:12]}…</code> |")
    lines += ["", "各工作表数据行数："] + [f"- `{e['path']}`：" + "、".join(f"{k} {v}" for k, v in e["sheets"].items())
                                     for e in record["inputs"] if e.get("sheets")]
    lines += ["", "完整 SHA-256："] + [f"- `{e['path']}`：`{e['sha256']}`" for e in record["inputs"]]
    versions = "，".join(f"{k} {v}" for k, v in record["versions"].items())
    git = record["git"]
    code = (f"git 提交 `{git['commit']}`{'（工作区有未提交的改动）' if git['dirty'] else '（工作区无改动）'}"
            if git else "项目不在 git 仓库中，无提交记录")
    lines += ["", f"软件版本：{versions}。代码：{code}。"]
    records.record(records.PROVENANCE, record, {"text/markdown": "\n".join(lines)}, "provenance")
