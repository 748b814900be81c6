"""The input tables: sheet names and column headers as exported from 预算管理一体化系统.

Each table is a sheet of the county-year workbook (or a CSV file of the same name in a folder).
Column headers are matched after trimming spaces and treating full- and half-width brackets
alike, so ``预算金额（万元）`` and ``预算金额(万元) `` are the same column.
docs/data-format.md documents every table; a test keeps the two in step.
"""
from __future__ import annotations

from dataclasses import dataclass

# 评价类型: the default key-evaluation object types of the report's section 一, in its order; a
# county declares its own in params (evaluation_types), and the column is checked against them.
EVALUATION_TYPES = (
    "部门整体评价",
    "下级政府财政综合运行绩效评价",
    "财政政策评价",
    "政府采购项目",
    "政府购买服务项目",
    "专项债券项目",
    "其他重大项目",
)
PUBLICATION_STATES = ("公开", "涉密", "敏感")  # 公开情况: published, or withheld as 涉密/敏感
CHECK_KINDS = ("本级抽查", "协助自治区核查", "协助上级核查")  # 真实性核查: own sample, or help to the level above (two names)
EVALUATION_STATES = ("已完成", "进行中")  # 评价状态: an evaluation in progress has no grade and no report yet
YES_NO = ("是", "否")
REALLOCATION_DIRECTIONS = ("调出", "调入新项目", "调入原有项目")  # 资金调整: where the money went


@dataclass(frozen=True)
class Column:
    """One column: its header in the workbook, its field name in code and its kind.

    Kinds: ``text``; ``money`` (万元, Decimal, ≥ 0, at most 4 decimals); ``count`` (integer ≥ 0);
    ``score`` (0–100); ``percent`` (a ratio, at most 100%); ``date``; ``choice`` (one of ``choices``).
    A column that is not ``required`` may have blank cells and may be left out of the sheet.
    """

    header: str
    name: str
    kind: str = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    example: str = ""
    note: str = ""
    blank_code: str | None = None  # a more specific finding than E110 for a blank cell
    blank_message: str = ""
    aliases: tuple[str, ...] = ()  # names budget-system exports commonly use (perflib check suggests the mapping)
    divisor: int = 1  # an amount exported in 元 is divided by 10000 (params ``columns``, perflib.mapping)


@dataclass(frozen=True)
class TableSpec:
    """One input table: sheet name, columns, whether rows are required, and its row key."""

    name: str
    sheet: str
    purpose: str
    columns: tuple[Column, ...]
    rows_required: bool = True
    key: tuple[str, ...] = ()  # fields that identify a row; a repeat is a duplicate
    section: str = ""
    key_blank_ok: tuple[str, ...] = ()  # key fields whose blank is a value of its own (rows with them blank still repeat)
    duplicate_expected: str = "每个项目只出现一次"

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


DEPARTMENT_ALIASES = ("单位名称", "预算单位", "部门名称", "主管部门", "主管单位", "单位", "部门")
AMOUNT_ALIASES = ("金额", "资金", "资金金额", "项目资金")


def _dept(header: str = "主管部门", example: str = "和硕县教育和科学技术局") -> Column:
    return Column(header, "department", example=example, aliases=DEPARTMENT_ALIASES)


def _project(header: str = "项目名称", example: str = "支持学前教育发展资金(新建幼儿园)") -> Column:
    return Column(header, "project", example=example, aliases=("项目", "项目全称"))


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "key_evaluations", "重点绩效评价", "对本年度支出开展的重点绩效评价（次年完成），每个评价对象一行；一份报告评价多个对象时，各行填同一评价报告名称",
        (
            Column("评价报告名称", "title", required=False, example="2023年教科局支持学前教育发展资金(新建幼儿园)项目重点项目绩效评价报告",
                   note="评价完成后填写；进行中的评价可不填；同名的各行合为一份报告"),
            Column("主管部门", "department", required=False, example="和硕县教育和科学技术局"),
            Column("评价类型", "type", required=False, example="其他重大项目", note="参数 evaluation_types 中的名称或别名（默认七类，见 docs/params.md）"),
            Column("评价资金(万元)", "amount", "money", required=False, example="1260.5", note="整列不填时报告不写评价资金"),
            Column("评价得分", "score", "score", required=False, example="92.5"),
            Column("评价等级", "grade", required=False, example="优", note="须与得分一致（财预〔2020〕10号，或参数 settings.grade_floors 规定的分数段）；标签见参数 settings.grade_labels"),
            Column("公开情况", "publication", "choice", required=False, choices=PUBLICATION_STATES, example="公开", note="已完成的评价须填写"),
            Column("公开网址", "url", required=False, example="http://www.heshuo.gov.cn/…", note="涉密、敏感的报告不得填写"),
            Column("评价状态", "status", "choice", required=False, choices=EVALUATION_STATES, example="已完成", note="不填即已完成"),
            Column("评价对象", "object", required=False, example="某某乡",
                   note="一份报告评价多个对象（如各乡镇）时填写，每行一个对象；一份报告只评价一个对象时可不填"),
        ),
        key=("title", "object"), section="一", key_blank_ok=("object",),
        duplicate_expected="每份评价报告一行；一份报告评价多个对象时，每行填写不同的评价对象",
    ),
    TableSpec(
        "policy_documents", "制度文件", "本年度出台的预算绩效管理制度文件，按列出顺序引用",
        (
            Column("文件名称", "title", example="和硕县全面实施预算绩效管理工作实施方案"),
            Column("文号", "number", required=False, example="和财预〔2023〕12号"),
            Column("印发日期", "issued", "date", required=False, example="2023-03-15"),
        ),
        key=("title",), section="二（一）",
    ),
    TableSpec(
        "pre_assessments", "事前绩效评估", "开展事前绩效评估的新增项目，每个项目一行",
        (
            _project(example="和硕县城区供热管网改造项目"),
            _dept(),
            Column("项目金额(万元)", "amount", "money", example="75"),
            Column("评估日期", "date", "date", required=False, example="2023-04-20"),
            Column("评估结论", "conclusion", required=False, example="予以支持"),
        ),
        key=("department", "project"), section="二（二）",
    ),
    TableSpec(
        "department_target_reviews", "部门整体目标审核", "完成部门整体绩效目标审核的部门，每个部门一行",
        (_dept("部门名称"),),
        key=("department",), section="二（三）",
    ),
    TableSpec(
        "project_target_reviews", "项目目标审核", "年初预算项目绩效目标审核，每个项目一行",
        (_dept(), _project(), Column("预算金额(万元)", "amount", "money", example="180.25",
                                     aliases=("年初预算数", "预算数", "年初预算", "预算金额", *AMOUNT_ALIASES))),
        key=("department", "project"), section="二（三）",
    ),
    TableSpec(
        "department_monitoring", "部门整体监控", "完成部门整体绩效监控审核的部门，每个部门一行",
        (_dept("部门名称"),),
        key=("department",), section="二（四）",
    ),
    TableSpec(
        "project_monitoring", "项目绩效监控", "项目绩效监控（“双监控”），每个批次每个项目一行",
        (
            Column("监控批次", "batch", example="5月", note="同一批次的各行截止日期须相同"),
            Column("截止日期", "as_of", "date", example="2023-05-31", note="执行数的统计截止日，决定序时进度",
                   blank_code="E134", blank_message="监控批次缺少截止日期，无法计算序时进度。"),
            _dept(),
            _project(),
            Column("预算金额(万元)", "budget", "money", example="210.4", aliases=("年初预算数", "预算数", "调整后预算数", "全年预算数")),
            Column("执行金额(万元)", "executed", "money", example="96.8", note="不得大于预算金额",
                   aliases=("执行数", "支出数", "实际支出", "已支付金额", "累计支出")),
            Column("执行率", "rate", "percent", required=False, example="46%", note="可不填；填写时须等于执行金额÷预算金额（误差 0.5 个百分点内）"),
            Column("重点监控", "key", "choice", required=False, choices=YES_NO, example="否", note="可不填；「是」计入重点监控项目"),
            Column("发现问题(条)", "problems", "count", required=False, example="2", note="可不填；监控发现并反馈的问题条数"),
        ),
        key=("batch", "department", "project"), section="二（四）",
    ),
    TableSpec(
        "department_self_evaluations", "部门整体自评", "上年度部门整体支出绩效自评，每个部门一行",
        (
            _dept("部门名称"),
            Column("支出金额(万元)", "amount", "money", example="1302.6"),
            Column("自评得分", "score", "score", required=False, example="91"),
            Column("自评等级", "grade", required=False, example="优"),
        ),
        key=("department",), section="二（五）",
    ),
    TableSpec(
        "project_self_evaluations", "项目自评", "上年度项目支出绩效单位自评及部门评价，每个项目一行",
        (
            _dept(), _project(),
            Column("项目金额(万元)", "amount", "money", example="281.6"),
            Column("自评得分", "score", "score", required=False, example="88"),
            Column("自评等级", "grade", required=False, example="良"),
        ),
        key=("department", "project"), section="二（五）",
    ),
    TableSpec(
        "third_party_evaluations", "第三方重点评价", "本年度委托第三方机构对上年度项目开展的重点绩效评价，每个项目一行",
        (
            _project(example="煤改电项目"),
            _dept(),
            Column("评价资金(万元)", "amount", "money", example="1250"),
            Column("第三方机构", "agency", required=False, example="新疆某某项目管理咨询有限公司"),
            Column("评价得分", "score", "score", required=False, example="86"),
            Column("评价等级", "grade", required=False, example="良"),
        ),
        key=("department", "project"), section="二（五）",
    ),
    TableSpec(
        "self_evaluation_reviews", "自评复核", "对单位自评结果的复核（财政或委托机构），每个项目一行；等级可用复核自己的一套名称（参数 grades）",
        (
            _dept(), _project(),
            Column("项目金额(万元)", "amount", "money", required=False, example="281.6"),
            Column("复核机构", "agency", required=False, example="某某会计师事务所"),
            Column("复核得分", "score", "score", required=False, example="86"),
            Column("复核等级", "grade", required=False, example="良"),
        ),
        key=("department", "project"), section="二（五）",
    ),
    TableSpec(
        "result_applications", "结果应用", "依据绩效结果调减预算，每次调减一行",
        (_dept(), _project(), Column("调减金额(万元)", "amount", "money", example="45")),
        section="二（六）",
    ),
    TableSpec(
        "reallocations", "资金调整", "依据绩效结果调整资金用途：调出的项目，以及调入的新项目、原有项目，每个项目每个方向一行",
        (
            Column("调整方向", "direction", "choice", choices=REALLOCATION_DIRECTIONS, example="调出"),
            Column("主管部门", "department", required=False, example="和硕县农业农村局"),
            _project(example="庭院经济发展项目"),
            Column("金额(万元)", "amount", "money", example="63"),
            Column("资金名称", "fund", required=False, example="衔接推进乡村振兴补助资金"),
        ),
        key=("direction", "department", "project"), section="二（六）",
    ),
    TableSpec(
        "authenticity_checks", "真实性核查", "预算绩效真实性核查的项目，每个项目一行",
        (
            _project(), _dept(),
            Column("核查类型", "kind", "choice", choices=CHECK_KINDS, example="本级抽查"),
        ),
        key=("kind", "department", "project"), section="二（七）",
    ),
    TableSpec(
        "trainings", "培训", "预算绩效管理培训，每期一行",
        (
            Column("培训日期", "date", "date", example="2023-06-12"),
            Column("培训内容", "topic", example="项目绩效目标编制"),
            Column("参训人次", "attendees", "count", example="80", aliases=("人次", "参训人数", "培训人次")),
        ),
        section="二（八）",
    ),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}
# Tables with a grade column; each gets grade counts and shares (perflib.figures) and its own labels (params grades).
GRADED_TABLES = ("key_evaluations", "department_self_evaluations", "project_self_evaluations", "third_party_evaluations",
                 "self_evaluation_reviews")
TABLES_BY_SHEET = {t.sheet: t for t in TABLES}
NOTES_SHEET = "说明"  # a free sheet for the analyst's notes; never read as data
INFO_SHEET = "基本信息"  # optional: 县（市、区） and 年度 of the workbook, checked against the params
INFO_COUNTY = "县（市、区）"
INFO_YEAR = "年度"
