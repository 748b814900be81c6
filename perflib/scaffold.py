"""Starting a county or a year (``perflib new``): a params file with every key commented in
Chinese, and a blank input workbook with one sheet per table of the county's outline.

Both are generated from the schema (sheets, headers, kinds, allowed values) and the outline (which
tables the report's parts draw on), never from a second hand-kept list; the sample workbook
generator (tools/make_sample_data.py) writes its sheets with the same ``write_table_sheet``.
Nothing is overwritten and nothing is written when anything fails.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import yaml

from . import project
from .errors import ScaffoldError
from .files import write_atomic
from .schema import INFO_COUNTY, INFO_SHEET, INFO_YEAR, NOTES_SHEET, TABLES, TABLES_BY_NAME, TABLES_BY_SHEET, Column, TableSpec

TO_FILL = "待填写"  # marks what the analyst must write before the first report
TO_REVIEW = "请复核"  # marks text carried over from last year

# Keys of a params file that belong to one year and are not carried into the next (perflib new --from).
YEAR_BOUND = {"stated_totals": None, "facts.third_party_quality_rating": f"{TO_FILL}：本年第三方执业质量核查评价结果"}

# Excel's look of a header: bold on a light fill, frozen with the sheet.
HEADER_FILL = "DDEBF7"
MONEY_FORMAT = "#,##0.00##"  # 万元 to 4 decimals, as the budget system keeps them
DATE_FORMAT = "yyyy-mm-dd"
FIXED_TIME = datetime(2000, 1, 1)  # workbook properties: the same bytes for the same inputs


@dataclass(frozen=True)
class Written:
    params: Path
    data: Path

    def message(self, root: Path, county: str, year: int) -> str:
        return (f"已写出：{project.relative(self.params, root)}、{project.relative(self.data, root)}\n"
                f"下一步：在工作簿中填入数据、在参数文件中填写标有「{TO_FILL}」的内容，然后运行\n"
                f"  perflib check --county {county} --year {year}")


# -- the workbook ------------------------------------------------------------------------------

def column_rule(column: Column, choices: tuple[str, ...] = ()) -> str:
    """What a column holds and its rule, in Chinese (the header's comment in Excel); ``choices``:
    the county's list for a column whose values its params declare (evaluation types, grades)."""
    kind = {
        "money": "金额，单位万元，不小于 0，最多 4 位小数",
        "score": "得分，0 到 100",
        "count": "不小于 0 的整数",
        "percent": "百分比，如 46%，不超过 100%",
        "date": "日期，如 2023-05-31",
        "choice": "以下之一：" + "、".join(column.choices),
        "text": "文字",
    }[column.kind]
    parts = [kind, "必填" if column.required else "可不填"]
    if choices and column.kind != "choice":
        parts.append("以下之一：" + "、".join(choices))
    if column.example:
        parts.append(f"例：{column.example}")
    if column.note:
        parts.append(column.note)
    return "；".join(parts) + "。"


def _validation(column: Column, choices: tuple[str, ...] = ()):
    """Excel's data validation for a column whose schema (or the county's params) fixes a list or
    a range, else None."""
    from openpyxl.worksheet.datavalidation import DataValidation

    error = dict(showErrorMessage=True, errorTitle="取值不符合要求", error=column_rule(column, choices))
    listed = choices or (column.choices if column.kind == "choice" else ())
    if listed:
        return DataValidation(type="list", formula1='"' + ",".join(listed) + '"', allow_blank=not column.required, **error)
    if column.kind == "score":
        return DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True, **error)
    if column.kind == "money":
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True, **error)
    if column.kind == "count":
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True, **error)
    if column.kind == "date":
        return DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True, **error)
    return None


def _width(column: Column) -> float:
    """Wide enough for the header and its example (a CJK character is about two columns)."""
    def span(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return float(min(60, max(10, span(column.header) + 2, span(column.example) + 2)))


def write_table_sheet(workbook, spec: TableSpec, rows: Iterable[list] = (), data_rows: int = 1000,
                      choices: dict[str, tuple[str, ...]] | None = None):
    """One input table as a sheet: headers in row 1 (bold, filled, frozen, with the column's unit and
    rule as a comment), column widths that fit, Excel validation where the schema fixes a list or a
    range, and number formats for amounts and dates over the first ``data_rows`` rows. ``choices``:
    the county's lists by column name (evaluation types, grade labels: see ``county_choices``)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = workbook.create_sheet(spec.sheet)
    sheet.append(list(spec.headers))
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    last = max(sheet.max_row, data_rows + 1)
    for position, column in enumerate(spec.columns, start=1):
        header = sheet.cell(row=1, column=position)
        header.font = Font(bold=True)
        header.fill = PatternFill("solid", fgColor=HEADER_FILL)
        header.alignment = Alignment(horizontal="center", vertical="center")
        listed = (choices or {}).get(column.name, ())
        comment = Comment(column_rule(column, listed), "perflib")
        comment.width, comment.height = 300, 120
        header.comment = comment
        letter = header.column_letter
        sheet.column_dimensions[letter].width = _width(column)
        validation = _validation(column, listed)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)
        number_format = {"money": MONEY_FORMAT, "date": DATE_FORMAT}.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=position, max_col=position):
                cell.number_format = number_format
    return sheet


def tables_of_outline(outline) -> list[TableSpec]:
    """The input tables the outline's parts draw on, in schema order."""
    wanted = {t for part in outline.walk() for t in part.tables}
    return [spec for spec in TABLES if spec.name in wanted]


def county_choices(params=None) -> dict[str, dict[str, tuple[str, ...]]]:
    """The lists a county's params declare, by table and column: its evaluation types (names and
    aliases) and each graded table's grade labels (perflib's defaults without params)."""
    from .params import DEFAULT_EVALUATION_TYPES, FormatSettings
    from .schema import GRADED_TABLES

    types = params.evaluation_types if params is not None else DEFAULT_EVALUATION_TYPES
    choices: dict[str, dict[str, tuple[str, ...]]] = {"key_evaluations": {"type": tuple(t.name for t in types)}}
    for table in GRADED_TABLES:
        labels = params.labels_for(table) if params is not None else FormatSettings().grade_labels
        choices.setdefault(table, {})["grade"] = tuple(labels)
    return choices


def blank_workbook(specs: Iterable[TableSpec], county_name: str, year: int, choices=None) -> bytes:
    """The input workbook of a county and year with no data yet: 说明, 基本信息 (filled in), and one
    sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    specs = list(specs)
    workbook = Workbook()
    notes = workbook.active
    notes.title = NOTES_SHEET
    for line in (
        f"{year}年{county_name}预算绩效管理工作情况：输入工作簿（由 perflib new 生成）。",
        "每个工作表是一张表，第 1 行是列名，请勿改动；从第 2 行起每行一条记录。",
        "列名上的批注写明该列的单位和规则；有固定取值或范围的列设有下拉选项或数值校验。",
        "金额单位为万元（最多 4 位小数）；日期写作 2023-05-31。没有做的工作，对应工作表只留表头（或删去该表）："
        "报告不写这一部分，perflib check 给出提示（W252、W250）；参数 outline 中列出的部分则须有数据行。",
        "合计由程序计算，不要填写合计行。本“说明”工作表不会被读取，可写备注。",
        "填好后运行：perflib check，按提示改正后运行 perflib run。各列说明见 docs/data-format.md。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    notes["A1"].font = Font(bold=True)
    info = workbook.create_sheet(INFO_SHEET)
    info.append(["项目", "内容"])
    info.append([INFO_COUNTY, county_name])
    info.append([INFO_YEAR, year])
    info.column_dimensions["A"].width = info.column_dimensions["B"].width = 20
    choices = choices if choices is not None else county_choices()
    for spec in specs:
        write_table_sheet(workbook, spec, choices=choices.get(spec.name))
    workbook.properties.creator = "perflib"
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheets_of(path: Path) -> list[TableSpec]:
    """The perflib tables present in an existing workbook or CSV folder (last year's data)."""
    if path.is_dir():
        names = {p.stem for p in path.glob("*.csv")}
    else:
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        names = set(workbook.sheetnames)
        workbook.close()
    return [spec for spec in TABLES if spec.sheet in names]


# -- the params file ---------------------------------------------------------------------------

def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=1000).strip()


def _scalar(value: Any) -> str:
    """A string or a list as one line of YAML (JSON is YAML), quoted so that any text stays text."""
    return json.dumps(value, ensure_ascii=False)


def params_text(county: str, year: int, county_name: str, outline) -> str:
    """A new county's params file: every key, with its default, commented in Chinese."""
    from .params import FormatSettings

    defaults = FormatSettings()
    phrases = "\n".join(f"    - {{phrase: {_scalar(b.phrase)}" + (f", below: {b.below}}}" if b.below is not None else "}")
                        for b in defaults.schedule_phrases)
    parts = "\n".join(f"#   {'  ' * (depth - 1)}- {part.key}：{part.title}" for part, depth in _parts_with_depth(outline))
    tables = "、".join(spec.sheet for spec in tables_of_outline(outline))
    return f"""# {year}年{county_name}预算绩效管理工作情况：报告参数（由 perflib new 生成）。
# 同时是 papermill 的参数文件：papermill notebooks/annual_report.ipynb OUT.ipynb -f params/{county}/{year}.yaml
# 各键的说明见 docs/params.md。标有「{TO_FILL}」的内容请在生成报告前填写。
county: {county}
year: {year}
county_name: {_scalar(county_name)}                # 县（市、区）名称，印在标题和正文中
data: data/{county}/{year}.xlsx     # 输入工作簿（或同名 CSV 文件夹），含工作表：{tables}

# 报告的结构（大纲）：以下各部分依次排列，标题编号自动生成。
# 要删去、改名或调整某部分，把 perflib/templates/outline.yaml 复制到本县模板文件夹（见 templates）后修改。
{parts}

# 数字的印刷格式（以下为默认值，即参考报告的格式）。
settings:
  amount_decimals: {defaults.amount_decimals}          # 万元保留的小数位：24,066万元
  thousands_separator: {str(defaults.thousands_separator).lower()}    # 千分位分隔符
  yi_decimals: {defaults.yi_decimals}              # 亿元保留的小数位：0.34亿元
  percent_decimals: {defaults.percent_decimals}         # 百分比的小数位：46%
  zero_count_style: {defaults.zero_count_style}      # zero：「政府采购项目0个」；none：「无政府采购项目」
  grade_labels: {_scalar(list(defaults.grade_labels))}   # 优、良、中、差的叫法（财预〔2020〕10号的分数段）
  # 执行进度与序时进度比较的措辞：差（百分点）小于 below 时用该措辞，最后一项不写 below。
  schedule_phrases:
{phrases}

# 预算管理一体化系统中没有清单的事实。
facts:
  indicator_system:
    name: {_scalar(county_name + '分行业分领域核心绩效指标')}   # 核心绩效指标体系的名称（{TO_FILL}：按本县文件核对）
    categories: 0                   # 类数（{TO_FILL}）
    indicators: 0                   # 条数（{TO_FILL}）
  pre_assessment_rule: {TO_FILL}：事前绩效评估办法的名称
  third_party_quality_rating: {TO_FILL}：第三方执业质量核查评价结果

# 由人撰写的文字。
text:
  policy_basis: {TO_FILL}：开展预算绩效管理的政策依据（一段文字）。
  third_party_scope: ""             # 第三方重点评价涵盖的范围（可不填）
  evaluation_remarks: ""            # 对绩效评价工作的补充说明（可不填）
  problems: []                      # 存在问题：每项含 title（小标题）和 text（正文）
  measures: []                      # 下一步措施：每项含 title 和 text

# 本县自己的模板文件夹（改写措辞、大纲或版式时使用，见 docs/templates.md）；不用时为 null。
templates: null

# 手工统计的合计数（可不填）：「数字名称: 数值」，运行时与按数据计算的结果核对（E142）。
stated_totals: {{}}

# 以下各项为空（null）时用默认值，写法和例子见 docs/params.md 与 docs/adapting.md。
outline: null               # 本县保留的部分（部分的 key 列表，可改名、调序、增加）；为空：有数据的各部分
illustrative: false         # 数据为示例（部分虚构）时写 true：每份输出都注明
wording: null               # 因地而异的用语：superior（上级）、we（本级自称）、party（党委政府）、bureau（财政局名称）、staff
evaluation_types: null      # 本县的评价类型（name、aliases、kind…）；为空：七类默认类型
grades: null                # 各表的等级名称，如 {{self_evaluation_reviews: [优, 良, 中(一般), 差]}}
formats: null               # 按数字名称的印刷格式：decimals（0–4 或 data）、unit（万元/亿元）、thousands
timing: null                # 各项工作对应的年度：key_evaluations: next|same 等；为空：参考报告的年度关系
key_evaluation_table: null  # 重点评价报告表的列，如 [序号, 评价报告, 主管部门, 评价资金]

# 本县导出表的表名、列名（及以元为单位的金额列）与 perflib 的对应，表头一致时留空。
# 表头不一致时 perflib check 会给出可粘贴的对应关系，例如：
#   项目目标审核:
#     sheet: 年初预算项目
#     主管部门: 单位名称
#     预算金额(万元): {{header: 年初预算数, unit: 元}}
columns: {{}}
"""


def _parts_with_depth(outline):
    def walk(parts, depth):
        for part in parts:
            yield part, depth
            yield from walk(part.parts, depth + 1)
    yield from walk(outline.parts, 1)


def carried_params_text(previous_text: str, previous_year: int, county: str, year: int, source: str) -> str:
    """Next year's params from last year's: every setting, category, outline and office kept; the
    year-bound facts cleared; free text kept but marked for review; the data path of the new year."""
    raw = yaml.safe_load(previous_text) or {}
    if not isinstance(raw, dict):
        raise ScaffoldError(f"参数文件 {source} 的顶层应为键值对，无法沿用。")
    raw["county"], raw["year"] = county, year
    raw["data"] = f"data/{county}/{year}.xlsx"
    for dotted, replacement in YEAR_BOUND.items():
        holder, _, key = dotted.rpartition(".")
        mapping = raw.get(holder) if holder else raw
        if isinstance(mapping, dict) and key in mapping:
            if replacement is None:
                del mapping[key]
            else:
                mapping[key] = replacement
    head = [f"# {year}年{raw.get('county_name', county)}预算绩效管理工作情况：报告参数，由 perflib new 沿用 {previous_year} 年的 {source} 生成。",
            f"# 格式、大纲、类别和模板原样沿用；{previous_year} 年的核查评价结果等年度事实已清空（标有「{TO_FILL}」）；",
            f"# 文字部分沿用上年，标有「{TO_REVIEW}」，请按本年情况修改。{previous_year} 年的数据将用于「与上年对比」。"]
    body = []
    for key, value in raw.items():
        if key == "text":
            body.append(f"# 【{TO_REVIEW}】以下文字沿用 {previous_year} 年，请逐段核对、修改为本年情况。")
        body.append(_yaml({key: value}))
    return "\n".join(head) + "\n" + "\n".join(body) + "\n"


# -- perflib new -------------------------------------------------------------------------------

def check_names(county: str, year: Any) -> int:
    """A safe county folder name and a four-digit year, before any path is built (E155, perflib.safety)."""
    from .safety import check_county, check_year

    check_county(county)
    return check_year(year)


def _write_both(root: Path, county: str, year: int, params: str, workbook: bytes) -> Written:
    params_path = project.params_path(root, county, year)
    data_path = root / "data" / county / f"{year}.xlsx"
    existing = [p for p in (params_path, data_path, data_path.with_suffix("")) if p.exists()]
    if existing:
        listed = "、".join(project.relative(p, root) for p in existing)
        raise ScaffoldError(f"{listed} 已存在，未做任何改动。perflib new 不覆盖已有文件；如需重新生成，请先移走或删除它们。")
    write_atomic(params_path, params.encode("utf-8"))
    try:
        write_atomic(data_path, workbook)
    except BaseException:
        params_path.unlink(missing_ok=True)  # nothing written on error
        raise
    return Written(params_path, data_path)


def new_county(root: Path, county: str, year: Any, county_name: str) -> Written:
    """``perflib new --county X --year Y --name 县名``: params and a blank workbook for a new county."""
    from .outline import parse_outline

    year = check_names(county, year)
    county_name = str(county_name or "").strip()
    if not county_name:
        raise ScaffoldError("请用 --name 写明县（市、区）名称，如 --name 和硕县。")
    source = (Path(__file__).parent / "templates" / "outline.yaml").read_text(encoding="utf-8")
    outline = parse_outline(source)
    return _write_both(root, county, year, params_text(county, year, county_name, outline),
                       blank_workbook(tables_of_outline(outline), county_name, year))


def new_year(root: Path, county: str, year: Any, from_year: Any) -> Written:
    """``perflib new --county X --year Y --from Y-1``: next year's params and blank workbook from last year's."""
    from .params import load_params

    year = check_names(county, year)
    from_year = check_names(county, from_year)
    previous_path = project.params_path(root, county, from_year)
    if not previous_path.is_file():
        raise ScaffoldError(f"找不到 {project.relative(previous_path, root)}：--from 应为本县已有参数文件的年度。")
    previous = load_params(county, from_year, root)  # last year's file must be valid to carry forward
    specs = sheets_of(previous.data) if previous.data.exists() else []
    if not specs:
        from .narrative import load_outline

        specs = tables_of_outline(load_outline(previous))
    text = carried_params_text(previous_path.read_text(encoding="utf-8"), from_year, county, year,
                               project.relative(previous_path, root))
    return _write_both(root, county, year, text, blank_workbook(specs, previous.county_name, year, county_choices(previous)))
