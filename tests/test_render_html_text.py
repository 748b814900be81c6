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
