"""A column of cells held as its distinct cells and, for each row, which one it is.

A long table repeats most of its columns down the rows: a department, a batch, a cut-off date, a
score, a grade. pandas' CSV reader gives such a column as categories (``dtype="category"``)
without making a Python text for every cell, and typing then reads each distinct cell once: a
million rows of 97 departments are 97 texts to trim, scan and check, not a million. The cells,
and everything typed from them (values, findings, notes), are the same as read one by one.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Iterable, TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")


class CodedCells(Sequence):
    """Cells as ``distinct[codes[i]]``; reads like the list of cells it stands for."""

    def __init__(self, codes: np.ndarray, distinct: list[Any]):
        self.codes = codes
        self.distinct = distinct

    @classmethod
    def from_categorical(cls, column: pd.Series) -> "CodedCells | list[Any]":
        """pandas' categories; a column with a missing cell (code -1, which pandas' reader does not
        give without NA filtering) as the list of its cells."""
        array = column.array  # pandas.Categorical
        codes = np.asarray(array.codes)
        if len(codes) and codes.min() < 0:
            return column.tolist()
        return cls(codes, array.categories.tolist())

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return CodedCells(self.codes[i], self.distinct)
        return self.distinct[self.codes[i]]

    def __iter__(self):
        return iter(self.cells().tolist())

    def take(self, rows: Sequence[int]) -> "CodedCells":
        return CodedCells(self.codes[np.asarray(rows, dtype=np.intp)], self.distinct)

    def cells(self) -> np.ndarray:
        """Every cell, in a new object array (the distinct objects, shared)."""
        return spread_values(self.distinct, self.codes)

    def used(self) -> "CodedCells":
        """The same cells over only the distinct cells that occur (a slice keeps them all)."""
        if not len(self.codes):
            return CodedCells(self.codes, [])
        occurs = np.flatnonzero(np.bincount(self.codes, minlength=len(self.distinct)))
        if len(occurs) == len(self.distinct):
            return self
        renumber = np.zeros(len(self.distinct), dtype=np.intp)
        renumber[occurs] = np.arange(len(occurs))
        return CodedCells(renumber[self.codes], [self.distinct[k] for k in occurs])


def spread_values(values: list[Any], codes: np.ndarray) -> np.ndarray:
    """An object array with ``values[codes[i]]`` at i, the objects shared."""
    return np.fromiter(values, dtype=object, count=len(values))[codes] if len(values) else np.empty(len(codes), dtype=object)


class RowsOf:
    """The rows holding each distinct cell, found with one stable sort of the codes when first asked."""

    def __init__(self, codes: np.ndarray, distinct: int):
        self.codes, self.distinct = codes, distinct
        self._order: np.ndarray | None = None
        self._starts: np.ndarray | None = None

    def __call__(self, k: int) -> np.ndarray:
        if self._order is None:
            self._order = np.argsort(self.codes, kind="stable")
            self._starts = np.concatenate(([0], np.cumsum(np.bincount(self.codes, minlength=self.distinct))))
        return self._order[self._starts[k]:self._starts[k + 1]]

    def spread(self, found: Iterable[tuple[int, T]]) -> list[tuple[int, T]]:
        """``(distinct index, what)`` as ``(row, what)`` for every row holding that cell, in row order
        (what one cell gave in order stays in order)."""
        by_row = [(int(i), what) for k, what in found for i in self(k)]
        by_row.sort(key=lambda pair: pair[0])
        return by_row
