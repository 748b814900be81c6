"""What ``perflib new`` left in a params file for the analyst to replace, found before it is printed.

``new`` writes 「待填写：…」 where only the county can say what to write (the policy basis, the
name of its 事前绩效评估 rules, the third-party rating) and 0 for the size of its indicator system
(类, 条). Left as they are, the report would publish 「按照《待填写：…》」 and 「0类0条」. Both are
errors, located at the key and its line in the params file: a value marked 「待填写」 (E160), a
count still at the 0 that ``new`` wrote and that a printed figure depends on (E161). Text that
``new --from`` carried over from last year is marked 「请复核」 (a value holding the mark, or the
comment line ``# 【请复核】…`` above it): a warning (W261) until the analyst has read it and
removed the mark.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import yaml

from .findings import Finding

TO_FILL = "待填写"  # marks what the analyst must write before the first report
TO_REVIEW = "请复核"  # marks text carried over from last year
REVIEW_MARK = f"【{TO_REVIEW}】"  # the comment line ``new --from`` writes above the carried text
# Counts that ``new`` writes as 0 and that the report prints as figures: 「《…》28类277条」.
STR, INT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"
UNFILLED_COUNTS = {
    "facts.indicator_system.categories": "类数",
    "facts.indicator_system.indicators": "条数",
}


def placeholder_findings(params) -> list[Finding]:
    """The placeholders left in ``params``' file (E160, E161, W261); none without a file."""
    from . import project, safety
    from .params import MAX_PARAMS_BYTES

    if params.source is None:
        return []
    label = project.relative(params.source, params.root)
    try:
        text = safety.read_regular(Path(params.source), f"参数文件 {label}", MAX_PARAMS_BYTES, "E156").decode("utf-8")
    except FileNotFoundError:  # removed since it was loaded: nothing of it can be printed
        return []
    return scan(text, label)


def scan(text: str, label: str) -> list[Finding]:
    """The placeholders in a params file's ``text`` (already loaded once, so valid YAML), located
    at their line; ``label``: the file as the analyst names it."""
    findings: list[Finding] = []
    for key, line, value in _scalars(yaml.compose(text, Loader=yaml.SafeLoader)):
        if isinstance(value, str) and TO_FILL in value:
            fix = ("本县没有核心绩效指标体系时删去 facts.indicator_system 整项" if key.startswith("facts.indicator_system.")
                   else "本县没有这项内容时改为空（\"\"），报告即不写这句")
            findings.append(Finding("E160", f"键 {key} 仍标有「{TO_FILL}」（perflib new 留给本县填写的内容），报告会原样印出。"
                                            f"请填写本县的内容；{fix}。",
                                    file=label, row=line, value=_shown(value), expected="本县的内容（不含「待填写」）"))
        elif key in UNFILLED_COUNTS and value == 0:
            findings.append(Finding("E161", f"键 {key}（核心绩效指标体系的{UNFILLED_COUNTS[key]}）仍是 perflib new 写入的 0，"
                                            "报告会印出「0类0条」这样的数字。请填写本县指标体系的类数和条数；"
                                            "本县没有核心绩效指标体系时删去 facts.indicator_system 整项。",
                                    file=label, row=line, value="0", expected="本县指标体系的实际数目（大于 0 的整数）"))
        elif isinstance(value, str) and TO_REVIEW in value:
            findings.append(Finding("W261", f"键 {key} 标有「{TO_REVIEW}」：请按本年情况核对、修改后删去该标记。",
                                    file=label, row=line, value=_shown(value)))
    for number, line_text in enumerate(text.splitlines(), start=1):
        if line_text.lstrip().startswith("#") and REVIEW_MARK in line_text:
            findings.append(Finding("W261", f"此处注释标有「{REVIEW_MARK}」：其下的文字沿用上年，可能不是本年的情况。"
                                            "请逐段核对、修改为本年情况后删去这行注释。", file=label, row=number))
    return sorted(findings, key=lambda f: f.row or 0)


def _scalars(node: Any, key: str = "") -> Iterator[tuple[str, int, Any]]:
    """Each scalar value of a composed YAML document: its dotted key (``text.problems[0].title``),
    its line (1-based), and its value: the text of a string, the number of an integer, else None."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            name = str(key_node.value)
            yield from _scalars(value_node, f"{key}.{name}" if key else name)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _scalars(item, f"{key}[{i}]")
    elif isinstance(node, yaml.ScalarNode) and key:
        value = node.value if node.tag == STR else yaml.safe_load(node.value) if node.tag == INT else None
        yield key, node.start_mark.line + 1, value


def _shown(value: str) -> str:
    return value if len(value) <= 60 else value[:59] + "…"
