"""The params file described once, as a JSON Schema: every key, nested, with its type, range,
choices and meaning. ``validate`` checks a whole params file (and the values papermill injects)
against it before anything is built from it, and says every fault with a code, the file, the line,
the key path, the value and what was expected; ``tools/write_params_doc.py`` writes the table of
keys in docs/params.md from the same description.

Why JSON Schema and not pydantic: docs/dependencies.md (jsonschema).

Besides the standard keywords the schema uses a few of its own, checked by ``validator()``:
``finite`` (a number that is not nan or ±inf), ``line`` (text on one line; ``nonblank``: not blank either),
``nonblank`` (text that is not blank), ``choices`` (the allowed values of a text, when other types
are allowed too); and for messages and the doc: ``x-expected`` (what is expected, in Chinese),
``x-code`` (the finding code of any fault at that node), ``x-default`` (the default, as the doc
prints it).
"""
from __future__ import annotations

import difflib
import functools
import json
import math
import sys
from datetime import date
from typing import Any, Iterable, Mapping

import yaml

from .errors import ParamsError
from .counts import APPROX_MARKERS, MEASURE_WORDS, ROUND_TO
from .rules import DEFAULT_GRADE_LABELS
from .schema import GRADED_TABLES, TABLES

STANDARD_KINDS = (  # the object kinds of 中发〔2018〕34号 an evaluation type maps to (for the rollup)
    "部门整体", "下级政府财政运行", "财政政策", "政府采购", "政府购买服务", "政府债务项目", "项目",
)
KEY_EVALUATION_COLUMNS = ("序号", "评价报告", "主管部门", "评价类型", "评价对象数", "评价资金", "评价得分", "评价等级")
TIMING_CHOICES = {"key_evaluations": ("next", "same", "previous"), "self_evaluations": ("previous", "same"), "third_party": ("previous", "same")}
OUTLINE_LEVELS = 4  # 一、（一）1.（1）: the heading levels a report has (perflib.formatting.heading_number)
MAX_NESTING = 12  # mappings and lists inside each other; the deepest real params (a 4-level outline) use 10
FIGURE_NAME = r"^[^.\s]+(\.[^.\s]+)*\.?$"  # key_evaluations.amount, or a prefix ending in "." (not "" or ".")

# -- small constructors, so that the description below reads as a table ----------------------------


def _text(meaning: str = "", **more: Any) -> dict:
    return {"type": "string", "description": meaning, **more}


def _line(meaning: str = "", **more: Any) -> dict:
    """Text on one line; ``""`` is allowed and means not given (the sentence is left out)."""
    return {"type": "string", "line": True, "x-expected": "一行文字（不可换行）", "description": meaning, **more}


def _name(meaning: str = "", **more: Any) -> dict:
    """Text on one line that must say something: a name, a key."""
    return {"type": "string", "line": "nonblank", "x-expected": "一行文字（不可为空、不可换行）", "description": meaning, **more}


def _flag(meaning: str = "", **more: Any) -> dict:
    return {"type": "boolean", "description": meaning, **more}


def _decimals(meaning: str, default: int) -> dict:
    return {"type": "integer", "minimum": 0, "maximum": 4, "x-expected": "0 到 4 的整数", "x-default": str(default),
            "description": meaning}


def _object(properties: dict, meaning: str = "", required: Iterable[str] = (), **more: Any) -> dict:
    found = {"type": "object", "properties": properties, "additionalProperties": False, "description": meaning, **more}
    if required:
        found["required"] = list(required)
    return found


LABELS = {"type": "array", "items": {"type": "string", "line": "nonblank", "x-expected": "一行文字（等级名称）"},
          "minItems": 4, "maxItems": 4, "uniqueItems": True, "x-expected": "四个互不相同的等级名称（优、良、中、差的叫法，按此顺序）"}


def _outline_entry(level: int) -> dict:
    """An entry of ``outline``: a part key, or a mapping; ``sections`` nests to OUTLINE_LEVELS."""
    table_names = [t.name for t in TABLES]
    if level >= OUTLINE_LEVELS:
        sections: dict = {"not": {}, "x-code": "E125",
                          "x-expected": f"不再有下级部分（报告的标题最多 {OUTLINE_LEVELS} 层：一、（一）1.（1））"}
    else:
        sections = {"type": "array", "minItems": 1, "items": _outline_entry(level + 1),
                    "x-expected": "下级部分的列表（部分的 key，或含 key 的键值对）"}
    return {
        "type": ["string", "object"],
        "line": "nonblank",  # a part key written alone
        "x-expected": "部分的 key（如 monitoring），或含 key 的键值对（可加 title、template、tables、figures、blocks、when、sections）",
        "properties": {
            "key": _name(),
            "title": _name(),
            "template": _name(),
            "tables": {"type": "array", "items": {"enum": table_names}, "x-expected": "表名的列表（如 [trainings]）"},
            "figures": {"type": "array", "items": {"type": "string", "line": "nonblank"}, "x-expected": "数字名称前缀的列表（如 [trainings.]）"},
            "blocks": {"type": "array", "items": {"type": "string", "line": "nonblank"},
                       "x-expected": "表格与图表的列表（如 [table:history, chart:history]；[] 不要图表）"},
            "when": _name(),
            "sections": sections,
        },
        "required": ["key"],
        "additionalProperties": False,
    }


SCHEMA: dict = _object({
    "county": _name("Folder name of the county (`heshuo`); must match the file's folder."),
    "year": {"type": ["integer", "string"], "description":
             "Report year Y, four digits (`2023`, or `\"2023\"`): the year in the report's title (《2023年和硕县预算绩效管理"
             "工作情况》) and in the file name, which it must match. Every other year is stated relative to it by `timing` "
             "(by default the key evaluations evaluate Y's spending, done in Y+1; self-evaluations are done in Y about "
             "Y−1); the publication date is `text.issue_date`. `2023.5`, `'2023; x'` or `true` "
             "are refused (E172), never truncated."},
    "county_name": _name("As printed: `和硕县`. One line of text: a list, a number or `true` is refused (E121), a line "
                         "break or a blank (E129)."),
    "data": _name("The workbook (or CSV folder), relative to the project: `data/heshuo/2023.xlsx`. Paths outside the "
                  "project are refused."),
    "settings": _object({
        "amount_decimals": _decimals("Decimals of 万元 amounts: `24,066万元` (0), `17815.56万元` (2). 0–4.", 0),
        "thousands_separator": _flag("`24,066万元` or `24066万元`.", **{"x-default": "true"}),
        "yi_decimals": _decimals("Decimals of 亿元 amounts: `0.34亿元`. 0–4.", 2),
        "percent_decimals": _decimals("`46%`. 0–4.", 0),
        "zero_count_style": {"enum": ["none", "zero"], "x-default": "`none`", "description":
                             "`none` (the default): a zero is never printed as 「0个…」: the default templates leave the "
                             "clause out (no 「协助…对0个项目…」) or say 「无…」 (「；无政府采购项目、…」). `zero` prints zero "
                             "counts as the 和硕县 reference does (`政府采购项目0个`, `0个项目报告涉及涉密及敏感信息`); "
                             "templates see it as `zeros`."},
        "grade_labels": {**LABELS, "x-default": f"`[{', '.join(DEFAULT_GRADE_LABELS)}]`", "description":
                         "The four grade names of 财预〔2020〕10号 as the county prints them, e.g. `[优秀, 良好, 中, 差]`, "
                         "for every graded table without its own set in `grades`. Grades in the data must use them. Four different "
                         "names: a name written twice (`[优良, 优良, 中, 差]`) is refused (E122)."},
        "grade_floors": {"type": "array", "minItems": 4, "maxItems": 4,
                         "items": {"type": "number", "finite": True, "minimum": 0, "maximum": 100,
                                   "x-expected": "0 到 100 的分数"},
                         "x-expected": "四个分数：优、良、中、差各自的最低分，从高到低，最后一个为 0（如 [90, 80, 60, 0]）",
                         "x-default": "`[90, 80, 60, 0]`", "description":
                         "The lowest score of each of the four grades, in the order of `grade_labels`: 财预〔2020〕10号's "
                         "`[90, 80, 60, 0]` (90–100 优, 80–<90 良, 60–<80 中, <60 差) by default; a county whose 良 starts at 75 "
                         "writes `[90, 75, 60, 0]`. The checks (E130) grade scores by them and quote them; templates print "
                         "them as `f[\"grades.bands\"]` (「90分（含）以上为优，…，60分以下为差」). From high to low, the last 0 (E195)."},
        "print_grades": _flag("The default templates state the grade distribution of every graded table (重点评价, 部门整体自评, "
                              "项目自评, 复核, 第三方评价: 「评价结论为“良”的2个，…，无等级为“优”和“差”的项目」; when some rows "
                              "have no grade, 「…，另有1个未评定等级」 instead of 「无等级为…」). false: no grade is printed anywhere, "
                              "and `key_evaluation_table` may not list 评价等级 (E196). 和硕县 sets false: its rows' grades are illustrative.",
                              **{"x-default": "true"}),
        "schedule_phrases": {
            "type": "array", "minItems": 1,
            "x-expected": "列表，每项含 phrase 和 below（百分点，最后一项不写 below），below 递增",
            "items": _object({"phrase": _text(nonblank=True), "below": {"type": "number", "finite": True,
                                                                          "x-expected": "有限的数（百分点，如 -0.5）"}},
                             required=["phrase"], **{"x-expected": "含 phrase 和 below 的键值对"}),
            "description": "Bands comparing execution progress with 序时进度: a list of `{phrase, below}` where `below` is "
                           "the upper bound (exclusive) of progress minus schedule, in percentage points, a finite number, "
                           "increasing; the last band has no `below`. Default: below −10 「明显低于序时进度」, below −0.5 "
                           "「略低于序时进度」, below 0.5 「与序时进度基本持平」, below 10 「略高于序时进度」, else "
                           "「明显高于序时进度」 (46% in May and 68% in August are both 「略高于序时进度」)."},
    }),  # how numbers print; the defaults are the reference report's
    "facts": _object({
        "indicator_system": _object({
            "name": _name(),
            "categories": {"type": "integer", "minimum": 0, "x-expected": "非负整数（类）"},
            "indicators": {"type": "integer", "minimum": 0, "x-expected": "非负整数（条）"},
        }, "`{name, categories, indicators}`: 《和硕县分行业分领域核心绩效指标》28类277条.",
            required=["name", "categories", "indicators"]),
        "pre_assessment_rule": _line("Title of the county's pre-assessment rule cited in 二（二）."),
        "third_party_quality_rating": _line("Result of the third-party practice quality check, 二（九）: `优秀`. Without "
                                            "it the part is left out (warning W251)."),
    }),
    "text": _object({
        "policy_basis": _text("The opening paragraph of part 二 (policy documents the work follows)."),
        "third_party_scope": _text("What the third-party evaluations covered (二（五）)."),
        "evaluation_remarks": _text("Closing remarks of 二（五） (comparison with the year before, in words)."),
        "issuer": _line("落款: the issuing office printed at the end, right-aligned: `和硕县财政局`. Without it the report "
                        "has no 落款."),
        "issue_date": {"type": ["string", "date"], "x-expected": "日期（如 2024-03-15 或 2024年3月15日）", "description":
                       "成文日期 under the issuer: `2024-03-15` (or `2024年3月15日`); printed `2024年3月15日` (GB/T 9704: "
                       "no leading zeros), placed after GB/T 9704-2012 7.3.5.2 (unsealed: the office 2 characters from "
                       "the right, the date 2 characters right of the office's first character). The publication date: "
                       "not before the year the reported work was done (the report year, or Y+1 for key evaluations done "
                       "the year after, `timing`), else E138."},
        **{name: {"type": "array", "description": meaning, "x-expected": "列表，每项含 title（小标题）和 text（正文）",
                  "items": _object({"title": _text(nonblank=True), "text": _text(nonblank=True)}, required=["title", "text"],
                                   **{"x-expected": "含 title 和 text 的键值对"})}
           for name, meaning in (("problems", "Part 三: a list of `{title, text}`; numbered （一）（二）… by the program. "
                                              "Absent or `[]`: the part is left out, no heading, and warning W251 says so."),
                                 ("measures", "Part 四, as `problems`."))},
        "custom": {"type": "object", "propertyNames": {"type": "string", "nonblank": True},
                   "additionalProperties": {"type": ["string", "number"], "finite": True, "x-expected": "文字"},
                   "x-expected": "「名称: 文字」的键值对（供本县模板引用，如 {{ text.window }}）",
                   "description": "Further sentences a county template quotes, by name, as `{{ text.<name> }}` (天水市: "
                                  "`legal_basis`, `method`, `window`). Numbers in them are quoted in the ledger as params "
                                  "text (引文, key `text.custom.<name>.<n>`), and a rule's number (「50万元以上」, "
                                  "「增幅达到20%」) printed as written is never taken by the self-audit for a figure. "
                                  "Other unknown keys under `text` are refused (E170)."},
    }),
    "templates": _line("A folder of the county's own templates (see templates.md) and, optionally, its `layout.yaml` for "
                       "the Word/PDF layout (see publication.md)."),
    "outline": {"type": "array", "minItems": 1, "items": _outline_entry(1),
                "x-expected": "列表，每项是部分的 key（如 monitoring），或含 key 的键值对",
                "description": "The parts the county keeps, in its order (see below). Without it, every part of the "
                               f"outline that has data. At most {OUTLINE_LEVELS} levels of `sections` (E125)."},
    "illustrative": {"type": ["boolean", "string", "array", "object"], "nonblank": True,
                     "items": {"type": "string", "nonblank": True},
                     "propertyNames": {"type": "string", "nonblank": True},
                     "additionalProperties": {"type": "string", "nonblank": True, "x-expected": "说明文字"},
                     "minItems": 1, "minProperties": 1,
                     "x-expected": "true/false、一句说明文字、说明文字的列表，或「部分的 key、chart:图名、table:表名、issue_date: 说明文字」的对应表",
                     "x-default": "false",
                     "description": "`true`, or a sentence: the data is (partly) invented. Every output says so: a "
                                    "「示例数据说明」 before the first part (HTML, Word, PDF) and a notice at the top of the "
                                    "notebook. The example counties and the development cases with invented rows set it. "
                                    "Where only some things printed are illustrative, name them, each with a short note: a "
                                    "mapping from a part key (`trainings`), a chart or table (`\"chart:evaluation_funds\"`, "
                                    "`\"table:key_evaluation_reports\"`) or `issue_date` (the 落款's date) to the note, or a "
                                    "list of notes. The 「示例数据说明」 then lists each note after the name the report prints "
                                    "(「图1　…」：…, 「二（八）预算绩效管理培训工作」：…, 落款的成文日期：…); a note on a part the "
                                    "report leaves out is not printed, and an unknown name is an error. 和硕县 2023 declares "
                                    "its chart of amounts by type and its issue date so."},
    "wording": _object({
        "superior": _line("The level above as printed: 「协助自治区对4个项目真实性核查」.", **{"x-default": "上级财政部门"}),
        "we": _line("How the report names its own government: 我县, 我区.", **{"x-default": "the county's name"}),
        "party": _line("「积极围绕县委、县政府重大决策部署」: without it the phrase reads 「积极围绕重大决策部署」."),
        "bureau": _line("The publishing office's full name: 和硕县财政局, 某开发区财政金融部.",
                        **{"x-default": "`<county_name><organ>`"}),
        "organ": _line("The publishing office's kind, without the place: 财政局, 财政金融部, 财政所. It makes the default "
                       "`bureau` and `offices`.", **{"x-default": "财政局"}),
        "offices": _line("Who in the office published the reports with the evaluated units: 「组织局相关业务处室、被评价单位」.",
                         **{"x-default": "局相关业务处室 when `organ` ends in 局, else 相关业务处室"}),
        "portal": _line("Where the reports were published: 「已在人民政府门户网站…公开」, 「相关报告公开情况可在…查阅」; `\"\"` "
                        "leaves the place out (「已对…进行了公开」). A development zone writes its own (管委会门户网站). The "
                        "sentence itself prints only when a report's 公开情况 is 公开.", **{"x-default": "人民政府门户网站"}),
        "staff": _line("Who did the checks: 今年各股室."),
        "level": _line("县, 区, 市, 旗, for county templates (`wording.level`)."),
    }),  # words that differ by place; the defaults name no region, party committee or office
    "evaluation_types": {
        "type": "array", "minItems": 1, "x-default": "the seven of 和硕县",
        "x-expected": "列表，每项含 name 和 kind",
        "items": _object({
            "name": _name(),
            "kind": {"enum": list(STANDARD_KINDS)},
            "aliases": {"type": "array", "items": {"type": "string", "line": "nonblank"}, "x-expected": "其他写法的列表"},
            "scope": _text(),
            "measure": _line(),
        }, required=["name", "kind"]),
        "description": "The county's evaluation types (below)."},
    "grades": {"type": "object", "propertyNames": {"enum": list(GRADED_TABLES)}, "additionalProperties": LABELS,
               "x-expected": "「表名: 四个等级名称」的键值对",
               "description": "Grade labels per graded table: `{self_evaluation_reviews: [优, 良, 中(一般), 差]}`. Tables: "
                              + ", ".join(f"`{t}`" for t in GRADED_TABLES) + "."},
    "formats": {"type": "object",
                "propertyNames": {"type": "string", "pattern": FIGURE_NAME, "x-code": "E124",
                                  "x-expected": "数字名称（如 key_evaluations.amount）或以 . 结尾的名称前缀（如 monitoring.）"},
                "additionalProperties": _object({
                    "decimals": {"enum": [0, 1, 2, 3, 4, "data"], "x-expected": "0 到 4 的整数或 data（按数据本身的小数位）"},
                    "unit": {"enum": ["万元", "亿元"]},
                    "thousands": {"type": "boolean"},
                    "measure": {"enum": list(MEASURE_WORDS)},
                    "approx": {"enum": list(APPROX_MARKERS)},
                    "round_to": {"enum": list(ROUND_TO)},
                }, **{"x-expected": "键值对，可含 decimals（0–4 或 data）、unit（万元 或 亿元）、thousands（true/false）、"
                                    "measure（计量单位，如 项）、approx（余、近、超、逾）、round_to（10、100、1000、10000）"}),
                "x-expected": "「数字名称: 格式」的键值对",
                "description": "Per-figure number formats (below). `unit` only for amounts (a 亿元 unit on a count is "
                               "E194); `measure` (项, 场, 人次 …) and `approx` (余, 近, 超, 逾, with `round_to`) only for "
                               "counts (E198; `round_to` without `approx` is E199)."},
    "timing": {"type": ["string", "object"], "choices": list(TIMING_CHOICES["key_evaluations"]),
               "properties": {activity: {"enum": list(choices)} for activity, choices in TIMING_CHOICES.items()},
               "additionalProperties": False, "x-expected": "next、same 或 previous，或按工作分别设定的键值对",
               "description": "The year each activity's data is about, relative to `year` (Y, the report year: the "
                              "year in the title and the file name). `key_evaluations`: `next` (default; the spending of Y "
                              "evaluated in Y+1, the reference's 「2024年度，…对2023年度重点绩效评价」), `same` (Y's spending "
                              "evaluated in Y: 「2023年度，…对当年度重点绩效评价」) or `previous` (Y−1's spending evaluated in "
                              "Y, a 通报 published in Y: 「2023年度，…对2022年度重点绩效评价」); `self_evaluations` and "
                              "`third_party`: `previous` (default; done in Y about Y−1, 「对2022年部门整体绩效…开展自评」) or "
                              "`same`. Written `timing: same` (key evaluations only) or `timing: {key_evaluations: previous, "
                              "self_evaluations: previous}`. Figures `report.evaluation_year` (the year the key evaluations "
                              "were done), `report.self_evaluations_year`, `report.third_party_year`; the publication date is "
                              "`text.issue_date`."},
    "key_evaluation_table": {
        "type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(KEY_EVALUATION_COLUMNS)},
        "x-default": "`[序号, 评价报告]`", "x-expected": "列名的列表",
        "description": "The columns of the key-evaluation table, from " + ", ".join(KEY_EVALUATION_COLUMNS) + ". One row "
                       "per report: a report covering several 评价对象 (docs/data-format.md) shows their count (评价对象数), "
                       "their amounts summed (评价资金), their grades (评价等级, joined in label order when they differ: "
                       "「优、良」), its departments joined; 评价得分 only for a report on one object."},
    "stated_totals": {
        "type": "object", "propertyNames": {"type": "string", "nonblank": True},
        "additionalProperties": {"type": ["number", "string"], "finite": True,
                                 "pattern": r"^\s*-?[0-9][0-9,]*(\.[0-9]+)?\s*$", "x-code": "E121",
                                 "x-expected": "有限的数（如 17076 或 17076.5）"},
        "x-expected": "「数字名称: 数值」的键值对",
        "description": "Totals the analyst has from elsewhere (the budget system's summary, last year's report draft), by "
                       "figure name, in the figure's unit: `{target_reviews.amount: 17076, trainings.attendees: 380}`. "
                       "Each is compared with the total computed from the rows, at the precision it is written with; a "
                       "difference is an error (E142) naming both values. Figure names are listed in the notebook's "
                       "figure table (名称)."},
    "columns": {"type": "object", "description":
                "The county's own export names, when its budget-system export names sheets and columns differently: by "
                "perflib sheet, `sheet:` (the export's sheet name) and `perflib column: export column`, or `{header: "
                "export column, unit: 元}` for an amount exported in 元 (divided by 10000 exactly, to 万元). Example below. "
                "`perflib check` prints this block, filled in, when headers do not match. Two columns of a sheet mapped "
                "to one export column (E126), a sheet mapped onto another table's sheet (E127) and a mapped sheet the "
                "workbook lacks (E128) are errors.",
                "x-expected": "「perflib 工作表名: 对应关系」的键值对",
                "properties": {}, "additionalProperties": False},
}, required=["county", "year", "county_name", "data"])


def _columns_schema() -> None:
    """``columns``: one entry per perflib sheet, its own columns as keys (filled in from perflib.schema)."""
    sheets = SCHEMA["properties"]["columns"]["properties"]
    for spec in TABLES:
        properties: dict = {"sheet": _name()}
        for column in spec.columns:
            units = ["万元", "元"] if column.kind == "money" else ["万元"]
            properties[column.header] = {
                "type": ["string", "integer", "object"], "nonblank": True,
                "x-expected": "导出表中的列名，或 {header: 列名, unit: 元}",
                "properties": {"header": {"type": ["string", "integer"], "nonblank": True, "x-expected": "导出表中的列名"},
                               "unit": {"enum": units, "x-expected": "万元 或 元（只有金额列可写 unit）" if len(units) == 2
                                        else "不写（只有金额列可写 unit，取值为 万元 或 元）"}},
                "additionalProperties": False}
        sheets[spec.sheet] = {"type": "object", "properties": properties, "additionalProperties": False,
                              "x-expected": "键值对（sheet: 导出的工作表名；列名: 导出的列名）"}


_columns_schema()

# -- the validator: the standard keywords, integers without floats, dates, and the keywords above ----


def _finite(validator, wanted, instance, schema):
    if wanted and isinstance(instance, float) and not math.isfinite(instance):
        yield _error(f"{instance} is not finite")


def _line_keyword(validator, wanted, instance, schema):
    """``line: true``: no line break inside; ``line: nonblank``: nor blank."""
    if wanted and isinstance(instance, str) and ("\n" in instance.strip() or "\r" in instance.strip()
                                                 or (wanted == "nonblank" and not instance.strip())):
        yield _error("not one line")


def _nonblank(validator, wanted, instance, schema):
    if wanted and isinstance(instance, str) and not instance.strip():
        yield _error("blank")


def _choices(validator, allowed, instance, schema):
    if isinstance(instance, str) and instance not in allowed:
        yield _error(f"{instance!r} not in {allowed}")


def _error(message: str):
    import jsonschema

    return jsonschema.ValidationError(message)


@functools.cache
def validator():
    """The schema's validator, built on first use: jsonschema is imported only when a params file is
    read (and, as in ``perflib.run.skip_unused_imports``, without the IRI parsers it never uses here)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # 0.7 s of parsers for IRI formats no schema here has
    import jsonschema

    types = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many({
        "integer": lambda checker, value: isinstance(value, int) and not isinstance(value, bool),
        "date": lambda checker, value: isinstance(value, date),
    })
    return jsonschema.validators.extend(
        jsonschema.Draft202012Validator,
        validators={"finite": _finite, "line": _line_keyword, "nonblank": _nonblank, "choices": _choices},
        type_checker=types,
    )(SCHEMA)


# -- messages -------------------------------------------------------------------------------------

CODES = {  # keyword → finding code (docs/errors.md)
    "type": "E121", "pattern": "E121",
    "finite": "E122", "minimum": "E122", "maximum": "E122", "minItems": "E122", "minProperties": "E122", "maxItems": "E122", "uniqueItems": "E122",
    "enum": "E123", "choices": "E123",
    "nonblank": "E124",
    "line": "E129",
    "additionalProperties": "E170", "required": "E140",
}
TYPE_NAMES = {"string": "文字", "integer": "整数", "number": "数", "boolean": "true 或 false", "array": "列表",
              "object": "键值对", "date": "日期", "null": "空"}


def key_path(path: Iterable[Any]) -> str:
    """``outline[2].blocks``: a key path as the messages print it (list items counted from 0)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def shown(value: Any) -> str:
    """A value as YAML would write it, short: ``5``, ``[1, 2]``, ``true``, ``.nan``, ``abc``."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("\r", "\\r").replace("\n", "\\n")  # a line break shown, not made
    return text if len(text) <= 60 else text[:57] + "…"


def _expected(error) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    keyword = error.validator
    if "x-expected" in schema and keyword != "choices":  # choices: the text's own choices, not the other types
        return schema["x-expected"]
    if keyword == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return "或".join(TYPE_NAMES.get(t, t) for t in types)
    if keyword in ("enum", "choices"):
        return "以下之一：" + "、".join(map(str, error.validator_value))
    if keyword == "minimum":
        return f"不小于 {error.validator_value} 的数"
    if keyword == "maximum":
        return f"不大于 {error.validator_value} 的数"
    if keyword == "minItems":
        return f"至少 {error.validator_value} 项的列表"
    if keyword == "maxItems":
        return f"至多 {error.validator_value} 项的列表"
    if keyword == "uniqueItems":
        return "各项不重复的列表"
    if keyword == "finite":
        return "有限的数（不可为 nan 或 inf）"
    if keyword in ("line", "nonblank"):
        return "不为空的文字" if keyword == "nonblank" else "一行文字（不可换行）"
    return "见 docs/params.md"


class Source:
    """Where a params value came from: the file (with its YAML node tree, for line numbers) or papermill."""

    def __init__(self, where: str, node: yaml.Node | None = None, injected: Iterable[str] = ()):
        self.where, self.node, self.injected = where, node, set(injected)

    def place(self, path: list) -> str:
        """「参数文件 params/x/2023.yaml 第 12 行」, or 「papermill 注入的参数」 for an injected key."""
        if path and path[0] in self.injected:
            return f"papermill 注入的参数（参数文件 {self.where} 之外）"
        line = self.line(path)
        return f"参数文件 {self.where}" + (f" 第 {line} 行" if line else "")

    def line(self, path: list) -> int | None:
        node, found = self.node, None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
                if match is None:
                    break
                found, node = match[0].start_mark.line + 1, match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                found = node.start_mark.line + 1
            else:
                break
        return found


def problems(raw: Mapping[str, Any], source: Source) -> list[tuple[int, str, str]]:
    """Every fault of ``raw`` against SCHEMA: (line or 0, code, message without the code), in file order."""
    found = []
    for error in validator().iter_errors(_without_nulls(raw)):
        path = list(error.absolute_path)
        schema = error.schema if isinstance(error.schema, dict) else {}
        code = schema.get("x-code") or CODES.get(error.validator, "E140")
        if error.validator == "additionalProperties":
            found += _unknown_keys(error, path, source)
            continue
        if error.validator == "required":
            missing = str(error.message).split("'")[1] if "'" in error.message else ""
            where = source.place(path)
            found.append((source.line(path) or 0, code, f"{where} 缺少 {key_path([*path, missing])}。"))
            continue
        if "propertyNames" in error.schema_path:  # a key of the mapping at ``path``, not a value
            value = error.instance
            if error.validator == "enum":
                code = "E123"
                guess = difflib.get_close_matches(str(value), [str(x) for x in error.validator_value], n=1, cutoff=0.5)
                hint = f"（是否应为「{guess[0]}」？）" if guess else ""
                expected = "以下之一：" + "、".join(map(str, error.validator_value))
            else:
                code, hint, expected = schema.get("x-code") or "E124", "", schema.get("x-expected") or "不为空的名称"
            found.append((source.line([*path, value]) or source.line(path) or 0, code,
                          f"{source.place([*path, value])}，{key_path(path)} 中的名称「{shown(value)}」不可用{hint}：应为{expected}。"))
            continue
        hint = ""
        if error.validator in ("enum", "choices") and isinstance(error.instance, str) and len(error.validator_value) > 1:
            guess = difflib.get_close_matches(error.instance, [str(x) for x in error.validator_value], n=1, cutoff=0.5)
            hint = f"（是否应为「{guess[0]}」？）" if guess else ""
        found.append((source.line(path) or 0, code,
                      f"{source.place(path)}，{key_path(path) or '顶层'} 应为{_expected(error)}，现为「{shown(error.instance)}」{hint}。"))
    return sorted(found, key=lambda p: p[0])


def _unknown_keys(error, path: list, source: Source) -> list[tuple[int, str, str]]:
    """E170, as the hand check said it: each unknown key with the closest known one."""
    known = [str(k) for k in (error.schema.get("properties") or {})]
    level = key_path(path)
    prefix = f"{level}." if level else ""
    found = []
    for key in sorted((str(k) for k in error.instance if str(k) not in known), key=str):
        guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        named = f"{prefix}{key}" + (f"（是否应为 {prefix}{guess[0]}？）" if guess else "")
        found.append((source.line([*path, key]) or 0, "E170",
                      f"{source.place([*path, key])}：有未知的键：{named}。{level or '顶层'}可用的键：{'、'.join(known)}（见 docs/params.md）。"))
    return found


def _without_nulls(value: Any) -> Any:
    """A key written with no value (``templates:``) is a key not given."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def validate(raw: Mapping[str, Any], source: Source) -> None:
    """Refuse ``raw`` (a params file with papermill's values merged in) unless it fits SCHEMA: one
    ``ParamsError`` naming every fault, each on its own line with its code; its code is the first's."""
    refuse_deep_value(raw, source)
    found = problems(raw, source)
    if found:
        (_, code, first), rest = found[0], found[1:]
        more = "".join(f"\n[{c} 错误] {m}" for _, c, m in rest)
        raise ParamsError(first + more, code=code)


# -- nesting: refused before anything recursive reads the value -------------------------------------

def _too_deep(where: str, line: int | None) -> ParamsError:
    at = f" 第 {line} 行" if line else ""
    return ParamsError(f"{where}{at}：键值对与列表嵌套超过 {MAX_NESTING} 层，已拒绝读取（参数文件与 outline.yaml 用不到这么深的结构；"
                       f"报告的标题最多 {OUTLINE_LEVELS} 层）。", code="E125")


def refuse_deep_yaml(text: str, where: str) -> None:
    """Refuse (E125) YAML nested deeper than MAX_NESTING, from its events: nothing recursive (the
    YAML composer, the checks) ever sees it. Also for a county's outline.yaml (perflib.outline)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_NESTING:
                    raise _too_deep(where, event.start_mark.line + 1)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # the loader that follows names the syntax error


def refuse_deep_value(value: Any, source: Source) -> None:
    """Refuse (E125) a value (injected by papermill, say) nested deeper than MAX_NESTING, without recursion."""
    stack = [(value, 0, [])]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, (dict, list)):
            if depth + 1 > MAX_NESTING:
                raise _too_deep(source.place(path[:1]), None)
            children = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((child, depth + 1, [*path, key]) for key, child in children)


# -- the doc: docs/params.md's table of keys --------------------------------------------------------

def doc_rows() -> list[tuple[str, str, str]]:
    """(key, required, meaning) for every key the schema describes, top level first, nested keys after
    their parent, in the schema's order."""
    rows = []

    def walk(schema: dict, prefix: str, required: Iterable[str]) -> None:
        for name, sub in (schema.get("properties") or {}).items():
            if not sub.get("description"):  # a level (settings, text): its keys have the rows
                walk(sub, f"{prefix}{name}.", sub.get("required") or ())
                continue
            default = sub.get("x-default")
            need = "yes" if name in required else (f"no ({default})" if default else "no")
            rows.append((f"{prefix}{name}", need, sub["description"]))

    walk(SCHEMA, "", SCHEMA["required"])
    return rows
