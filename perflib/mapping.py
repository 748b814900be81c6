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
import unicodedata
from typing import Any, Callable, Iterable, Mapping

from .errors import ParamsError
from .findings import Finding
from .schema import TABLES, TABLES_BY_NAME, TABLES_BY_SHEET, Column, TableSpec

UNITS = {"万元": 1, "元": 10000}  # an amount's unit in the export → what it is divided by to give 万元


def parse_mapping(raw: Any, where: str, line: Callable[[list], int | None] = lambda path: None) -> dict[str, dict[str, Any]]:
    """The params' ``columns`` block (its shape already checked against perflib.params_schema):
    perflib sheet → {"sheet": export sheet, "columns": {header: (export header, unit)}}. What a
    schema cannot see is refused here: two columns of a sheet read from one export column (E126),
    a sheet mapped onto another table's sheet (E127). ``line`` gives the line of a key path."""
    if not raw:
        return {}
    mapping: dict[str, dict[str, Any]] = {}
    for sheet, entry in raw.items():
        spec = TABLES_BY_SHEET[str(sheet)]
        table: dict[str, Any] = {"columns": {}}
        for key, value in (entry or {}).items():
            key = str(key)
            if key == "sheet":
                table["sheet"] = str(value).strip()
            elif isinstance(value, Mapping):
                table["columns"][key] = (str(value.get("header", key)).strip(), str(value.get("unit", "万元")))
            else:
                table["columns"][key] = (str(value).strip(), "万元")
        mapping[spec.name] = table
    _refuse_one_export_column_twice(mapping, where, line)
    _refuse_shared_sheets(mapping, where, line)
    return mapping


def _compared(name: str) -> str:
    """A sheet or header as the loader compares it (perflib.inputs): NFKC, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _at(where: str, line: int | None) -> str:
    return f"参数文件 {where}" + (f" 第 {line} 行" if line else "")


def _refuse_one_export_column_twice(mapping: Mapping[str, Mapping[str, Any]], where: str, line) -> None:
    """Two perflib columns read from one export column (预算金额 and 执行金额 both from 年初预算数)
    would give both the same values: refused (E126), naming both."""
    for name, table in mapping.items():
        spec = TABLES_BY_NAME[name]
        readers: dict[str, list[str]] = {}
        for column in spec.columns:
            export = table["columns"].get(column.header, (column.header, "万元"))[0]
            readers.setdefault(_compared(export), []).append(column.header)
        for export, headers in readers.items():
            if len(headers) > 1:
                mapped = next(h for h in headers if h in table["columns"])
                shown = table["columns"][mapped][0]
                named = "、".join(f"「{h}」" for h in headers)
                raise ParamsError(
                    f"{_at(where, line(['columns', spec.sheet, mapped]))}，columns.{spec.sheet}：列{named}都对应导出表的同一列"
                    f"「{shown}」，读出的值会完全相同。请为每个列写导出表中各自的列名（未写的列按其本名「{headers[0]}」等读取）。",
                    code="E126")


def _refuse_shared_sheets(mapping: Mapping[str, Mapping[str, Any]], where: str, line) -> None:
    """A table mapped onto the sheet another table reads (培训 → 项目目标审核, while 项目目标审核 is
    read as itself): one sheet cannot hold two tables; refused (E127), naming both."""
    readers: dict[str, list[TableSpec]] = {}
    for spec in TABLES:
        sheet = mapping.get(spec.name, {}).get("sheet", spec.sheet)
        readers.setdefault(_compared(sheet), []).append(spec)
    for sheet, specs in readers.items():
        if len(specs) > 1:
            mapped = [s for s in specs if "sheet" in mapping.get(s.name, {})]
            first = mapped[0]
            named = "、".join(f"「{s.sheet}」" for s in specs)
            export = mapping[first.name]["sheet"]
            raise ParamsError(
                f"{_at(where, line(['columns', first.sheet, 'sheet']))}，columns.{first.sheet}.sheet：工作表{named}都会从导出表的"
                f"工作表「{export}」读取，一个工作表不能同时是两张表。请改正 sheet（写本县导出表中该表自己的工作表名）。",
                code="E127")


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
