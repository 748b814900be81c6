"""Printed forms of numbers and headings: pure functions, settings as arguments.

``24,066万元``, ``0.34亿元``, ``46%``, ``一、``, ``（一）``: every number the report prints goes
through one of these, so a county's house style is a matter of arguments.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from .counts import approximate_text, stated_number
from .money import decimals_of, round_half_up, wan_to_yi

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


def names_in_list(names: list[str]) -> list[str]:
    """Names as a 、-list prints them: as they are, unless one of them holds 、 itself
    (「重点政策、项目」), when every name of the list is quoted (「“重点政策、项目”2个、“单位整体支出”3个」)
    so that the list reads one way only; a name already in quotes keeps its own."""
    if not any("、" in str(n) for n in names):
        return list(names)
    return [n if str(n).startswith("“") and str(n).endswith("”") else f"“{n}”" for n in names]


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


# -- figures: one formatter for every printed figure ---------------------------------------------

# How a figure prints (its ``style``); the county's settings choose decimals, separators, zeros.
COUNT = "count"  # 5个, 120人次; a zero as 0个 or 无 (zero_count_style)
WAN = "wan"  # an amount in 万元: 24,066万元
YI = "yi"  # an amount in 亿元 (the value is in 亿元): 0.34亿元
PERCENT = "percent"  # a ratio: 46%
CHANGE = "change"  # a difference in the unit of its figure: 增加1个, 减少360万元, 持平
NEARLY_UNCHANGED = "nearly_unchanged"  # a difference that rounds to nothing as printed: 基本持平
CHANGE_PERCENT = "change_percent"  # a relative change: 增长25.0%, 下降3.1%, 持平
CHART_NUMBER = "chart_number"  # 图1
TABLE_NUMBER = "table_number"  # 表1
PLAIN = "plain"  # value then unit as they are: 2023年, 28类, a quoted text


class Printable(Protocol):
    value: Any
    unit: str
    style: str
    decimals: int | None


class Printer:
    """Turns a figure (a value with its unit and style) into the text the report prints, with the
    county's number settings (``params.FormatSettings``, its per-figure ``formats`` included).
    Renderers, the ledger, charts, the year-over-year appendix and the rollup all print through
    one of these."""

    def __init__(self, settings: Any = None):
        if settings is None:
            from .params import FormatSettings

            settings = FormatSettings()
        self.settings = settings

    def __call__(self, figure: Printable) -> str:
        s = self.settings
        style, value, unit = figure.style, figure.value, figure.unit
        if style == COUNT:
            stated = self.approximation(figure)
            if stated is not None:
                return approximate_text(stated[0], stated[1], unit)
            return fmt_count(int(value), unit, s.zero_count_style)
        if style in (WAN, YI):
            magnitude, printed_unit, decimals, thousands = self._amount(figure)
            return fmt_number(magnitude, decimals, thousands) + printed_unit
        if style == PERCENT:
            return fmt_percent(Decimal(value), self._decimals(figure, s.percent_decimals))
        if style == CHANGE:
            return self.change(Decimal(value), unit, figure.decimals)
        if style == NEARLY_UNCHANGED:
            return "基本持平"
        if style == CHANGE_PERCENT:
            ratio = Decimal(value)
            word = "增长" if ratio > 0 else "下降" if ratio < 0 else "持平"
            return word + (fmt_percent(abs(ratio), self._decimals(figure, s.percent_decimals)) if ratio else "")
        if style == CHART_NUMBER:
            return f"图{value}"
        if style == TABLE_NUMBER:
            return f"表{value}"
        if style == PLAIN:
            return f"{value}{unit}"
        raise ValueError(f"unknown figure style {style!r}")

    def number(self, figure: Printable) -> str:
        """The figure as printed but without its unit (a chart whose axis or title names the unit)."""
        s = self.settings
        if figure.style == COUNT:
            stated = self.approximation(figure)
            if stated is not None:
                return approximate_text(stated[0], stated[1], "")
            return fmt_count(int(figure.value), "", s.zero_count_style)
        if figure.style in (WAN, YI):
            magnitude, _, decimals, thousands = self._amount(figure)
            return fmt_number(magnitude, decimals, thousands)
        return self(figure)

    def approximation(self, figure: Printable) -> tuple[int, str, int | None] | None:
        """For a count the county publishes approximately (params ``formats``: ``approx``, ``round_to``;
        perflib.counts): the round number stated, the marker and the base; None when it prints exactly
        (no such format, or a value the approximation would misstate: 120 is never 「120余个」)."""
        if figure.style != COUNT:
            return None
        chosen = getattr(self.settings, "format_of", lambda key: None)(getattr(figure, "key", None))
        if chosen is None or not getattr(chosen, "approx", None):
            return None
        stated = stated_number(int(figure.value), chosen.approx, chosen.round_to)
        return None if stated is None else (stated, chosen.approx, chosen.round_to)

    def decimals_of(self, figure: Printable) -> int:
        """The decimals the figure prints with (a chart's axis ticks follow its labels)."""
        if figure.style == PERCENT:
            return self._decimals(figure, self.settings.percent_decimals)
        if figure.style in (WAN, YI):
            return self._amount(figure)[2]
        return 0

    def as_printed(self, figure: Printable) -> Decimal:
        """The figure's value (in its own unit) rounded (四舍五入) as it prints: differences and
        ratios that the report prints beside the figures are computed from these, so that they
        agree as printed. An approximate count (「120余个」) has no exact printed value: its exact
        value is returned, and the self-audit never adds or subtracts it (perflib.counts)."""
        if figure.style in (WAN, YI):
            magnitude, printed_unit, decimals, _ = self._amount(figure)
            rounded = round_half_up(magnitude, decimals)
            native = "亿元" if figure.style == YI else "万元"
            if printed_unit != native:
                rounded = rounded * 10000 if printed_unit == "亿元" else wan_to_yi(rounded)
            return rounded
        return Decimal(figure.value)

    @staticmethod
    def _decimals(figure: Printable, default: int) -> int:
        return default if figure.decimals is None else figure.decimals

    def _amount(self, figure: Printable) -> tuple[Decimal, str, int, bool]:
        """An amount's magnitude, unit, decimals and separator: the county's settings, then the
        figure's own decimals, then the per-figure format of params ``formats`` (unit 万元/亿元,
        decimals or ``data``: as many as the exact value carries)."""
        s = self.settings
        value = Decimal(figure.value)
        unit = "亿元" if figure.style == YI else "万元"
        chosen = getattr(s, "format_of", lambda key: None)(getattr(figure, "key", None))
        if chosen is not None and chosen.unit and chosen.unit != unit:
            value = wan_to_yi(value) if chosen.unit == "亿元" else value * 10000
            unit = chosen.unit
        default = s.yi_decimals if unit == "亿元" else s.amount_decimals
        decimals = self._decimals(figure, default) if chosen is None or chosen.unit is None else default
        if chosen is not None and chosen.decimals is not None:
            decimals = decimals_of(value) if chosen.decimals == "data" else chosen.decimals
        thousands = s.thousands_separator if chosen is None or chosen.thousands is None else chosen.thousands
        return value, unit, decimals, thousands

    def unit_decimals(self, unit: str, decimals: int | None = None) -> int:
        """The decimals a value in ``unit`` prints with: ``decimals`` if given, else the county's setting."""
        if decimals is not None:
            return decimals
        return {"万元": self.settings.amount_decimals, "亿元": self.settings.yi_decimals}.get(unit, 0)

    def magnitude(self, value: Decimal | int, unit: str, decimals: int | None = None) -> str:
        """A value in its unit (万元, 亿元, or a count's measure word) printed without the unit, for
        a table column or a chart panel whose heading names the unit."""
        s = self.settings
        if unit == "万元":
            return fmt_wan(Decimal(value), self.unit_decimals(unit, decimals), s.thousands_separator, unit=False)
        if unit == "亿元":
            return fmt_number(Decimal(value), self.unit_decimals(unit, decimals), s.thousands_separator)
        return str(int(value))

    def amount(self, value: Decimal, unit: str, decimals: int | None = None) -> str:
        """A magnitude in a unit (万元, 亿元, or a count's measure word), as the county prints it."""
        return self.magnitude(value, unit, decimals) + unit

    def change(self, change: Decimal, unit: str, decimals: int | None = None) -> str:
        """「增加1个」「减少360万元」「持平」."""
        if change == 0:
            return "持平"
        return ("增加" if change > 0 else "减少") + self.amount(abs(change), unit, decimals)
