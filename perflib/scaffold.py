"""Starting a county or a year (``perflib new``): a params file with every key commented in
Chinese, and a blank input workbook with one sheet per table of the county's outline.

Both are generated from the schema (sheets, headers, kinds, allowed values) and the outline (which
tables the report's parts draw on), never from a second hand-kept list; the sample workbook
generator (tools/make_sample_data.py) writes its sheets with the same ``write_table_sheet``.
Nothing is overwritten and nothing is written when anything fails.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import yaml

from . import project, safety
from .errors import InputRefused, ScaffoldError
from .files import write_atomic
from .placeholders import REVIEW_MARK, TO_FILL, TO_REVIEW
from .schema import INFO_COUNTY, INFO_SHEET, INFO_YEAR, NOTES_SHEET, TABLES, TABLES_BY_NAME, TABLES_BY_SHEET, Column, TableSpec

# Keys of a params file that belong to one year and are not carried into the next (perflib new --from).
YEAR_BOUND = {"stated_totals": None, "facts.third_party_quality_rating": f"{TO_FILL}：本年第三方执业质量核查评价结果"}

# Excel's look of a header: bold on a light fill, frozen with the sheet.
HEADER_FILL = "DDEBF7"
MONEY_FORMAT = "#,##0.00##"  # 万元 to 4 decimals, as the budget system keeps them
DATE_FORMAT = "yyyy-mm-dd"
FIXED_TIME = datetime(2000, 1, 1)  # workbook properties: the same bytes for the same inputs
CHECK_COMMAND = ".venv/bin/perflib check --county {county} --year {year}"  # as the README writes it
MAX_WORKBOOK_XML = 16 << 20  # xl/workbook.xml, the sheet list: a few KB in any real workbook
MAX_NAME_LENGTH = 40  # a county's name: 和硕县, 巴音郭楞蒙古自治州和静县


@dataclass(frozen=True)
class Written:
    params: Path
    data: Path

    def message(self, root: Path, county: str, year: int) -> str:
        return (f"已写出：{project.relative(self.params, root)}、{project.relative(self.data, root)}\n"
                f"下一步：在工作簿中填入数据、在参数文件中填写标有「{TO_FILL}」的内容，然后运行\n"
                f"  {CHECK_COMMAND.format(county=county, year=year)}")


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
    if listed and any('"' in c or "," in c for c in listed):
        return None  # Excel's list cannot hold them (the header's comment lists the values)
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


def _span(text: str) -> int:
    """How wide ``text`` shows in a fixed-width font: a CJK character is about two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _width(column: Column) -> float:
    """Wide enough for the header and its example."""
    return float(min(60, max(10, _span(column.header) + 2, _span(column.example) + 2)))


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


def text_cell(sheet, row: int, column: int, text: str):
    """A cell holding ``text`` as text: never a formula, even when it starts with 「=」 (openpyxl
    would otherwise write ``=HYPERLINK(…)`` as a live formula)."""
    cell = sheet.cell(row=row, column=column)
    cell.value = text
    cell.data_type = "s"
    return cell


def blank_workbook(specs: Iterable[TableSpec], county_name: str, year: int, choices=None) -> bytes:
    """The input workbook of a county and year with no data yet: 说明, 基本信息 (filled in), and one
    sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    specs = list(specs)
    workbook = Workbook()
    notes = workbook.active
    notes.title = NOTES_SHEET
    for row, line in enumerate((
        f"{year}年{county_name}预算绩效管理工作情况：输入工作簿（由 perflib new 生成）。",
        "每个工作表是一张表，第 1 行是列名，请勿改动；从第 2 行起每行一条记录。",
        "列名上的批注写明该列的单位和规则；有固定取值或范围的列设有下拉选项或数值校验。",
        "金额单位为万元（最多 4 位小数）；日期写作 2023-05-31。没有做的工作，对应工作表只留表头（或删去该表）："
        "报告不写这一部分，perflib check 给出提示（W252、W250）；参数 outline 中列出的部分则须有数据行。",
        "合计由程序计算，不要填写合计行。本“说明”工作表不会被读取，可写备注。",
        "填好后运行：.venv/bin/perflib check --county … --year …，按提示改正后运行 .venv/bin/perflib run。"
        "各列说明见 docs/data-format.md。",
    ), start=1):
        text_cell(notes, row, 1, line)
    notes.column_dimensions["A"].width = 100
    notes["A1"].font = Font(bold=True)
    info = workbook.create_sheet(INFO_SHEET)
    text_cell(info, 1, 1, "项目")
    text_cell(info, 1, 2, "内容")
    text_cell(info, 2, 1, INFO_COUNTY)
    text_cell(info, 2, 2, county_name)
    text_cell(info, 3, 1, INFO_YEAR)
    info.cell(row=3, column=2, value=year)
    info.column_dimensions["A"].width = info.column_dimensions["B"].width = 20
    choices = choices if choices is not None else county_choices()
    for spec in specs:
        write_table_sheet(workbook, spec, choices=choices.get(spec.name))
    workbook.properties.creator = "perflib"
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheets_of(path: Path, label: str) -> list[TableSpec]:
    """The perflib tables present in an existing workbook or CSV folder (last year's data), read
    with the guards of ``run``: a regular file only (E151), inflating within the limits (E150), a
    workbook that is an .xlsx (E163 otherwise); only the sheet names are read."""
    if path.is_dir():
        names = {p.stem for p in project.csv_files(path)}
    else:
        names = set(_sheet_names(path, label))
    return [spec for spec in TABLES if spec.sheet in names]


def _sheet_names(path: Path, label: str) -> list[str]:
    """The sheet names of a workbook, from ``xl/workbook.xml`` alone, parsed a piece at a time."""
    import zipfile
    from xml.etree import ElementTree

    from .limits import check_zip
    from .workbook_checks import EncryptedWorkbook, LegacyWorkbook, check_not_a_zip

    unreadable = f"[E163 错误] 上年的数据 {label} 无法读取"
    fix = "：perflib new --from 从中读取上年有哪些工作表。请把它另存为 Excel 工作簿（.xlsx）后重试（或先移走它，则按大纲建立各工作表）。"
    with safety.open_regular(path, label) as handle:  # a FIFO or a device would never end (E151)
        check_zip(path, label)  # inflated size, declared and real (E150)
        if not zipfile.is_zipfile(handle):
            try:
                check_not_a_zip(path)
            except EncryptedWorkbook:
                raise ScaffoldError(f"{unreadable}（工作簿设置了打开密码）{fix}", "E163") from None
            except LegacyWorkbook:
                raise ScaffoldError(f"{unreadable}（这是旧版 Excel 97-2003 工作簿 .xls）{fix}", "E163") from None
            raise ScaffoldError(f"{unreadable}（不是 Excel 工作簿）{fix}", "E163")
        try:
            with zipfile.ZipFile(handle) as archive, archive.open("xl/workbook.xml") as part:
                workbook_xml = part.read(MAX_WORKBOOK_XML + 1)
            if len(workbook_xml) > MAX_WORKBOOK_XML:  # a few KB in any real workbook
                raise InputRefused("E150", f"{label}：压缩包中的「xl/workbook.xml」解压后超过 {MAX_WORKBOOK_XML >> 20} MB，"
                                           "已拒绝读取（疑似“压缩炸弹”）。")
            names = [element.get("name", "") for element in ElementTree.fromstring(workbook_xml).iter()
                     if element.tag.rpartition("}")[2] == "sheet"]
        except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError, RuntimeError, ValueError):
            raise ScaffoldError(f"{unreadable}（文件已损坏或不是 Excel 工作簿）{fix}", "E163") from None
    return [name.strip() for name in names]


# -- the params file ---------------------------------------------------------------------------
# Every value is written by the YAML emitter (``yaml_value``), never by formatting its text into the
# file: a name holding 「: 」, 「#」, quotes or brackets stays one value of one key.

def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=1000).strip()


def yaml_value(value: Any) -> str:
    """``value`` as one line of YAML, as the emitter writes it (a string, number, bool, None, or a
    list or mapping of them); text that cannot be one plain line is double-quoted with escapes."""
    def dump(**style) -> str:
        text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=float("inf"), sort_keys=False, **style)
        return text.removesuffix("\n").removesuffix("\n...").strip()

    text = dump()
    return text if "\n" not in text else dump(default_style='"')


def _number(value: Decimal) -> int | float:
    """A band of percentage points as YAML writes it (-10, -0.5): read back as the same Decimal."""
    return int(value) if value == value.to_integral_value() else float(str(value))


def _line(key: str, value: Any, comment: str = "", indent: int = 0, width: int = 28) -> str:
    """``key: value  # comment``, the value emitted by YAML, the comments aligned."""
    text = f"{'  ' * indent}{key}: {yaml_value(value)}"
    return f"{text}{' ' * max(0, width - _span(text))}  # {comment}" if comment else text


def params_text(county: str, year: int, county_name: str, outline) -> str:
    """A new county's params file: every key the params accept, with its default, commented in
    Chinese; what only the county can say is marked 「待填写」 (perflib.placeholders)."""
    from .params import DEFAULT_TIMING, FormatSettings, Wording

    defaults, wording = FormatSettings(), Wording()
    phrases = "\n".join(f"    - {yaml_value({'phrase': b.phrase, **({'below': _number(b.below)} if b.below is not None else {})})}"
                        for b in defaults.schedule_phrases)
    parts = "\n".join(f"#   {'  ' * (depth - 1)}- {part.key}：{part.title}" for part, depth in _parts_with_depth(outline))
    tables = "、".join(spec.sheet for spec in tables_of_outline(outline))
    return "\n".join([
        f"# {year}年{county_name}预算绩效管理工作情况：报告参数（由 perflib new 生成）。",
        f"# 同时是 papermill 的参数文件：papermill notebooks/annual_report.ipynb OUT.ipynb -f params/{county}/{year}.yaml",
        f"# 各键的说明见 docs/params.md。标有「{TO_FILL}」的内容请在生成报告前填写（perflib check 会逐项指出）。",
        _line("county", county),
        _line("year", year),
        _line("county_name", county_name, "县（市、区）名称，印在标题和正文中"),
        _line("data", f"data/{county}/{year}.xlsx", f"输入工作簿（或同名 CSV 文件夹），含工作表：{tables}"),
        "",
        "# 报告的结构（大纲）：以下各部分依次排列，标题编号自动生成。",
        "# 要删去、改名或调整某部分，把 perflib/templates/outline.yaml 复制到本县模板文件夹（见 templates）后修改。",
        parts,
        "",
        "# 数字的印刷格式（以下为默认值，即参考报告的格式）。",
        "settings:",
        _line("amount_decimals", defaults.amount_decimals, "万元保留的小数位：24,066万元", 1),
        _line("thousands_separator", defaults.thousands_separator, "千分位分隔符", 1),
        _line("yi_decimals", defaults.yi_decimals, "亿元保留的小数位：0.34亿元", 1),
        _line("percent_decimals", defaults.percent_decimals, "百分比的小数位：46%", 1),
        _line("zero_count_style", defaults.zero_count_style, "zero：「政府采购项目0个」；none：「无政府采购项目」", 1),
        _line("grade_labels", list(defaults.grade_labels), "优、良、中、差的叫法", 1),
        _line("grade_floors", [_number(f) for f in defaults.grade_floors],
              "各等级的最低分（财预〔2020〕10号：90分以上优，80–90良，60–80中，60以下差）", 1),
        _line("print_grades", defaults.print_grades, "是否印出各有等级的表的等级分布", 1),
        "  # 执行进度与序时进度比较的措辞：差（百分点）小于 below 时用该措辞，最后一项不写 below。",
        "  schedule_phrases:",
        phrases,
        "",
        "# 预算管理一体化系统中没有清单的事实。",
        "facts:",
        "  indicator_system:             # 核心绩效指标体系；本县没有时删去这一项（连同以下三行）",
        _line("name", f"{TO_FILL}：核心绩效指标体系的名称，如 {county_name}分行业分领域核心绩效指标", "按本县文件填写", 2),
        _line("categories", 0, f"类数（{TO_FILL}：大于 0 的整数）", 2),
        _line("indicators", 0, f"条数（{TO_FILL}：大于 0 的整数）", 2),
        _line("pre_assessment_rule", f"{TO_FILL}：事前绩效评估办法的名称", "印作「按照《…》」；没有时改为 \"\"", 1),
        _line("third_party_quality_rating", f"{TO_FILL}：第三方执业质量核查评价结果", "没有这项核查时改为 \"\"", 1),
        "",
        "# 由人撰写的文字。",
        "text:",
        _line("policy_basis", f"{TO_FILL}：开展预算绩效管理的政策依据（一段文字）。", "报告“工作开展情况”的开头一段", 1),
        _line("third_party_scope", "", "第三方重点评价涵盖的范围（可不填）", 1),
        _line("evaluation_remarks", "", "对绩效评价工作的补充说明（可不填）", 1),
        _line("problems", [], "存在问题：每项含 title（小标题）和 text（正文）", 1),
        _line("measures", [], "下一步措施：每项含 title 和 text", 1),
        _line("issuer", "", "落款：发文机关，如 和硕县财政局；为空则不印落款", 1),
        _line("issue_date", None, "成文日期，如 2024-03-15（或 2024年3月15日）；为空则只印发文机关", 1),
        _line("custom", {}, "本县模板引用的其他文字：「名称: 文字」，模板中写 {{ text.名称 }}", 1),
        "",
        "# 本县自己的模板文件夹（改写措辞、大纲或版式时使用，见 docs/templates.md）；不用时为 null。",
        _line("templates", None),
        "",
        "# 手工统计的合计数（可不填）：「数字名称: 数值」，运行时与按数据计算的结果核对（E142）。",
        _line("stated_totals", {}),
        "",
        "# 因地而异的用语（以下为默认值）。",
        "wording:",
        _line("superior", wording.superior, "上级：如 自治区、省财政厅", 1),
        _line("level", wording.level, "本级的叫法：县、区、市、旗（「本县」）；为空：用县名", 1),
        _line("we", wording.we, "本级政府的自称：如 我县；为空：用县名", 1),
        _line("party", wording.party, "党委政府：如 县委、县政府；为空：不写这一短语", 1),
        _line("bureau", wording.bureau, "发布机关全称：如 和硕县财政局；为空：县名加 organ", 1),
        _line("organ", wording.organ, "发布机关类别（不含地名）：财政局、财政金融部、财政所", 1),
        _line("offices", wording.offices, "会同公开报告的内设机构；为空：局为“局相关业务处室”，否则“相关业务处室”", 1),
        _line("portal", wording.portal, "报告公开的网站（开发区写本区的网站）；为空：不写网站名", 1),
        _line("staff", wording.staff, "做核查的人：如 今年各股室；为空：不写主语", 1),
        "",
        "# 各项工作的数据对应的年度（以下为默认值，即参考报告的年度关系）。",
        "timing:",
        _line("key_evaluations", DEFAULT_TIMING["key_evaluations"], "重点评价：next（次年评价本年支出）、same（当年评价当年）或 previous（当年评价上年支出）", 1),
        _line("self_evaluations", DEFAULT_TIMING["self_evaluations"], "自评：previous（当年对上年）或 same", 1),
        _line("third_party", DEFAULT_TIMING["third_party"], "第三方评价：previous（当年对上年）或 same", 1),
        "",
        "# 以下各项为空（null）时用默认值，写法和例子见 docs/params.md 与 docs/adapting.md。",
        _line("outline", None, "本县保留的部分（部分的 key 列表，可改名、调序、增加）；为空：有数据的各部分"),
        _line("illustrative", False, "数据为示例（部分虚构）时写 true：每份输出都注明"),
        _line("evaluation_types", None, "本县的评价类型（name、aliases、kind…）；为空：七类默认类型"),
        _line("grades", None, "各表的等级名称，如 {self_evaluation_reviews: [优, 良, 中(一般), 差]}"),
        _line("formats", None, "按数字名称的印刷格式：decimals（0–4 或 data）、unit（万元/亿元）、thousands；"
                              "计数可设 measure（项、场…）、approx（余、近、超、逾）与 round_to（10、100…）"),
        _line("key_evaluation_table", None, "重点评价报告表的列，如 [序号, 评价报告, 主管部门, 评价资金]"),
        "",
        "# 本县导出表的表名、列名（及以元为单位的金额列）与 perflib 的对应，表头一致时留空。",
        "# 表头不一致时 perflib check 会给出可粘贴的对应关系，例如：",
        "#   项目目标审核:",
        "#     sheet: 年初预算项目",
        "#     主管部门: 单位名称",
        "#     预算金额(万元): {header: 年初预算数, unit: 元}",
        _line("columns", {}),
        "",
    ])


def _parts_with_depth(outline):
    def walk(parts, depth):
        for part in parts:
            yield part, depth
            yield from walk(part.parts, depth + 1)
    yield from walk(outline.parts, 1)


def carried_params_text(previous_text: str, previous_year: int, county: str, year: int, source: str) -> str:
    """Next year's params from last year's: every setting, category, outline and office kept; the
    year-bound facts cleared; free text kept but marked for review; the data path of the new year.
    The values are written by the YAML emitter; the comments name only the years and the file."""
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
    head = [f"# {year} 年报告参数，由 perflib new 沿用 {previous_year} 年的 {source} 生成。",
            f"# 格式、大纲、类别和模板原样沿用；{previous_year} 年的核查评价结果等年度事实已清空（标有「{TO_FILL}」）；",
            f"# 文字部分沿用上年，标有「{TO_REVIEW}」，请按本年情况修改。{previous_year} 年的数据将用于「与上年对比」。"]
    body = []
    for key, value in raw.items():
        if key == "text":
            body.append(f"# {REVIEW_MARK}以下文字沿用 {previous_year} 年，请逐段核对、修改为本年情况后删去这行注释。")
        body.append(_yaml({key: value}))
    return "\n".join(head) + "\n" + "\n".join(body) + "\n"


# -- perflib new -------------------------------------------------------------------------------

def check_names(county: str, year: Any) -> int:
    """A safe county folder name and a four-digit year, before any path is built (E155, perflib.safety)."""
    from .safety import check_county, check_year

    check_county(county)
    return check_year(year)


def check_county_name(name: Any, where: str) -> str:
    """A county's name as ``new`` writes it into a title, a cell and a params file: one line of
    visible characters, at most ``MAX_NAME_LENGTH`` (E162). ``where``: how the user gave it."""
    text = "" if name is None else str(name).strip()
    if not text:
        raise ScaffoldError(f"[E162 错误] {where}为空：请写明县（市、区）名称，如 --name 和硕县。", "E162")
    hidden = [c for c in text if not c.isprintable()]  # line breaks, tabs, control and format characters
    if hidden:
        raise ScaffoldError(f"[E162 错误] {where}「{safety.visible(text)[:80]}」含有换行、制表符或不可见字符 {safety.describe(hidden)}："
                            "县名应为一行可见文字，如 和硕县。未做任何改动。", "E162")
    if len(text) > MAX_NAME_LENGTH:
        raise ScaffoldError(f"[E162 错误] {where}「{text[:20]}…」有 {len(text)} 个字符，县名最多 {MAX_NAME_LENGTH} 个字符。"
                            "未做任何改动。", "E162")
    return text


def _inside_project(root: Path, paths: Iterable[Path]) -> None:
    """Refuse (E152) to write where a folder on the way (``params/<县>``, ``data/<县>``) or the file
    itself is a link that leads out of the project: ``new`` writes only inside it, as ``run`` reads."""
    for path in paths:
        if not safety.inside(path, root):
            shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
            raise InputRefused("E152", f"{shown} 经链接指向项目之外（实际位置 {path.resolve()}）：perflib new 只在项目目录 {root} 之内写文件，"
                                       "未做任何改动。请把 params/<县> 和 data/<县> 改为项目内的普通文件夹。")


def _write_both(root: Path, county: str, year: int, params: str, workbook: bytes) -> Written:
    params_path = project.params_path(root, county, year)
    data_path = root / "data" / county / f"{year}.xlsx"
    targets = (params_path, data_path, data_path.with_suffix(""))
    _inside_project(root, targets)
    existing = [p for p in targets if p.exists() or p.is_symlink()]
    if existing:
        listed = "、".join(p.relative_to(root).as_posix() for p in existing)
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
    county_name = check_county_name(county_name, "--name 给出的县名")
    source = (Path(__file__).parent / "templates" / "outline.yaml").read_text(encoding="utf-8")
    outline = parse_outline(source)
    return _write_both(Path(root), county, year, params_text(county, year, county_name, outline),
                       blank_workbook(tables_of_outline(outline), county_name, year))


def new_year(root: Path, county: str, year: Any, from_year: Any) -> Written:
    """``perflib new --county X --year Y --from Y-1``: next year's params and blank workbook from last
    year's. Last year's files are read with the guards of ``run`` (perflib.safety, perflib.limits)."""
    from .params import MAX_PARAMS_BYTES, load_params

    root = Path(root)
    year = check_names(county, year)
    from_year = check_names(county, from_year)
    previous_path = project.params_path(root, county, from_year)
    label = previous_path.relative_to(root).as_posix()
    if not previous_path.exists():
        raise ScaffoldError(f"找不到 {label}：--from 应为本县已有参数文件的年度。")
    previous = load_params(county, from_year, root)  # valid, inside the project, a regular file (E140, E152, E151)
    county_name = check_county_name(previous.county_name, f"{label} 中的 county_name ")
    specs = sheets_of(previous.data, previous.data_label) if previous.data.exists() else []
    if not specs:
        from .narrative import load_outline

        specs = tables_of_outline(load_outline(previous))
    previous_text = safety.read_regular(previous_path, f"参数文件 {label}", MAX_PARAMS_BYTES, "E156").decode("utf-8")
    text = carried_params_text(previous_text, from_year, county, year, label)
    return _write_both(root, county, year, text, blank_workbook(specs, county_name, year, county_choices(previous)))
