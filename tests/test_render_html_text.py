"""report.html's paragraphs: numbers keep their units on one line; text stays escaped."""
from __future__ import annotations

from perflib.document import Document, Paragraph
from perflib.figures import Figure, FigureRef
from perflib.formatting import COUNT, WAN
from perflib.render_html import _paragraph

EMPTY = Document("", ())


def test_a_number_and_its_unit_never_break_apart():
    html = _paragraph(EMPTY, Paragraph.of("涉及6,012万元，总体进度46%，培训6次、380人次。"))
    assert '<span class="nobr">6,012万元</span>' in html
    assert '<span class="nobr">46%</span>' in html
    assert '<span class="nobr">380人次</span>' in html and '<span class="nobr">6次</span>' in html


def test_text_from_data_stays_escaped_around_kept_numbers():
    html = _paragraph(EMPTY, Paragraph.of('<script>alert(1)</script>&"5个"'))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert '<span class="nobr">5个</span>' in html


def test_a_figure_run_is_printed_with_the_documents_settings_and_kept_whole():
    from perflib.formatting import Printer
    from perflib.params import FormatSettings

    figures = {"a": Figure("a", "金额", __import__("decimal").Decimal("6012.5"), "万元", WAN, "表"),
               "n": Figure("n", "项目", 0, "个", COUNT, "表")}
    document = Document("", (), figures=figures, printer=Printer(FormatSettings(amount_decimals=2, zero_count_style="none")))
    html = _paragraph(document, Paragraph(("涉及", FigureRef("a"), "；", FigureRef("n"), "政府采购项目")))
    assert html == '<p>涉及<span class="nobr">6,012.50万元</span>；无政府采购项目</p>'
def test_table_numbers_keep_their_units_and_align_right():
    from perflib.document import Table
    from perflib.render_html import _table

    table = Table("主要指标", ("指标", "2022年", "比上年增减"), (("重点绩效评价资金总额", "0.29亿元", "增加0.06亿元"),), number="表2")
    html = _table(Document("", ()), table)
    assert "表2\u3000主要指标" in html
    assert '<td class="num">0.29亿元</td>' in html  # right-aligned, white-space: nowrap
    assert '<span class="nobr">0.06亿元</span>' in html  # inside text, the number and unit stay together


def test_the_signature_comes_after_the_text_and_before_the_appendix():
    from conftest import ROOT

    from perflib.params import load_params
    from perflib.render_html import render_body
    from perflib.pipeline import make_report

    import dataclasses

    from perflib.document import Signature

    body = str(render_body(make_report(load_params("heshuo", 2023, ROOT)).document))
    office = body.index('<p class="office" style="padding-right:5.75em">和硕县财政局</p>')
    assert body.index("提高资金使用效益。") < office
    assert '<p class="date" style="padding-right:2em">2024年3月15日</p>' in body
    # with an appendix (a county with last year's data), the 落款 comes before it
    document = dataclasses.replace(make_report(load_params("example2", 2023, ROOT)).document,
                                   signature=Signature("示例二县财政局", "2024年3月15日"))
    body = str(render_body(document))
    assert body.index('示例二县财政局</p>') < body.index('<h2 class="appendix">附：')


def test_printed_pages_carry_a_page_number_and_no_browser_header():
    from importlib.resources import files

    css = files("perflib").joinpath("templates/report.css").read_text(encoding="utf-8")
    page = css[css.index("@page"):]
    assert 'content: "— " counter(page) " —"' in page
    for box in ("@top-left", "@top-center", "@top-right", "@bottom-left", "@bottom-right"):
        assert f'{box} {{ content: ""; }}' in page


def test_the_notebook_figures_table_is_whole_with_percentages_and_no_nan():
    import pandas as pd

    from perflib.display import figures_table

    rows = [{"名称": f"x.{i}", "数值": "0.46" if i == 0 else str(i), "单位": "%" if i == 0 else "个", "行号": None}
            for i in range(300)]
    shown = figures_table(pd.DataFrame(rows)).data
    assert "x.299" in shown and "…" not in shown and "..." not in shown  # every row
    assert "<td>46%</td>" in shown and ">nan<" not in shown.lower() and ">None<" not in shown


def test_the_provenance_table_shows_short_hashes_with_the_full_value_at_hand():
    from conftest import ROOT

    from perflib import manifest, records
    from perflib.params import load_params

    shown = {}
    original = records.record
    records.record = lambda kind, value, bundle, name: shown.update(bundle)
    try:
        manifest.show_provenance(load_params("heshuo", 2023, ROOT))
    finally:
        records.record = original
    text = shown["text/markdown"]
    table_rows = [line for line in text.splitlines() if line.startswith("| `data/")]
    sha = manifest.provenance(load_params("heshuo", 2023, ROOT))["inputs"][0]["sha256"]
    import re

    visible = [re.sub(r'title="[0-9a-f]+"', "", line) for line in table_rows]
    assert table_rows and not [v for v in visible if re.search(r"[0-9a-f]{20,}", v)]  # no unbreakable 64-digit cell
    assert f'<code title="{sha}">{sha[:12]}…</code>' in text and f"`{sha}`" in text
