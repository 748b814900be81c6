"""A typed table's money column: each amount the Decimal written (its decimals kept), blanks
None, compared and summed as Decimals, never a binary float."""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from perflib import checks, money
from perflib.inputs import Dataset
from perflib.validation import load_data
from test_large_tables import csv_params, monitoring_rows


def strs(values) -> list:
    return [None if v is None else str(v) for v in values]


def object_column(values) -> pd.Series:
    return pd.Series(np.array(values, dtype=object), dtype=object)


def test_a_typed_table_holds_each_amount_as_written(tmp_path):
    rows = monitoring_rows(5)
    rows[1][4], rows[2][4], rows[3][4] = "007.50", "1,260.5", "100"  # leading zeros; a thousands comma; a whole number
    dataset, _ = load_data(csv_params(tmp_path, {"project_monitoring": rows}))
    budget = dataset.tables["project_monitoring"]["budget"]
    assert budget.dtype == object and all(type(v) is Decimal for v in budget)
    assert strs(budget) == ["100.5", "7.50", "1260.5", "100", "104.5"]


def test_executed_over_budget_compares_values_not_how_they_are_written():
    # equal amounts written differently (100.00 and 100, 10 and 1E+1) are within budget
    budget, executed = [Decimal("100"), Decimal("50.5"), None, Decimal("10")], [Decimal("100.00"), Decimal("50.50001"), Decimal("3"), Decimal("1E+1")]
    frame = pd.DataFrame({"excel_row": [2, 3, 4, 5], "budget": object_column(budget), "executed": object_column(executed)})
    found = checks._executed_within_budget(Dataset({"project_monitoring": frame}))
    assert [(f.code, f.row) for f in found] == [("E131", 3)]


def test_sums_are_exact():
    column = object_column([Decimal("0.1")] * 10 + [Decimal("0.0001")])
    assert money.total(column) == Decimal("1.0001") and str(money.total(column)) == "1.0001"
    assert str(money.total(object_column([]))) == "0"
