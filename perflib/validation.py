"""Validated tables: a county-year's data loaded, typed and checked, with every finding about it.

The first step of every report (and of ``perflib check``, the manifest and the earlier years of
与上年对比): params + data → tables and findings. A report is never made from data with errors."""
from __future__ import annotations

import difflib

from . import distinct
from .checks import check_dataset, check_stated_totals
from .errors import DataError
from .figures import compute_figures
from .findings import Finding, errors
from .inputs import Dataset, load_dataset
from .mapping import mapped_specs
from .outline import read_outline, tables_in
from .params import Params
from .placeholders import placeholder_findings
from .schema import TABLES_BY_NAME


def load_data(params: Params) -> tuple[Dataset, list[Finding]]:
    """The county-year tables and every finding about them (loading and cross-table checks)."""
    with distinct.remembering():  # a column's distinct values are counted once, for loading and the checks
        dataset = load_dataset(params.data, params.data_label, mapped_specs(params.columns))
        findings = absent_sheets(dataset, params)
        if not errors(findings):  # cross-table checks need tables that typed cleanly
            findings += check_dataset(dataset, params)
    if not errors(findings) and (params.stated_totals or any(f.unit for _, f in params.settings.figure_formats)):
        figures = compute_figures(dataset, params)
        findings += check_stated_totals(figures, params) if params.stated_totals else []
        findings += units_on_amounts_only(figures, params)
    findings += placeholder_findings(params)  # what perflib new left to fill in the params (E160, E161, W261)
    return dataset, findings


def units_on_amounts_only(figures, params: Params) -> list[Finding]:
    """``formats`` may print an amount in 万元 or 亿元; a ``unit`` on a figure that is not an amount
    (a count, a share) would be silently ignored: an error (E194) naming the format and the figure.
    A prefix (``monitoring.``) that covers amounts too is fine: the unit applies to its amounts."""
    found = []
    for name, fmt in params.settings.figure_formats:
        if not fmt.unit:
            continue
        named = [f for f in figures.items.values() if f.key == name or (name.endswith(".") and f.key.startswith(name))]
        hit = [f for f in named if f.unit not in ("万元", "亿元")]
        if hit and len(hit) == len(named):  # a prefix over amounts and counts applies to its amounts
            shown = "、".join(f"{f.key}（{f.label}，单位{f.unit or '无'}）" for f in hit[:3]) + ("等" if len(hit) > 3 else "")
            found.append(Finding("E194", f"formats.{name} 的 unit「{fmt.unit}」只能用于金额，但它所指的数字不是金额：{shown}。"
                                         "请删去 unit，或把名称写到金额数字（如 key_evaluations.amount）。",
                                 file=f"params/{params.county}/{params.year}.yaml", column=f"formats.{name}.unit", value=fmt.unit,
                                 expected="只写在金额数字（万元、亿元）上"))
    return found


def stop_on_errors(findings: list[Finding]) -> None:
    """Raise ``DataError`` listing the errors, if any: a report is never made from bad data."""
    if errors(findings):
        raise DataError(findings)


def absent_sheets(dataset: Dataset, params: Params) -> list[Finding]:
    """A county provides only the sheets of the work it did. A sheet absent from the workbook
    takes its table out of ``dataset.tables``; the parts that draw only on absent tables are left
    out of the report. A missing sheet is an error (E101) only when a part the county's params
    name in ``outline:`` has none of its sheets; when a part of the default outline is left out,
    the analyst is told (W250). Tables no part draws on need no sheet at all."""
    if any(f.code == "E100" for f in dataset.findings):
        return list(dataset.findings)
    by_sheet = {spec.sheet: spec for spec in mapped_specs(params.columns)}  # the sheets as the county's export names them
    missing = {by_sheet[f.sheet].name: f for f in dataset.findings if f.code == "E101" and f.sheet in by_sheet}
    if not missing:
        return list(dataset.findings)
    named = mapped_sheets_missing(missing, params, dataset)
    if named:  # the params say the export has these sheets: an error of the params' mapping, not work left out
        return [f for f in dataset.findings if not (f.code == "E101" and f.sheet in by_sheet and by_sheet[f.sheet].name in named)] \
            + list(named.values())
    outline = read_outline(params)
    used = tables_in(outline)
    required: set[str] = set()
    unknown = [f.sheet for f in dataset.findings if f.code == "W208" and f.sheet]
    for name in missing:  # a sheet under a near name (培训情况 for 培训) is data misnamed, not work not done
        if difflib.get_close_matches(missing[name].sheet, unknown, n=1, cutoff=0.5):
            required.add(name)
    for part in outline.walk():
        if part.chosen and part.tables and all(t in missing for t in part.tables):
            required.update(part.tables)
    findings = [f for f in dataset.findings
                if not (f.code == "E101" and f.sheet in by_sheet and by_sheet[f.sheet].name not in required)]
    for name in missing:
        if name not in required:
            del dataset.tables[name]
    for part in outline.walk():
        if part.tables and not part.chosen and all(t in missing for t in part.tables):
            sheets = "、".join(f"「{TABLES_BY_NAME[t].sheet}」" for t in part.tables)
            findings.append(Finding("W250", f"工作簿中没有工作表{sheets}：报告不写「{part.title}」这一部分，其后标题顺序编号。"
                                            "如本地区做了这项工作，请按 docs/data-format.md 建立工作表。", file=params.data_label, sheet=TABLES_BY_NAME[part.tables[0]].sheet))
    return findings


def mapped_sheets_missing(missing: dict[str, Finding], params: Params, dataset: Dataset) -> dict[str, Finding]:
    """A table whose sheet the params' ``columns`` name (``sheet: 培训情况表``) but which the workbook
    lacks: an error (E128) naming both the export's sheet and perflib's, never a part silently left
    out under a name the analyst never wrote."""
    present = [f.sheet for f in dataset.findings if f.code == "W208" and f.sheet]
    found = {}
    for name in missing:
        export = params.columns.get(name, {}).get("sheet")
        if not export:
            continue
        own = TABLES_BY_NAME[name].sheet
        hint = (f"工作簿中有工作表「{own}」：如果它就是这张表，请删去参数中的 columns.{own}.sheet。" if own in present
                else f"请改正 columns.{own}.sheet，或在工作簿中建立工作表「{export}」。")
        found[name] = Finding("E128", f"参数文件 params/{params.county}/{params.year}.yaml 中 columns.{own}.sheet 写明表「{own}」在本县导出表中的工作表是「{export}」，"
                                      f"但工作簿中没有这个工作表。{hint}", file=params.data_label, sheet=export,
                              expected="参数 columns 中写明的工作表")
    return found
