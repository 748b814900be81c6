"""History: 与上年对比 (year-over-year comparison): the county's earlier years, loaded, checked and computed
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
from .figures import Figure, FigureRef, Figures, compute_figures
from .findings import Finding, errors
from .indicators import MAIN_INDICATORS
from .errors import PerflibError
from .params import Params, ParamsError, load_params
from .validation import load_data

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


def load_history(params: Params, back: int = EARLIER_YEARS) -> History:
    """Load the county's earlier years (up to ``back``) that have a params file, as the current
    year is loaded (with the same data root)."""
    history = History()
    for year in range(params.year - back, params.year):
        path = project.params_path(params.root, params.county, year)
        if not path.exists():
            continue
        where = project.relative(path, params.root)
        try:
            earlier = load_params(params.county, year, params.root, data_root=params.data_root)
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
    printer = fmt.Printer(params.settings)

    def as_this_year(key: str) -> int | None:
        """The decimals an indicator prints with this year (its per-figure format included), so
        that every year of it, and its change, print alike and agree as printed."""
        now = figures[key]
        return printer.decimals_of(now) if now.style in (fmt.WAN, fmt.YI) else now.decimals

    for year in history.years:  # earlier years printed in the appendix (the year before is report.previous_year)
        if year.year == params.year - 1:
            continue
        figures.add(Figure(f"yoy.year.{year.year}", "对比年度", year.year, "年", fmt.PLAIN, "参数", (), "参数"))
        for indicator in MAIN_INDICATORS:
            if indicator.key not in year.figures or indicator.key not in figures:
                continue  # a year without the part has no figure: printed 「—」, never 0
            earlier = year.figures[indicator.key]
            unit = figures[indicator.key].unit if earlier.style == fmt.COUNT else earlier.unit  # this year's measure word
            figures.add(Figure(f"yoy.{indicator.key}.{year.year}", f"{year.year}年{earlier.label}", earlier.value, unit,
                               earlier.style, f"{year.source}：{earlier.source}", earlier.rows, f"{year.year}年数据，{earlier.how}",
                               decimals=as_this_year(indicator.key)))
    for indicator in MAIN_INDICATORS:
        key = indicator.key
        if key not in figures or key not in previous.figures:
            continue  # a part one of the two years does not have: nothing to compare
        now, before = figures[key], previous.figures[key]
        then = figures.add(Figure(
            f"yoy.{key}.previous", f"上年（{previous.year}年）{before.label}", before.value,
            now.unit if before.style == fmt.COUNT else before.unit,  # counted in this year's measure word (formats measure)
            before.style, f"{previous.source}：{before.source}", before.rows, f"上年数据，{before.how}", decimals=as_this_year(key)))
        # Differences from printed values: the change and its rate agree with the two figures as the
        # report prints them (0.29亿元 → 0.34亿元 is 增加0.05亿元, not the exact 0.06).
        shown_now, shown_before = printer.as_printed(now), printer.as_printed(then)
        delta = shown_now - shown_before
        nearly = delta == 0 and Decimal(now.value) != Decimal(then.value)
        change = figures.add(Figure(
            f"yoy.{key}.change", f"{now.label}比上年增减", delta, now.unit, fmt.NEARLY_UNCHANGED if nearly else fmt.CHANGE,
            "计算", (), f"{key} − yoy.{key}.previous（按印刷数字相减）", decimals=as_this_year(key)))
        percent = None
        if shown_before:
            percent = figures.add(Figure(
                f"yoy.{key}.percent", f"{now.label}比上年增减幅度", delta / shown_before, "%", fmt.CHANGE_PERCENT,
                "计算", (), f"yoy.{key}.change ÷ yoy.{key}.previous（按印刷数字）", decimals=PERCENT_DECIMALS))
        figures.lists["yoy.parts"].setdefault(indicator.part, []).append(
            {"label": indicator.short, "key": key, "change": change, "percent": percent if delta else None})


def history_rows(figures: Figures, params: Params) -> tuple[tuple[str, ...], list[tuple]]:
    """The appendix table: one row per main indicator that this year and an earlier year report, one
    column per year, then the change on the year before. Every cell is a reference to a ledger
    figure, so that the appendix, too, names its sources; a year without the part (its sheet absent,
    or left out of its outline) prints 「—」, and so does a change without the year before: never a
    0 or a change from 0 that the data does not show."""
    years = figures.lists.get("yoy.years") or []
    columns = ("指标", *[f"{year}年" for year, _ in years], "比上年增减", "增减幅度")
    rows = []
    for indicator in MAIN_INDICATORS:
        key = indicator.key
        names = [key if year == params.year else f"yoy.{key}.previous" if year == params.year - 1 else f"yoy.{key}.{year}" for year, _ in years]
        if key not in figures or not any(name in figures for name in names[:-1]):
            continue  # a part this year or every earlier year does not report
        values = [FigureRef(name) if name in figures else "—" for name in names]
        change, percent = f"yoy.{key}.change", f"yoy.{key}.percent"
        rows.append((figures[key].label, *values, FigureRef(change) if change in figures else "—",
                     FigureRef(percent) if percent in figures else "—"))
    return columns, rows
