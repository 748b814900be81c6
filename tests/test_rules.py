import datetime as dt
from decimal import Decimal

import pytest

from perflib.rules import DEFAULT_SCHEDULE_PHRASES, SchedulePhrase, compare_with_schedule, grade_for_score, schedule_progress


@pytest.mark.parametrize(
    "score, grade",
    [(0, "差"), (59.99, "差"), (60, "中"), (79.99, "中"), (80, "良"), (89.99, "良"), (90, "优"), (100, "优")],
)
def test_grade_bands_follow_cai_yu_2020_10(score, grade):
    assert grade_for_score(score) == grade


def test_grade_labels_are_a_setting():
    labels = ("优秀", "良好", "中", "差")
    assert grade_for_score(95, labels) == "优秀"
    assert grade_for_score(85, labels) == "良好"


@pytest.mark.parametrize("score", [-1, 100.01, 150])
def test_scores_outside_0_100_are_refused(score):
    with pytest.raises(ValueError):
        grade_for_score(score)


@pytest.mark.parametrize("month", range(1, 13))
def test_schedule_at_month_end_is_m_twelfths(month):
    last_day = (dt.date(2023, month % 12 + 1, 1) - dt.timedelta(days=1)) if month < 12 else dt.date(2023, 12, 31)
    assert schedule_progress(last_day) == Decimal(month) / 12


def test_schedule_inside_a_month_counts_days():
    assert schedule_progress(dt.date(2023, 6, 15)) == (Decimal(5) + Decimal(15) / 30) / 12


def test_may_batch_is_slightly_above_schedule():
    assert compare_with_schedule(Decimal("0.46"), schedule_progress(dt.date(2023, 5, 31))) == "略高于序时进度"


def test_august_batch_is_slightly_above_schedule():
    assert compare_with_schedule(Decimal("0.68"), schedule_progress(dt.date(2023, 8, 31))) == "略高于序时进度"


def test_other_phrases():
    may = schedule_progress(dt.date(2023, 5, 31))  # 41.67%
    assert compare_with_schedule(Decimal("0.20"), may) == "明显低于序时进度"
    assert compare_with_schedule(Decimal("0.38"), may) == "略低于序时进度"
    assert compare_with_schedule(may, may) == "与序时进度基本持平"
    assert compare_with_schedule(Decimal("0.60"), may) == "明显高于序时进度"


def test_bands_are_configurable():
    bands = (SchedulePhrase("滞后", Decimal(0)), SchedulePhrase("达到或超过序时进度"))
    assert compare_with_schedule(Decimal("0.46"), Decimal(5) / 12, bands) == "达到或超过序时进度"
    assert compare_with_schedule(Decimal("0.40"), Decimal(5) / 12, bands) == "滞后"
    assert DEFAULT_SCHEDULE_PHRASES[-1].below is None
