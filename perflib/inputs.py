"""Loading: the county-year workbook (or CSV folder) into typed tables, with findings.

Every cell is parsed by the kind its column declares in ``schema``; anything that does not parse
becomes a ``Finding`` located by file, sheet, Excel row and column, never an exception. The
tables keep each row's Excel row number (``excel_row``) so that every figure can name its rows.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator

import pandas as pd

from .findings import Finding
from .money import MAX_DECIMALS, decimals_of, to_decimal
from .schema import NOTES_SHEET, TABLES, Column, TableSpec

TOTAL_MARKERS = ("合计", "总计", "小计")


@dataclass
class Dataset:
    """The validated tables of one county and year, and what the checks found on the way."""

    tables: dict[str, pd.DataFrame]
    findings: list[Finding] = field(default_factory=list)
    source: str = ""  # the data path as the analyst wrote it

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def normalize_header(text: Any) -> str:
    """A header as compared: NFKC (full-width brackets and digits to half-width), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def load_dataset(path: Path, label: str | None = None, specs: Iterable[TableSpec] = TABLES) -> Dataset:
    """Read and type every table of ``specs`` from a workbook (.xlsx) or a folder of CSV files."""
    label = label or path.as_posix()
    findings: list[Finding] = []
    tables: dict[str, pd.DataFrame] = {}
    try:
        sheets = _read_sheets(path)
    except FileNotFoundError:
        return Dataset({}, [Finding("E100", "数据文件不存在。", file=label, expected="预算绩效数据工作簿（.xlsx）或 CSV 文件夹")], label)
    except Exception as exc:  # any unreadable file is a finding, not a traceback
        return Dataset({}, [Finding("E100", f"无法读取数据文件：{type(exc).__name__}。", file=label, expected="Excel 工作簿（.xlsx）或 UTF-8 CSV 文件夹")], label)
    for spec in specs:
        rows = sheets.get(spec.sheet)
        if rows is None:
            findings.append(Finding("E101", f"缺少工作表「{spec.sheet}」（{spec.purpose}）。", file=label, sheet=spec.sheet))
            tables[spec.name] = _empty(spec)
            continue
        table, table_findings = _typed_table(spec, rows, label)
        tables[spec.name] = table
        findings.extend(table_findings)
    return Dataset(tables, findings, label)


def _read_sheets(path: Path) -> dict[str, list[tuple[int, list[Any]]]]:
    """Every sheet as (Excel row number, cell values) pairs; a CSV file's stem names its sheet."""
    if path.is_dir():
        return {p.stem: list(_csv_rows(p)) for p in sorted(path.glob("*.csv"))}
    if not path.exists():
        raise FileNotFoundError(path)
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return {
            ws.title: [(i, list(values)) for i, values in enumerate(ws.iter_rows(values_only=True), start=1)]
            for ws in workbook.worksheets
            if ws.title != NOTES_SHEET
        }
    finally:
        workbook.close()


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for i, values in enumerate(csv.reader(handle), start=1):
            yield i, [v if v != "" else None for v in values]


def _empty(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame({"excel_row": pd.Series(dtype="int64"), **{c.name: pd.Series(dtype=object) for c in spec.columns}})


def _typed_table(spec: TableSpec, rows: list[tuple[int, list[Any]]], label: str) -> tuple[pd.DataFrame, list[Finding]]:
    findings: list[Finding] = []
    rows = [(n, values) for n, values in rows if any(_blank(v) is False for v in values)]
    if not rows:
        findings.append(Finding("E103", f"工作表「{spec.sheet}」是空的，缺少表头行。", file=label, sheet=spec.sheet, expected="第 1 行为表头：" + "、".join(spec.headers)))
        return _empty(spec), findings
    header_row, header = rows[0]
    positions = {normalize_header(h): i for i, h in enumerate(header) if not _blank(h)}
    where = dict(file=label, sheet=spec.sheet)
    index: dict[str, int] = {}
    for column in spec.columns:
        position = positions.get(normalize_header(column.header))
        if position is None:
            findings.append(Finding("E102", f"缺少列「{column.header}」。", row=header_row, column=column.header, expected="表头：" + "、".join(spec.headers), **where))
        else:
            index[column.name] = position
    known = {normalize_header(h) for h in spec.headers}
    for h in header:
        if not _blank(h) and normalize_header(h) not in known:
            findings.append(Finding("W201", f"列「{str(h).strip()}」不在数据格式中，已忽略。", row=header_row, column=str(h).strip(), **where))
    if len(index) < len(spec.columns):
        return _empty(spec), findings
    records = []
    for excel_row, values in rows[1:]:
        first_text = next((str(v).strip() for v in values if not _blank(v)), "")
        if first_text.replace(" ", "") in TOTAL_MARKERS:
            findings.append(Finding("W202", "合计行不作为数据，已跳过（合计由程序计算）。", row=excel_row, value=first_text, **where))
            continue
        record: dict[str, Any] = {"excel_row": excel_row}
        for column in spec.columns:
            raw = values[index[column.name]] if index[column.name] < len(values) else None
            record[column.name] = _parse(column, raw, excel_row, findings, where)
        records.append(record)
    if not records and spec.rows_required:
        findings.append(Finding("E103", f"工作表「{spec.sheet}」没有数据行（{spec.purpose}）。", row=header_row + 1, **where))
    table = pd.DataFrame(records, columns=["excel_row", *[c.name for c in spec.columns]]) if records else _empty(spec)
    table = table.astype({c.name: object for c in spec.columns})
    findings.extend(_duplicates(spec, table, where))
    return table, findings


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse(column: Column, raw: Any, row: int, findings: list[Finding], where: dict) -> Any:
    """One cell as its column's kind; a cell that does not parse adds a finding and gives None."""
    at = dict(row=row, column=column.header, **where)
    if _blank(raw):
        if column.required:
            findings.append(Finding("E110", "必填单元格为空。", expected=_expected(column), **at))
        return None
    shown = str(raw).strip()
    if column.kind == "text":
        return shown
    if column.kind == "choice":
        if shown not in column.choices:
            findings.append(Finding("E117", "取值不在允许范围内。", value=shown, expected="以下之一：" + "、".join(column.choices), **at))
            return None
        return shown
    if column.kind in ("money", "score"):
        try:
            number = to_decimal(raw)
        except ValueError:
            findings.append(Finding("E111", "不是数字。", value=shown, expected=_expected(column), **at))
            return None
        if column.kind == "score":
            if not Decimal(0) <= number <= Decimal(100):
                findings.append(Finding("E115", "得分不在 0–100 之间。", value=shown, expected="0 到 100 之间的数", **at))
                return None
            return number
        if number < 0:
            findings.append(Finding("E112", "金额为负数。", value=shown, expected="不小于 0 的金额（万元）", **at))
            return None
        if decimals_of(number) > MAX_DECIMALS:
            findings.append(Finding("E113", "金额小数位超过 4 位（万元精确到 0.0001，即 1 元）。", value=shown, expected="最多 4 位小数的万元金额", **at))
            return None
        return number
    if column.kind == "count":
        try:
            number = to_decimal(raw)
        except ValueError:
            number = None
        if number is None or number < 0 or number != number.to_integral_value():
            findings.append(Finding("E114", "不是非负整数。", value=shown, expected="不小于 0 的整数", **at))
            return None
        return int(number)
    if column.kind == "date":
        parsed = _date(raw)
        if parsed is None:
            findings.append(Finding("E116", "日期无法识别。", value=shown, expected="日期，如 2023-05-31", **at))
        return parsed
    raise ValueError(f"unknown column kind {column.kind}")  # pragma: no cover - schema bug


def _expected(column: Column) -> str:
    return {
        "money": "金额（万元，数字）",
        "score": "0 到 100 之间的得分",
        "count": "不小于 0 的整数",
        "date": "日期，如 2023-05-31",
        "choice": "以下之一：" + "、".join(column.choices),
    }.get(column.kind, f"文字，如「{column.example}」" if column.example else "文字")


def _date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00(?::00)?)?", text)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def _duplicates(spec: TableSpec, table: pd.DataFrame, where: dict) -> list[Finding]:
    if not spec.key or table.empty:
        return []
    seen: dict[tuple, int] = {}
    found = []
    for record in table.to_dict("records"):
        key = tuple(record[k] for k in spec.key)
        if any(k is None for k in key):
            continue
        if key in seen:
            shown = " / ".join(str(k) for k in key)
            found.append(Finding("E120", f"与第 {seen[key]} 行重复。", row=record["excel_row"], column=spec.column(spec.key[-1]).header, value=shown, expected="每个项目只出现一次", **where))
        else:
            seen[key] = record["excel_row"]
    return found
