"""report.docx: 公文 layout (GB/T 9704-2012), East Asian fonts, tables, charts, page numbers,
a county's own layout, and the same bytes every time."""
from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import datetime, timezone

import pytest
from conftest import ROOT, make_params
from docx import Document as read_docx
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from PIL import Image
from test_end_to_end import REFERENCE_FIGURES, REFERENCE_TITLES

from perflib.layout import load_layout
from perflib.params import ParamsError, load_params
from perflib.render_docx import render_docx
from perflib.pipeline import make_report


@pytest.fixture(scope="module")
def heshuo():
    return make_report(load_params("heshuo", 2023, ROOT)).document


@pytest.fixture(scope="module")
def docx_bytes(heshuo) -> bytes:
    return render_docx(heshuo)


@pytest.fixture(scope="module")
def word(docx_bytes):
    return read_docx(io.BytesIO(docx_bytes))


@pytest.fixture(scope="module")
def with_history():
    """A report with the 与上年对比 appendix (示例二县 2023, whose 2022 exists), as a document."""
    return make_report(load_params("example2", 2023, ROOT)).document


@pytest.fixture(scope="module")
def history_word(with_history):
    return read_docx(io.BytesIO(render_docx(with_history)))


def near(length, mm: float) -> bool:
    return abs(length - Mm(mm)) < Mm(0.05)  # Word stores twips


def east_asian_font(style) -> str:
    return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def all_text(word) -> str:
    cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
    return re.sub(r"\s+", "", "".join(p.text for p in word.paragraphs) + "".join(cells))


def test_page_is_a4_with_gbt9704_margins(word):
    section = word.sections[0]
    assert near(section.page_width, 210) and near(section.page_height, 297)
    assert near(section.top_margin, 37) and near(section.bottom_margin, 35)
    assert near(section.left_margin, 28) and near(section.right_margin, 26)


def test_title_body_and_headings_name_their_chinese_fonts_and_sizes(word):
    styles = word.styles
    assert (east_asian_font(styles["公文标题"]), styles["公文标题"].font.size) == ("方正小标宋简体", Pt(22))
    assert (east_asian_font(styles["Normal"]), styles["Normal"].font.size) == ("仿宋_GB2312", Pt(16))
    assert (east_asian_font(styles["Heading 1"]), styles["Heading 1"].font.size) == ("黑体", Pt(16))
    assert (east_asian_font(styles["二级标题"]), styles["二级标题"].font.size) == ("楷体_GB2312", Pt(16))
    defaults = styles.element.find(qn("w:docDefaults"))
    assert defaults.find(".//" + qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert word.paragraphs[0].text == "2023年和硕县预算绩效管理工作情况"
    assert word.paragraphs[0].style.name == "公文标题"


def test_body_lines_are_28pt_apart_indented_two_characters_and_fit_28_per_line(word):
    layout = load_layout()
    normal = word.styles["Normal"].paragraph_format
    assert normal.line_spacing == Pt(28)
    pitch = 16 + layout.char_spacing_pt
    assert normal.first_line_indent == Pt(2 * pitch)
    width_pt = 156 / 25.4 * 72  # 版心 156 mm
    assert 28 * pitch <= width_pt < 28 * (pitch + 0.05)


def test_level2_headings_run_in_at_the_start_of_their_paragraph(word):
    run_ins = [p for p in word.paragraphs if p.runs and p.runs[0].style.name == "二级标题"]
    assert [p.runs[0].text for p in run_ins[:2]] == ["（一）制度建设方面。", "（二）事前绩效评估情况。"]
    assert run_ins[0].runs[1].text.startswith("按照中央关于全面实施预算绩效管理")
    level1 = [p.text[:2] for p in word.paragraphs if p.style.name == "Heading 1"]
    assert level1 == ["示例", "一、", "二、", "三、", "四、"], "示例数据说明 (issue 23); no appendix: 和硕县 has no earlier year (issue 12)"


def test_tables_have_borders_and_repeat_their_header_row(word):
    key_evaluations, = word.tables  # 一's table; no appendix (和硕县 has no 2022)
    for table in word.tables:
        assert table.style.name == "Table Grid"
        borders = table.style.element.find(".//" + qn("w:tblBorders"))
        assert {b.tag.split("}")[1] for b in borders} >= {"top", "left", "bottom", "right", "insideH", "insideV"}
        header = table.rows[0]._tr.trPr
        assert header.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in table.rows[1:])
    table = key_evaluations
    assert [c.text for c in table.rows[0].cells] == ["序号", "评价报告"]
    assert len(table.rows) == 6


def test_charts_are_embedded_at_print_resolution(heshuo, docx_bytes, word):
    charts = heshuo.charts()
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        media = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
    assert sorted(media) == sorted(c.png for c in charts)
    for shape in word.inline_shapes:
        blob = shape._inline.graphic.graphicData.pic.blipFill.blip
        image = word.part.related_parts[blob.embed].blob
        pixels = Image.open(io.BytesIO(image)).width
        assert pixels / shape.width.inches >= 290, "about 300 dpi at the printed size"


def test_page_number_is_a_page_field_between_dashes_in_songti_sihao(docx_bytes):
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        footers = [z.read(n).decode("utf-8") for n in z.namelist() if re.match(r"word/footer\d+\.xml", n)]
        styles = z.read("word/styles.xml").decode("utf-8")
        settings = z.read("word/settings.xml").decode("utf-8")
    assert len(footers) == 2 and "<w:evenAndOddHeaders" in settings  # odd pages right, even pages left
    for footer in footers:
        assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", footer)
        texts = re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", footer)
        assert texts == ["— ", "1", " —"]
    page_number_style = re.search(r'<w:style [^>]*w:styleId="[^"]*"[^>]*>\s*<w:name w:val="页码"/>.*?</w:style>', styles, re.S).group(0)
    assert 'w:eastAsia="宋体"' in page_number_style and '<w:sz w:val="28"/>' in page_number_style


def test_docx_carries_every_figure_of_the_reference(word):
    text = all_text(word)
    assert [f for f in REFERENCE_FIGURES + REFERENCE_TITLES if f not in text] == []


def test_same_document_gives_the_same_bytes_at_another_time(heshuo, docx_bytes, monkeypatch):
    later = time.time() + 3 * 86400 + 17
    monkeypatch.setattr(time, "time", lambda: later)
    assert render_docx(heshuo) == docx_bytes
    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert z.namelist()[0] == "[Content_Types].xml"
        assert "docProps/thumbnail.jpeg" not in z.namelist()


def test_document_date_is_the_periods_end_or_source_date_epoch(heshuo, docx_bytes, monkeypatch):
    props = read_docx(io.BytesIO(docx_bytes)).core_properties
    assert props.created == props.modified == datetime(2023, 12, 31, tzinfo=timezone.utc)
    assert props.title == "2023年和硕县预算绩效管理工作情况" and props.author == ""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")  # 2024-01-01T00:00:00Z
    assert read_docx(io.BytesIO(render_docx(heshuo))).core_properties.created == datetime(2024, 1, 1, tzinfo=timezone.utc)


def test_a_county_changes_the_layout_with_its_own_layout_yaml(tmp_path):
    templates = tmp_path / "params" / "demo" / "templates"
    templates.mkdir(parents=True)
    (templates / "layout.yaml").write_text(
        "body: {size_pt: 15}\npage_number: {position: center}\npage: {margin_left_mm: 30}\n", encoding="utf-8")
    params = make_params(tmp_path, templates="params/demo/templates")
    word = read_docx(io.BytesIO(render_docx(make_report(params).document)))
    assert word.styles["Normal"].font.size == Pt(15)
    assert east_asian_font(word.styles["Normal"]) == "仿宋_GB2312", "keys not overridden keep perflib's value"
    assert near(word.sections[0].left_margin, 30) and near(word.sections[0].top_margin, 37)
    assert not word.settings.odd_and_even_pages_header_footer


@pytest.mark.parametrize("override, named", [
    ("body: {size: 15}\n", "body.size"),
    ("page_number: {text: 第页}\n", "page_number.text"),
    ("page: {margin_top_mm: 三十}\n", "page.margin_top_mm"),
])
def test_a_wrong_layout_key_is_refused_by_name(tmp_path, override, named):
    templates = tmp_path / "params" / "demo" / "templates"
    templates.mkdir(parents=True)
    (templates / "layout.yaml").write_text(override, encoding="utf-8")
    with pytest.raises(ParamsError, match=re.escape(named)):
        make_report(make_params(tmp_path, templates="params/demo/templates"))


def test_the_documented_county_layout_example_works(tmp_path):
    doc = (ROOT / "docs" / "publication.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", doc, re.S).group(1)
    templates = tmp_path / "params" / "demo" / "templates"
    templates.mkdir(parents=True)
    (templates / "layout.yaml").write_text(example, encoding="utf-8")
    word = read_docx(io.BytesIO(render_docx(make_report(make_params(tmp_path, templates="params/demo/templates")).document)))
    assert east_asian_font(word.styles["Normal"]) == "仿宋"
    assert word.styles["二级标题"].font.bold is True
    assert word.styles["表格文字"].font.size == Pt(14)
    assert not word.settings.odd_and_even_pages_header_footer


# ECMA-376 order of w:rPr children (Word rejects a file whose elements are out of order;
# LibreOffice does not, so a PDF test would not notice).
RPR_ORDER = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow",
             "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern",
             "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs",
             "em", "lang", "eastAsianLayout", "specVanish", "oMath"]


def test_run_properties_are_in_schema_order(docx_bytes):
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as z:
        parts = [etree.fromstring(z.read(n)) for n in ("word/styles.xml", "word/document.xml", "word/footer1.xml")]
    checked = 0
    for part in parts:
        for r_pr in part.iter(qn("w:rPr")):
            names = [etree.QName(child).localname for child in r_pr]
            positions = [RPR_ORDER.index(n) for n in names]
            assert positions == sorted(positions), names
            checked += 1
    assert checked > 20


# --- 落款, table numbers, table layout ---------------------------------------------------------

def test_the_report_ends_its_text_with_the_issuing_office_and_date_right_aligned_before_the_appendix(word, heshuo):
    paragraphs = word.paragraphs
    office = next(i for i, p in enumerate(paragraphs) if p.text == "和硕县财政局")
    date = paragraphs[office + 1]
    assert date.text == "2024年3月15日"
    assert paragraphs[office - 1].text == "" and paragraphs[office - 2].text.endswith("提高资金使用效益。")
    after = [p for p in paragraphs[office + 2:] if p.text.strip()]
    assert not after or (after[0].text.startswith("附：") and after[0].paragraph_format.page_break_before)  # only an appendix follows
    pitch = 16 + load_layout().char_spacing_pt
    # GB/T 9704 7.3.5.2: the date (7.75 characters: digits half, a quarter where digits meet Chinese)
    # starts 2 characters right of the office (6) and, being longer, ends 2 characters from the right
    for paragraph, chars in ((paragraphs[office], 5.75), (date, 2.0)):
        assert paragraph.alignment == 2  # right
        assert abs(paragraph.paragraph_format.right_indent.pt - chars * pitch) < 0.1
        assert paragraph.paragraph_format.first_line_indent == 0


def test_without_an_issuer_there_is_no_signature(tmp_path):
    params = make_params(tmp_path, text={"policy_basis": "依据。"})
    assert params.issuer == ""
    assert make_report(params).document.signature is None


@pytest.mark.parametrize("written", ["2024-03-05", "2024年3月5日", "2024 年 3 月 5 日"])
def test_the_issue_date_prints_without_leading_zeros(tmp_path, written):
    params = make_params(tmp_path, text={"policy_basis": "依据。", "issuer": "某县财政局", "issue_date": written})
    assert make_report(params).document.signature.date == "2024年3月5日"


def test_an_impossible_issue_date_is_refused_naming_the_key(tmp_path):
    with pytest.raises(ParamsError, match="text.issue_date"):
        make_params(tmp_path, text={"policy_basis": "依据。", "issuer": "某县财政局", "issue_date": "2024-02-30"})


def test_tables_are_numbered_in_reading_order(history_word, with_history):
    captions = [p.text for p in history_word.paragraphs if p.style.name == "图表标题" and p.text.startswith("表")]
    assert captions == ["表1\u30002023年度示例二县财政重点绩效评价报告", "表2\u3000示例二县近年预算绩效管理主要指标"]
    assert "表1\u3000" in with_history.text()


def test_a_short_table_keeps_together_and_its_numbers_are_right_aligned_unbroken(history_word, with_history):
    history = history_word.tables[1]
    for r, row in enumerate(history.rows):
        last = r == len(history.rows) - 1
        assert [bool(c.paragraphs[0].paragraph_format.keep_with_next) for c in row.cells] == [not last] * len(row.cells)
    body = history.rows[2]  # 重点绩效评价资金总额, then the years in 亿元
    previous = with_history.figures["yoy.key_evaluations.amount.previous"]
    assert body.cells[1].text == with_history.printer(previous) and body.cells[1].text.endswith("亿元")
    assert body.cells[1].paragraphs[0].alignment == 2
    assert body.cells[1]._tc.tcPr.find(qn("w:noWrap")) is not None
    assert body.cells[0].paragraphs[0].alignment is None  # text stays left


def test_every_number_column_is_wide_enough_for_its_longest_cell(with_history):
    heshuo = with_history  # a report with both tables: the key evaluations and the appendix
    from perflib.document import Table
    from perflib.render_docx import _column_widths, _text_width, printed_table

    layout = load_layout()
    char_mm = layout["table"]["size_pt"] * 25.4 / 72
    tables = [printed_table(heshuo, b) for s in heshuo.walk() for b in s.blocks if isinstance(b, Table)]
    for table in tables:
        widths = _column_widths(table, layout)
        assert abs(sum(w.mm for w in widths) - layout.text_width_mm) < 0.1
        for c, width in enumerate(widths):
            if table.numeric[c] or all(row[c].isdigit() for row in table.rows):
                longest = max(_text_width(v) for v in [table.columns[c], *(row[c] for row in table.rows)])
                assert width.mm >= longest * char_mm + 3.9, (table.caption, table.columns[c])
    history = tables[1]
    first, *_, change, rate = _column_widths(history, layout)
    longest_name = max(_text_width(row[0]) for row in history.rows)
    assert first.mm >= longest_name / 2 * char_mm  # the indicator names wrap at most once
    assert change.mm >= max(_text_width(row[-2]) for row in history.rows) * char_mm
    assert rate.mm >= max(_text_width(row[-1]) for row in history.rows) * char_mm


def test_a_short_paragraph_introducing_a_table_stays_on_its_page():
    from perflib.document import Document as Model
    from perflib.document import Paragraph, Section, Table

    doc = Model("标题", (Section(1, "一、", "部分", (Paragraph.of("各县主要指标见下表。"), Table("表", ("甲", "乙"), (("1", "2"),)),
                                                  Paragraph.of("长" * 200), Table("表", ("甲", "乙"), (("1", "2"),)))),))
    word = read_docx(io.BytesIO(render_docx(doc)))
    intro, long_ = [p for p in word.paragraphs if p.text.startswith(("各县", "长"))]
    assert intro.paragraph_format.keep_with_next is True
    assert not long_.paragraph_format.keep_with_next


def test_a_title_breaks_where_it_says_and_prints_whole_elsewhere():
    from perflib.document import Document as Model
    from perflib.render_html import render_html

    doc = Model("2022—2023年各县（市）\n预算绩效管理工作情况汇总", ())
    word = read_docx(io.BytesIO(render_docx(doc)))
    assert word.paragraphs[0].text == "2022—2023年各县（市）\n预算绩效管理工作情况汇总"  # a line break (w:br)
    assert word.core_properties.title == "2022—2023年各县（市）预算绩效管理工作情况汇总"
    html = render_html(doc)
    assert "<title>2022—2023年各县（市）预算绩效管理工作情况汇总</title>" in html and "（市）<br>预算" in html
    assert doc.text() == "2022—2023年各县（市）预算绩效管理工作情况汇总"
