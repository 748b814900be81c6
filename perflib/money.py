"""Exact money: amounts are ``Decimal`` 万元 from the moment they are read (a table's money
column is an object column of Decimals, None where blank).

Published amounts carry 0 to 4 decimals of 万元 (340915.5112万元 is a real figure), so a
binary float never holds money here: spreadsheet floats go through ``str`` (shortest repr)
before becoming decimals, and sums are sums of decimals.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

WAN_PER_YI = Decimal(10000)  # 1 亿元 = 10,000 万元
MAX_DECIMALS = 4  # the budget system keeps amounts to 0.0001 万元 (1 元)


def decimals_of(amount: Decimal) -> int:
    """How many decimal places an amount carries (``Decimal('1.50')`` carries 2)."""
    exponent = amount.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def total(amounts: Iterable[Decimal]) -> Decimal:
    """Exact sum of amounts (``Decimal(0)`` for none)."""
    return sum(amounts, Decimal(0))


def round_half_up(amount: Decimal, places: int) -> Decimal:
    """四舍五入 to ``places`` decimals, the rounding of Chinese public finance."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def wan_to_yi(amount_wan: Decimal) -> Decimal:
    """万元 to 亿元, exactly."""
    return amount_wan / WAN_PER_YI
