"""Findings: what the checks say about the data, each with a stable code and a location.

An ``error`` stops the report; a ``warning`` is shown to the analyst (notebook, report appendix)
and never printed in the public text. Every code is documented in docs/errors.md.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Iterable
from .errors import DataError  # noqa: F401  (raised with findings; defined with the other user errors)

ERROR = "error"
WARNING = "warning"

# code: (level, short title). docs/errors.md carries an example and the fix for each.
CODES: dict[str, tuple[str, str]] = {
    "E100": (ERROR, "数据文件不存在或无法读取"),
    "E101": (ERROR, "缺少工作表"),
    "E102": (ERROR, "缺少列"),
    "E103": (ERROR, "表中没有数据行"),
    "E106": (ERROR, "数字中间有空格，且不是千分位分组"),
    "E107": (ERROR, "文件是 OpenDocument 格式（.ods），不是 .xlsx"),
    "E110": (ERROR, "必填单元格为空"),
    "E111": (ERROR, "不是数字"),
    "E112": (ERROR, "金额为负数"),
    "E113": (ERROR, "金额小数位超过4位"),
    "E114": (ERROR, "人次/个数不是非负整数"),
    "E115": (ERROR, "得分不在0–100之间"),
    "E116": (ERROR, "日期无法识别"),
    "E117": (ERROR, "取值不在允许范围内"),
    "E118": (ERROR, "百分比超过100%"),
    "E120": (ERROR, "重复的行"),
    "E121": (ERROR, "参数的类型不对"),
    "E122": (ERROR, "参数的数值超出范围（含 nan、inf）"),
    "E123": (ERROR, "参数的取值不在可选值之中"),
    "E124": (ERROR, "参数中的名称或文字为空或写法不对"),
    "E125": (ERROR, "参数文件或 outline 嵌套过深"),
    "E126": (ERROR, "两列对应到导出表的同一列"),
    "E127": (ERROR, "一张表对应到另一张表的工作表"),
    "E128": (ERROR, "参数 columns 中写明的工作表在工作簿中不存在"),
    "E129": (ERROR, "应为一行的参数文字为空或含换行"),
    "E130": (ERROR, "评价等级与得分不符"),
    "E131": (ERROR, "执行金额大于预算金额"),
    "E132": (ERROR, "同一监控批次的截止日期不一致"),
    "E133": (ERROR, "日期不在报告年度内"),
    "E134": (ERROR, "监控批次缺少截止日期"),
    "E135": (ERROR, "不予公开的报告填写了公开网址"),
    "E136": (ERROR, "同一评价对象归入两种评价类型"),
    "E137": (ERROR, "执行率与执行金额÷预算金额不符"),
    "E140": (ERROR, "参数文件有误"),
    "E138": (ERROR, "成文日期早于报告所述工作的年度"),
    "E141": (ERROR, "工作簿中的县或年度与参数不一致"),
    "E142": (ERROR, "参数中填写的合计与数据计算结果不一致"),
    "E170": (ERROR, "参数文件中有未知的键"),
    "E171": (ERROR, "参数文件中同一个键写了两次"),
    "E172": (ERROR, "参数文件中的年度不是四位数字"),
    "E173": (ERROR, "工作簿已加密"),
    "E174": (ERROR, "公式单元格没有保存计算结果"),
    "E175": (ERROR, "工作表名称只差空格、全角/半角、大小写或不可见字符"),
    "E176": (ERROR, "同一列名在表头中出现两次"),
    "E150": (ERROR, "文件解压后过大（疑似压缩炸弹）"),
    "E151": (ERROR, "不是普通文件（管道、设备等）"),
    "E152": (ERROR, "链接指向所在文件夹或项目之外"),
    "E153": (ERROR, "含有控制字符"),
    "E154": (ERROR, "含有双向文字控制字符或零宽字符（参数文件）"),
    "E155": (ERROR, "县目录名或年度不合法"),
    "E156": (ERROR, "参数文件使用了 YAML 锚点或别名"),
    "E160": (ERROR, "参数文件中仍有「待填写」的内容"),
    "E161": (ERROR, "参数文件中的数目仍是 perflib new 写入的 0"),
    "E190": (ERROR, "评价类型不是参数中声明的类型"),
    "E191": (ERROR, "已完成的评价缺少报告名称或公开情况"),
    "E192": (ERROR, "进行中的评价已填写得分或等级"),
    "E193": (ERROR, "同一评价报告各行的公开情况不一致"),
    "E194": (ERROR, "参数 formats 的 unit 用在了不是金额的数字上"),
    "E195": (ERROR, "参数 settings.grade_floors 的分数段颠倒、重叠或不从 0 起"),
    "E196": (ERROR, "参数要求不印等级，却在重点评价表中列出评价等级"),
    "E198": (ERROR, "参数 formats 的 approx 或 measure 用在了不是计数的数字上"),
    "E199": (ERROR, "参数 formats 的 round_to 没有 approx"),
    "W201": (WARNING, "多余的列（已忽略）"),
    "W202": (WARNING, "已跳过合计行"),
    "W203": (WARNING, "CSV 文件按 GB18030/GBK 编码读取"),
    "W204": (WARNING, "单元格取值已规范化"),
    "W206": (WARNING, "已跳过表头上方的标题行"),
    "W207": (WARNING, "隐藏的工作表已读取"),
    "W208": (WARNING, "未识别的工作表（已忽略）"),
    "W209": (WARNING, "数字中的空格已作为千分位分隔符去掉"),
    "W220": (WARNING, "以前年度的参数或数据有错误，未作与上年对比"),
    "W240": (WARNING, "CSV 文件以分号或制表符分隔"),
    "W230": (WARNING, "已删除零宽字符"),
    "W245": (WARNING, "参数 formats 要求印为约数，但数值不能如此约，按精确数印刷"),
    "W250": (WARNING, "没有某部分的工作表，报告不写该部分"),
    "W251": (WARNING, "参数中某部分的内容为空，报告不写该部分"),
    "W252": (WARNING, "某部分的工作表没有数据行，报告不写该部分"),
    "W260": (WARNING, "评价资金为空的行未计入评价资金合计"),
    "W261": (WARNING, "参数文件中有标为「请复核」的上年文字"),
    "W270": (WARNING, "PDF 所用字体未安装，已用替代字体"),
    "W265": (WARNING, "单元格含有私用区字符（按原样印出）"),
}

# Codes said by the export step, not by the data checks: `perflib check` can never give them, so the
# bad-input corpus (tests/test_bad_inputs.py) does not cover them; their own tests do (tests/test_pdf_fonts.py).
NOT_FROM_DATA = frozenset({"W270"})


# Printable to Python but drawn as nothing (Unicode Default_Ignorable_Code_Point that are not
# "Other" or "Separator"): the combining grapheme joiner, Hangul fillers, variation selectors;
# and the Braille blank, which looks like a space.
_INVISIBLE_PRINTABLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]")


def visible(text: str) -> str:
    """``text`` as a message quotes it: every character that shows as nothing or as a mere gap
    (control, format such as U+200B and the bidi controls, private use, unassigned, separators but
    the ASCII space: U+3000, U+00A0, line breaks; see ``_INVISIBLE_PRINTABLE``) as ``<U+XXXX>``,
    so that 「100<U+200B>」 is not read as 「100」. Used for every finding (``Finding``)."""
    if text.isprintable() and not _INVISIBLE_PRINTABLE.search(text):
        return text
    return "".join(c if c.isprintable() and not _INVISIBLE_PRINTABLE.match(c) else f"<U+{ord(c):04X}>" for c in text)


@dataclass(frozen=True)
class Finding:
    """One thing the checks found, located as the analyst sees it in Excel."""

    code: str
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None  # the row number Excel shows (header is row 1)
    column: str | None = None  # the column header as in the workbook
    value: str | None = None
    expected: str | None = None

    def __post_init__(self) -> None:
        # what a message quotes from the data is shown with its invisible characters visible; the
        # sheet and column stay as written (they are looked up) and are made visible in ``location``
        for name in ("message", "value", "expected"):
            text = getattr(self, name)
            if isinstance(text, str) and (not text.isprintable() or _INVISIBLE_PRINTABLE.search(text)):
                object.__setattr__(self, name, visible(text))

    @property
    def level(self) -> str:
        return CODES[self.code][0]

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    @property
    def location(self) -> str:
        """``文件 data/x.xlsx，工作表「培训」，第 3 行，列「参训人次」``, as far as known."""
        parts = []
        if self.file:
            parts.append(f"文件 {visible(self.file)}")
        if self.sheet:
            parts.append(f"工作表「{visible(self.sheet)}」")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"列「{visible(self.column)}」")
        return "，".join(parts)

    def __str__(self) -> str:
        head = f"[{self.code} {'错误' if self.is_error else '提示'}] "
        where = f"{self.location}：" if self.location else ""
        text = f"{head}{where}{self.message}"
        if self.value is not None:
            text += f"（值「{self.value}」"
            text += f"，应为{self.expected}）" if self.expected else "）"
        elif self.expected:
            text += f"（应为{self.expected}）"
        return text

    def as_dict(self) -> dict:
        return {"level": self.level, **asdict(self)}


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not f.is_error]
