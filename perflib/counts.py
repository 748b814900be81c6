"""Counts as counties publish them: measure words other than 个, and approximate counts.

A county may print a count with its own measure word (「3项」「5场」「120人次」) and may publish a
round figure rather than the exact one (「120余个」「近120个」「超120个」「逾120个」). Both are chosen
in params ``formats`` per figure or name prefix (``measure: 项``, ``approx: 余``, ``round_to: 10``);
the ledger keeps the exact value beside the printed text, and the self-audit reads an approximate
figure as approximate: it agrees with the data when the exact value lies in the range the words
state, and it is never added or subtracted as if exact (perflib.audit_text).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

# Measure words a count may print with (params formats ``measure``): the audit of a text reads each
# of them as a count (perflib.audit_text), so a county's word is never invisible to it.
MEASURE_WORDS = ("个", "项", "条", "场", "稿", "人次", "家", "份", "次", "件", "篇", "类")
# Approximate forms: 余 after the number (「120余个」); 近, 超, 逾 before it (「近120个」).
APPROX_MARKERS = ("余", "近", "超", "逾")
ROUND_TO = (10, 100, 1000, 10000)  # the round numbers an approximate count is stated in
DEFAULT_ROUND_TO = 10
BELOW = ("近",)  # the exact value is below the stated number; the others: above it


def stated_number(value: int, marker: str, base: int | None) -> int | None:
    """The round number an approximate count states, or None when the approximation would be
    false or empty and the exact value prints: 余, 超, 逾 round down to a multiple of ``base``
    (127 → 120, 「120余个」), 近 rounds up (118 → 120, 「近120个」); a multiple of ``base`` is
    exact (120 is not 「120余个」), and so is a value below ``base`` for 余, 超, 逾 (no 「0余个」)."""
    base = base or DEFAULT_ROUND_TO
    value = int(value)
    if value <= 0 or value % base == 0:
        return None
    if marker in BELOW:
        return (value // base + 1) * base
    stated = value // base * base
    return stated or None


def approximate_text(stated: int, marker: str, measure: str) -> str:
    """「120余个」, 「近120个」, 「超120个」, 「逾120个」; ``measure`` "" for a chart's label (「120余」)."""
    if marker == "余":
        return f"{stated}余{measure}"
    return f"{marker}{stated}{measure}"


def describe(marker: str, base: int | None) -> str:
    """How the ledger says a figure was printed: 「约数（余，取整到10）」."""
    return f"约数（{marker}，取整到{base or DEFAULT_ROUND_TO}）"


# -- reading an approximate figure in a text (perflib.audit_text) -------------------------------

# The words of a text that make a number approximate, by what they say of the exact value.
TEXT_ABOVE_AFTER = ("余", "多")  # 「120余个」「120多个」
TEXT_BEFORE = {"超过": "超", "超": "超", "逾": "逾", "接近": "近", "将近": "近", "近": "近"}


def place(number: Decimal) -> Decimal:
    """The unit of the last non-zero digit of a stated number: 120 → 10, 100 → 100, 0.5 → 0.1."""
    normalized = Decimal(number).normalize()
    return Decimal(1).scaleb(normalized.as_tuple().exponent)


def within(exact: Decimal, stated: Decimal, marker: str) -> bool:
    """Whether an exact value is what an approximate number says: 「120余」 is more than 120 and
    less than 130 (the next unit of its last non-zero digit), 「近120」 less than 120 and more than
    110; 「100余」 is 100 to 200."""
    if not stated:
        return False
    step = place(stated)
    if marker in BELOW:
        return stated - step < exact < stated
    return stated < exact < stated + step


def format_findings(figures: Any, params: Any) -> list:
    """``formats`` keys for counts on figures that are not counts (E198), ``round_to`` without
    ``approx`` (E199), and an approximation the value cannot carry, printed exactly (W245)."""
    from . import formatting as fmt
    from .findings import Finding

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
        counts = [f for f in named if f.style == fmt.COUNT]
        if named and not counts:  # a prefix over counts and amounts applies to its counts
            hit = named[:3]
            shown = "、".join(f"{f.key}（{f.label}）" for f in hit) + ("等" if len(named) > 3 else "")
            keys = "、".join(asked)
            found.append(Finding("E198", f"formats.{name} 的 {keys} 只能用于计数（个、项、人次…），但它所指的数字不是计数：{shown}。"
                                         "请删去它们，或把名称写到计数数字（如 key_evaluations.objects）。",
                                 file=where, column=f"formats.{name}", value=keys, expected="只写在计数数字上"))
            continue
        if not chosen.approx:
            continue
        for f in counts:
            if stated_number(f.value, chosen.approx, chosen.round_to) is None:
                why = "是取整单位的整数倍" if int(f.value) > 0 and int(f.value) % (chosen.round_to or DEFAULT_ROUND_TO) == 0 else "小于取整单位"
                found.append(Finding("W245", f"formats.{name} 要求 {f.key}（{f.label}）印为约数（{chosen.approx}），但其数值 {f.value} {why}，"
                                             f"约数不成立，按精确数印刷。", file=where, column=f"formats.{name}.approx",
                                     value=str(f.value), expected=f"大于 {chosen.round_to or DEFAULT_ROUND_TO} 且不是其整数倍的计数"))
    return found
