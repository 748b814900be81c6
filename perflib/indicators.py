"""The main indicators (主要指标): the figures that year-over-year comparison (与上年对比), the
multi-year chart and the rollup's trend follow. One list, so that the three cannot drift apart."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    key: str  # figure name (perflib.figures)
    part: str  # outline key of the report part whose text states its change on the year before
    short: str  # as the comparison sentence says it: 「评价对象增加1个」
    title: str  # with its unit, for chart panels and rollup columns: 「重点评价对象（个）」
    unit: str  # the figure's unit: 个, 亿元, 万元, 次, 人次
    headline: bool = True  # shown in the multi-year chart and the rollup's trend (a 2×3 grid holds six)
    ranked: bool = False  # the rollup ranks counties on it, compares it with the year before and shares it out


MAIN_INDICATORS: tuple[Indicator, ...] = (
    Indicator("key_evaluations.objects", "key_evaluations", "评价对象", "重点评价对象（个）", "个"),
    Indicator("key_evaluations.amount", "key_evaluations", "评价资金", "重点评价资金（亿元）", "亿元", ranked=True),
    Indicator("target_reviews.projects", "target_reviews", "审核项目", "目标审核项目（个）", "个"),
    Indicator("target_reviews.amount", "target_reviews", "审核金额", "目标审核金额（万元）", "万元", headline=False, ranked=True),
    Indicator("self_evaluations.projects", "evaluations", "自评项目", "自评项目（个）", "个", ranked=True),
    Indicator("results.budget_cut", "results", "调减资金", "结果应用调减资金（万元）", "万元"),
    Indicator("trainings.sessions", "trainings", "培训次数", "培训（次）", "次", headline=False),
    Indicator("trainings.attendees", "trainings", "培训人次", "培训（人次）", "人次", ranked=True),
)


def indicators_over_years(years) -> tuple[Indicator, ...]:
    """The headline indicators the multi-year chart draws for ``years`` (ledgers, oldest first,
    this year last): those this year has and at least one earlier year has. A year without one
    (a part it did not report) has no bar, never a bar of 0."""
    years = list(years)
    if not years:
        return ()
    *earlier, now = years
    return tuple(i for i in MAIN_INDICATORS if i.headline and i.key in now and any(i.key in f for f in earlier))


def headline_indicators(having=()) -> tuple[Indicator, ...]:
    """The headline indicators; with ``having`` (ledgers of several years), only those every
    year has (a county that does not report a part has no figure for it)."""
    having = list(having)
    return tuple(i for i in MAIN_INDICATORS if i.headline and all(i.key in f for f in having))
