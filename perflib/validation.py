"""Validated tables: a county-year's data loaded, typed and checked, with every finding about it.

The first step of every report (and of ``perflib check``, the manifest and the earlier years of
与上年对比): params + data → tables and findings. A report is never made from data with errors."""
from __future__ import annotations

import difflib
from dataclasses import replace
import re

from . import counts, project
from . import formatting as fmt
from .checks import check_dataset, check_stated_totals
from .errors import DataError
from .figures import compute_figures
from .findings import Finding, errors
from .inputs import Dataset, load_dataset
from .mapping import mapped_specs
from .outline import Part, read_outline
from .params import Params
from .placeholders import placeholder_findings
from .private_use import private_use_findings
from .schema import TABLES_BY_NAME
from .year_relations import year_findings


def load_data(params: Params) -> tuple[Dataset, list[Finding]]:
    """The county-year tables and every finding about them (loading and cross-table checks)."""
    dataset = load_dataset(params.data, params.data_label, mapped_specs(params.columns))
    findings = absent_sheets(dataset, params) + parts_left_out_by_params(params)
    findings += private_use_findings(dataset.tables, mapped_specs(params.columns), dataset.files, params.data_label)  # W265
    if not errors(findings):  # cross-table checks need tables that typed cleanly
        findings += check_dataset(dataset, params)
        findings += year_findings(dataset, params)  # the publication date after the work (E138)
    if not errors(findings) and (params.stated_totals or any(f.unit or f.approx or f.measure or f.round_to for _, f in params.settings.figure_formats)):
        figures = compute_figures(dataset, params)
        findings += check_stated_totals(figures, params) if params.stated_totals else []
        findings += units_on_amounts_only(figures, params)
        findings += count_format_findings(figures, params)  # measure words and approximate counts (E198, E199, W245)
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
    """A county provides only the sheets of the work it did. A sheet absent from the workbook, or
    empty (header only, or nothing), means the work was not done: its table leaves
    ``dataset.tables`` and the parts that draw only on such tables are left out of the report, each
    with a warning naming the part and its sheets (W250 absent, W252 empty). Where the params
    name parts in ``outline:``, a named part needs its data: its sheets all absent or empty is an
    error (E101 for an absent sheet, E103 for an empty one). Tables no part draws on need no sheet at all."""
    if any(f.code == "E100" for f in dataset.findings):
        return list(dataset.findings)
    by_sheet = {spec.sheet: spec for spec in mapped_specs(params.columns)}  # the sheets as the county's export names them
    missing = {by_sheet[f.sheet].name: f for f in dataset.findings if f.code == "E101" and f.sheet in by_sheet}
    empty = {by_sheet[f.sheet].name: f for f in dataset.findings if f.code == "E103" and f.sheet in by_sheet}
    gone = {**empty, **missing}  # work not done: the sheet is absent or has no rows
    sheet_of = {spec.name: spec.sheet for spec in by_sheet.values()}
    if not gone:
        return list(dataset.findings)
    named = mapped_sheets_missing(missing, params, dataset)
    if named:  # the params say the export has these sheets: an error of the params' mapping, not work left out
        return [f for f in dataset.findings if not (f.code == "E101" and f.sheet in by_sheet and by_sheet[f.sheet].name in named)] \
            + list(named.values())
    outline = read_outline(params)
    required: set[str] = set()
    unknown = [f.sheet for f in dataset.findings if f.code == "W208" and f.sheet]
    for name in missing:  # a sheet under a near name (培训情况 for 培训) is data misnamed, not work not done
        if difflib.get_close_matches(missing[name].sheet, unknown, n=1, cutoff=0.5):
            required.add(name)
    chosen_empty: dict[str, Part] = {}
    for part in outline.walk():
        if part.chosen and part.tables and all(t in gone for t in part.tables):
            required.update(part.tables)
            chosen_empty.update({t: part for t in part.tables if t in empty and t not in missing})
    findings = []
    for f in dataset.findings:
        name = by_sheet[f.sheet].name if f.code in ("E101", "E103") and f.sheet in by_sheet else None
        if name is None or (name in required and name not in chosen_empty):
            findings.append(f)  # an absent sheet a named part needs stays E101; other findings as they are
        elif name in chosen_empty and f is empty[name]:  # a named part needs its rows (E103, as an absent sheet E101)
            part = chosen_empty[name]
            findings.append(replace(f, message=f"参数 outline 中列出了「{_title(part.title, params)}」，但工作表「{f.sheet}」{_state(f)}。"
                                               "请填入数据行；本地区没有做这项工作时，从参数的 outline 中去掉该部分。"))
    for name in gone:
        if name not in required:
            dataset.tables.pop(name, None)
    for part in outline.walk():
        if part.tables and not part.chosen and all(t in gone for t in part.tables):
            sheet = sheet_of.get(part.tables[0], part.tables[0])
            if all(t in missing for t in part.tables):
                sheets = "、".join(f"「{sheet_of.get(t, t)}」" for t in part.tables)
                findings.append(Finding("W250", f"工作簿中没有工作表{sheets}：报告不写「{_title(part.title, params)}」这一部分，其后标题顺序编号。"
                                                "如本地区做了这项工作，请按 docs/data-format.md 建立工作表。", file=params.data_label, sheet=sheet))
            else:
                states = "，".join(f"工作表「{sheet_of.get(t, t)}」{_state(empty[t]) if t in empty else '不存在'}" for t in part.tables)
                findings.append(Finding("W252", f"{states}：报告不写「{_title(part.title, params)}」这一部分，其后标题顺序编号。"
                                                "如本地区做了这项工作，请在工作表中填入数据行。", file=params.data_label, sheet=sheet))
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


def _state(finding: Finding) -> str:
    """How an E103 sheet is empty, in words."""
    return "是空的（没有表头和数据行）" if "缺少表头" in finding.message else "只有表头，没有数据行"


# The params keys a part's existence depends on (outline ``items`` and ``when``), as the params file writes them.
PARAMS_KEYS = {"problems": "text.problems", "measures": "text.measures",
               "third_party_quality_rating": "facts.third_party_quality_rating"}


def parts_left_out_by_params(params: Params) -> list[Finding]:
    """A part whose text comes from params (``items``: text.problems, text.measures) or that
    exists only with a params value (``when``: facts.third_party_quality_rating) is left out when
    the params leave it empty; the analyst is told which part and which key (W251). Parts that
    depend on computed values (the appendix 近年主要指标对比 on an earlier year) are not meant here."""
    findings = []
    where = project.relative(params.source, params.root) if params.source else f"params/{params.county}/{params.year}.yaml"
    for part in read_outline(params).walk():
        name = part.items or (part.when if part.when in PARAMS_KEYS else None)
        if name is None or getattr(params, name, None):
            continue
        key = PARAMS_KEYS[name]
        findings.append(Finding("W251", f"参数中 {key} 为空：报告不写「{_title(part.title, params)}」这一部分，其后标题顺序编号。"
                                        f"如需写这一部分，请在参数文件中填写 {key}（见 docs/params.md）。", file=where))
    return findings


def _title(title: str, params: Params) -> str:
    """A part's title as printed (the default titles hold {{ year }}; a county's may hold {{ county_name }})."""
    values = {"year": str(params.year), "county_name": params.county_name}
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: values.get(m.group(1), m.group(0)), title)


def count_format_findings(figures: Any, params: Any) -> list:
    """``formats`` keys for counts on figures that are not counts (E198), ``round_to`` without
    ``approx`` (E199), and an approximation the value cannot carry, printed exactly (W245)."""
    found = []
    where = f"params/{params.county}/{params.year}.yaml"
    for name, chosen in params.settings.figure_formats:
        asked = [k for k in ("approx", "measure") if getattr(chosen, k)]
        if chosen.round_to and not chosen.approx:
            found.append(Finding("E199", f"formats.{name} 写了 round_to（{chosen.round_to}）却没有 approx：取整只用于约数。"
                                         "请加上 approx（余、近、超、逾），或删去 round_to。",
                                 file=where, column=f"formats.{name}.round_to", value=str(chosen.round_to),
                                 expected="与 approx 一起写"))
        if not asked:
            continue
        named = [f for f in figures.items.values() if f.key == name or (name.endswith(".") and f.key.startswith(name))]
        count_figures = [f for f in named if f.style == fmt.COUNT]
        if named and not count_figures:  # a prefix over counts and amounts applies to its counts
            hit = named[:3]
            shown = "、".join(f"{f.key}（{f.label}）" for f in hit) + ("等" if len(named) > 3 else "")
            keys = "、".join(asked)
            found.append(Finding("E198", f"formats.{name} 的 {keys} 只能用于计数（个、项、人次…），但它所指的数字不是计数：{shown}。"
                                         "请删去它们，或把名称写到计数数字（如 key_evaluations.objects）。",
                                 file=where, column=f"formats.{name}", value=keys, expected="只写在计数数字上"))
            continue
        if not chosen.approx:
            continue
        for f in count_figures:
            if counts.stated_number(f.value, chosen.approx, chosen.round_to) is None:
                why = "是取整单位的整数倍" if int(f.value) > 0 and int(f.value) % (chosen.round_to or counts.DEFAULT_ROUND_TO) == 0 else "小于取整单位"
                found.append(Finding("W245", f"formats.{name} 要求 {f.key}（{f.label}）印为约数（{chosen.approx}），但其数值 {f.value} {why}，"
                                             f"约数不成立，按精确数印刷。", file=where, column=f"formats.{name}.approx",
                                     value=str(f.value), expected=f"大于 {chosen.round_to or counts.DEFAULT_ROUND_TO} 且不是其整数倍的计数"))
    return found
