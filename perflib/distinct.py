"""Distinct values of a table's column, counted once per column while the data is loaded and checked.

Loading asks whether a key field repeats (E120), the checks whether a report title does (E193).
On a million rows each answer hashes a million texts (0.2 s), and it is the same column. Inside
``remembering()`` (``validation.load_data`` runs loading and checks in it) a column's count is
kept with its array and given again; no other code runs there that could change a cell. Outside
it, every call counts afresh: a notebook's analyst may change a table between two cells.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
import pandas as pd

# while remembering: id of a column's array -> (the array, kept alive so that its id stays its own; its count)
_remembered: dict[int, tuple[np.ndarray, int]] | None = None


@contextmanager
def remembering() -> Iterator[None]:
    """Counts made inside are kept, per column array, until the block ends."""
    global _remembered
    outer, _remembered = _remembered, ({} if _remembered is None else _remembered)
    try:
        yield
    finally:
        _remembered = outer


def _array(column: pd.Series) -> np.ndarray:
    """The array that holds the column's cells (pandas hands out views of it)."""
    array = column.to_numpy()
    while isinstance(array.base, np.ndarray) and array.base.shape == array.shape:
        array = array.base
    return array


def count(column: pd.Series) -> int:
    """How many different values the column holds, blanks (None) aside: ``column.nunique()``."""
    array = _array(column)
    if array.dtype != object:
        return int(column.nunique())
    found = _remembered.get(id(array)) if _remembered is not None else None
    if found is not None and found[0] is array:
        return found[1]
    values: set[Any] = set(array)  # text cells: a set is faster than pandas' hash table of objects
    values.discard(None)
    if _remembered is not None:
        _remembered[id(array)] = (array, len(values))
    return len(values)


def no_repeats(column: pd.Series) -> bool:
    """Whether no value occurs twice, blanks aside (any number of blanks)."""
    n = len(column)
    if n < 2:
        return True
    found = count(column)
    return found == n or found == n - int(column.isna().sum())
