"""What a batch keeps as it goes, so that an interrupted batch loses nothing that finished.

- **The summary is written as results arrive**: after each finished report,
  ``outputs/batch-summary.csv`` is written again in full (atomically: a reader, or an interrupt,
  sees the previous complete file or the new one, never half a file), with every report finished
  so far. An interrupted batch's summary lists what finished.
- **``perflib batch --resume`` skips what is done**: a report is done when its published
  outputs have a ``manifest.json``, its last run did not fail (no ``failed/`` folder), every
  output the manifest lists is there with its recorded SHA-256, and its inputs are unchanged.
  The inputs are not taken from the manifest (a file anyone can edit: a manifest whose data
  entry was deleted would hide a changed workbook): they are found again from the params file
  as a run finds them (params, data, notebook, county templates), each hashed, and the two lists
  must be the same paths with the same SHA-256. The earlier years that 与上年对比 reads (their
  params and data files, ``history.EARLIER_YEARS`` back) must be no newer than the manifest.
  Without ``--resume`` every report runs again, as before: a new perflib version, or fixed
  templates outside the project, should give new outputs, and a full run is what ``perflib
  verify`` and the auditors expect. Decision in docs/batch.md.
"""
from __future__ import annotations

from pathlib import Path
from . import project

SKIPPED_MESSAGE = "输入未改变，沿用已有输出（--resume）"


def done_reason(root: Path, county: str, year: int, data_root: str | Path | None = None) -> str | None:
    """Why the report of ``county``/``year`` need not run again (its outputs are current), or
    None when it must run."""
    import json

    from .errors import PerflibError
    from .manifest import MANIFEST, input_paths, sha256_of
    from .params import load_params

    folder = project.output_dir(root, county, year)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file() or (folder / "failed").exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        recorded = {entry["path"]: entry["sha256"] for entry in manifest["inputs"]}
        for entry in manifest["outputs"]:
            output = folder / entry["path"]
            if not output.is_file() or sha256_of(output) != entry["sha256"]:
                return None
        params = load_params(county, year, root, data_root=data_root)
        current = {project.relative(path, root): sha256_of(path) for path, _ in input_paths(params)}
    except (OSError, ValueError, KeyError, TypeError, PerflibError):
        return None
    if current != recorded or f"params/{county}/{year}.yaml" not in current:
        return None
    made = manifest_path.stat().st_mtime
    for earlier in _earlier_years(root, county, year, data_root):
        if earlier.stat().st_mtime > made:
            return None
    return SKIPPED_MESSAGE


def _earlier_years(root: Path, county: str, year: int, data_root: str | Path | None = None) -> list[Path]:
    """The files of the county's earlier years that 与上年对比 reads: their params files and the
    data each names (``history.EARLIER_YEARS`` back), read as the run reads them (a key written
    twice is refused: such a year is only its params file here, and the run says W220)."""
    from .errors import PerflibError
    from .history import EARLIER_YEARS
    from .params import load_params

    files = []
    for earlier in range(year - EARLIER_YEARS, year):
        params_path = project.params_path(root, county, earlier)
        if not params_path.is_file():
            continue
        files.append(params_path)
        try:
            data = load_params(county, earlier, root, data_root=data_root).data
        except (OSError, ValueError, PerflibError):
            continue
        if data.is_file():
            files.append(data)
        elif data.is_dir():
            files += project.csv_files(data)
    return files
