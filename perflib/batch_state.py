"""What a batch keeps as it goes, so that an interrupted batch loses nothing that finished.

- **The summary is written as results arrive**: after each finished report,
  ``outputs/batch-summary.csv`` is written again in full (atomically: a reader, or an interrupt,
  sees the previous complete file or the new one, never half a file), with every report finished
  so far. An interrupted batch's summary lists what finished.
- **``perflib batch --resume`` skips what is done**: a report is done when its published
  outputs have a ``manifest.json``, its last run did not fail (no ``failed/`` folder), and every
  input is unchanged: each file the manifest lists (params, data, notebook, county templates)
  has the SHA-256 recorded there, and the earlier years that 与上年对比 reads (their params and
  data files) are no newer than the manifest. Without ``--resume`` every report runs again, as
  before: a new perflib version, or fixed templates outside the project, should give new
  outputs, and a full run is what ``perflib verify`` and the auditors expect. Decision in
  docs/batch.md.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from . import project

SKIPPED_MESSAGE = "输入未改变，沿用已有输出（--resume）"


def done_reason(root: Path, county: str, year: int) -> str | None:
    """Why the report of ``county``/``year`` need not run again (its outputs are current), or
    None when it must run."""
    from .manifest import MANIFEST, sha256_of

    folder = project.output_dir(root, county, year)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file() or (folder / "failed").exists():
        return None
    try:
        import json

        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        inputs = manifest["inputs"]
        for entry in inputs:
            file = root / entry["path"]
            if not file.is_file() or sha256_of(file) != entry["sha256"]:
                return None
        if not any(e["path"] == f"params/{county}/{year}.yaml" for e in inputs):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    made = manifest_path.stat().st_mtime
    for earlier in _earlier_years(root, county, year):
        if earlier.stat().st_mtime > made:
            return None
    return SKIPPED_MESSAGE


def _earlier_years(root: Path, county: str, year: int) -> list[Path]:
    """The files of the county's earlier years that 与上年对比 reads: their params files and the
    data each names (perflib.history reads up to four earlier years)."""
    import yaml

    files = []
    for earlier in range(year - 4, year):
        params = root / "params" / county / f"{earlier}.yaml"
        if not params.is_file():
            continue
        files.append(params)
        try:
            data = (yaml.safe_load(params.read_text(encoding="utf-8")) or {}).get("data")
        except (OSError, yaml.YAMLError, AttributeError):
            data = None
        if isinstance(data, str):
            path = (root / data) if not Path(data).is_absolute() else Path(data)
            if path.is_file():
                files.append(path)
            elif path.is_dir():
                files += project.csv_files(path)
    return files
