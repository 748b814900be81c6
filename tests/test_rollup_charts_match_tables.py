"""A chart is a table drawn: each line's or bar's label, colour and values, read back from what
matplotlib drew (public Axes API), are those of the table printed beside it, legend included, and
years run in ascending order (issue 23, item 2). Applied to the rollup's charts and to the annual
report's multi-year chart."""
from __future__ import annotations

import shutil
from decimal import Decimal

import matplotlib.colors as mcolors
import pytest

from perflib import charts as report_charts
from perflib import rollup, rollup_charts
from perflib.indicators import MAIN_INDICATORS, headline_indicators
from perflib.rollup import INCLUDED, Collection, Entry

NOT_REPORTED = "—"


# ---- reading back what was drawn ---------------------------------------------------------------

def capture(monkeypatch, module) -> dict:
    """Every figure the module hands to ``save_chart``, by chart key, drawn once so that its tick
    labels are set (the figure stays readable after save_chart closes it)."""
    drawn = {}
    real = module.save_chart

    def keep(fig, key, caption):
        fig.canvas.draw()
        drawn[key] = fig
        return real(fig, key, caption)

    monkeypatch.setattr(module, "save_chart", keep)
    return drawn


def hex_of(colour) -> str:
    return mcolors.to_hex(colour)


def legend_styles(fig) -> dict[tuple, str]:
    """The legend's entries (figure and axes legends) as {(colour, marker): label}, each style once:
    what a reader tells the lines apart by."""
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    entries = []
    for legend in legends:
        for text, handle in zip(legend.get_texts(), legend.legend_handles):
            if hasattr(handle, "get_marker"):  # a line
                style = (hex_of(handle.get_color()), handle.get_marker())
            elif hasattr(handle, "get_offsets"):  # a scatter's marks
                style = (hex_of(handle.get_facecolor()[0]), None)
            else:  # a bar
                style = (hex_of(handle.get_facecolor()), None)
            entries.append((style, text.get_text()))
    styles = [style for style, _ in entries]
    assert len(styles) == len(set(styles)), f"two legend entries look the same: {entries}"
    return dict(entries)


def tick_labels(ax, axis: str = "x") -> dict[float, str]:
    """Tick position -> its label as drawn."""
    ticks = ax.get_xticks() if axis == "x" else ax.get_yticks()
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return {float(t): label.get_text() for t, label in zip(ticks, labels)}


def at(ticks: dict[float, str], position) -> str:
    """The label of the tick at ``position`` (a category's own text when the axis is categorical)."""
    if isinstance(position, str):
        return position
    found = [label for t, label in ticks.items() if abs(t - float(position)) < 1e-6]
    assert len(found) == 1, f"no tick at {position}: {ticks}"
    return found[0]


def printed_number(cell: str) -> tuple[float, float]:
    """A printed cell as (value, half a unit of its last printed digit)."""
    text = cell.replace(",", "").rstrip("%")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return float(Decimal(text)), 0.5 * 10 ** -decimals + 1e-9


def tables_of(document) -> dict[str, tuple[tuple, list[tuple[str, ...]]]]:
    return {b.caption: (b.columns, [tuple(document.printed(c) for c in row) for row in b.rows])
            for s in document.walk() for b in s.blocks if hasattr(b, "columns")}


def table_ending(document, ending: str):
    found = [t for caption, t in tables_of(document).items() if caption.endswith(ending)]
    assert len(found) == 1, (ending, list(tables_of(document)))
    return found[0]


# ---- the checks --------------------------------------------------------------------------------

def assert_lines_are_the_trend_table(fig, columns, rows) -> None:
    """Each panel of the trend chart is an indicator of the trend table; each line, identified as
    a reader does (by its colour in the legend), carries that county's printed values in those
    years, no point where the table prints 「—」, and the years ascend from left to right."""
    years = [c.removesuffix("年") for c in columns[2:]]
    table = {(r[0], r[1]): dict(zip(years, r[2:])) for r in rows}
    legend = legend_styles(fig)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == [i.title for i in headline_indicators()]
    drawn_counties = set()
    for ax in panels:
        ticks = tick_labels(ax)
        assert [label for _, label in sorted(ticks.items())] == years, f"{ax.get_title()}: years must ascend"
        lines = ax.get_lines()
        for line in lines:
            county = legend[hex_of(line.get_color()), line.get_marker()]  # who the legend says this line is
            assert line.get_label() == county, (ax.get_title(), line.get_label(), county)
            drawn_counties.add(county)
            xs = [at(ticks, x) for x in line.get_xdata()]
            assert xs == sorted(xs), f"{county}: points out of year order {xs}"
            row = table[county, ax.get_title()]
            points = dict(zip(xs, line.get_ydata()))
            assert set(points) == {y for y, cell in row.items() if cell != NOT_REPORTED}, (county, ax.get_title(), points, row)
            for year, value in points.items():
                expected, tolerance = printed_number(row[year])
                assert abs(float(value) - expected) <= tolerance, (county, ax.get_title(), year, value, row[year])
        with_values = {c for (c, title), row in table.items() if title == ax.get_title() and set(row.values()) != {NOT_REPORTED}}
        assert {line.get_label() for line in lines} == with_values, ax.get_title()
    assert set(legend.values()) == drawn_counties


def bars_of(fig) -> dict[str, float]:
    """Each horizontal bar's value by the label of its tick."""
    ax = fig.axes[0]
    ticks = tick_labels(ax, "y")
    bars = {}
    for patch in ax.patches:
        label = at(ticks, patch.get_y() + patch.get_height() / 2)
        assert label not in bars, f"two bars for {label}"
        bars[label] = patch.get_width()
    return bars


def assert_bars_are_the_column(fig, table, column: str) -> None:
    columns, rows = table
    c = columns.index(column)
    expected = {r[0]: r[c] for r in rows if r[0] != "合计" and r[c] != NOT_REPORTED}
    bars = bars_of(fig)
    assert set(bars) == set(expected)
    for name, value in bars.items():
        number, tolerance = printed_number(expected[name])
        assert abs(value - number) <= tolerance, (column, name, value, expected[name])


# ---- the rollup --------------------------------------------------------------------------------

HEADLINE = [i.key for i in headline_indicators()]


def _entry(county, year, name, values: dict) -> Entry:
    return Entry(county, year, name, INCLUDED, "", {k: Decimal(v) for k, v in values.items()})


def _values(base: int, leave_out=()) -> dict:
    values = {"key_evaluations.objects": base % 7 + 1, "key_evaluations.amount": f"{base / 100:.2f}", "target_reviews.projects": base + 3,
              "target_reviews.amount": base * 10 + 0.5, "self_evaluations.projects": base * 2, "results.budget_cut": base + 0.25,
              "trainings.sessions": 2, "trainings.attendees": base * 3 + 1, "key_evaluations.reports": 1, "key_evaluations.withheld": 0}
    return {k: v for k, v in values.items() if k not in leave_out}


@pytest.fixture
def uneven() -> Collection:
    """甲县 reports only 2023 and no 目标审核项目; 乙县 and 丙县 both years: a county absent from a year
    or a panel must not move the years or the other counties' colours."""
    entries = [
        _entry("jia", 2023, "甲县", _values(46, leave_out=("target_reviews.projects",))),
        Entry("jia", 2022, "甲县", rollup.MISSING, "未找到已生成的报告"),
        _entry("yi", 2022, "乙县", _values(210)),
        _entry("yi", 2023, "乙县", _values(235)),
        _entry("bing", 2022, "丙县", _values(80)),
        _entry("bing", 2023, "丙县", _values(95, leave_out=("trainings.attendees", "trainings.sessions"))),
    ]
    return Collection(entries, [2022, 2023])


def _drawn_rollup(monkeypatch, collection):
    drawn = capture(monkeypatch, rollup_charts)
    charts = rollup_charts.draw_rollup_charts(collection)
    return drawn, rollup.build_document(collection, charts)


def test_trend_chart_lines_are_the_trend_table_whoever_is_missing(monkeypatch, uneven):
    drawn, document = _drawn_rollup(monkeypatch, uneven)
    columns, rows = table_ending(document, "主要指标")
    assert_lines_are_the_trend_table(drawn["trends"], columns, rows)


def test_rollup_bar_charts_are_their_table_columns(monkeypatch, uneven):
    drawn, document = _drawn_rollup(monkeypatch, uneven)
    assert_bars_are_the_column(drawn["key_evaluations"], table_ending(document, "重点绩效评价"), "重点评价资金（亿元）")
    assert_bars_are_the_column(drawn["funds"], table_ending(document, "绩效目标审核、评价和结果应用资金"), "目标审核金额（万元）")
    assert_bars_are_the_column(drawn["trainings"], table_ending(document, "培训和真实性核查"), "培训（人次）")
    assert "丙县" not in bars_of(drawn["trainings"])  # not reported: no bar, not a bar of 0


def test_a_prefecture_of_eleven_counties_keeps_each_line_told_apart(monkeypatch):
    """More counties than colours: each county's colour and marker are its own in every panel and the legend."""
    names = "甲乙丙丁戊己庚辛壬癸子"
    entries = [_entry(f"c{i}", y, f"{n}县", _values(10 * i + y - 2000)) for i, n in enumerate(names) for y in (2022, 2023)]
    drawn, document = _drawn_rollup(monkeypatch, Collection(entries, [2022, 2023]))
    columns, rows = table_ending(document, "主要指标")
    assert_lines_are_the_trend_table(drawn["trends"], columns, rows)
    assert len(legend_styles(drawn["trends"])) == 11


def test_the_check_catches_a_line_drawn_with_another_countys_colour(monkeypatch, uneven):
    """The read-back itself fails on a chart whose colours do not follow the legend."""
    drawn, document = _drawn_rollup(monkeypatch, uneven)
    fig = drawn["trends"]
    first, second = fig.axes[0].get_lines()[:2]
    colour = first.get_color()
    first.set_color(second.get_color())
    second.set_color(colour)
    columns, rows = table_ending(document, "主要指标")
    with pytest.raises(AssertionError):
        assert_lines_are_the_trend_table(fig, columns, rows)


def test_monitoring_chart_is_the_monitoring_table(monkeypatch):
    months = {"2023-05": ("0.42", "0.4166666667"), "2023-08": ("0.6", "0.6666666667")}
    values = {**_values(50)}
    for month, (progress, schedule) in months.items():
        values |= {f"monitoring.{month}.progress": progress, f"monitoring.{month}.schedule": schedule,
                   f"monitoring.{month}.projects": 3, f"monitoring.{month}.amount": 100}
    collection = Collection([_entry("yi", 2023, "乙县", values), _entry("jia", 2023, "甲县", _values(20))], [2023])
    drawn, document = _drawn_rollup(monkeypatch, collection)
    columns, rows = table_ending(document, "项目绩效监控执行进度")
    fig = drawn["monitoring"]
    ax = fig.axes[0]
    ticks = tick_labels(ax, "y")
    table = {r[0] + r[1]: r for r in rows if r[1] != "未报告"}
    bars = bars_of(fig)
    assert set(bars) == set(table)
    for name, value in bars.items():
        number, tolerance = printed_number(table[name][columns.index("执行进度")])
        assert abs(value - number) <= tolerance
    marks = {at(ticks, y): x for x, y in ax.collections[0].get_offsets()}
    for name, value in marks.items():
        number, tolerance = printed_number(table[name][columns.index("序时进度")])
        assert abs(value - number) <= tolerance
    legend = legend_styles(fig)
    assert legend[hex_of(ax.patches[0].get_facecolor()), None] == "预算执行进度"
    assert legend[hex_of(ax.collections[0].get_facecolor()[0]), None] == "序时进度"


@pytest.fixture(scope="module")
def sample_rollup(tmp_path_factory):
    """The sample rollup's project: the illustrative counties' reports (ledgers written as a run does)."""
    from conftest import ROOT

    from perflib.ledger import write_figures_csv
    from perflib.params import load_params
    from perflib.pipeline import make_report

    root = tmp_path_factory.mktemp("sample")
    (root / "params").mkdir()
    shutil.copy(ROOT / "params" / "rollup.yaml", root / "params" / "rollup.yaml")
    declared = rollup.load_rollup_params(ROOT)
    reports = {}
    for county in declared.counties:
        shutil.copytree(ROOT / "params" / county, root / "params" / county)
        shutil.copytree(ROOT / "data" / county, root / "data" / county)
        for year in declared.years:
            report = make_report(load_params(county, year, root))
            out = root / "outputs" / county / str(year)
            out.mkdir(parents=True)
            write_figures_csv(report.ledger, out)
            reports[county, year] = report
    return root, reports


def test_sample_rollup_charts_are_their_tables(monkeypatch, sample_rollup):
    root, _ = sample_rollup
    collection = rollup.collect(root)
    assert len(collection.included) == 6
    drawn, document = _drawn_rollup(monkeypatch, collection)
    columns, rows = table_ending(document, "主要指标")
    assert columns[2:] == ("2022年", "2023年")
    assert_lines_are_the_trend_table(drawn["trends"], columns, rows)
    assert_bars_are_the_column(drawn["funds"], table_ending(document, "绩效目标审核、评价和结果应用资金"), "目标审核金额（万元）")
    assert_bars_are_the_column(drawn["trainings"], table_ending(document, "培训和真实性核查"), "培训（人次）")


# ---- the annual report's multi-year chart ------------------------------------------------------

def test_report_history_chart_is_its_appendix_table(monkeypatch, sample_rollup):
    """Each panel of the report's multi-year chart is a row of its 近年主要指标 table: one bar per
    year the table prints a value for, of that value, the years ascending."""
    _, reports = sample_rollup
    checked = 0
    for (county, year), report in reports.items():
        if not report.figures.lists.get("yoy.years"):
            continue
        drawn = capture(monkeypatch, report_charts)
        report_charts.history_chart(report.figures, report.document.printer)
        fig = drawn["history"]
        columns, rows = table_ending(report.document, "近年预算绩效管理主要指标")
        years = [c.removesuffix("年") for c in columns if c.endswith("年") and c[:4].isdigit()]
        assert len(rows) == len(MAIN_INDICATORS)  # one row per main indicator, in their order
        by_title = {i.title: dict(zip(years, row[1:1 + len(years)])) for i, row in zip(MAIN_INDICATORS, rows)}
        for indicator, row in zip(MAIN_INDICATORS, rows):
            assert all(cell == NOT_REPORTED or cell.endswith(indicator.unit) for cell in row[1:1 + len(years)]), (indicator, row)
        for ax in fig.axes:
            ticks = tick_labels(ax)
            assert [label for _, label in sorted(ticks.items())] == years
            bars = {at(ticks, p.get_x() + p.get_width() / 2): p.get_height() for p in ax.patches}
            row = by_title[ax.get_title()]
            assert set(bars) == {y for y, cell in row.items() if cell != NOT_REPORTED}
            for y, height in bars.items():
                number, tolerance = printed_number(row[y].removesuffix(next(i.unit for i in MAIN_INDICATORS if i.title == ax.get_title())))
                assert abs(height - number) <= tolerance, (county, year, ax.get_title(), y, height, row[y])
            checked += 1
    assert checked >= 12  # three counties' 2023 reports, every panel
