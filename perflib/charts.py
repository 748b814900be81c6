"""Charts (matplotlib): monitoring progress against 序时进度, key-evaluation funds by type.

Chinese text is set in Noto Sans CJK SC, which the ``mplfonts`` package installs with perflib,
so charts read the same on every machine. Output is deterministic: no dates in the files, a fixed
SVG hash salt, glyphs as paths (an SVG needs no font on the reader's machine).
"""
from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from . import formatting as fmt  # noqa: E402
from .document import Chart  # noqa: E402
from .figures import Figures  # noqa: E402
from .formatting import Printer  # noqa: E402
from .indicators import indicators_over_years  # noqa: E402

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
PRINT_DPI = 300
STYLE = {
    "svg.hashsalt": "perflib",
    "svg.fonttype": "path",
    "font.size": 10,  # TEXT_PT
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,
    # Figures are made at print resolution, so that tight_layout measures text as the PNG draws it.
    "figure.dpi": PRINT_DPI,
}


def cjk_font_path() -> Path:
    """The CJK font shipped by mplfonts."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / CJK_FONT_FILE
    if not path.exists():
        raise FileNotFoundError(f"找不到中文字体 {path}；请重新安装（make report 会自动安装 mplfonts）。")
    return path


def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and make it the default; returns its family name."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = [family]
    return family


def save_chart(fig, key: str, caption: str) -> Chart:
    """The chart as PNG (print resolution) and SVG, each cut to the drawing plus
    ``savefig.pad_inches`` all round (``bbox_inches="tight"``), with no date or software
    version in either file (the same inputs give the same bytes)."""
    png, svg = io.BytesIO(), io.StringIO()
    fig.savefig(png, format="png", dpi=PRINT_DPI, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return Chart(key, caption, png.getvalue(), svg.getvalue())


# Print size: charts are drawn at the width they print at (never enlarged in Word, at most
# layout figure.width_mm), so a font size here is the printed size; 10 pt and more reads on paper
# and, the SVG shrinking to a 390 px phone screen by about 0.8, still at about 11 px there.
WIDTH_IN = 4.6
TEXT_PT = 10


def monitoring_chart(figures: Figures, printer: Printer) -> Chart:
    """Execution progress of each monitoring batch beside 序时进度 at its as-of date, both in the
    precision of the report's percentages (the text prints the progress; 序时进度 follows it)."""
    batches = figures.lists["monitoring.batches"]
    decimals = min((printer.decimals_of(b["progress"]) for b in batches), default=printer.settings.percent_decimals)
    labels = [f"{b['label']}\n（截至{b['as_of'].month}月{b['as_of'].day}日）" for b in batches]
    progress = [float(b["progress"].value * 100) for b in batches]
    schedule = [float(b["schedule"].value * 100) for b in batches]
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.0))
    x = range(len(batches))
    ax.bar([i - 0.18 for i in x], progress, width=0.36, label="预算执行进度", color="#b22222")
    ax.bar([i + 0.18 for i in x], schedule, width=0.36, label="序时进度", color="#9e9e9e")
    for i, b in enumerate(batches):
        for offset, value in ((-0.18, b["progress"].value), (0.18, b["schedule"].value)):
            ax.annotate(fmt.fmt_percent(value, decimals), (i + offset, float(value * 100)), ha="center", va="bottom",
                        fontsize=TEXT_PT)
    ax.set_xticks(list(x), labels)
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.fmt_number(Decimal(str(v)), decimals, False) + "%"))
    ax.legend(frameon=False, loc="upper left", ncols=2)
    return save_chart(fig, "monitoring_progress", "项目绩效监控预算执行进度与序时进度")


def evaluation_funds_chart(figures: Figures, printer: Printer) -> Chart:
    """Key-evaluation funds (万元) by evaluation type, in the report's order of types; types
    without funds are left out (the text lists them with their zero count)."""
    funds = [(kind, amount) for kind, amount in figures.lists["key_evaluations.funds_by_type"][::-1] if amount.value]
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.9 + 0.45 * max(len(funds), 1)))
    values = [float(amount.value) for _, amount in funds]
    decimals = max([printer.decimals_of(a) for _, a in funds] + [0])
    ax.barh([kind for kind, _ in funds], values, color="#b22222", height=0.6)
    for i, (_, amount) in enumerate(funds):
        ax.annotate(printer.number(amount), (values[i], i), va="center", ha="left", fontsize=TEXT_PT,
                    xytext=(3, 0), textcoords="offset points")
    ax.set_xlabel("万元")
    ax.set_xlim(0, max(values + [1.0]) * 1.3)
    ax.xaxis.set_major_locator(MaxNLocator(4, integer=decimals == 0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.fmt_number(Decimal(str(v)), decimals, True)))
    return save_chart(fig, "evaluation_funds", "重点绩效评价资金按评价类型分布")


def history_chart(figures: Figures, printer: Printer) -> Chart:
    """The county's main indicators over the years (perflib.history), one panel each, the unit in
    the panel's title and the bars labelled with the number alone; each panel's ticks in the
    precision and separators of its labels."""
    years = figures.lists["yoy.years"]
    labels = [str(year) for year, _ in years]
    indicators = indicators_over_years(f for _, f in years)
    rows = (len(indicators) + 1) // 2  # only the panels it has: 2 columns, as many rows as needed
    fig, axes = plt.subplots(rows, 2 if len(indicators) > 1 else 1, figsize=(WIDTH_IN, 5.6 * rows / 3 if rows > 1 else 2.2), squeeze=False)
    for ax in list(axes.flat)[len(indicators):]:
        fig.delaxes(ax)  # an odd number of panels: no empty frame beside the last
    for ax, indicator in zip(axes.flat, indicators):
        key, title = indicator.key, indicator.title
        having = [(i, f[key]) for i, (_, f) in enumerate(years) if key in f]  # a year without the part has no bar
        values = [float(figure.value) for _, figure in having]
        decimals = max(printer.decimals_of(figure) for _, figure in having)
        thousands = printer.settings.thousands_separator
        ax.bar([i for i, _ in having], values, color=["#b22222" if i == len(years) - 1 else "#9e9e9e" for i, _ in having], width=0.6)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_xlim(-0.6, len(labels) - 0.4)
        for (i, figure), value in zip(having, values):
            ax.annotate(printer.number(figure), (i, value), ha="center", va="bottom", fontsize=TEXT_PT)
        for i in sorted(set(range(len(years))) - {i for i, _ in having}):
            ax.annotate("未报告", (i, 0), ha="center", va="bottom", fontsize=TEXT_PT, color="#9e9e9e")
        ax.set_title(title, fontsize=TEXT_PT)
        ax.set_ylim(0, max(values + [1.0]) * 1.3)
        ax.yaxis.set_major_locator(MaxNLocator(3, integer=decimals == 0))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _, d=decimals, t=thousands: fmt.fmt_number(Decimal(str(v)), d, t)))
        ax.tick_params(labelsize=TEXT_PT)
    fig.tight_layout(h_pad=0.8, w_pad=1.0)
    return save_chart(fig, "history", f"{labels[0]}年至{labels[-1]}年主要指标")


def _what_each_chart_shows(figures: Figures, printer: Printer) -> dict[str, tuple]:
    """Everything each chart is drawn from (values and printed labels), by chart."""
    shown = {
        "evaluation_funds": tuple((kind, a.value, printer(a)) for kind, a in figures.lists["key_evaluations.funds_by_type"]),
        "monitoring_progress": tuple((b["label"], b["as_of"], b["progress"].value, printer(b["progress"]),
                                      b["schedule"].value, printer(b["schedule"])) for b in figures.lists["monitoring.batches"]),
    }
    if figures.lists.get("yoy.years"):  # only with the previous year's data (perflib.history)
        indicators = indicators_over_years(f for _, f in figures.lists["yoy.years"])
        if indicators:
            shown["history"] = tuple((year, tuple((i.key, f[i.key].value, printer(f[i.key])) for i in indicators if i.key in f))
                                     for year, f in figures.lists["yoy.years"])
    return shown


DRAW = {"evaluation_funds": evaluation_funds_chart, "monitoring_progress": monitoring_chart, "history": history_chart}
_drawn: dict[tuple, Chart] = {}  # (chart, what it shows, matplotlib settings) -> Chart, in this process


def draw_charts(figures: Figures, printer: Printer) -> dict[str, Chart]:
    """Every chart of the report, by the name the outline places it under.

    A chart whose data and matplotlib settings are those of a chart already drawn in this process
    is that chart (matplotlib's output is deterministic): re-running the notebook in JupyterLab
    redraws only what changed."""
    use_cjk_font()
    charts = {}
    with matplotlib.rc_context(STYLE):
        settings = repr(sorted(matplotlib.rcParams.items()))
        for key, shown in _what_each_chart_shows(figures, printer).items():
            if (key, shown, settings) not in _drawn:
                if len(_drawn) > 64:
                    _drawn.clear()
                _drawn[key, shown, settings] = DRAW[key](figures, printer)
            charts[key] = _drawn[key, shown, settings]
    return charts
