"""与上年对比 (year-over-year comparison): the county's earlier years, loaded, checked and computed
exactly as the current year is, and the change of a few figures, added to the current ledger.

The earlier years are found by their params files (``params/<county>/<year>.yaml``). A year whose
params or data have errors is left out of the comparison with a warning for the analyst (W220);
it never stops the current report. Without the previous year the report reads as before.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import formatting as fmt
from . import project
from .figures import Figure, Figures
from .findings import Finding, errors
from .errors import PerflibError
from .params import Params, ParamsError, load_params

# The figures compared with the year before, by the report part whose text states the comparison.
# (part, figure name, short label as the sentence says it)
COMPARED: tuple[tuple[str, str, str], ...] = (
    ("key_evaluations", "key_evaluations.objects", "评价对象"),
    ("key_evaluations", "key_evaluations.amount", "评价资金"),
    ("target_reviews", "target_reviews.projects", "审核项目"),
    ("target_reviews", "target_reviews.amount", "审核金额"),
    ("self_evaluations", "self_evaluations.projects", "自评项目"),
    ("results", "results.budget_cut", "调减资金"),
    ("trainings", "trainings.sessions", "培训次数"),
    ("trainings", "trainings.attendees", "培训人次"),
)
EARLIER_YEARS = 4  # how many years back the appendix table and chart reach, at most
PERCENT_DECIMALS = 1  # 增长19.5%: one decimal, whatever the county's percent setting


@dataclass(frozen=True)
class EarlierYear:
    """One earlier year of the county: its ledger and where its data came from."""

    year: int
    figures: Figures
    source: str


@dataclass
class History:
    """The county's earlier years that loaded cleanly (oldest first), and notes on those that did not."""

    years: list[EarlierYear] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)

    def get(self, year: int) -> EarlierYear | None:
        return next((y for y in self.years if y.year == year), None)


def load_history(params: Params, data_root: Path | str | None = None, back: int = EARLIER_YEARS) -> History:
    """Load the county's earlier years (up to ``back``) that have a params file, as the current year is loaded."""
    from .figures import compute_figures
    from .report import load_data  # report imports this module

    history = History()
    for year in range(params.year - back, params.year):
        path = project.params_path(params.root, params.county, year)
        if not path.exists():
            continue
        where = project.relative(path, params.root)
        try:
            earlier = load_params(params.county, year, params.root, data_root=data_root)
            dataset, findings = load_data(earlier)
        except (ParamsError, OSError, PerflibError) as exc:  # PerflibError: a refused params file (E151–E156)
            history.notes.append(Finding("W220", f"{year}年的参数文件有误，本报告未与{year}年对比：{exc}", file=where))
            continue
        if errors(findings):
            history.notes.append(Finding(
                "W220", f"{year}年的数据有 {len(errors(findings))} 处错误，本报告未与{year}年对比；"
                        f"请运行 perflib check --county {params.county} --year {year} 查看。", file=earlier.data_label))
            continue
        history.years.append(EarlierYear(year, compute_figures(dataset, earlier), earlier.data_label))
    return history


def _amount(value: Decimal, unit: str, params: Params) -> str:
    """A magnitude in the figure's unit, in the county's number format."""
    s = params.settings
    if unit == "万元":
        return fmt.fmt_wan(value, s.amount_decimals, s.thousands_separator)
    if unit == "亿元":
        return fmt.fmt_number(value, s.yi_decimals, s.thousands_separator) + "亿元"
    return fmt.fmt_count(int(value), unit)


def _change_printed(change: Decimal, unit: str, params: Params) -> str:
    if change == 0:
        return "持平"
    word = "增加" if change > 0 else "减少"
    printed = _amount(abs(change), unit, params)
    if unit == "亿元" and fmt.fmt_number(abs(change), params.settings.yi_decimals) == fmt.fmt_number(Decimal(0), params.settings.yi_decimals):
        printed = _amount(abs(change) * 10000, "万元", params)  # 0.00亿元 says nothing: say it in 万元
    return word + printed


def add_comparisons(figures: Figures, history: History, params: Params) -> None:
    """Add ``yoy.<figure>.previous|change|percent`` to the ledger and the lists the text and appendix use.

    ``lists["yoy.parts"]`` maps a report part to its comparison items (empty without the previous
    year); ``lists["yoy.years"]`` lists (year, figures) from the oldest loaded year to this one.
    """
    figures.lists["yoy.parts"] = {}
    figures.lists["yoy.years"] = []
    previous = history.get(params.year - 1)
    if previous is None:
        return
    figures.lists["yoy.years"] = [(y.year, y.figures) for y in history.years] + [(params.year, figures)]
    for year in history.years:  # earlier years printed in the appendix (the year before is report.previous_year)
        if year.year == params.year - 1:
            continue
        figures.add(Figure(f"yoy.year.{year.year}", "对比年度", year.year, "年", f"{year.year}年", "参数", (), "参数"))
        for _, key, _label in COMPARED:
            earlier = year.figures[key]
            figures.add(Figure(f"yoy.{key}.{year.year}", f"{year.year}年{earlier.label}", earlier.value, earlier.unit,
                               _amount(Decimal(earlier.value), earlier.unit, params), f"{year.source}：{earlier.source}",
                               earlier.rows, f"{year.year}年数据，{earlier.how}"))
    for part, key, label in COMPARED:
        now, before = figures[key], previous.figures[key]
        then = figures.add(Figure(
            f"yoy.{key}.previous", f"上年（{previous.year}年）{before.label}", before.value, before.unit,
            _amount(Decimal(before.value), before.unit, params), f"{previous.source}：{before.source}", before.rows,
            f"上年数据，{before.how}"))
        delta = Decimal(now.value) - Decimal(then.value)
        change = figures.add(Figure(
            f"yoy.{key}.change", f"{now.label}比上年增减", delta, now.unit, _change_printed(delta, now.unit, params),
            "计算", (), f"{key} − yoy.{key}.previous"))
        percent = None
        if then.value:
            ratio = delta / Decimal(then.value)
            word = "增长" if ratio > 0 else "下降" if ratio < 0 else "持平"
            percent = figures.add(Figure(
                f"yoy.{key}.percent", f"{now.label}比上年增减幅度", ratio, "%",
                word + (fmt.fmt_percent(abs(ratio), PERCENT_DECIMALS) if ratio else ""),
                "计算", (), f"yoy.{key}.change ÷ yoy.{key}.previous"))
        figures.lists["yoy.parts"].setdefault(part, []).append(
            {"label": label, "key": key, "change": change, "percent": percent if delta else None})


def history_rows(figures: Figures, params: Params) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The appendix table: one row per compared figure, one column per year, then the change on the year before."""
    years = figures.lists.get("yoy.years") or []
    columns = ("指标", *[f"{year}年" for year, _ in years], "比上年增减", "增减幅度")
    rows = []
    for _, key, _label in COMPARED:
        # every cell is a ledger figure, so that the appendix, too, names its sources
        values = [figures[key if year == params.year else f"yoy.{key}.previous" if year == params.year - 1 else f"yoy.{key}.{year}"].printed
                  for year, _ in years]
        percent = figures.items.get(f"yoy.{key}.percent")
        rows.append((figures[key].label, *values, figures[f"yoy.{key}.change"].printed, percent.printed if percent else "—"))
    return columns, rows
