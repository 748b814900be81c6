"""Findings: what the checks say about the data, each with a stable code and a location.

An ``error`` stops the report; a ``warning`` is shown to the analyst (notebook, report appendix)
and never printed in the public text. Every code is documented in docs/errors.md.
"""
from __future__ import annotations

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
    "E130": (ERROR, "评价等级与得分不符"),
    "E131": (ERROR, "执行金额大于预算金额"),
    "E132": (ERROR, "同一监控批次的截止日期不一致"),
    "E133": (ERROR, "日期不在报告年度内"),
    "E134": (ERROR, "监控批次缺少截止日期"),
    "E135": (ERROR, "不予公开的报告填写了公开网址"),
    "E136": (ERROR, "同一评价对象归入两种评价类型"),
    "E137": (ERROR, "执行率与执行金额÷预算金额不符"),
    "E140": (ERROR, "参数文件有误"),
    "E141": (ERROR, "工作簿中的县或年度与参数不一致"),
    "E142": (ERROR, "参数中填写的合计与数据计算结果不一致"),
    "E170": (ERROR, "参数文件中有未知的键"),
    "E171": (ERROR, "参数文件中同一个键写了两次"),
    "E172": (ERROR, "参数文件中的年度不是四位数字"),
    "E173": (ERROR, "工作簿已加密"),
    "E174": (ERROR, "公式单元格没有保存计算结果"),
    "E175": (ERROR, "工作表名称只差空格或全角/半角字符"),
    "E176": (ERROR, "同一列名在表头中出现两次"),
    "E150": (ERROR, "文件解压后过大（疑似压缩炸弹）"),
    "E151": (ERROR, "不是普通文件（管道、设备等）"),
    "E152": (ERROR, "链接指向所在文件夹或项目之外"),
    "E153": (ERROR, "含有控制字符"),
    "E154": (ERROR, "含有双向文字控制字符或零宽字符（参数文件）"),
    "E155": (ERROR, "县目录名或年度不合法"),
    "E156": (ERROR, "参数文件使用了 YAML 锚点或别名"),
    "E190": (ERROR, "评价类型不是参数中声明的类型"),
    "E191": (ERROR, "已完成的评价缺少报告名称或公开情况"),
    "E192": (ERROR, "进行中的评价已填写得分或等级"),
    "E193": (ERROR, "同一评价报告各行的公开情况不一致"),
    "W201": (WARNING, "多余的列（已忽略）"),
    "W202": (WARNING, "已跳过合计行"),
    "W203": (WARNING, "CSV 文件按 GB18030/GBK 编码读取"),
    "W204": (WARNING, "单元格取值已规范化"),
    "W206": (WARNING, "已跳过表头上方的标题行"),
    "W207": (WARNING, "隐藏的工作表已读取"),
    "W208": (WARNING, "未识别的工作表（已忽略）"),
    "W220": (WARNING, "以前年度的参数或数据有错误，未作与上年对比"),
    "W240": (WARNING, "CSV 文件以分号或制表符分隔"),
    "W230": (WARNING, "已删除零宽字符"),
    "W250": (WARNING, "没有某部分的工作表，报告不写该部分"),
    "W260": (WARNING, "评价资金为空的行未计入评价资金合计"),
    "W265": (WARNING, "单元格含有私用区字符（按原样印出）"),
}


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
            parts.append(f"文件 {self.file}")
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"列「{self.column}」")
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
