"""Domain rules: grades (财预〔2020〕10号) and 序时进度 (time-elapsed schedule)."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

# 财预〔2020〕10号: 90–100 优, 80–<90 良, 60–<80 中, <60 差.
GRADE_FLOORS = (Decimal(90), Decimal(80), Decimal(60), Decimal(0))
DEFAULT_GRADE_LABELS = ("优", "良", "中", "差")


def grade_for_score(score: Decimal | int | float, labels: Sequence[str] = DEFAULT_GRADE_LABELS,
                    floors: Sequence[Decimal] = GRADE_FLOORS) -> str:
    """The grade label for a 0–100 score; ``labels`` lists 优, 良, 中, 差 in a county's words and
    ``floors`` the lowest score of each (params settings.grade_floors; 财预〔2020〕10号's by default)."""
    score = Decimal(str(score))
    if not Decimal(0) <= score <= Decimal(100):
        raise ValueError(f"a score runs from 0 to 100, not {score}")
    for floor, label in zip(floors, labels):
        if score >= floor:
            return label
    raise AssertionError("unreachable")  # pragma: no cover


def _score(value: Decimal) -> str:
    """A band's bound as printed: 90, 85.5 (no trailing zeros, no exponent)."""
    return format(Decimal(value).normalize(), "f")


def grade_bands_text(labels: Sequence[str], floors: Sequence[Decimal] = GRADE_FLOORS) -> str:
    """The bands as a sentence states them: 「90分（含）以上为优，80分（含）至90分为良，60分（含）至80分为中，
    60分以下为差」 (the last band starts at 0: it is said by the floor above it)."""
    parts = []
    for i, (label, floor) in enumerate(zip(labels, floors)):
        if i == 0:
            parts.append(f"{_score(floor)}分（含）以上为{label}")
        elif floor == 0:
            parts.append(f"{_score(floors[i - 1])}分以下为{label}")
        else:
            parts.append(f"{_score(floor)}分（含）至{_score(floors[i - 1])}分为{label}")
    return "，".join(parts)


def schedule_progress(as_of: dt.date) -> Decimal:
    """序时进度: the share of the year elapsed at the end of ``as_of``.

    At the end of month M it is M/12 (5月末 41.67%, 8月末 66.67%); inside a month the month's
    twelfth is counted by days elapsed.
    """
    days_in_month = calendar.monthrange(as_of.year, as_of.month)[1]
    months = Decimal(as_of.month - 1) + Decimal(as_of.day) / Decimal(days_in_month)
    return months / Decimal(12)


@dataclass(frozen=True)
class SchedulePhrase:
    """One band of the comparison with 序时进度: applies while the difference in percentage
    points is below ``below`` (``None``: no upper bound)."""

    phrase: str
    below: Decimal | None = None


DEFAULT_SCHEDULE_PHRASES = (
    SchedulePhrase("明显低于序时进度", Decimal(-10)),
    SchedulePhrase("略低于序时进度", Decimal("-0.5")),
    SchedulePhrase("与序时进度基本持平", Decimal("0.5")),
    SchedulePhrase("略高于序时进度", Decimal(10)),
    SchedulePhrase("明显高于序时进度", None),
)


def compare_with_schedule(
    progress: Decimal,
    schedule: Decimal,
    bands: Sequence[SchedulePhrase] = DEFAULT_SCHEDULE_PHRASES,
) -> str:
    """The phrase comparing execution progress with 序时进度, both as ratios (0.46, 5/12)."""
    difference_pp = (progress - schedule) * 100
    for band in bands:
        if band.below is None or difference_pp < band.below:
            return band.phrase
    raise ValueError("the schedule bands must end with one that has no upper bound")
