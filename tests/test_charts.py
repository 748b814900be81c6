"""Charts set Chinese text in the CJK font the install brings: no boxes, no missing glyphs."""
import warnings

import pandas as pd

from conftest import make_params
from fontTools.ttLib import TTFont

from perflib.charts import cjk_font_path, draw_charts
from perflib.figures import compute_figures
from perflib.formatting import Printer
from perflib.validation import load_data


def test_charts_render_chinese_without_missing_glyph_warnings(tmp_path):
    params = make_params(tmp_path)
    dataset, _ = load_data(params)
    figures = compute_figures(dataset, params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        charts = draw_charts(figures, Printer(params.settings))
    assert set(charts) == {"monitoring_progress", "evaluation_funds"}
    for chart in charts.values():
        assert chart.png.startswith(b"\x89PNG") and "<svg" in chart.svg


def test_the_cjk_font_covers_every_character_of_the_charts():
    import matplotlib

    font = TTFont(cjk_font_path(), fontNumber=0)
    cmap = font.getBestCmap()
    text = "项目绩效监控：预算执行进度与序时进度重点评价资金按类型万元月截至日部门整体下级政府财政综合运行策采购购买服务专项债券其他重大"
    assert [c for c in text if ord(c) not in cmap] == []
    from perflib.charts import use_cjk_font

    family = use_cjk_font()
    assert family == "Noto Sans CJK SC"
    assert matplotlib.rcParams["font.family"] == [family]


def test_charts_are_deterministic(tmp_path):
    params = make_params(tmp_path)
    dataset, _ = load_data(params)
    figures = compute_figures(dataset, params)
    first, second = draw_charts(figures, Printer(params.settings)), draw_charts(figures, Printer(params.settings))
    assert all(first[k].png == second[k].png and first[k].svg == second[k].svg for k in first)


def test_a_chart_is_redrawn_only_when_what_it_shows_or_the_settings_change(tmp_path):
    """The analyst re-runs the notebook: unchanged charts are not drawn again, changed ones are."""
    from dataclasses import replace
    from decimal import Decimal

    import matplotlib

    params = make_params(tmp_path)
    dataset, _ = load_data(params)
    figures = compute_figures(dataset, params)
    first = draw_charts(figures, Printer(params.settings))
    again = draw_charts(compute_figures(dataset, params), Printer(params.settings))  # equal figures, new objects
    assert all(again[k] is first[k] for k in first)
    # One more monitoring row changes the monitoring chart, and only it.
    monitoring = dataset.tables["project_monitoring"]
    extra = monitoring.iloc[[0]].assign(excel_row=monitoring["excel_row"].max() + 1, project="新增项目",
                                        budget=Decimal(100000), executed=Decimal(0))
    changed = replace(dataset, tables={**dataset.tables, "project_monitoring": pd.concat([monitoring, extra], ignore_index=True)})
    redrawn = draw_charts(compute_figures(changed, params), Printer(params.settings))
    assert redrawn["evaluation_funds"] is first["evaluation_funds"]
    assert redrawn["monitoring_progress"].png != first["monitoring_progress"].png
    # A matplotlib setting the analyst changes is drawn with.
    with matplotlib.rc_context({"axes.grid": True}):
        gridded = draw_charts(figures, Printer(params.settings))
    assert gridded["evaluation_funds"].png != first["evaluation_funds"].png


def test_charts_leave_out_empty_categories_and_print_at_readable_size():
    import matplotlib.pyplot as plt

    from conftest import ROOT
    from perflib import charts
    from perflib.params import load_params

    params = load_params("heshuo", 2023, ROOT)
    dataset, _ = load_data(params)
    figures = compute_figures(dataset, params)
    drawn = []
    original = charts.save_chart
    charts.save_chart = lambda fig, key, caption: drawn.append((key, fig)) or original(fig, key, caption)
    try:
        charts._drawn.clear()
        charts.draw_charts(figures, Printer(params.settings))
    finally:
        charts.save_chart = original
    funds = dict(drawn)["evaluation_funds"]
    categories = [t.get_text() for t in funds.axes[0].get_yticklabels()]
    zero = [kind for kind, amount in figures.lists["key_evaluations.funds_by_type"] if not amount.value]
    assert zero and not set(zero) & set(categories) and categories
    for key, fig in drawn:
        scale = min(1.0, 150 / 25.4 / fig.get_figwidth())  # Word prints at most 150 mm wide, never enlarged
        sizes = {t.get_fontsize() for t in fig.findobj(plt.Text) if t.get_text().strip()}
        assert min(sizes) * scale >= 9, (key, sizes)
        assert not [ax.get_title() for ax in fig.axes if ax.get_title() and key != "history"], "the caption is below, once"


def test_monitoring_chart_prints_progress_and_schedule_in_one_precision():
    from conftest import ROOT
    from perflib import charts
    from perflib.params import load_params

    params = load_params("heshuo", 2023, ROOT)
    dataset, _ = load_data(params)
    figures = compute_figures(dataset, params)
    svg = charts.monitoring_chart(figures, Printer(params.settings)).svg
    texts = []
    import matplotlib.pyplot as plt
    original = charts.save_chart

    def collect(fig, key, caption):
        fig.canvas.draw()  # tick labels exist once drawn
        texts.extend(t.get_text() for t in fig.findobj(plt.Text))
        return original(fig, key, caption)

    charts.save_chart = collect
    try:
        charts.monitoring_chart(figures, Printer(params.settings))
    finally:
        charts.save_chart = original
    percents = [t for t in texts if t.endswith("%")]
    assert "46%" in percents and "42%" in percents and "20%" in percents  # labels and ticks alike
    assert not [t for t in percents if "." in t] and svg
def test_a_chart_is_cut_like_savefig_tight_even_where_text_reaches_past_the_figure():
    """Each chart is drawn once for its PNG; the PNG and SVG keep what savefig(bbox_inches="tight")
    keeps (here a long label far past the figure's left edge), at print resolution."""
    import io

    import matplotlib
    import matplotlib.pyplot as plt
    from PIL import Image

    from perflib.charts import PRINT_DPI, STYLE, save_chart, use_cjk_font

    use_cjk_font()
    with matplotlib.rc_context(STYLE):
        def figure():
            fig, ax = plt.subplots(figsize=(3, 2))
            ax.barh(["下级政府财政综合运行绩效评价，一个很长很长很长很长的标签", "其他"], [1, 2])
            return fig
        reference = io.BytesIO()
        fig = figure()
        fig.savefig(reference, format="png", dpi=PRINT_DPI, bbox_inches="tight")
        plt.close(fig)
        chart = save_chart(figure(), "long", "图")
    ours, theirs = Image.open(io.BytesIO(chart.png)), Image.open(reference)
    assert abs(ours.size[0] - theirs.size[0]) <= 3 and abs(ours.size[1] - theirs.size[1]) <= 3
    assert round(ours.info["dpi"][0]) == PRINT_DPI
    assert "<svg" in chart.svg


def test_chart_numbers_follow_the_document_when_the_key_evaluation_part_is_left_out(tmp_path):
    """No 图1 of key-evaluation funds: the monitoring chart, the first in the document, is 图1 in
    HTML, DOCX and the ledger (audit-text reads the same numbering)."""
    import io

    from docx import Document as read_docx

    from perflib.pipeline import make_report
    from perflib.render_docx import render_docx
    from perflib.render_html import render_html

    report = make_report(make_params(tmp_path, outline=["work"]))
    doc = report.document
    assert [(c.key, c.number) for c in doc.charts()] == [("monitoring_progress", "图1")]
    caption = "图1\u3000项目绩效监控预算执行进度与序时进度"
    html = render_html(doc)
    assert f"<figcaption>{caption}</figcaption>" in html and "图2" not in html
    word = read_docx(io.BytesIO(render_docx(doc)))
    paragraphs = [p.text for p in word.paragraphs]
    assert caption in paragraphs and not any("图2" in p for p in paragraphs)
    entry = report.ledger.items["chart.monitoring_progress.number"]
    assert (entry.value, entry.printed) == (1, "图1")


def test_chart_numbers_run_in_reading_order_with_both_charts(tmp_path):
    from perflib.pipeline import make_report

    doc = make_report(make_params(tmp_path)).document
    assert [(c.key, c.title) for c in doc.charts()] == [
        ("evaluation_funds", "图1\u3000重点绩效评价资金按评价类型分布"), ("monitoring_progress", "图2\u3000项目绩效监控预算执行进度与序时进度")]


def test_a_forked_process_draws_charts_after_its_parent_did():
    """The PNG is encoded on a thread; a process forked after its parent drew a chart (a batch
    worker, say) has no such thread and must start its own rather than wait for ever."""
    import multiprocessing

    first = _small_chart_png()  # the parent's encoding thread is running
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child = pool.apply_async(_small_chart_png).get(timeout=60)
    assert child == first and child.startswith(b"\x89PNG")


def _small_chart_png() -> bytes:
    import matplotlib
    import matplotlib.pyplot as plt

    from perflib import charts

    charts.use_cjk_font()
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.bar(["甲", "乙"], [1, 2])
    with matplotlib.rc_context(charts.STYLE):
        return charts.save_chart(fig, "t", "测试").png


def test_each_line_of_text_is_shaped_once_and_the_charts_are_matplotlibs_own_bytes(monkeypatch):
    """save_chart's renderers shape a line of text once and read its size from the layout they
    draw (matplotlib 3.11 shapes it twice: to measure it and to draw it); the charts are byte for
    byte what matplotlib's own renderers draw, mathtext and a text in a language of its own too."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.ft2font import FT2Font

    from conftest import ROOT
    from perflib import charts
    from perflib.params import load_params

    assert charts.SHARED_LAYOUTS  # the matplotlib perflib installs has what the renderers use
    params = load_params("heshuo", 2023, ROOT)
    dataset, _ = load_data(params)
    figures = compute_figures(dataset, params)
    charts.use_cjk_font()

    def draw(odd=False):
        with matplotlib.rc_context(charts.STYLE):
            if not odd:
                return [charts.monitoring_chart(figures, Printer(params.settings)),
                        charts.evaluation_funds_chart(figures, Printer(params.settings))]
            fig, ax = plt.subplots(figsize=(3, 2))
            ax.bar(["甲", "乙"], [1, 2])
            ax.set_title(r"$x^2$ 平方")
            ax.text(0, 1, "标签", language="zh", rotation=30)
            return [charts.save_chart(fig, "odd", "图")]

    ours_odd = draw(odd=True)
    shaped = []
    for name in ("set_text", "_layout"):  # each shapes a line of text (libraqm, HarfBuzz)
        def shape(font, *args, original=getattr(FT2Font, name), name=name, **kwargs):
            shaped.append(name)
            return original(font, *args, **kwargs)
        monkeypatch.setattr(FT2Font, name, shape)
    ours = draw()
    once, shaped[:] = list(shaped), []
    monkeypatch.setattr(charts, "SHARED_LAYOUTS", False)
    theirs = draw()
    assert "set_text" not in once and len(once) < 0.6 * len(shaped)
    assert [(c.png, c.svg) for c in ours + ours_odd] == [(c.png, c.svg) for c in theirs + draw(odd=True)]


def test_a_line_measured_from_its_layout_has_the_size_matplotlib_measures():
    from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
    from matplotlib.font_manager import FontProperties
    from matplotlib.ft2font import LoadFlags
    from matplotlib.textpath import TextToPath

    from perflib import charts

    charts.use_cjk_font()
    texts = ["", " ", "4", "46%", "1,234.56", "万元", "预算执行进度", "第一批\u3000（截至6月30日）", "°", "_", "‘引号’—…",
             "AVWa fi g", " 前后有空格 ", "下级政府财政综合运行绩效评价，一个很长很长很长很长的标签"]
    agg, text_to_path = RendererAgg(10, 10, charts.PRINT_DPI), TextToPath()
    for size in (8, 10, 13.5):
        prop = FontProperties(size=size)
        for prepare, flags, at in ((lambda: agg._prepare_font(prop), get_hinting_flag(), (size, charts.PRINT_DPI)),
                                   (lambda: text_to_path._get_font(prop), LoadFlags.NO_HINTING, (100, 72))):
            for text in texts:
                font = prepare()
                font.set_text(text, 0.0, flags=flags)
                expected = (*font.get_width_height(), font.get_descent())
                charts._GLYPHS.clear()  # glyphs loaded now (and then, from the cache, again)
                for _ in range(2):
                    assert charts._line_size(prepare()._layout(text, flags), flags, at) == expected, (text, size, flags)


def test_the_png_is_cut_and_encoded_on_the_encoding_thread(monkeypatch):
    """The main thread draws the SVG meanwhile."""
    import threading

    from perflib import charts

    threads = []
    for name in ("_cut", "_png"):
        def record(*args, original=getattr(charts, name)):
            threads.append(threading.current_thread().name)
            return original(*args)
        monkeypatch.setattr(charts, name, record)
    assert _small_chart_png().startswith(b"\x89PNG")
    assert len(threads) == 2 and all(name.startswith("perflib-png") for name in threads)


def test_the_png_writer_is_lossless_rgb_at_print_resolution():
    """perflib writes the PNG itself (each row filtered by the row above, in numpy): Pillow reads
    back every pixel, 300 dpi, no alpha channel."""
    import io

    import numpy as np
    from PIL import Image

    from perflib import charts

    rgb = np.random.default_rng(15).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    rgb[10:20] = 255  # flat rows, as charts have
    image = Image.open(io.BytesIO(charts._png(rgb)))
    assert image.mode == "RGB" and np.array_equal(np.asarray(image), rgb)
    assert tuple(round(d) for d in image.info["dpi"]) == (charts.PRINT_DPI, charts.PRINT_DPI)
