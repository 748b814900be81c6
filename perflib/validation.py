"""Validated tables: a county-year's data loaded, typed and checked, with every finding about it.

The first step of every report (and of ``perflib check``, the manifest and the earlier years of
与上年对比): params + data → tables and findings. A report is never made from data with errors."""
from __future__ import annotations

import difflib

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
    dataset = load_dataset(params.data, params.data_label, mapped_specs(params.columns))
    findings = absent_sheets(dataset, params)
    if not errors(findings):  # cross-table checks need tables that typed cleanly
        findings += check_dataset(dataset, params)
    if not errors(findings) and params.stated_totals:
        findings += check_stated_totals(compute_figures(dataset, params), params)
    findings += placeholder_findings(params)  # what perflib new left to fill in the params (E160, E161, W261)
    return dataset, findings


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
