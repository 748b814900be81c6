"""The rollup's charts: counties side by side (latest year) and each county's trend over the years.

Same style, font and deterministic output as the annual report's charts (``perflib.charts``).
"""
from __future__ import annotations

import matplotlib
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
    ax.barh(names[::-1], values[::-1], color=RED, height=0.6)
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
    ax.barh(names, progress, color=RED, label="预算执行进度")
    ax.scatter(schedule, names, marker="|", s=300, color="black", label="序时进度", zorder=3)
    for i, (value, mark) in enumerate(zip(progress, schedule)):  # the label clear of the schedule's tick
        ax.annotate(f"{value:.0f}%", (max(value, mark), i), va="center", ha="left", fontsize=TEXT_PT, xytext=(6, 0),
                    textcoords="offset points")
    ax.set_xlim(0, 120)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, fontsize=TEXT_PT)
    return save_chart(fig, "monitoring", f"{year}年各县项目绩效监控执行进度与序时进度")


def trends_chart(collection: Collection) -> Chart:
    """One panel per main figure, one line per county, over the years."""
    years = collection.years
    fig, axes = plt.subplots(3, 2, figsize=(WIDTH_IN, 6.4))
    for ax, indicator in zip(axes.flat, headline_indicators()):
        key, label = indicator.key, indicator.title
        for county, name in collection.counties():
            by_year = {e.year: e for e in collection.included if e.county == county}
            points = [(str(y), float(by_year[y].value(key))) for y in years if y in by_year and by_year[y].reports(key)]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
        ax.set_title(label, fontsize=TEXT_PT)
        ax.tick_params(labelsize=TEXT_PT)
        ax.set_ylim(bottom=0)
        decimals = YI_DECIMALS if indicator.unit == "亿元" else 0
        ax.yaxis.set_major_locator(MaxNLocator(3, integer=decimals == 0))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _, d=decimals: f"{v:,.{d}f}"))
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, max(1, len(labels))), frameon=False, fontsize=TEXT_PT)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
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
