"""Exports as they come: a county's budget-system export names its sheets and columns its own way
(年初预算数 for 预算金额(万元), 单位名称 for 主管部门, an amount in 元). The params key ``columns``
maps them onto perflib's once, and the data is read as exported:

```yaml
columns:
  项目目标审核:                  # perflib's sheet (docs/data-format.md)
    sheet: 年初预算项目           # the export's sheet name (optional)
    主管部门: 单位名称            # perflib's column: the export's column
    预算金额(万元): {header: 年初预算数, unit: 元}   # an amount exported in 元 is read as 万元
```

When headers do not match, ``suggest_mapping`` names the closest perflib column for each unknown
header and writes the block to paste into params (``perflib check`` prints it).
"""
from __future__ import annotations

import dataclasses
import difflib
import re
from typing import Any, Iterable, Mapping

from .errors import ParamsError
from .findings import Finding
from .schema import TABLES, TABLES_BY_NAME, TABLES_BY_SHEET, Column, TableSpec

UNITS = {"万元": 1, "元": 10000}  # an amount's unit in the export → what it is divided by to give 万元


def parse_mapping(raw: Any, where: str) -> dict[str, dict[str, Any]]:
    """The params' ``columns`` block, checked: perflib sheet → {"sheet": export sheet, header: (export header, unit)}."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ParamsError(f"参数文件 {where} 中 columns 应为「perflib 工作表名: 对应关系」的键值对（见 docs/params.md）。")
    mapping: dict[str, dict[str, Any]] = {}
    for sheet, entry in raw.items():
        spec = TABLES_BY_SHEET.get(str(sheet))
        if spec is None:
            guess = difflib.get_close_matches(str(sheet), list(TABLES_BY_SHEET), n=1, cutoff=0.3)
            hint = f"是否是「{guess[0]}」？" if guess else "可用的工作表见 docs/data-format.md。"
            raise ParamsError(f"参数文件 {where} 中 columns 的「{sheet}」不是 perflib 的工作表名：{hint}")
        if not isinstance(entry, Mapping):
            raise ParamsError(f"参数文件 {where} 中 columns.{sheet} 应为键值对（sheet: 导出的工作表名；列名: 导出的列名）。")
        table: dict[str, Any] = {"columns": {}}
        for key, value in entry.items():
            key = str(key)
            if key == "sheet":
                table["sheet"] = _text(value, f"{where} columns.{sheet}.sheet")
                continue
            column = next((c for c in spec.columns if c.header == key), None)
            if column is None:
                guess = difflib.get_close_matches(key, list(spec.headers), n=1, cutoff=0.3)
                hint = f"是否是「{guess[0]}」？" if guess else "该表的列：" + "、".join(spec.headers) + "。"
                raise ParamsError(f"参数文件 {where} 中 columns.{sheet} 的「{key}」不是工作表「{sheet}」的列名：{hint}")
            if isinstance(value, Mapping):
                unknown = set(value) - {"header", "unit"}
                if unknown:
                    raise ParamsError(f"参数文件 {where} 中 columns.{sheet}.{key} 有未知的键：{'、'.join(sorted(map(str, unknown)))}（可用：header、unit）。")
                header = _text(value.get("header", key), f"{where} columns.{sheet}.{key}.header")
                unit = str(value.get("unit", "万元"))
            else:
                header, unit = _text(value, f"{where} columns.{sheet}.{key}"), "万元"
            if unit not in UNITS or (unit != "万元" and column.kind != "money"):
                raise ParamsError(f"参数文件 {where} 中 columns.{sheet}.{key}.unit 为「{unit}」：只有金额列可写 unit，取值为 万元 或 元。")
            table["columns"][key] = (header, unit)
        mapping[spec.name] = table
    return mapping


def _text(value: Any, where: str) -> str:
    if not isinstance(value, (str, int)) or not str(value).strip():
        raise ParamsError(f"参数文件 {where} 应为导出表中的名称（文字）。")
    return str(value).strip()


def mapped_specs(mapping: Mapping[str, Mapping[str, Any]], specs: Iterable[TableSpec] = TABLES) -> list[TableSpec]:
    """The input tables as the county's export names them: sheet and headers replaced, amounts in 元 divided."""
    result = []
    for spec in specs:
        table = mapping.get(spec.name)
        if not table:
            result.append(spec)
            continue
        columns = []
        for column in spec.columns:
            header, unit = table["columns"].get(column.header, (column.header, "万元"))
            columns.append(dataclasses.replace(column, header=header, divisor=UNITS[unit]))
        result.append(dataclasses.replace(spec, sheet=table.get("sheet", spec.sheet), columns=tuple(columns)))
    return result


def mapped_tables(mapping: Mapping[str, Mapping[str, Any]]) -> dict[str, TableSpec]:
    """``mapped_specs`` by perflib's table name: where a figure's rows are, in the county's own names."""
    return {spec.name: spec for spec in mapped_specs(mapping)}


# -- suggestions for perflib check ---------------------------------------------------------------

_UNIT_IN_HEADER = re.compile(r"[（(]\s*(万元|元)\s*[)）]")


def _bare(header: str) -> str:
    """A header without its unit in brackets: 「预算金额(万元)」 → 「预算金额」."""
    return _UNIT_IN_HEADER.sub("", header).strip()


def _closeness(export: str, column: Column) -> float:
    bare = _bare(export)
    if bare in column.aliases or bare == _bare(column.header):
        return 1.0
    return max(difflib.SequenceMatcher(None, bare, name).ratio() for name in (_bare(column.header), *column.aliases))


def _unit_of(export: str) -> str:
    found = _UNIT_IN_HEADER.search(export)
    return found.group(1) if found else "万元"


def suggest_mapping(findings: Iterable[Finding], specs: Iterable[TableSpec] = TABLES) -> str | None:
    """The ``columns`` block to paste into params, from ``check``'s findings: for every required
    column missing from a sheet (E102), the closest unknown header of that sheet (W201), by the
    column's usual export names first, then by spelling. None when there is nothing to suggest."""
    findings = list(findings)
    by_sheet = {spec.sheet: spec for spec in specs}
    missing: dict[str, list[str]] = {}
    unknown: dict[str, list[str]] = {}
    for f in findings:
        if f.code == "E102" and f.sheet in by_sheet and f.column:
            missing.setdefault(f.sheet, []).append(f.column)
        elif f.code == "W201" and f.sheet in by_sheet and f.column:
            unknown.setdefault(f.sheet, []).append(f.column)
    lines: list[str] = []
    for sheet, headers in missing.items():
        spec = by_sheet[sheet]
        free = list(unknown.get(sheet, []))
        pairs = []
        for header in headers:
            column = next(c for c in spec.columns if c.header == header)
            scored = sorted(((_closeness(e, column), e) for e in free), key=lambda se: -se[0])
            if scored and scored[0][0] >= 0.3:
                export = scored[0][1]
                free.remove(export)
                pairs.append((column, export))
        if not pairs:
            continue
        perflib_spec = TABLES_BY_NAME[spec.name]  # the names the params block is written in
        lines.append(f"  {perflib_spec.sheet}:")
        if spec.sheet != perflib_spec.sheet:
            lines.append(f"    sheet: {spec.sheet}")
        for column, export in pairs:
            header = perflib_spec.column(column.name).header
            if column.kind == "money" and _unit_of(export) == "元":
                lines.append(f"    {header}: {{header: {export}, unit: 元}}   # 导出表的金额以元为单位，读取时换算为万元")
            else:
                lines.append(f"    {header}: {export}")
    if not lines:
        return None
    return "columns:   # 本县导出表的列名与 perflib 列名的对应（请逐项核对后加入参数文件，见 docs/params.md）\n" + "\n".join(lines)
