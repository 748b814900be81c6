"""Printed forms of numbers and headings: pure functions, settings as arguments.

``24,066万元``, ``0.34亿元``, ``46%``, ``一、``, ``（一）``: every number the report prints goes
through one of these, so a county's house style is a matter of arguments.
"""
from __future__ import annotations

from decimal import Decimal

from .money import round_half_up, wan_to_yi

_DIGITS = "零一二三四五六七八九"


def fmt_number(value: Decimal | int, decimals: int = 0, thousands: bool = True) -> str:
    """A number rounded half up to ``decimals`` places, with or without thousands separators."""
    rounded = round_half_up(Decimal(value), decimals)
    return f"{rounded:,.{decimals}f}" if thousands else f"{rounded:.{decimals}f}"


def fmt_wan(amount: Decimal, decimals: int = 0, thousands: bool = True, unit: bool = True) -> str:
    """An amount in 万元: ``fmt_wan(Decimal('24066'))`` is ``'24,066万元'``."""
    text = fmt_number(amount, decimals, thousands)
    return text + "万元" if unit else text


def fmt_yi(amount_wan: Decimal, decimals: int = 2, thousands: bool = True, unit: bool = True) -> str:
    """An amount given in 万元, printed in 亿元: ``fmt_yi(Decimal('3442.45'))`` is ``'0.34亿元'``."""
    text = fmt_number(wan_to_yi(amount_wan), decimals, thousands)
    return text + "亿元" if unit else text


def fmt_percent(ratio: Decimal, decimals: int = 0) -> str:
    """A ratio (0.46) as a percentage (``'46%'``)."""
    return fmt_number(ratio * 100, decimals, thousands=False) + "%"


def fmt_count(n: int, unit: str, zero_style: str = "zero") -> str:
    """A count with its measure word: ``'5个'``; with ``zero_style='none'`` a zero is ``'无'``."""
    if n == 0 and zero_style == "none":
        return "无"
    return f"{n}{unit}"


def chinese_numeral(n: int) -> str:
    """1..99 in Chinese numerals, as headings count: 一, 十, 十一, 二十三."""
    if not 1 <= n <= 99:
        raise ValueError(f"heading numbers run from 1 to 99, not {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    prefix = "" if tens == 1 else _DIGITS[tens]
    return prefix + "十" + (_DIGITS[ones] if ones else "")


def heading_number(level: int, n: int) -> str:
    """The printed number of the n-th heading at a level: ``一、``, ``（一）``, ``1.``, ``（1）``."""
    if level == 1:
        return chinese_numeral(n) + "、"
    if level == 2:
        return "（" + chinese_numeral(n) + "）"
    if level == 3:
        return f"{n}."
    if level == 4:
        return f"（{n}）"
    raise ValueError(f"heading levels run from 1 to 4, not {level}")
