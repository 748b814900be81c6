"""Money columns in numpy (perflib.amounts) behave as the object columns of Decimals they replace:
every cell reads back as the very Decimal it was (its str too), sums and comparisons are those of
Decimal, pandas keeps the values through the operations perflib uses, and a clean CSV column is
read in numpy exactly as ``Decimal(text)`` reads each cell."""
from __future__ import annotations

import operator
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import make_params, minimal_rows

from perflib import cells, checks, money
from perflib.amounts import AmountArray, AmountDtype, UnrepresentableAmount, money_column, parse_plain
from perflib.inputs import Dataset

CELLS = [Decimal("1.50"), None, Decimal("0"), Decimal("0.0001"), Decimal("7.5E+3"), Decimal("123456789012345678"),
         Decimal("-3.25"), Decimal("0.0000"), Decimal("1E-7"), Decimal("9223372036854775807"), Decimal("12")]


def strs(values) -> list:
    return [None if v is None else str(v) for v in values]


def object_column(values) -> pd.Series:
    return pd.Series(np.array(values, dtype=object), dtype=object)


# -- cells read back -------------------------------------------------------------------------

def test_each_cell_reads_back_as_the_decimal_it_was_built_from():
    array = AmountArray._from_sequence(CELLS)
    assert strs(array) == strs(CELLS) and strs(array.tolist()) == strs(CELLS)
    assert strs(array.to_numpy()) == strs(CELLS) and array.to_numpy().dtype == object
    assert [strs([array[i]])[0] for i in range(len(CELLS))] == strs(CELLS)
    assert [None if v is None else v.as_tuple() for v in array] == [None if v is None else v.as_tuple() for v in CELLS]
    assert array[1] is None and list(array.isna()) == [v is None for v in CELLS]


decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: not (d.is_signed() and d.is_zero()))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), decimals, st.integers(-10**20, 10**20)), max_size=12))
def test_a_column_holds_each_value_exactly_or_stays_an_object_column(values):
    def fits(value) -> bool:
        sign, digits, exponent = Decimal(value).as_tuple()
        return int("".join(map(str, digits))) < 2**63 and -128 <= exponent <= 127

    column = money_column(values)
    assert strs(column.tolist()) == strs([None if v is None else Decimal(v) for v in values])
    assert isinstance(column.dtype, AmountDtype) == all(v is None or fits(v) for v in values)
    if not isinstance(column.dtype, AmountDtype):  # a coefficient past int64 or an exponent past int8 is never squeezed into the array
        with pytest.raises(UnrepresentableAmount):
            AmountArray._from_sequence(values)


@pytest.mark.parametrize("odd", [Decimal("NaN"), Decimal("Infinity"), Decimal("-0"), Decimal("1E+200"), Decimal("9223372036854775808"),
                                 Decimal("1.000000000000000000001"), 1.5, "12", True])
def test_a_value_an_amount_array_cannot_hold_is_refused_and_its_column_stays_objects(odd):
    with pytest.raises(UnrepresentableAmount):
        AmountArray._from_sequence([Decimal("1"), odd])
    if isinstance(odd, Decimal):
        column = money_column([Decimal("1.5"), odd, None])
        assert column.dtype == object and strs(column.tolist()) == ["1.5", str(odd), None]


def test_money_is_never_a_binary_float():
    array = AmountArray._from_sequence([Decimal("0.1"), Decimal("0.2")])
    for dtype in (float, "float64", int, "int64"):
        with pytest.raises(TypeError):
            array.astype(dtype)
        with pytest.raises(TypeError):
            np.asarray(array, dtype=dtype)
    assert pd.Series(array).astype(str).tolist() == ["0.1", "0.2"]


# -- sums --------------------------------------------------------------------------------------

small = st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
wide = st.builds(lambda c, e: Decimal(c).scaleb(e), st.integers(-2**63 + 1, 2**63 - 1), st.integers(-20, 20))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(small, wide, st.sampled_from([Decimal("0"), Decimal("0.00"), Decimal("1.50"), Decimal("7.5E+3")])), max_size=30))
def test_the_total_is_the_decimal_sum_in_value_and_exponent(values):
    values = [v for v in values if not (v.is_zero() and v.is_signed())]
    assume(all(abs(v.as_tuple().exponent) <= 127 for v in values))
    expected = sum(values, Decimal(0))
    for column in (money_column(values), money_column(values).array):
        got = money.total(column)
        assert str(got) == str(expected) and got.as_tuple() == expected.as_tuple()


def test_a_total_past_int64_is_added_the_decimal_way():
    values = [Decimal("9223372036854775807"), Decimal("9223372036854775807"), Decimal("0.5")]  # 10**spread × count overflows
    array = AmountArray._from_sequence(values)
    assert str(array.total()) == str(sum(values, Decimal(0))) == "18446744073709551614.5"
    spread = [Decimal("1E+20"), Decimal("0.0001")]  # exponents 24 apart
    assert str(AmountArray._from_sequence(spread).total()) == str(sum(spread, Decimal(0)))


def test_the_total_of_nothing_is_a_plain_zero_and_a_blank_is_not_added_silently():
    assert str(money.total(money_column([]))) == "0" == str(sum([], Decimal(0)))
    with pytest.raises(TypeError):
        money.total(money_column([Decimal("1"), None]))
    assert str(money_column([Decimal("1.5"), None]).sum()) == "1.5"  # pandas' sum skips the blank
    assert str(money.total(money_column([Decimal("1.5"), None]).dropna())) == "1.5"


# -- comparisons, equality, blanks -----------------------------------------------------------

OPS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), small, wide), st.one_of(st.none(), small, wide)), max_size=20))
def test_comparisons_and_blanks_match_the_object_column_of_decimals(pairs):
    left, right = [a for a, _ in pairs], [b for _, b in pairs]
    mine, theirs = money_column(left), money_column(right)
    assert list(mine.isna()) == list(object_column(left).isna()) and list(mine.notna()) == [v is not None for v in left]
    for op in OPS:
        expected = [op is operator.ne if a is None or b is None else op(a, b) for a, b in pairs]
        assert list(op(mine.array, theirs.array)) == expected, op
        if left and left[0] is not None:
            assert list(op(mine.array, left[0])) == [op is operator.ne if a is None else op(a, left[0]) for a in left], op


def test_equal_values_are_one_value_whatever_their_exponent():
    column = money_column([Decimal("1.50"), Decimal("1.5"), None, Decimal("7.5E+3"), Decimal("7500"), Decimal("2")])
    assert strs(column.unique()) == strs(object_column(column.tolist()).unique()) == ["1.50", None, "7.5E+3", "2"]
    assert column.nunique() == 3 and column.isin([Decimal("1.500"), Decimal("7500.0")]).tolist() == [True, True, False, True, True, False]
    assert column.duplicated().tolist() == object_column(column.tolist()).duplicated().tolist()
    assert list(column.array == Decimal("1.5")) == [True, True, False, False, False, False]


def test_executed_over_budget_is_found_in_amount_and_in_object_columns():
    # equal amounts written differently (100.00 and 100, 10 and 1E+1) are within budget
    budget, executed = [Decimal("100"), Decimal("50.5"), None, Decimal("10")], [Decimal("100.00"), Decimal("50.50001"), Decimal("3"), Decimal("1E+1")]
    for column in (money_column, object_column):
        frame = pd.DataFrame({"excel_row": [2, 3, 4, 5], "budget": column(budget), "executed": column(executed)})
        found = checks._executed_within_budget(Dataset({"project_monitoring": frame}))
        assert [(f.code, f.row) for f in found] == [("E131", 3)], column


# -- pandas operations perflib uses ------------------------------------------------------------

def test_pandas_operations_keep_every_cell():
    frame = pd.DataFrame({"excel_row": range(2, 2 + len(CELLS)), "kind": ["a", "b"] * 5 + ["a"], "amount": money_column(CELLS)})
    assert frame["amount"].dtype == AmountDtype()
    mask = frame["amount"].notna()
    assert strs(frame[mask]["amount"]) == strs([v for v in CELLS if v is not None])
    assert strs(frame.iloc[[4, 0]]["amount"]) == strs([CELLS[4], CELLS[0]]) and str(frame.iloc[0]["amount"]) == "1.50"
    assert strs(frame["amount"].take([5, 1])) == strs([CELLS[5], None])
    assert strs(frame["amount"].array.take([0, -1, 1], allow_fill=True)) == ["1.50", None, None]  # -1: a blank (reindex, merge)
    assert strs(frame["amount"].reindex([0, 99])) == ["1.50", None]
    for kind, where in frame.groupby("kind", sort=False).indices.items():
        assert strs(frame.iloc[where]["amount"]) == strs([CELLS[i] for i in where]), kind
    assigned = frame.assign(extra=1)
    assert assigned["amount"].dtype == AmountDtype() and strs(assigned["amount"]) == strs(CELLS)
    both = pd.concat([frame, frame.iloc[:2]], ignore_index=True)
    assert both["amount"].dtype == AmountDtype() and strs(both["amount"]) == strs(CELLS + CELLS[:2])
    assert strs(frame["amount"].dropna().tolist()) == strs([v for v in CELLS if v is not None])
    assert strs(frame["amount"].to_numpy()) == strs(CELLS) and strs(frame.iloc[:0]["amount"]) == []
    assert frame["amount"].isin([Decimal("12.0")]).tolist() == [v is not None and v == 12 for v in CELLS]
    assert frame.iloc[2].to_dict()["amount"].as_tuple() == Decimal("0").as_tuple()
    assert frame.set_index("excel_row").astype(str).replace({"None": "", "nan": ""}).equals(
        frame.assign(amount=object_column(CELLS)).set_index("excel_row").astype(str).replace({"None": "", "nan": ""}))


def test_cells_set_sorted_and_pickled_keep_their_exponents():
    import pickle

    column = money_column([Decimal("1.50"), None, Decimal("3")])
    column.iloc[0] = Decimal("2.50")
    column[column.isna()] = Decimal("0.0")
    assert strs(column) == ["2.50", "0.0", "3"] and column.dtype == AmountDtype()
    assert strs(column.where(column > Decimal("1"), None)) == ["2.50", None, "3"]
    assert strs(column.sort_values()) == ["0.0", "2.50", "3"] and strs([column.min(), column.max(), column.sum()]) == ["0.0", "3", "5.50"]
    assert strs(pickle.loads(pickle.dumps(column))) == strs(column)


def test_a_typed_table_holds_its_amounts_in_an_amount_column(tmp_path):
    from perflib.params import load_params
    from perflib.validation import load_data
    from test_large_tables import csv_params, monitoring_rows

    rows = monitoring_rows(5)
    rows[1][4], rows[2][4] = "007.50", "1,260.5"  # a clean cell with leading zeros; an odd one, read cell by cell
    dataset, findings = load_data(csv_params(tmp_path, {"project_monitoring": rows}))
    table = dataset.tables["project_monitoring"]
    assert table["budget"].dtype == AmountDtype() and table["executed"].dtype == AmountDtype()
    assert strs(table["budget"]) == ["100.5", "7.50", "1260.5", "103.5", "104.5"]


# -- reading a clean column in numpy ----------------------------------------------------------

@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet="0123456789.\n", max_size=24),
                          st.from_regex(r"\A0{0,3}[0-9]{1,20}(\.[0-9]{1,4})?\Z"),
                          st.sampled_from(["0", "0.0001", "007.50", "1.50", "999999999999999999", "9999999999999999999",
                                           "12345678901234567890", "00000000000000000001.5", "", "."])), min_size=1, max_size=8))
def test_a_clean_column_reads_in_numpy_as_decimal_reads_each_cell(raws):
    values = cells._bulk("money", raws, ())
    if not cells._all_clean_amounts(raws):
        assert values is None or not any(raws)
        return
    expected = list(map(Decimal, raws))
    assert [v.as_tuple() for v in values] == [e.as_tuple() for e in expected] and strs(values) == strs(expected)
    if isinstance(values, AmountArray):  # read in numpy: every cell of at most 18 digits
        assert all(len(r.replace(".", "")) <= 18 for r in raws)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.from_regex(r"\A-?[0-9]{1,18}(\.[0-9]{1,17})?\Z").filter(lambda t: len(t.lstrip("-").replace(".", "")) <= 18), min_size=1, max_size=8))
def test_plain_texts_with_signs_and_many_decimals_read_as_decimal_reads_them(texts):
    parsed = parse_plain("\n".join(texts).encode("ascii"), len(texts))
    expected = list(map(Decimal, texts))
    if any(e.is_zero() and e.is_signed() for e in expected):  # a negative zero: left to the cell-by-cell reading
        assert parsed is None
        return
    assert strs(parsed) == strs(expected) and [v.as_tuple() for v in parsed] == [e.as_tuple() for e in expected]


def test_a_long_clean_column_reads_across_chunks():
    raws = [f"{i}.{i % 10000:04d}" if i % 3 else f"{i:07d}" for i in range(200_003)]
    values = cells._bulk("money", raws, ())
    assert isinstance(values, AmountArray) and strs(values) == strs(map(Decimal, raws))
