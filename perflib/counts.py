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
