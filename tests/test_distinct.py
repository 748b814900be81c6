"""Distinct values of a column, counted once while data is loaded and checked (perflib.distinct)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from perflib import distinct


def column(values) -> pd.Series:
    return pd.Series(np.array(values, dtype=object), dtype=object)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["甲", "乙", "丙", " 甲"])), max_size=8))
def test_counts_and_repeats_are_pandas_own(values):
    series = column(values)
    assert distinct.count(series) == series.nunique()
    filled = series.dropna()
    assert distinct.no_repeats(series) == filled.is_unique


def test_blanks_never_repeat_a_value():
    assert distinct.no_repeats(column([None, "报告甲", None, "报告乙"]))
    assert not distinct.no_repeats(column([None, "报告甲", "报告甲"]))


def test_a_count_is_kept_only_while_remembering(monkeypatch):
    series = column(["甲", "乙", "甲"])
    counted = []
    real_set = set
    monkeypatch.setattr(distinct, "set", lambda values: counted.append(1) or real_set(values), raising=False)
    with distinct.remembering():
        assert distinct.count(series) == distinct.count(series[series.notna()]) == 2  # a full view is the same column
        assert len(counted) == 1
    assert distinct.count(series) == 2 and len(counted) == 2  # counted afresh outside
    frame = pd.DataFrame({"department": series}, copy=False)
    frame.loc[0, "department"] = "丙"  # an analyst's change between two notebook cells
    assert distinct.count(frame["department"]) == 3
