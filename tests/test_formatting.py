from decimal import Decimal

import pytest

from perflib import formatting as fmt


@pytest.mark.parametrize(
    "amount, decimals, thousands, printed",
    [
        ("24066", 0, True, "24,066万元"),
        ("24066", 0, False, "24066万元"),
        ("17815.56", 2, False, "17815.56万元"),
        ("340915.5112", 4, True, "340,915.5112万元"),
        ("75", 0, True, "75万元"),
        ("17075.5", 0, True, "17,076万元"),  # 四舍五入, not banker's rounding
        ("0.5", 0, True, "1万元"),
        ("2.5", 0, True, "3万元"),
        ("1234.5", 2, True, "1,234.50万元"),
    ],
)
def test_wan_amounts(amount, decimals, thousands, printed):
    assert fmt.fmt_wan(Decimal(amount), decimals, thousands) == printed


@pytest.mark.parametrize(
    "amount_wan, decimals, printed",
    [("3442.45", 2, "0.34亿元"), ("3450", 2, "0.35亿元"), ("3449.99", 2, "0.34亿元"), ("1280100", 2, "128.01亿元"), ("12000000", 2, "1,200.00亿元")],
)
def test_yi_rounds_half_up_from_wan(amount_wan, decimals, printed):
    assert fmt.fmt_yi(Decimal(amount_wan), decimals) == printed


@pytest.mark.parametrize("ratio, decimals, printed", [("0.46", 0, "46%"), ("0.41666", 2, "41.67%"), ("0.685", 0, "69%"), ("1", 0, "100%"), ("0", 1, "0.0%")])
def test_percentages(ratio, decimals, printed):
    assert fmt.fmt_percent(Decimal(ratio), decimals) == printed


@pytest.mark.parametrize("n, printed", [(1, "一"), (2, "二"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (23, "二十三"), (99, "九十九")])
def test_chinese_numerals(n, printed):
    assert fmt.chinese_numeral(n) == printed


def test_heading_numbers_by_level():
    assert [fmt.heading_number(1, n) for n in (1, 2, 4)] == ["一、", "二、", "四、"]
    assert [fmt.heading_number(2, n) for n in (1, 9, 10)] == ["（一）", "（九）", "（十）"]
    assert fmt.heading_number(3, 2) == "2."
    with pytest.raises(ValueError):
        fmt.chinese_numeral(0)


def test_zero_count_styles():
    assert fmt.fmt_count(0, "个") == "0个"
    assert fmt.fmt_count(0, "个", "none") == "无"
    assert fmt.fmt_count(3, "个", "none") == "3个"
    assert fmt.fmt_count(380, "人次") == "380人次"
