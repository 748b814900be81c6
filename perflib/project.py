"""Where a project's folders are: params/, data/, notebooks/, outputs/."""
from __future__ import annotations

import os
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The project folder: ``$PERFLIB_ROOT``, else the nearest folder at or above ``start``
    (default: the working directory) that holds both ``params/`` and ``notebooks/``."""
    if os.environ.get("PERFLIB_ROOT"):
        return Path(os.environ["PERFLIB_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "params").is_dir() and (folder / "notebooks").is_dir():
            return folder
    raise FileNotFoundError(
        f"找不到项目目录：{here} 及其上级目录中没有同时包含 params/ 和 notebooks/ 的文件夹。"
        "请在项目目录中运行，或设置环境变量 PERFLIB_ROOT。"
    )


def params_path(root: Path, county: str, year: int) -> Path:
    from .safety import check_county, check_year

    return root / "params" / check_county(county) / f"{check_year(year)}.yaml"


def output_dir(root: Path, county: str, year: int) -> Path:
    from .safety import check_county, check_year

    return root / "outputs" / check_county(county) / str(check_year(year))


def notebook_path(root: Path, name: str = "annual_report") -> Path:
    return root / "notebooks" / f"{name}.ipynb"


def csv_files(folder: Path) -> list[Path]:
    """The CSV files of a data folder, in name order: ``*.csv`` with the extension in any case
    (``培训.CSV`` as an export may write it), so that reading, hashing and staleness see the same files."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".csv")


def relative(path: Path, root: Path) -> str:
    """``path`` as written relative to the project (for messages and manifests)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
