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

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
PRINT_DPI = 300
STYLE = {
    "svg.hashsalt": "perflib",
    "svg.fonttype": "path",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,
    # Figures are made at print resolution: the layout (tight_layout, the tight box) and the PNG
    # then measure text with one renderer, whose text extents matplotlib caches.
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


def _save(fig, key: str, caption: str) -> Chart:
    """The chart as PNG (print resolution) and SVG, each cut to the drawing plus
    ``savefig.pad_inches`` all round, like ``savefig(bbox_inches="tight")``.

    The figure is drawn once at print resolution; the drawing gives the box (the extent of what
    was drawn) and, cut to it, the PNG; the SVG is drawn once in the same box.
    ``savefig(bbox_inches="tight")`` per format drew every figure four times (a layout pass and
    a drawing per format) and measured every text twice more for the box."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    original_dpi = fig.dpi
    fig.set_dpi(PRINT_DPI)
    png = None
    try:
        for margin in DRAW_MARGINS:
            png, box = _draw_and_cut(fig, canvas, margin)
            if png is not None:
                break
    finally:
        fig.set_dpi(original_dpi)
    if png is None:  # drawn past the margin too, or nothing drawn: matplotlib's own box
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=PRINT_DPI, metadata={"Software": None}, bbox_inches="tight",
                    pil_kwargs=PNG_OPTIONS)
        png = buffer.getvalue()
        box = "tight"
    svg = io.StringIO()
    fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches=box)
    plt.close(fig)
    return Chart(key, caption, png, svg.getvalue())


def _draw_and_cut(fig, canvas, margin: float):
    """Draw ``fig`` at print resolution with ``margin`` inches all round (the way savefig draws a
    box, so text reaching past the figure's edge is drawn); the PNG cut to what was drawn plus
    ``savefig.pad_inches``, and that box in inches. (None, None) when the drawing reaches the
    margin's edge (a wider margin is needed) or nothing was drawn."""
    import numpy as np
    from matplotlib.transforms import Bbox

    try:
        from matplotlib import _tight_bbox  # what savefig uses to draw a box
    except ImportError:  # pragma: no cover - another matplotlib: savefig's own way
        return None, None
    drawn = fig.bbox_inches.padded(margin)
    restore = _tight_bbox.adjust_bbox(fig, drawn, None, None)
    try:
        canvas.draw()
        pixels = np.asarray(canvas.buffer_rgba())
    finally:
        restore()
    background = np.asarray(matplotlib.colors.to_rgba(fig.get_facecolor())) * 255
    opaque = np.array(np.round(background), dtype=np.uint8).view(np.uint32)[0]
    ink = pixels.view(np.uint32)[..., 0] != opaque
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    height, width = pixels.shape[:2]
    if not rows.size or rows[0] == 0 or columns[0] == 0 or rows[-1] == height - 1 or columns[-1] == width - 1:
        return None, None
    pad = round(matplotlib.rcParams["savefig.pad_inches"] * PRINT_DPI)
    top, bottom, left, right = rows[0] - pad, rows[-1] + 1 + pad, columns[0] - pad, columns[-1] + 1 + pad
    box = Bbox([[drawn.x0 + left / PRINT_DPI, drawn.y0 + (height - bottom) / PRINT_DPI],
                [drawn.x0 + right / PRINT_DPI, drawn.y0 + (height - top) / PRINT_DPI]])
    return _png(_cut(pixels, top, bottom, left, right, background)), box


# Lossless either way; level 1 encodes a 300 dpi chart in about half the time of zlib's default,
# for files a little larger. Opaque figures are written without an alpha channel.
PNG_OPTIONS = {"compress_level": 1}
DRAW_MARGINS = (0.5, 2.0)  # inches drawn round the figure, for text that reaches past its edge


def _cut(pixels, top: int, bottom: int, left: int, right: int, background):
    """``pixels[top:bottom, left:right]`` as RGB, the background where the box passes the edge."""
    import numpy as np

    height, width = pixels.shape[:2]
    cut = np.empty((bottom - top, right - left, 3), dtype=np.uint8)
    cut[...] = np.round(background[:3]).astype(np.uint8)
    inside = pixels[max(top, 0):min(bottom, height), max(left, 0):min(right, width), :3]
    cut[max(0, -top):max(0, -top) + inside.shape[0], max(0, -left):max(0, -left) + inside.shape[1]] = inside
    return cut


def _png(rgb) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    # As matplotlib writes it (pHYs at the print resolution, no Software text), without the alpha channel.
    Image.fromarray(rgb, "RGB").save(buffer, format="png", dpi=(PRINT_DPI, PRINT_DPI), **PNG_OPTIONS)
    return buffer.getvalue()


def monitoring_chart(figures: Figures) -> Chart:
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
        ax.annotate(b["progress"].printed, (i - 0.18, progress[i]), ha="center", va="bottom", fontsize=9)
        ax.annotate(b["schedule"].printed, (i + 0.18, schedule[i]), ha="center", va="bottom", fontsize=9)
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("%")
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, loc="upper left")
    ax.set_title("项目绩效监控：预算执行进度与序时进度")
    return _save(fig, "monitoring_progress", "图2　项目绩效监控预算执行进度与序时进度")


def evaluation_funds_chart(figures: Figures) -> Chart:
    """Key-evaluation funds (万元) by evaluation type, in the report's order of types."""
    funds = figures.lists["key_evaluations.funds_by_type"][::-1]
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    values = [float(amount.value) for _, amount in funds]
    ax.barh([kind for kind, _ in funds], values, color="#b22222")
    for i, (_, amount) in enumerate(funds):
        if amount.value:
            ax.annotate(amount.printed, (values[i], i), va="center", ha="left", fontsize=9,
                        xytext=(3, 0), textcoords="offset points")
    ax.set_xlabel("万元")
    ax.set_xlim(0, max(values + [1.0]) * 1.25)
    ax.set_title("重点绩效评价资金按评价类型")
    return _save(fig, "evaluation_funds", "图1　重点绩效评价资金按评价类型分布")


# 与上年对比: the figures the multi-year chart shows, one small panel each (figure name, panel title).
HISTORY_PANELS = (
    ("key_evaluations.objects", "重点评价对象（个）"),
    ("key_evaluations.amount", "重点评价资金（亿元）"),
    ("target_reviews.projects", "目标审核项目（个）"),
    ("self_evaluations.projects", "自评项目（个）"),
    ("trainings.attendees", "培训（人次）"),
    ("results.budget_cut", "结果应用调减资金（万元）"),
)


def history_chart(figures: Figures) -> Chart:
    """The county's main figures over the years (perflib.yoy), one panel per figure."""
    years = figures.lists["yoy.years"]
    labels = [str(year) for year, _ in years]
    fig, axes = plt.subplots(2, 3, figsize=(7.2, 4.4))
    for ax, (key, title) in zip(axes.flat, HISTORY_PANELS):
        values = [float(f[key].value) for _, f in years]
        ax.bar(labels, values, color=["#9e9e9e"] * (len(values) - 1) + ["#b22222"], width=0.6)
        for i, (_, f) in enumerate(years):
            ax.annotate(f[key].printed.replace("亿元", "").replace("万元", "").replace("人次", "").replace("个", ""),
                        (i, values[i]), ha="center", va="bottom", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.set_ylim(0, max(values + [1.0]) * 1.25)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    return _save(fig, "history", f"图3　{labels[0]}年至{labels[-1]}年主要指标")


def _what_each_chart_shows(figures: Figures) -> dict[str, tuple]:
    """Everything each chart is drawn from (values and printed labels), by chart."""
    shown = {
        "evaluation_funds": tuple((kind, a.value, a.printed) for kind, a in figures.lists["key_evaluations.funds_by_type"]),
        "monitoring_progress": tuple((b["label"], b["as_of"], b["progress"].value, b["progress"].printed,
                                      b["schedule"].value, b["schedule"].printed) for b in figures.lists["monitoring.batches"]),
    }
    if figures.lists.get("yoy.years"):  # only with the previous year's data (perflib.yoy)
        shown["history"] = tuple((year, tuple((key, f[key].value, f[key].printed) for key, _ in HISTORY_PANELS))
                                 for year, f in figures.lists["yoy.years"])
    return shown


DRAW = {"evaluation_funds": evaluation_funds_chart, "monitoring_progress": monitoring_chart, "history": history_chart}
_drawn: dict[tuple, Chart] = {}  # (chart, what it shows, matplotlib settings) -> Chart, in this process


def draw_charts(figures: Figures) -> dict[str, Chart]:
    """Every chart of the report, by the name the outline places it under.

    A chart whose data and matplotlib settings are those of a chart already drawn in this process
    is that chart (matplotlib's output is deterministic): re-running the notebook in JupyterLab
    redraws only what changed."""
    use_cjk_font()
    charts = {}
    with matplotlib.rc_context(STYLE):
        settings = repr(sorted(matplotlib.rcParams.items()))
        for key, shown in _what_each_chart_shows(figures).items():
            if (key, shown, settings) not in _drawn:
                if len(_drawn) > 64:
                    _drawn.clear()
                _drawn[key, shown, settings] = DRAW[key](figures)
            charts[key] = _drawn[key, shown, settings]
    return charts
