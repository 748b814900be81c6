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
from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag  # noqa: E402
from matplotlib.backends.backend_mixed import MixedModeRenderer  # noqa: E402
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402

try:  # matplotlib 3.10 and later (before, the shared layouts are not used: SHARED_LAYOUTS)
    from matplotlib.ft2font import LoadFlags  # noqa: E402
except ImportError:  # pragma: no cover - older matplotlib
    LoadFlags = None
from matplotlib.textpath import TextToPath  # noqa: E402

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


def save_chart(fig, key: str, caption: str) -> Chart:
    """The chart as PNG (print resolution) and SVG, each cut to the drawing plus
    ``savefig.pad_inches`` all round, like ``savefig(bbox_inches="tight")``.

    The figure is drawn once at print resolution; the drawing gives the box (the extent of what
    was drawn) and, cut to it, the PNG, which is cut and written on a second thread (Pillow's
    crop and conversion, numpy and zlib release the GIL) while the SVG is drawn once in the same
    box; both drawings shape each line of text once (see _AggRenderer).
    ``savefig(bbox_inches="tight")`` per format drew every figure four times (a layout pass and
    a drawing per format) and measured every text twice more for the box."""
    original_dpi = fig.dpi
    fig.set_dpi(PRINT_DPI)
    cut = None
    try:
        for margin in DRAW_MARGINS:
            cut, box = _draw_and_cut(fig, margin)
            if cut is not None:
                break
    finally:
        fig.set_dpi(original_dpi)
    if cut is None:  # drawn past the margin too, or nothing drawn: matplotlib's own box
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=PRINT_DPI, metadata={"Software": None}, bbox_inches="tight",
                    pil_kwargs=PNG_OPTIONS)
        png = _ready(buffer.getvalue())
        box = "tight"
    else:
        png = _encoder().submit(lambda: _png(_cut(*cut)))
    svg, canvas = io.StringIO(), fig.canvas
    if SHARED_LAYOUTS:
        _SvgCanvas(fig)  # the figure's canvas until set back
    try:
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches=box)
    finally:
        fig.set_canvas(canvas)
    plt.close(fig)
    return Chart(key, caption, png.result(), svg.getvalue())


_ENCODER: dict[int, object] = {}  # process id -> its one worker thread for PNG encoding, started on first use


def _encoder():
    """This process's encoding thread. A forked child has none (threads do not survive a fork,
    and a pool inherited from the parent would wait for ever), so it starts its own."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    pid = os.getpid()
    if pid not in _ENCODER:
        _ENCODER.clear()
        _ENCODER[pid] = ThreadPoolExecutor(1, thread_name_prefix="perflib-png")
    return _ENCODER[pid]


def _ready(value):
    from concurrent.futures import Future

    future = Future()
    future.set_result(value)
    return future


def _draw_and_cut(fig, margin: float):
    """Draw ``fig`` at print resolution with ``margin`` inches all round (the way savefig draws a
    box, so text reaching past the figure's edge is drawn); the image cut to what was drawn plus
    ``savefig.pad_inches`` (as the arguments of ``_cut``: the drawing's own buffer, which
    nothing draws into again), and that box in inches. (None, None) when the drawing reaches the
    margin's edge (a wider margin is needed) or nothing was drawn."""
    import numpy as np
    from matplotlib.transforms import Bbox

    try:
        from matplotlib import _tight_bbox  # what savefig uses to draw a box
    except ImportError:  # pragma: no cover - another matplotlib: savefig's own way
        return None, None
    drawn = fig.bbox_inches.padded(margin)
    restore = _tight_bbox.adjust_bbox(fig, drawn, None, None)
    try:  # as FigureCanvasAgg.draw does
        width, height = (int(size) for size in fig.bbox.max)
        renderer = (_AggRenderer if SHARED_LAYOUTS else RendererAgg)(width, height, fig.dpi)
        renderer.clear()
        fig.draw(renderer)
        pixels = np.asarray(renderer.buffer_rgba())
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
    return (pixels, top, bottom, left, right, background), box


# Lossless either way; level 1 encodes a 300 dpi chart in about half the time of zlib's default,
# for files a little larger. Opaque figures are written without an alpha channel.
PNG_OPTIONS = {"compress_level": 1}
DRAW_MARGINS = (0.5, 2.0)  # inches drawn round the figure, for text that reaches past its edge


def _cut(pixels, top: int, bottom: int, left: int, right: int, background):
    """``pixels[top:bottom, left:right]`` in RGB (a contiguous array), the background where the
    box passes the edge."""
    import numpy as np
    from PIL import Image

    height, width = pixels.shape[:2]
    if top >= 0 and left >= 0 and bottom <= height and right <= width:  # the usual case: Pillow crops in C
        image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1)
        return np.asarray(image.crop((left, top, right, bottom)).convert("RGB"))
    cut = np.empty((bottom - top, right - left, 3), dtype=np.uint8)
    cut[...] = np.round(background[:3]).astype(np.uint8)
    inside = pixels[max(top, 0):min(bottom, height), max(left, 0):min(right, width), :3]
    cut[max(0, -top):max(0, -top) + inside.shape[0], max(0, -left):max(0, -left) + inside.shape[1]] = inside
    return cut


def _png(rgb) -> bytes:
    """An RGB array as PNG, as matplotlib writes it (pHYs at the print resolution, no Software
    text) without the alpha channel. Every row is filtered by its difference from the row above
    (PNG filter "Up"), in numpy: Pillow tries each filter on every row, which took longer than
    drawing the SVG. Both release the GIL, as zlib does."""
    import struct
    import zlib

    import numpy as np

    height, width = rgb.shape[:2]
    rgb = rgb.reshape(height, 3 * width)
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 2  # filter type "Up"
    rows[0, 1:] = rgb[0]
    np.subtract(rgb[1:], rgb[:-1], out=rows[1:, 1:])  # modulo 256, as PNG defines it

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    per_metre = round(PRINT_DPI / 0.0254)
    return b"".join([b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
                     chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
                     chunk(b"IDAT", zlib.compress(rows, PNG_OPTIONS["compress_level"])), chunk(b"IEND", b"")])


# Matplotlib 3.11 shapes each line of text twice in a drawing: to measure it (FT2Font.set_text)
# and to draw it (FT2Font._layout); shaping with the CJK font (libraqm and HarfBuzz, set up anew
# for every call) is much of a chart's cost. The renderers below shape each line once: its size
# is read from the layout that is then drawn, the same numbers as set_text's (the tests draw the
# charts both ways and compare the bytes). They also answer Text._get_layout's question for the
# font's ascent and descent (renderer._get_font_height_metrics) from one reading per drawing.
# They use matplotlib internals (FT2Font._layout, RendererAgg._prepare_font and
# _draw_text_glyphs_and_boxes, TextToPath._get_font and _get_glyph_repr, ft2font.LoadFlags,
# FontManager._find_fonts_by_props); where these are missing, save_chart draws with matplotlib's
# own renderers.

SHARED_LAYOUTS = LoadFlags is not None and all(hasattr(owner, name) for owner, name in (
    (FT2Font, "_layout"), (RendererAgg, "_prepare_font"), (RendererAgg, "_draw_text_glyphs_and_boxes"),
    (TextToPath, "_get_font"), (TextToPath, "_get_glyph_repr"), (font_manager.FontManager, "_find_fonts_by_props")))


def _line_size(items, flags, size: tuple) -> tuple[int, int, int]:
    """Width (the advance), height and descent of a laid-out line in 26.6 pixels, as
    FT2Font.set_text gives them: the glyphs' extent above and below the baseline. ``size`` is
    the font's (points, dpi)."""
    if not items:
        return 0, 0, 0
    ys = []
    for item in items:
        bottom, top, advance = _glyph_metrics(item.ft_object, item.glyph_index, flags, size)
        shift = round(item.y * 64)
        ys += (bottom + shift, top + shift)
    return round(items[-1].x * 64) + advance, max(ys) - min(ys), -min(ys)


# A glyph's metrics and outline depend only on its font (file, hinting factor), size and load
# flags: they are loaded once for the charts of a process. (FreeType's CFF glyph loading of the
# CJK font is the next cost after shaping.)
_GLYPHS: dict[tuple, tuple] = {}


def _glyph_metrics(font, index: int, flags, size: tuple) -> tuple[int, int, int]:
    """Bottom, top (26.6 pixels from the baseline) and advance of a glyph of ``font``, whose
    size is set to ``size``."""
    key = font, index, flags, size
    if key not in _GLYPHS:
        glyph = font.load_glyph(index, flags=flags)
        _bounded(_GLYPHS)[key] = glyph.bbox[1], glyph.bbox[3], glyph.horiAdvance
    return _GLYPHS[key]


def _glyph_path(font, index: int):
    """The outline of a glyph of ``font`` as TextToPath gives it (its size set for TextToPath)."""
    key = font, index, "path"
    if key not in _GLYPHS:
        font.load_glyph(index, flags=LoadFlags.NO_HINTING)
        vertices, codes = font.get_path()
        vertices.flags.writeable = codes.flags.writeable = False  # shared by the SVGs of a process
        _bounded(_GLYPHS)[key] = vertices, codes
    return _GLYPHS[key]


def _bounded(cache: dict) -> dict:
    if len(cache) > 50_000:
        cache.clear()
    return cache


def _font_heights(prop, dpi: float, known: dict) -> tuple:
    """Text._get_layout's ascent, descent and line gap of the font for ``prop`` at ``dpi`` (from
    its OS/2 or hhea table, the numbers and arithmetic of matplotlib 3.11), read once per font in
    a drawing: matplotlib reads the tables again for every text it lays out. (None, None, None):
    matplotlib measures instead."""
    if (prop, dpi) not in known:
        from matplotlib.font_manager import fontManager, get_font

        font, heights = get_font(fontManager._find_fonts_by_props(prop)), (None, None, None)
        for table, gap, ascent, descent in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                            ("hhea", "lineGap", "ascent", "descent")):
            values = font.get_sfnt_table(table)
            if values is not None:
                scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
                heights = values[ascent] * scale, -values[descent] * scale, values[gap] * scale
                break
        known[prop.copy(), dpi] = heights
    return known[prop, dpi]


def _plain(ismath, mtext) -> bool:
    """Text matplotlib measures as it draws it: no mathtext, no font features or language
    (which matplotlib draws with but does not measure with)."""
    return not ismath and (mtext is None or (mtext.get_fontfeatures() is None and mtext.get_language() is None))


class _AggRenderer(RendererAgg):
    """RendererAgg drawing each line of plain text in the layout it measured."""

    def __init__(self, width, height, dpi):
        super().__init__(width, height, dpi)
        self._lines, self._heights = {}, {}

    def _get_font_height_metrics(self, prop):  # what Text._get_layout asks a renderer first
        return _font_heights(prop, self.dpi, self._heights)

    def _line(self, s, prop):
        font, flags, size = self._prepare_font(prop), get_hinting_flag(), (prop.get_size_in_points(), self.dpi)
        key = s, font, flags, size
        if key not in self._lines:
            self._lines[key] = font._layout(s, flags)
        return self._lines[key], flags, size

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        width, height, descent = _line_size(*self._line(s, prop))
        return width / 64.0, height / 64.0, descent / 64.0

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if not _plain(ismath, mtext):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        items, _, (size, _) = self._line(s, prop)
        self._draw_text_glyphs_and_boxes(
            gc, x, y, angle, ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items), [])


class _TextToPath(TextToPath):
    """TextToPath (what the SVG draws glyphs with) drawing each line of plain text in the
    layout it measured, and loading a glyph only for a path not yet drawn."""

    def __init__(self):
        super().__init__()
        self._lines = {}

    def _line(self, font, s):
        if (font, s) not in self._lines:
            self._lines[font, s] = font._layout(s, LoadFlags.NO_HINTING)
        return self._lines[font, s]

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        width, height, descent = _line_size(self._line(self._get_font(prop), s), LoadFlags.NO_HINTING,
                                            (self.FONT_SCALE, self.DPI))
        scale = prop.get_size_in_points() / self.FONT_SCALE
        return width / 64.0 * scale, height / 64.0 * scale, descent / 64.0 * scale

    def get_glyphs_with_font(self, font, s, glyph_map=None, return_new_glyphs_only=False, *, features=None,
                             language=None):
        if features is not None or language is not None:
            return super().get_glyphs_with_font(font, s, glyph_map, return_new_glyphs_only, features=features,
                                                language=language)
        glyph_map = {} if glyph_map is None else glyph_map
        glyph_map_new = {} if return_new_glyphs_only else glyph_map
        glyphs = []
        for item in self._line(font, s):
            glyph = self._get_glyph_repr(item.ft_object, item.glyph_index)
            if glyph not in glyph_map:
                glyph_map_new[glyph] = _glyph_path(item.ft_object, item.glyph_index)
            glyphs.append((glyph, item.x, item.y, 1.))
        return glyphs, glyph_map_new, []


class _SvgRenderer(RendererSVG):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._text2path, self._heights = _TextToPath(), {}

    def _get_font_height_metrics(self, prop):
        return _font_heights(prop, 72, self._heights)  # the figure's dpi while an SVG is drawn


class _SvgCanvas(FigureCanvasSVG):
    def print_svg(self, filename, *, bbox_inches_restore=None, metadata=None, **_):
        """FigureCanvasSVG.print_svg with _SvgRenderer; what print_figure passes for other
        formats (dpi, facecolor, …) is left out, as matplotlib does."""
        import codecs

        from matplotlib import cbook

        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                fh = codecs.getwriter("utf-8")(fh)
            dpi, self.figure.dpi = self.figure.dpi, 72
            width, height = self.figure.get_size_inches()
            renderer = MixedModeRenderer(self.figure, width, height, dpi,
                                         _SvgRenderer(width * 72, height * 72, fh, image_dpi=dpi, metadata=metadata),
                                         bbox_inches_restore=bbox_inches_restore)
            self.figure.draw(renderer)
            renderer.finalize()


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
