"""Charts (matplotlib): monitoring progress against 序时进度, key-evaluation funds by type.

Chinese text is set in Noto Sans CJK SC, which the ``mplfonts`` package installs with perflib,
so charts read the same on every machine. Output is deterministic: no dates in the files, a fixed
SVG hash salt, glyphs as paths (an SVG needs no font on the reader's machine).
"""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from .document import Chart  # noqa: E402
from .figures import Figures  # noqa: E402
from .formatting import Printer  # noqa: E402
from .indicators import headline_indicators  # noqa: E402

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
PRINT_DPI = 300
STYLE = {
    "svg.hashsalt": "perflib",
    "svg.fonttype": "path",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,
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
    png, svg = io.BytesIO(), io.StringIO()
    fig.savefig(png, format="png", dpi=PRINT_DPI, metadata={"Software": None}, bbox_inches="tight")
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    return Chart(key, caption, png.getvalue(), svg.getvalue())


def monitoring_chart(figures: Figures, printer: Printer) -> Chart:
    """Execution progress of each monitoring batch beside 序时进度 at its as-of date."""
    batches = figures.lists["monitoring.batches"]
    labels = [f"{b['label']}（截至{b['as_of'].month}月{b['as_of'].day}日）" for b in batches]
    progress = [float(b["progress"].value * 100) for b in batches]
    schedule = [float(b["schedule"].value * 100) for b in batches]
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    x = range(len(batches))
    ax.bar([i - 0.18 for i in x], progress, width=0.36, label="预算执行进度", color="#b22222")
    ax.bar([i + 0.18 for i in x], schedule, width=0.36, label="序时进度", color="#9e9e9e")
    for i, b in enumerate(batches):
        ax.annotate(printer(b["progress"]), (i - 0.18, progress[i]), ha="center", va="bottom", fontsize=9)
        ax.annotate(printer(b["schedule"]), (i + 0.18, schedule[i]), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("%")
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, loc="upper left")
    ax.set_title("项目绩效监控：预算执行进度与序时进度")
    return save_chart(fig, "monitoring_progress", "图2　项目绩效监控预算执行进度与序时进度")


def evaluation_funds_chart(figures: Figures, printer: Printer) -> Chart:
    """Key-evaluation funds (万元) by evaluation type, in the report's order of types."""
    funds = figures.lists["key_evaluations.funds_by_type"][::-1]
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    values = [float(amount.value) for _, amount in funds]
    ax.barh([kind for kind, _ in funds], values, color="#b22222")
    for i, (_, amount) in enumerate(funds):
        if amount.value:
            ax.annotate(printer(amount), (values[i], i), va="center", ha="left", fontsize=9,
                        xytext=(3, 0), textcoords="offset points")
    ax.set_xlabel("万元")
    ax.set_xlim(0, max(values + [1.0]) * 1.25)
    ax.set_title("重点绩效评价资金按评价类型")
    return save_chart(fig, "evaluation_funds", "图1　重点绩效评价资金按评价类型分布")


def history_chart(figures: Figures, printer: Printer) -> Chart:
    """The county's main indicators over the years (perflib.history), one panel each; the panel
    title carries the unit, so the bars are labelled with the number alone."""
    years = figures.lists["yoy.years"]
    labels = [str(year) for year, _ in years]
    fig, axes = plt.subplots(2, 3, figsize=(7.2, 4.4))
    for ax, indicator in zip(axes.flat, headline_indicators(f for _, f in years)):
        values = [float(f[indicator.key].value) for _, f in years]
        ax.bar(labels, values, color=["#9e9e9e"] * (len(values) - 1) + ["#b22222"], width=0.6)
        for i, (_, f) in enumerate(years):
            ax.annotate(printer.number(f[indicator.key]), (i, values[i]), ha="center", va="bottom", fontsize=8)
        ax.set_title(indicator.title, fontsize=9)
        ax.set_ylim(0, max(values + [1.0]) * 1.25)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    return save_chart(fig, "history", f"图3　{labels[0]}年至{labels[-1]}年主要指标")


def _what_each_chart_shows(figures: Figures, printer: Printer) -> dict[str, tuple]:
    """Everything each chart is drawn from (values and printed labels), by chart."""
    shown = {
        "evaluation_funds": tuple((kind, a.value, printer(a)) for kind, a in figures.lists["key_evaluations.funds_by_type"]),
        "monitoring_progress": tuple((b["label"], b["as_of"], b["progress"].value, printer(b["progress"]),
                                      b["schedule"].value, printer(b["schedule"])) for b in figures.lists["monitoring.batches"]),
    }
    if figures.lists.get("yoy.years"):  # only with the previous year's data (perflib.history)
        shown["history"] = tuple((year, tuple((i.key, f[i.key].value, printer(f[i.key])) for i in headline_indicators(f for _, f in figures.lists["yoy.years"])))
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
