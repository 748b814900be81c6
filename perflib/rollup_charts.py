"""The rollup's charts: counties side by side (latest year) and each county's trend over the years.

Same style, font and deterministic output as the annual report's charts (``perflib.charts``).
"""
from __future__ import annotations

import matplotlib
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .charts import STYLE, TEXT_PT, WIDTH_IN, plt, save_chart, use_cjk_font
from .document import Chart
from .indicators import headline_indicators
from .rollup import YI_DECIMALS, Collection, monitoring_batches, wan

RED, GREY = "#b22222", "#9e9e9e"


def _bars(names: list[str], values: list[float], title: str, unit: str, key: str, caption: str, labels: list[str],
          decimals: int = 0) -> Chart:
    """Horizontal bars at print size; the caption (below the chart in the document) says what it
    shows, so the chart has no title of its own; ticks in the labels' precision and separators."""
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.9 + 0.45 * max(3, len(names))))
    positions = range(len(names))  # the first county at the top; names as tick labels, never as categories
    ax.barh(positions, values[::-1], color=RED, height=0.6)
    ax.set_yticks(positions, names[::-1])
    for i, (value, label) in enumerate(zip(values[::-1], labels[::-1])):
        ax.annotate(label, (value, i), va="center", ha="left", fontsize=TEXT_PT, xytext=(3, 0), textcoords="offset points")
    ax.set_xlim(0, max(values + [1.0]) * 1.45)
    ax.set_xlabel(unit)
    ax.xaxis.set_major_locator(MaxNLocator(4, integer=decimals == 0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.{decimals}f}"))
    return save_chart(fig, key, caption)


def monitoring_chart(collection: Collection, year: int) -> Chart:
    """Each county's batches: execution progress (bars) against 序时进度 (ticks)."""
    rows = [(f"{e.county_name}{b['label']}", b) for e in collection.of_year(year) for b in monitoring_batches(e)]
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.9 + 0.4 * max(3, len(rows))))
    names = [n for n, _ in rows][::-1]
    progress = [float(b["progress"] * 100) for _, b in rows][::-1]
    schedule = [float(b["schedule"] * 100) for _, b in rows][::-1]
    positions = range(len(names))
    ax.barh(positions, progress, color=RED, label="预算执行进度")
    ax.scatter(schedule, positions, marker="|", s=300, color="black", label="序时进度", zorder=3)
    ax.set_yticks(positions, names)
    for i, (value, mark) in enumerate(zip(progress, schedule)):  # the label clear of the schedule's tick
        ax.annotate(f"{value:.0f}%", (max(value, mark), i), va="center", ha="left", fontsize=TEXT_PT, xytext=(6, 0),
                    textcoords="offset points")
    ax.set_xlim(0, 120)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, fontsize=TEXT_PT)
    return save_chart(fig, "monitoring", f"{year}年各县项目绩效监控执行进度与序时进度")


# One colour per county, the same in every panel and in the legend (matplotlib's colour cycle
# restarts in each panel and skips nothing, so a county absent from one panel would shift the
# colours of the others). Counties beyond the palette take a second marker.
COUNTY_COLOURS = ("#b22222", "#1f4e79", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#616161")
COUNTY_MARKERS = ("o", "s", "^", "D")


def county_styles(collection: Collection) -> dict[str, tuple[str, str]]:
    """Each county's (colour, marker), in the order the trend table lists the counties."""
    return {county: (COUNTY_COLOURS[i % len(COUNTY_COLOURS)], COUNTY_MARKERS[i // len(COUNTY_COLOURS) % len(COUNTY_MARKERS)])
            for i, (county, _) in enumerate(collection.counties())}


def trends_chart(collection: Collection) -> Chart:
    """One panel per main figure, one line per county, over the years: the trend table drawn.

    Years are numbers on the x axis, in ascending order whichever county comes first; each county
    keeps its colour in every panel, and the legend is made from those colours (not from the
    first panel's lines, which lack a county that does not report that figure)."""
    years = collection.years
    styles = county_styles(collection)
    indicators = headline_indicators()
    fig, axes = plt.subplots((len(indicators) + 1) // 2, 2, figsize=(WIDTH_IN, 6.4), squeeze=False)
    for ax in list(axes.flat)[len(indicators):]:
        fig.delaxes(ax)
    drawn: set[str] = set()
    for ax, indicator in zip(axes.flat, indicators):
        key, label = indicator.key, indicator.title
        for county, name in collection.counties():
            by_year = {e.year: e for e in collection.included if e.county == county}
            points = [(y, float(by_year[y].value(key))) for y in years if y in by_year and by_year[y].reports(key)]
            if points:  # a county that does not report the figure has no line (not a line at 0)
                colour, marker = styles[county]
                ax.plot([x for x, _ in points], [v for _, v in points], color=colour, marker=marker, label=name)
                drawn.add(county)
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        ax.set_title(label, fontsize=TEXT_PT)
        ax.tick_params(labelsize=TEXT_PT)
        ax.set_ylim(bottom=0)
        decimals = YI_DECIMALS if indicator.unit == "亿元" else 0
        ax.yaxis.set_major_locator(MaxNLocator(3, integer=decimals == 0))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _, d=decimals: f"{v:,.{d}f}"))
    handles = [Line2D([], [], color=styles[county][0], marker=styles[county][1], label=name)
               for county, name in collection.counties() if county in drawn]
    fig.legend(handles=handles, loc="lower center", ncols=min(4, max(1, len(handles))), frameon=False, fontsize=TEXT_PT)
    legend_rows = -(-len(handles) // 4)  # four counties a row: room below the panels for every row
    fig.tight_layout(rect=(0, max(0.1, (0.1 + 0.2 * legend_rows) / fig.get_figheight()), 1, 1))
    return save_chart(fig, "trends", f"各县{years[0]}—{years[-1]}年主要指标趋势")


def draw_rollup_charts(collection: Collection) -> dict[str, Chart]:
    """Every chart of the rollup, by the name the rollup document places it under."""
    year = collection.latest_year()
    if year is None:
        return {}
    use_cjk_font()
    now = collection.of_year(year)
    charts = []

    def reporting(key: str) -> list:  # a county that does not report a part has no bar (not a bar of 0)
        return [e for e in now if e.reports(key)]

    with matplotlib.rc_context(STYLE):
        if having := reporting("key_evaluations.amount"):
            amounts = [e.value("key_evaluations.amount") for e in having]
            charts.append(_bars([e.county_name for e in having], [float(a) for a in amounts], f"{year}年度各县重点绩效评价资金", "亿元", "key_evaluations",
                                f"{year}年度各县重点绩效评价资金", [f"{a:.2f}（{int(e.value('key_evaluations.objects'))}个）" for a, e in zip(amounts, having)], 2))
        if having := reporting("target_reviews.amount"):
            reviewed = [e.value("target_reviews.amount") for e in having]
            charts.append(_bars([e.county_name for e in having], [float(a) for a in reviewed], f"{year}年各县项目绩效目标审核金额", "万元", "funds",
                                f"{year}年各县项目绩效目标审核金额", [wan(a) for a in reviewed]))
        if any(monitoring_batches(e) for e in now):
            charts.append(monitoring_chart(collection, year))
        if having := reporting("trainings.attendees"):
            people = [e.value("trainings.attendees") for e in having]
            charts.append(_bars([e.county_name for e in having], [float(p) for p in people], f"{year}年各县预算绩效管理培训人次", "人次", "trainings",
                                f"{year}年各县预算绩效管理培训人次", [wan(p) for p in people]))
        if len(collection.years) > 1:
            charts.append(trends_chart(collection))
    return {c.key: c for c in charts}
