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


def test_charts_are_deterministic():
    """The same data give the same bytes: drawn twice here and once in a fresh process (another
    hash seed, fonts loaded anew); no date, no software version in the files."""
    import hashlib
    import io
    import subprocess
    import sys

    from PIL import Image

    from conftest import ROOT

    here = [_heshuo_chart_digests(), _heshuo_chart_digests()]
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'tests')!r}); import test_charts; print(test_charts._heshuo_chart_digests())"
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert here[0] == here[1] and repr(here[0]) == fresh.strip()
    for chart in _heshuo_charts():
        assert "Software" not in Image.open(io.BytesIO(chart.png)).info and b"Matplotlib" not in chart.png
        assert "<dc:date>" not in chart.svg and "Matplotlib v" not in chart.svg
        assert hashlib.sha256(chart.png).hexdigest() in here[0]


def _heshuo_charts():
    """和硕县 2023's charts, each drawn now (not taken from draw_charts' memory of this process)."""
    import matplotlib

    from conftest import ROOT
    from perflib import charts
    from perflib.params import load_params

    params = load_params("heshuo", 2023, ROOT)
    dataset, _ = load_data(params)
    figures = compute_figures(dataset, params)
    charts.use_cjk_font()
    with matplotlib.rc_context(charts.STYLE):
        return [draw(figures, Printer(params.settings)) for draw in (charts.monitoring_chart, charts.evaluation_funds_chart)]


def _heshuo_chart_digests() -> list[str]:
    import hashlib

    return [hashlib.sha256(data).hexdigest() for c in _heshuo_charts() for data in (c.png, c.svg.encode())]


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
def test_a_chart_keeps_text_that_reaches_past_the_figure():
    """The PNG and SVG keep what savefig(bbox_inches="tight") keeps (here a long label far past the
    figure's left edge): the files are wider than the figure; the PNG at print resolution."""
    import io
    import re

    import matplotlib
    import matplotlib.pyplot as plt
    from PIL import Image

    from perflib.charts import PRINT_DPI, STYLE, save_chart, use_cjk_font

    label = "下级政府财政综合运行绩效评价，一个很长很长很长很长的标签"
    use_cjk_font()
    with matplotlib.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.barh([label, "其他"], [1, 2])
        chart = save_chart(fig, "long", "图")
    png = Image.open(io.BytesIO(chart.png))
    assert png.size[0] > 2 * 3 * PRINT_DPI and round(png.info["dpi"][0]) == PRINT_DPI
    width = float(re.search(r'<svg[^>]* width="([0-9.]+)pt"', chart.svg).group(1))
    assert width > 2 * 3 * 72 and f"<!-- {label} -->" in chart.svg  # the SVG's text is drawn as paths, named


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


def test_perflib_uses_only_public_matplotlib_api():
    """No underscore name of matplotlib and no subclass of its classes, in perflib or its tests:
    such code tied perflib to one matplotlib release (pyproject declares the oldest it runs on;
    docs/dependencies.md says how that was checked)."""
    import ast

    from conftest import ROOT

    found = []
    for path in sorted([*(ROOT / "perflib").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = set()  # names bound to matplotlib modules or objects
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] == "matplotlib"}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "matplotlib":
                found += [f"{path.name}: from {node.module} import {a.name}" for a in node.names if a.name.startswith("_")]
                found += [f"{path.name}: from {node.module}" for part in node.module.split(".") if part.startswith("_")]
                names |= {a.asname or a.name for a in node.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                base = node.value
                while isinstance(base, ast.Attribute):
                    base = base.value
                if isinstance(base, ast.Name) and base.id in names:
                    found.append(f"{path.name}: {ast.unparse(node)}")
            elif isinstance(node, ast.ClassDef):
                found += [f"{path.name}: class {node.name}({ast.unparse(b)})" for b in node.bases
                          if isinstance(b, ast.Name) and b.id in names]
    assert found == []
