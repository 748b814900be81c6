"""report.html's paragraphs: numbers keep their units on one line; text stays escaped."""
from __future__ import annotations

from perflib.document import Paragraph
from perflib.render_html import _paragraph


def test_a_number_and_its_unit_never_break_apart():
    html = _paragraph(Paragraph("涉及6,012万元，总体进度46%，培训6次、380人次。"))
    assert '<span class="nobr">6,012万元</span>' in html
    assert '<span class="nobr">46%</span>' in html
    assert '<span class="nobr">380人次</span>' in html and '<span class="nobr">6次</span>' in html


def test_text_from_data_stays_escaped_around_kept_numbers():
    html = _paragraph(Paragraph('<script>alert(1)</script>&"5个"'))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert '<span class="nobr">5个</span>' in html
