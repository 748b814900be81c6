"""Money columns: exact fixed-point amounts (万元) in numpy, read back as the ``Decimal`` each was.

A typed table's money column (schema kind "money") is an ``AmountArray`` (pandas dtype
``"amount"``) rather than an object column of a million ``Decimal`` objects: it is parsed,
checked, compared and summed in numpy, and a ``Decimal`` is made only when a cell or a sum is read.

Representation. Each cell is ``coefficient × 10**exponent`` with the coefficient in int64 and the
exponent in int8, exactly as ``Decimal.as_tuple()`` gives them (``Decimal("1.50")`` is 150 and -2,
``Decimal("7.5E+3")`` is 75 and 2), plus a bool mask for blanks. A cell reads back (indexing,
iteration, ``tolist``, ``to_numpy()``) as the very ``Decimal`` it was built from, its ``str``
unchanged, and a blank as None, as in the object columns the rest of perflib was written for.

Cells that do not fit. A ``Decimal`` whose coefficient is past int64 or whose exponent is past
int8, a NaN or an infinity, a negative zero (int64 has no sign for zero), anything that is not a
``Decimal`` or an int: ``AmountArray._from_sequence`` refuses it (``UnrepresentableAmount``,
never a value silently changed), and ``money_column`` then keeps that column as a plain object
column of the Decimals, which every consumer reads as before. The parser never gives such cells;
an amount divided by a ``divisor`` inexactly (28 digits) would be one.

Semantics are those of ``Decimal``. Equality, ``isin``, ``unique`` and ``factorize`` compare
values (``Decimal("1.5") == Decimal("1.50")``; ``unique`` keeps the first cell of each value, as
a hash table of Decimals does). Comparisons give a numpy bool array, a blank comparing False (and
unequal, for ``!=``). ``total`` is exactly ``sum(decimals, Decimal(0))``: the same value and the
same exponent (the smallest among the addends and 0). Comparisons and sums align the coefficients
to one exponent in int64 when the largest coefficient, the exponent spread and (for sums) the
count bound the result below 2**63; otherwise they are done the ``Decimal`` way, on Python
objects. Money never becomes a binary float: ``astype`` to a number is refused.

Reading. ``parse_plain`` reads a column of plain texts (``-?digits(.digits)?``) joined by
newlines in numpy, with no Python object per cell, exactly as ``Decimal(text)`` reads each: the
clean CSV cells of ``cells`` come this way. A list of Decimals (the cell-by-cell reading of odd
cells, spreadsheet numbers) goes through the same reading of their texts, and the few whose text is
not plain (``7.5E+3``, a blank) are set one by one.
"""
from __future__ import annotations

import numbers
import operator
from decimal import Decimal
from typing import Any, Iterable

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray, ExtensionDtype, register_extension_dtype, take
from pandas.api.indexers import check_array_indexer

_INT64_MAX = int(np.iinfo(np.int64).max)
_EXPONENTS = (int(np.iinfo(np.int8).min), int(np.iinfo(np.int8).max))
_POW10 = 10 ** np.arange(19, dtype=np.int64)  # 10**0 .. 10**18, each an int64


class UnrepresentableAmount(ValueError):
    """A value an ``AmountArray`` cannot hold exactly (its column stays an object column)."""


@register_extension_dtype
class AmountDtype(ExtensionDtype):
    """An exact amount: a ``Decimal`` per cell, None where blank."""

    name = "amount"
    type = Decimal
    kind = "O"
    na_value = None
    _metadata = ()

    @classmethod
    def construct_array_type(cls) -> type["AmountArray"]:
        return AmountArray


def _is_blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _cell(value: Any) -> tuple[int, int]:
    """(coefficient, exponent) of one amount, exactly; ``UnrepresentableAmount`` if it does not fit."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise UnrepresentableAmount(f"not a finite amount: {value!r}")
        sign, digits, exponent = value.as_tuple()
        if sign and not any(digits):
            raise UnrepresentableAmount(f"a negative zero: {value!r}")
        coefficient = int("".join(map(str, digits)))
        coefficient = -coefficient if sign else coefficient
    elif isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        coefficient, exponent = int(value), 0
    else:
        raise UnrepresentableAmount(f"not an amount: {value!r}")
    if not -_INT64_MAX <= coefficient <= _INT64_MAX or not _EXPONENTS[0] <= exponent <= _EXPONENTS[1]:
        raise UnrepresentableAmount(f"past the range of a money column: {value!r}")
    return coefficient, exponent


_NOT_PLAIN = np.ones(256, np.bool_)  # the bytes of a Decimal's text other than those of -12.50 (and newlines)
_NOT_PLAIN[np.frombuffer(b"0123456789.-\n", dtype=np.uint8)] = False
_CHUNK = 1 << 16  # cells parsed at a time: numpy's temporaries stay a few MB


def parse_plain(joined: bytes, count: int) -> "AmountArray | None":
    """``count`` cells joined by newlines, each ``-?digits(.digits)?`` (the caller has checked:
    no empty cell, no point at an edge, one point at most), as amounts exactly as ``Decimal(text)``
    reads each (coefficient: the digits without the point; exponent: minus the digits after it),
    in numpy with no Python object per cell. None when a cell has more than 18 digits (it may not
    fit int64) or is a negative zero: the caller then reads cell by cell."""
    data = np.frombuffer(joined, dtype=np.uint8)
    newlines = np.flatnonzero(data == ord("\n"))
    if len(newlines) != count - 1:
        raise ValueError(f"{count} cells expected, {len(newlines) + 1} found")
    starts = np.concatenate(([0], newlines + 1))
    stops = np.concatenate((newlines, [len(data)]))
    coefficients, exponents = np.empty(count, np.int64), np.empty(count, np.int8)
    for first in range(0, count, _CHUNK):
        last = min(first + _CHUNK, count)
        offset = starts[first]
        read = _parse_chunk(data[offset:stops[last - 1]], starts[first:last] - offset, stops[first:last] - offset)
        if read is None:
            return None
        coefficients[first:last], exponents[first:last] = read
    return AmountArray(coefficients, exponents, np.zeros(count, np.bool_))


def _parse_chunk(data: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    negative = data[starts] == ord("-")
    points = np.flatnonzero(data == ord("."))
    with_point = np.searchsorted(stops, points)  # the cell of each point (a point is never at a cell's stop)
    decimals = np.zeros(len(starts), np.int64)
    decimals[with_point] = stops[with_point] - points - 1
    n_digits = stops - starts - negative
    n_digits[with_point] -= 1
    if n_digits.max() > 18:
        return None
    digits = data[(data >= ord("0")) & (data <= ord("9"))].astype(np.int64) - ord("0")
    first_digit = np.concatenate(([0], np.cumsum(n_digits)[:-1]))
    # each digit's place: how many digits of its cell follow it
    places = np.repeat(first_digit + n_digits - 1, n_digits) - np.arange(len(digits))
    coefficients = np.add.reduceat(digits * _POW10[places], first_digit)
    if (negative & (coefficients == 0)).any():
        return None
    coefficients[negative] *= -1
    return coefficients, (-decimals).astype(np.int8)


def _decimal(coefficient: int, exponent: int) -> Decimal:
    return Decimal(coefficient).scaleb(exponent)  # exact: the coefficient has at most 19 digits


class AmountArray(ExtensionArray):
    """Amounts as int64 coefficients, int8 exponents and a blank mask (see the module's docstring)."""

    def __init__(self, coefficients: np.ndarray, exponents: np.ndarray, mask: np.ndarray):
        self._coefficients = np.asarray(coefficients, dtype=np.int64)
        self._exponents = np.asarray(exponents, dtype=np.int8)
        self._mask = np.asarray(mask, dtype=np.bool_)
        if not len(self._coefficients) == len(self._exponents) == len(self._mask):
            raise ValueError("coefficients, exponents and mask differ in length")

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def _from_sequence(cls, scalars, *, dtype=None, copy: bool = False) -> "AmountArray":
        if isinstance(scalars, AmountArray):
            return scalars.copy() if copy else scalars
        values = scalars if isinstance(scalars, list) else list(scalars)
        if not set(map(type, values)) <= {Decimal, int, type(None)}:  # pandas' NA, NaN, numpy ints: cell by cell
            return cls._from_cells(values, range(len(values)))
        if not values:
            return cls._from_cells([], ())
        # Each Decimal's text is plain (-12.50) unless it has letters (7.5E+3, NaN; None for a
        # blank): the plain ones are read from the column's text in numpy, the others cell by cell.
        texts = list(map(str, values))
        joined = "\n".join(texts).encode("ascii")
        data = np.frombuffer(joined, dtype=np.uint8)
        odd = np.flatnonzero(_NOT_PLAIN[data])
        if len(odd):
            odd = np.unique(np.searchsorted(np.flatnonzero(data == ord("\n")), odd)).tolist()  # their cells
            for i in odd:
                texts[i] = "0"
            joined = "\n".join(texts).encode("ascii")
        plain = parse_plain(joined, len(texts))
        if plain is None:  # past 18 digits, or a negative zero: cell by cell, each checked
            return cls._from_cells(values, range(len(values)))
        return plain._with_cells(values, odd)

    @classmethod
    def _from_cells(cls, values: list, where: Iterable[int]) -> "AmountArray":
        n = len(values)
        return cls(np.zeros(n, np.int64), np.zeros(n, np.int8), np.zeros(n, np.bool_))._with_cells(values, where)

    def _with_cells(self, values: list, where: Iterable[int]) -> "AmountArray":
        """This array with the cells at ``where`` set from ``values`` one by one (in place)."""
        for i in where:
            value = values[i]
            if _is_blank(value):
                self._mask[i] = True
            else:
                self._coefficients[i], self._exponents[i] = _cell(value)
        return self

    @classmethod
    def _from_sequence_of_strings(cls, strings, *, dtype=None, copy: bool = False) -> "AmountArray":
        return cls._from_sequence([None if _is_blank(s) or not str(s).strip() else Decimal(str(s).strip()) for s in strings])

    @classmethod
    def _from_factorized(cls, values, original) -> "AmountArray":
        return cls._from_sequence(values)

    @classmethod
    def _concat_same_type(cls, to_concat) -> "AmountArray":
        to_concat = list(to_concat)
        return cls(np.concatenate([a._coefficients for a in to_concat]), np.concatenate([a._exponents for a in to_concat]),
                   np.concatenate([a._mask for a in to_concat]))

    # -- the array protocol --------------------------------------------------------------------

    @property
    def dtype(self) -> AmountDtype:
        return AmountDtype()

    @property
    def nbytes(self) -> int:
        return self._coefficients.nbytes + self._exponents.nbytes + self._mask.nbytes

    def __len__(self) -> int:
        return len(self._mask)

    def __getitem__(self, item):
        if isinstance(item, (int, np.integer)):
            return None if self._mask[item] else _decimal(int(self._coefficients[item]), int(self._exponents[item]))
        item = check_array_indexer(self, item)
        return type(self)(self._coefficients[item], self._exponents[item], self._mask[item])

    def __setitem__(self, key, value) -> None:
        key = check_array_indexer(self, key)
        if np.ndim(self._mask[key]) == 0 or _is_blank(value) or isinstance(value, (Decimal, numbers.Integral)):
            cells = AmountArray._from_sequence([value])
            coefficients, exponents, mask = cells._coefficients[0], cells._exponents[0], cells._mask[0]
        else:
            cells = AmountArray._from_sequence(value)
            coefficients, exponents, mask = cells._coefficients, cells._exponents, cells._mask
        self._coefficients[key], self._exponents[key], self._mask[key] = coefficients, exponents, mask

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self) -> list:
        blank = self._mask.tolist()
        return [None if b else Decimal(c).scaleb(e) for c, e, b in zip(self._coefficients.tolist(), self._exponents.tolist(), blank)]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != object:
            raise TypeError(f"an amount column is not converted to {np.dtype(dtype)}: money is exact (Decimal), never a binary number")
        values = self.tolist()
        return np.fromiter(values, dtype=object, count=len(values))

    def astype(self, dtype, copy: bool = True):
        dtype = pd.api.types.pandas_dtype(dtype)
        if isinstance(dtype, AmountDtype):
            return self.copy() if copy else self
        if dtype == object:
            return np.asarray(self)
        if isinstance(dtype, pd.StringDtype) or dtype.kind in "US":
            return pd.array(np.asarray(self), dtype=object).astype(dtype, copy=False)  # as an object column of Decimals
        raise TypeError(f"an amount column is not converted to {dtype}: money is exact (Decimal), never a binary number")

    def isna(self) -> np.ndarray:
        return self._mask.copy()

    def copy(self) -> "AmountArray":
        return type(self)(self._coefficients.copy(), self._exponents.copy(), self._mask.copy())

    def take(self, indices, allow_fill: bool = False, fill_value=None) -> "AmountArray":
        if allow_fill and not _is_blank(fill_value):
            coefficient, exponent = _cell(fill_value)
            blank = False
        else:
            coefficient, exponent, blank = 0, 0, True
        return type(self)(take(self._coefficients, indices, allow_fill=allow_fill, fill_value=coefficient),
                          take(self._exponents, indices, allow_fill=allow_fill, fill_value=exponent),
                          take(self._mask, indices, allow_fill=allow_fill, fill_value=blank))

    def _formatter(self, boxed: bool = False):
        return str  # as an object column of Decimals shows them: 1.50, not Decimal('1.50')

    # -- values: one exponent for all ------------------------------------------------------------

    def _aligned(self, exponent: int) -> np.ndarray | None:
        """The coefficients at ``exponent`` (not above any cell's), as int64; None where one would overflow
        (blanks hold 0)."""
        filled = ~self._mask
        if not filled.any():
            return np.zeros(len(self), np.int64)
        exponents = self._exponents[filled].astype(np.int64)
        shift = exponents - exponent
        largest = int(np.abs(self._coefficients[filled]).max())
        if int(shift.max()) > 18 or largest * 10 ** int(shift.max()) > _INT64_MAX:
            return None
        aligned = np.zeros(len(self), np.int64)
        aligned[filled] = self._coefficients[filled] * _POW10[shift]
        return aligned

    def _lowest_exponent(self) -> int:
        filled = ~self._mask
        return int(self._exponents[filled].min()) if filled.any() else 0

    def _keys(self) -> np.ndarray:
        """One key per cell, equal exactly when the amounts are: int64 at the lowest exponent when
        that fits, else the Decimals (None where blank)."""
        aligned = self._aligned(self._lowest_exponent())
        return np.asarray(self) if aligned is None else aligned

    def total(self, skipna: bool = False) -> Decimal:
        """``sum(cells, Decimal(0))`` exactly (value and exponent); a blank cell is a TypeError unless ``skipna``."""
        if self._mask.any() and not skipna:
            raise TypeError("a blank amount cannot be added")
        filled = ~self._mask
        count = int(filled.sum())
        exponent = min(self._lowest_exponent(), 0)
        if count:
            spread = int(self._exponents[filled].max()) - exponent
            largest = int(np.abs(self._coefficients[filled]).max())
            fits = spread <= 18 and largest * 10 ** spread * count <= _INT64_MAX
        else:
            fits = True
        if not fits:  # the Decimal way, on Python objects (Decimal's own context, as ``sum`` did)
            return sum((d for d in self.tolist() if d is not None), Decimal(0))
        aligned = self._aligned(exponent)
        return _decimal(int(aligned.sum()), exponent)

    # -- comparisons, hashing and reductions -----------------------------------------------------

    def _cmp(self, other, op) -> np.ndarray:
        if isinstance(other, (pd.Series, pd.Index, pd.DataFrame)):
            return NotImplemented
        scalar = np.ndim(other) == 0 and not isinstance(other, AmountArray)
        try:
            theirs = AmountArray._from_sequence([other] if scalar else other)
        except (UnrepresentableAmount, TypeError):
            theirs = None
        if theirs is not None and not scalar and len(theirs) != len(self):
            raise ValueError("Lengths must match to compare")
        if theirs is not None:
            both = AmountArray._concat_same_type([self, theirs])
            aligned = both._aligned(both._lowest_exponent())
            if aligned is not None:
                mine, other_aligned = aligned[:len(self)], aligned[len(self):]
                other_mask = theirs._mask
                if scalar:
                    other_aligned, other_mask = other_aligned[0], other_mask[0]
                result = op(mine, other_aligned)
                blank = self._mask | other_mask
                result[blank] = op is operator.ne
                return result
        # the Decimal way: each pair of cells compared by Python
        mine = np.asarray(self)
        others = [other] * len(self) if scalar else list(other.tolist() if isinstance(other, AmountArray) else other)
        return np.fromiter((op is operator.ne if _is_blank(a) or _is_blank(b) else op(a, b) for a, b in zip(mine, others)),
                           dtype=np.bool_, count=len(self))

    def __eq__(self, other):  # type: ignore[override]
        return self._cmp(other, operator.eq)

    def __ne__(self, other):  # type: ignore[override]
        return self._cmp(other, operator.ne)

    def __lt__(self, other):
        return self._cmp(other, operator.lt)

    def __le__(self, other):
        return self._cmp(other, operator.le)

    def __gt__(self, other):
        return self._cmp(other, operator.gt)

    def __ge__(self, other):
        return self._cmp(other, operator.ge)

    def _values_for_factorize(self) -> tuple[np.ndarray, Any]:
        return np.asarray(self), None

    def _values_for_argsort(self) -> np.ndarray:
        keys = self._keys()
        if keys.dtype == object:
            keys = keys.copy()
            keys[self._mask] = Decimal(0)  # blanks are placed by their mask
        return keys

    def factorize(self, use_na_sentinel: bool = True) -> tuple[np.ndarray, "AmountArray"]:
        """Codes by value (1.5 and 1.50 alike); the uniques are the first cell of each value."""
        keys = self._keys()
        if keys.dtype != object:
            keys = pd.arrays.IntegerArray(keys, self._mask.copy())
        codes, _ = pd.factorize(keys, use_na_sentinel=use_na_sentinel)
        codes = np.asarray(codes, dtype=np.intp)
        coded = codes >= 0
        _, first = np.unique(codes[coded], return_index=True)  # codes number the values in order of first appearance
        return codes, self.take(np.flatnonzero(coded)[first])

    def unique(self) -> "AmountArray":
        return self.factorize(use_na_sentinel=False)[1]

    def duplicated(self, keep="first") -> np.ndarray:
        return pd.Series(self.factorize(use_na_sentinel=False)[0]).duplicated(keep=keep).to_numpy()

    def isin(self, values) -> np.ndarray:
        try:
            theirs = AmountArray._from_sequence(values)
        except (UnrepresentableAmount, TypeError):
            return pd.Series(np.asarray(self), dtype=object).isin(values).to_numpy()
        codes = AmountArray._concat_same_type([self, theirs]).factorize(use_na_sentinel=False)[0]
        return np.isin(codes[:len(self)], codes[len(self):])

    def _reduce(self, name: str, *, skipna: bool = True, keepdims: bool = False, **kwargs):
        if name == "sum":
            result = self.total(skipna=True) if skipna or not self._mask.any() else None
        elif name in ("min", "max"):
            filled = self[~self._mask] if skipna else self
            if len(filled) == 0 or filled._mask.any():
                result = None
            else:
                keys = filled._keys()
                result = filled[int(keys.argmin() if name == "min" else keys.argmax())]
        else:
            raise TypeError(f"an amount column does not support {name}")
        return type(self)._from_sequence([result]) if keepdims else result


def money_column(values: Iterable[Any]) -> pd.Series:
    """A money column of ``values`` (Decimals and None): an ``AmountArray``, or an object column
    when one cell does not fit one (see the module's docstring)."""
    if isinstance(values, AmountArray):
        return pd.Series(values, copy=False)
    values = values if isinstance(values, list) else list(values)
    try:
        return pd.Series(AmountArray._from_sequence(values), copy=False)
    except UnrepresentableAmount:
        return pd.Series(np.fromiter(values, dtype=object, count=len(values)), dtype=object, copy=False)


def total(amounts: Any) -> Decimal:
    """``sum(amounts, Decimal(0))`` exactly, in numpy for an amount column (a Series or an ``AmountArray``)."""
    array = amounts.array if isinstance(amounts, pd.Series) else amounts
    if isinstance(array, AmountArray):
        return array.total()
    return sum(amounts, Decimal(0))
