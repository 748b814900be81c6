"""One cell at a time: values as analysts really type them, read when unambiguous.

Full-width digits and commas (１２,３４５), thousands separators, amounts written with 万元/万/元
in the cell, percentages with or without %, dates as Excel dates, text or Excel serial numbers.
Each parser returns the value and the normalizations it applied (for the analyst to see), or
raises ``CellError`` with the finding code and what was expected.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from .money import MAX_DECIMALS, decimals_of

WAN = Decimal(10000)
# re.ASCII: \d is 0-9 only; other digits (full-width, Arabic-Indic, Devanagari, ...) are translated
# first, with a note (W204), never read silently.
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", re.ASCII)
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)
# Excel serial days of 1990-01-01 .. 2100-12-31; a bare number in that range in a date column is a date.
_SERIAL_RANGE = (32874, 73415)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class CellError(ValueError):
    """A cell that cannot be read unambiguously: its finding code, message and expectation."""

    def __init__(self, code: str, message: str, expected: str):
        super().__init__(message)
        self.code, self.message, self.expected = code, message, expected


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_of(value: Any) -> str:
    """A cell as text, trimmed; whole floats lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_OTHER_DIGITS = "非 ASCII 数字（如阿拉伯-印度数字）已转为 0–9"


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit of another script (Unicode category Nd) as 0-9."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and unicodedata.category(ch) == "Nd" else ch for ch in text)


# Spaces between digits: a thousands separator (「1 000」, 「12 345 678」, also a no-break, thin or
# full-width space, as exports write them) is read, with a warning naming the cells (W209); any
# other grouping (「8 5」, 「12 34」, 「0.123 456」) may be two numbers or a typo, and is refused (E106).
SPACED_THOUSANDS = "数字中的空格已作为千分位分隔符去掉"
_SPACED_RUN = re.compile(r"\.?[0-9]+(?:\s+[0-9]+)+")
_SPACE_GROUPED = re.compile(r"[0-9]{1,3}(?: [0-9]{3})+")
SPACES = re.compile(r"\s+")


def _number_text(raw: str, notes: list[str]) -> str:
    stripped = raw.strip()
    text = unicodedata.normalize("NFKC", stripped)  # a no-break, thin or full-width space becomes " "
    if text != stripped and SPACES.sub("", text) != SPACES.sub("", stripped):
        notes.append("全角字符已转为半角")
    digits = ascii_digits(text)
    if digits != text:
        notes.append(_OTHER_DIGITS)
        text = digits
    spaced = [m[0] for m in _SPACED_RUN.finditer(text)]
    if spaced:
        if any(run.startswith(".") or not _SPACE_GROUPED.fullmatch(run) for run in spaced):
            raise CellError("E106", "数字中间有空格，且不是每三位一组的千分位分隔，无法确定是哪个数。",
                            "数字，不含空格（或千分位每三位一组，如 1 000 或 1,000）")
        notes.append(SPACED_THOUSANDS)
    text = SPACES.sub("", text)  # spaces around a unit or a sign: nothing to read into
    if _THOUSANDS.fullmatch(text):
        notes.append("已去掉千分位逗号")
        text = text.replace(",", "")
    return text


def _decimal(text: str, raw: Any, expected: str) -> Decimal:
    if not _PLAIN.fullmatch(text):
        raise CellError("E111", "不是数字。", expected)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise CellError("E111", "不是数字。", expected) from None


def _float(value: float) -> Decimal:
    """A spreadsheet float as the 15 significant digits Excel shows (0.1+0.2 is 0.3)."""
    if value != value or value in (float("inf"), float("-inf")):
        raise CellError("E111", "不是数字。", "数字")
    return Decimal(format(value, ".15g"))


def _number(raw: Any, expected: str, from_text: Callable[[str, list[str]], Decimal]) -> tuple[Decimal, list[str]]:
    """The number in a cell: a spreadsheet number as Excel shows it; text through
    ``from_text(text, notes)`` once full-width digits and thousands commas are read. A boolean
    is not a number."""
    notes: list[str] = []
    if isinstance(raw, bool):
        raise CellError("E111", "不是数字。", expected)
    if isinstance(raw, float):
        return _float(raw), notes
    if isinstance(raw, (int, Decimal)):
        return Decimal(raw), notes
    return from_text(_number_text(str(raw), notes), notes), notes


def parse_amount(raw: Any) -> tuple[Decimal, list[str]]:
    """An amount in 万元: a number, or text like ``1,260.5``, ``１２６０．５``, ``1260.5万元``, ``12605000元``."""
    expected = "金额（万元，数字）"

    def from_text(text: str, notes: list[str]) -> Decimal:
        if text.endswith("万元") or text.endswith("万"):
            notes.append("已去掉单位“万元”")
            return _decimal(_number_text(text.rstrip("元").rstrip("万"), notes), raw, expected)
        if text.endswith("元"):
            notes.append("单位为“元”，已换算为万元")
            return _decimal(_number_text(text[:-1], notes), raw, expected) / WAN
        return _decimal(text, raw, expected)

    amount, notes = _number(raw, expected, from_text)
    if amount < 0:
        raise CellError("E112", "金额为负数。", "不小于 0 的金额（万元）")
    if decimals_of(amount) > MAX_DECIMALS:
        raise CellError("E113", "金额小数位超过 4 位（万元精确到 0.0001，即 1 元）。", "最多 4 位小数的万元金额")
    return amount.normalize() if amount == amount.to_integral_value() else amount, notes


def parse_count(raw: Any) -> tuple[int, list[str]]:
    """A whole number ≥ 0 (人次, 个); full-width digits and thousands commas are read."""
    expected = "不小于 0 的整数"
    try:
        number, notes = _number(raw, expected, lambda text, _: _decimal(re.sub(r"(人次|人|次|个|项)$", "", text), raw, expected))
    except CellError as error:
        if error.code == "E106":  # spaces between digits: said as such
            raise
        raise CellError("E114", "不是非负整数。", expected) from None
    if number < 0 or number != number.to_integral_value():
        raise CellError("E114", "不是非负整数。", expected)
    return int(number), notes


def parse_score(raw: Any) -> tuple[Decimal, list[str]]:
    """A score from 0 to 100."""
    expected = "0 到 100 之间的得分"
    score, notes = _number(raw, expected, lambda text, _: _decimal(re.sub(r"分$", "", text), raw, expected))
    if not Decimal(0) <= score <= Decimal(100):
        raise CellError("E115", "得分不在 0–100 之间。", "0 到 100 之间的数")
    return score, notes


def parse_percent(raw: Any) -> tuple[Decimal, list[str]]:
    """A percentage as a ratio: ``46%`` and an Excel percent cell (0.46) are both 0.46."""
    expected = "百分比，如 46%（不超过 100%）"

    def from_text(text: str, _notes: list[str]) -> Decimal:
        return _decimal(text[:-1], raw, expected) / 100 if text.endswith("%") else _decimal(text, raw, expected)

    ratio, notes = _number(raw, expected, from_text)
    if ratio < 0:
        raise CellError("E112", "百分比为负数。", expected)
    if ratio > 1:
        raise CellError("E118", "百分比超过 100%。", expected)
    return ratio, notes


def parse_date(raw: Any) -> tuple[dt.date, list[str]]:
    """A date: an Excel date, ``2023-05-31``, ``2023/5/31``, ``2023年5月31日``, or an Excel serial number."""
    expected = "日期，如 2023-05-31"
    if isinstance(raw, dt.datetime):
        return raw.date(), []
    if isinstance(raw, dt.date):
        return raw, []
    notes: list[str] = []
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        serial = raw
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if text != str(raw).strip():
            notes.append("全角字符已转为半角")
        if ascii_digits(text) != text:
            notes.append(_OTHER_DIGITS)
            text = ascii_digits(text)
        match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00(?:\.0+)?)?)?", text)
        if match:
            try:
                return dt.date(*map(int, match.groups())), notes
            except ValueError:
                raise CellError("E116", "日期无法识别。", expected) from None
        if not re.fullmatch(r"\d{5}(\.0+)?", text):
            raise CellError("E116", "日期无法识别。", expected)
        serial = float(text)
    if not (_SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]) or serial != int(serial):
        raise CellError("E116", "日期无法识别。", expected)
    notes.append("Excel 日期序号已转为日期")
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial)), notes


def parse_choice(raw: Any, choices: tuple[str, ...]) -> tuple[str, list[str]]:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text_of(raw)))
    for choice in choices:
        if text == unicodedata.normalize("NFKC", choice):
            return choice, [] if text_of(raw) == choice else ["已去掉多余空格或全角字符"]
    raise CellError("E117", "取值不在允许范围内。", "以下之一：" + "、".join(choices))


# Column-at-a-time parsing: the common clean cell is read directly (its value as written: 100 stays
# 100, not 1E+2), anything else by the full parser.
_CLEAN_AMOUNT = re.compile(r"\d+(\.\d{1,4})?", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _fast_amount(raw: Any) -> Decimal | None:
    if type(raw) is str and _CLEAN_AMOUNT.fullmatch(raw):
        return Decimal(raw)
    if type(raw) is int and raw >= 0:
        return Decimal(raw)
    if type(raw) is float and raw >= 0 and raw != float("inf"):
        value = Decimal(format(raw, ".15g"))
        if -value.as_tuple().exponent <= 4:
            return value
    return None


def _fast_date(raw: Any) -> dt.date | None:
    if type(raw) is dt.datetime:
        return raw.date()
    if type(raw) is str and len(raw) == 10 and _ISO_DATE.fullmatch(raw):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            return None
    return None


_CLEAN_INT = re.compile(r"\d{1,9}", re.ASCII)



def _fast_score(raw: Any) -> Decimal | None:
    if type(raw) is str and _CLEAN_AMOUNT.fullmatch(raw):
        value = Decimal(raw)
    elif type(raw) is int:
        value = Decimal(raw)
    elif type(raw) is float and raw == raw:
        value = Decimal(format(raw, ".15g"))
    else:
        return None
    return value if 0 <= value <= 100 else None


def _fast_count(raw: Any) -> int | None:
    if type(raw) is str and _CLEAN_INT.fullmatch(raw):
        return int(raw)
    if type(raw) is int and raw >= 0:
        return raw
    return None


def _fast_text(raw: Any) -> str | None:
    return (raw.strip() or None) if type(raw) is str else None  # a blank cell: None (blank, as the full path finds)


def _not_clean(raw: Any) -> None:
    return None


_FAST = {"money": _fast_amount, "date": _fast_date, "text": _fast_text, "score": _fast_score, "count": _fast_count}
_FULL = {
    "money": parse_amount, "count": parse_count, "score": parse_score, "percent": parse_percent, "date": parse_date,
    "text": lambda raw: (text_of(raw), []),
}


def parse_column(kind: str, raws: list[Any], choices: tuple[str, ...] = ()) -> tuple[list[Any], list[tuple[int, CellError]], list[tuple[int, str]]]:
    """Every cell of one column: values (None where blank or wrong), errors and notes by position.
    Each cell is read directly when clean (``_FAST``), else by the full parser."""
    if raws and raws[0] is None and raws.count(None) == len(raws):  # an absent optional column
        return list(raws), [], []
    if kind == "choice":
        allowed = set(choices)
        fast = lambda raw: raw if type(raw) is str and raw in allowed else None  # noqa: E731
        full = lambda raw: parse_choice(raw, choices)  # noqa: E731
    else:
        fast, full = _FAST.get(kind, _not_clean), _FULL[kind]
    values = list(map(fast, raws))
    errors: list[tuple[int, CellError]] = []
    notes: list[tuple[int, str]] = []
    for i in [i for i, value in enumerate(values) if value is None]:  # blank, or not read directly
        raw = raws[i]
        if blank(raw):
            continue
        try:
            value, applied = full(raw)
        except CellError as error:
            errors.append((i, error))
            continue
        values[i] = None if type(value) is str and not value else value
        notes.extend((i, note) for note in applied)
    return values, errors, notes
