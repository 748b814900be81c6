"""DOCX renderer: the document model as a Word file in official-document style (公文格式).

Layout values come from ``perflib.layout`` (GB/T 9704-2012 by default, overridable per county).
Every run and style names its East Asian font (``w:eastAsia``), so Word and WPS use 仿宋_GB2312,
黑体, 楷体_GB2312 … where installed and substitute where not. The file is byte-for-byte the same
for the same document: fixed core properties, no thumbnail, fixed zip entry times and order.
"""
from __future__ import annotations

import io
import os
import zipfile
from dataclasses import replace
from datetime import date, datetime, timezone

from docx import Document as new_docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.image.image import Image as DocxImage
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .document import Chart, Document, Paragraph, Section, Signature, Table
from .layout import Layout, load_layout

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
STYLE_TITLE, STYLE_HEADING1, STYLE_RUN_IN = "公文标题", "Heading 1", "二级标题"
STYLE_TABLE, STYLE_TABLE_HEADER, STYLE_CAPTION, STYLE_FIGURE = "表格文字", "表头文字", "图表标题", "图片"
STYLE_PAGE_NUMBER = "页码"


def document_date(doc: Document) -> datetime:
    """The date written into the file: ``SOURCE_DATE_EPOCH`` if set, else the end of the report's
    period (31 December of the report year), never the time of the run."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).replace(tzinfo=None)
    day = doc.period_end or date(1980, 1, 1)
    return datetime(day.year, day.month, day.day)


def render_docx(doc: Document, layout: Layout | None = None) -> bytes:
    """The report as DOCX bytes."""
    layout = layout or doc.layout or load_layout()
    word = new_docx()
    _drop_thumbnail(word)
    _page_setup(word, layout)
    _styles(word, layout)
    _core_properties(word, doc)
    _footers(word, layout)
    _font_table(word, layout)
    title = word.add_paragraph(style=STYLE_TITLE)
    for n, line in enumerate(doc.title.split("\n")):  # a title may name where its lines break
        if n:
            title.add_run().add_break()
        title.add_run(line)
    for _ in range(layout["title"]["lines_after"]):
        word.add_paragraph("", style="Normal")
    for section in doc.body_sections:
        _section(word, section, layout, doc)
    if doc.signature:
        _signature(word, doc.signature, layout)
    for section in doc.appendix_sections:
        _section(word, section, layout, doc)
    buffer = io.BytesIO()
    word.save(buffer)
    return normalize_zip(buffer.getvalue())


# --- content ---------------------------------------------------------------------------------

def _section(word, section: Section, layout: Layout, doc: Document) -> None:
    if section.level == 1:
        heading = word.add_paragraph(section.heading, style=STYLE_HEADING1)
        heading.paragraph_format.page_break_before = section.number.startswith("附")  # an appendix starts a page
        run_in = None
    else:  # level-2 headings run in: 「（一）制度建设方面。」 begins the first paragraph
        run_in = section.heading
    for i, block in enumerate(section.blocks):
        if isinstance(block, Paragraph):
            paragraph = word.add_paragraph(style="Normal")
            # A short paragraph that introduces a table (「…见下表。」) stays on the table's page.
            following = section.blocks[i + 1] if i + 1 < len(section.blocks) else None
            if isinstance(following, Table) and len(doc.text_of(block.runs)) <= INTRO_CHARS:
                paragraph.paragraph_format.keep_with_next = True
            if run_in:
                paragraph.add_run(f"{run_in}。", style=STYLE_RUN_IN)
                run_in = None
            paragraph.add_run(doc.text_of(block.runs))
        elif isinstance(block, Table):
            _table(word, block, layout, doc)
        elif isinstance(block, Chart):
            _chart(word, block, layout)
    if run_in:  # a level-2 section without text: its heading alone
        word.add_paragraph(style="Normal").add_run(run_in, style=STYLE_RUN_IN)
    for child in section.children:
        _section(word, child, layout, doc)


def printed_table(doc: Document, block: Table) -> Table:
    """The table as printed: every cell as text, and which columns hold numbers."""
    numeric = tuple(doc.is_numeric(block, c) for c in range(len(block.columns)))
    return replace(block, rows=tuple(tuple(doc.printed(cell) for cell in row) for row in block.rows), numeric=numeric)


def _table(word, block: Table, layout: Layout, doc: Document) -> None:
    block = printed_table(doc, block)
    numeric = block.numeric
    caption = word.add_paragraph(block.title, style=STYLE_CAPTION)
    caption.paragraph_format.keep_with_next = True
    table = word.add_table(rows=1 + len(block.rows), cols=len(block.columns))
    table.style = word.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _column_widths(block, layout)
    for column, width in zip(table.columns, widths):
        column.width = width  # w:gridCol, which LibreOffice reads
    keep_whole = len(block.rows) <= KEEP_WHOLE_ROWS
    for r, values in enumerate((block.columns, *block.rows)):
        row = table.rows[r]
        _row_properties(row, header=r == 0)
        for c, value in enumerate(values):
            cell = row.cells[c]
            cell.width = widths[c]
            paragraph = cell.paragraphs[0]
            paragraph.style = word.styles[STYLE_TABLE_HEADER if r == 0 else STYLE_TABLE]
            if r == 0 or (c == 0 and value.isdigit()):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif numeric[c]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                cell._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))  # a number stays with its unit
            # A short table never splits: each row keeps with the next (Word; LibreOffice reads it as
            # "keep with next paragraph" of the table); the caption already keeps with the table.
            # A longer one never splits after its first row nor before its last.
            paragraph.paragraph_format.keep_with_next = (r < len(block.rows) if keep_whole
                                                         else r <= 1 or r == len(block.rows) - 1)
            paragraph.add_run(value)
    word.add_paragraph("", style="Normal")


INTRO_CHARS = 84  # three lines of text
KEEP_WHOLE_ROWS = 15  # a table of at most this many rows fits on one page and is never split


def _column_widths(block: Table, layout: Layout) -> list:
    """Columns as wide as their longest cell (at the table's font size, digits about half a
    character), so that numbers and short names (a county) never wrap; a header may take two lines.
    The long text columns share what is left (they wrap), or what is over."""
    total = layout.text_width_mm
    char_mm = layout["table"]["size_pt"] * 25.4 / 72
    padding_mm = 4.0  # Word's default cell margins, 1.9 mm each side, and the borders

    def need(c: int) -> float:
        cells = [_text_width(row[c]) for row in block.rows if c < len(row)] or [0.0]
        header = _text_width(block.columns[c])
        return max(max(cells), header / 2 if header > 4 else header) * char_mm + padding_mm

    natural = [need(c) for c in range(len(block.columns))]
    # fixed: numbers, 序号, and short text (a county's name, 「增加1,256万元」); flexible: long text
    fixed = [c == 0 and all(row[0].isdigit() for row in block.rows) or block.numeric[c]
             or natural[c] <= SHORT_TEXT_CHARS * char_mm + padding_mm for c in range(len(natural))]
    text = [c for c, f in enumerate(fixed) if not f]
    fixed_sum = sum(w for w, f in zip(natural, fixed) if f)
    if not text or fixed_sum >= total:  # no long text, or not enough room
        body = [max([_text_width(row[c]) for row in block.rows if c < len(row)] + [1.0]) * char_mm + padding_mm
                for c in range(len(natural))]
        if sum(natural) > total and sum(body) <= total:  # headers wrap further; cells keep their width
            k = (total - sum(body)) / (sum(natural) - sum(body))
            return [Mm(b + (n - b) * k) for b, n in zip(body, natural)]
        scale = total / sum(natural)  # every column by its share
        return [Mm(w * scale) for w in natural]
    room = total - fixed_sum
    # The long text columns: the shorter keep their width, the longest share what is left (they wrap).
    level, left = room, sorted(text, key=lambda c: natural[c])
    while left:
        level = (room - sum(natural[c] for c in text if c not in left)) / len(left)
        if natural[left[0]] > level:
            break
        left.pop(0)
    widths = [natural[c] if fixed[c] else min(natural[c], level) for c in range(len(natural))]
    spare = total - sum(widths)  # left over: to the text columns, by their width
    share = sum(widths[c] for c in text)
    return [Mm(w + (spare * w / share if c in text else 0)) for c, w in enumerate(widths)]


SHORT_TEXT_CHARS = 8  # a text column no wider than this never wraps


def _text_width(text: str) -> float:
    """Width in characters of the table font: Chinese 1, Latin letters and digits about 0.55 (Times)."""
    return sum(0.55 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def _row_properties(row, header: bool) -> None:
    """Rows never split across pages; the header row repeats on every page (w:tblHeader)."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _signature(word, signature: Signature, layout: Layout) -> None:
    """落款 (GB/T 9704-2012 7.3.5.2): one blank line after the text, the issuing office right-aligned
    2 characters in, the date on the next line starting 2 characters right of the office."""
    pitch = layout["body"]["size_pt"] + layout.char_spacing_pt
    blank = word.add_paragraph("", style="Normal")
    blank.paragraph_format.keep_with_next = True
    lines = [(signature.office, right) for right in signature.right_indents()[:1]]
    if signature.date:
        lines.append((signature.date, signature.right_indents()[1]))
    for n, (text, right_chars) in enumerate(lines):
        paragraph = word.add_paragraph(text, style="Normal")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.first_line_indent = Pt(0)
        paragraph.paragraph_format.right_indent = Pt(right_chars * pitch)
        paragraph.paragraph_format.keep_with_next = n < len(lines) - 1


def _chart(word, block: Chart, layout: Layout) -> None:
    picture = word.add_paragraph(style=STYLE_FIGURE)
    picture.paragraph_format.keep_with_next = True
    native = DocxImage.from_blob(block.png).width  # at the chart's own resolution (300 dpi)
    width = min(native, Mm(layout["figure"]["width_mm"]))  # never enlarged below print resolution
    picture.add_run().add_picture(io.BytesIO(block.png), width=width)
    word.add_paragraph(block.title, style=STYLE_CAPTION)
    word.add_paragraph("", style="Normal")  # a blank line before the text goes on, as after a table


# --- page, styles, footers -------------------------------------------------------------------

def _page_setup(word, layout: Layout) -> None:
    page = layout["page"]
    section = word.sections[0]
    section.page_width, section.page_height = Mm(page["width_mm"]), Mm(page["height_mm"])
    section.top_margin, section.bottom_margin = Mm(page["margin_top_mm"]), Mm(page["margin_bottom_mm"])
    section.left_margin, section.right_margin = Mm(page["margin_left_mm"]), Mm(page["margin_right_mm"])
    section.header_distance = Mm(15)
    section.footer_distance = Mm(page["footer_distance_mm"])
    section.gutter = 0
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is not None:
        grid.set(qn("w:linePitch"), str(round(layout["line_spacing_pt"] * 20)))


def _fonts(element, east_asian: str, latin: str) -> None:
    """Set the fonts of a run or style: ``w:eastAsia`` for Chinese, ``latin`` for digits and letters."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()  # in its schema place: Word refuses misordered XML
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


# Elements that follow w:spacing in w:rPr (ECMA-376 CT_RPr sequence).
_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
                  "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish",
                  "w:oMath")


def _character(style_or_run, east_asian: str, latin: str, size_pt: float, bold: bool = False, spacing_pt: float | None = None) -> None:
    font = style_or_run.font
    font.size = Pt(size_pt)
    font.bold = bold
    font.color.rgb = None
    _fonts(style_or_run.element, east_asian, latin)
    if spacing_pt is not None:
        r_pr = style_or_run.element.get_or_add_rPr()
        spacing = r_pr.find(qn("w:spacing"))
        if spacing is None:
            spacing = OxmlElement("w:spacing")
            r_pr.insert_element_before(spacing, *_AFTER_SPACING)
        spacing.set(qn("w:val"), str(round(spacing_pt * 20)))


def _paragraph_format(style, layout: Layout, indent: bool = True, line_pt: float | None = None, align=WD_ALIGN_PARAGRAPH.JUSTIFY) -> None:
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line_pt or layout["line_spacing_pt"])
    fmt.left_indent = fmt.right_indent = Pt(0)
    size = layout["body"]["size_pt"]
    fmt.first_line_indent = Pt(layout["first_line_indent_chars"] * (size + layout.char_spacing_pt)) if indent else Pt(0)
    fmt.widow_control = True


def _styles(word, layout: Layout) -> None:
    styles = word.styles
    latin, spacing = layout["latin_font"], layout.char_spacing_pt
    body = layout["body"]
    # Document defaults: Chinese language, the body font, so that anything unstyled reads right.
    defaults = styles.element.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(r_pr):
        r_pr.remove(child)
    r_pr.append(_element("w:rFonts", ascii=latin, hAnsi=latin, eastAsia=body["font"], cs=latin))
    r_pr.append(_element("w:sz", val=str(round(body["size_pt"] * 2))))
    r_pr.append(_element("w:szCs", val=str(round(body["size_pt"] * 2))))
    r_pr.append(_element("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))
    _line_end_punctuation(defaults)

    normal = styles["Normal"]
    _character(normal, body["font"], latin, body["size_pt"], spacing_pt=spacing)
    _paragraph_format(normal, layout)

    title_rules = layout["title"]
    title = _style(styles, STYLE_TITLE, WD_STYLE_TYPE.PARAGRAPH)
    _character(title, title_rules["font"], latin, title_rules["size_pt"], title_rules["bold"])
    # The title's lines are spaced to its own size (two 二号 lines are taller than 28 pt).
    _paragraph_format(title, layout, indent=False, line_pt=max(layout["line_spacing_pt"], title_rules["size_pt"] * 1.5),
                      align=WD_ALIGN_PARAGRAPH.CENTER)

    h1_rules = layout["heading1"]
    h1 = styles[STYLE_HEADING1]
    h1.base_style = normal
    _character(h1, h1_rules["font"], latin, h1_rules["size_pt"], h1_rules["bold"], spacing)
    _paragraph_format(h1, layout)
    h1.paragraph_format.keep_with_next = True
    _clear_theme_fonts(h1)

    h2_rules = layout["heading2"]
    run_in = _style(styles, STYLE_RUN_IN, WD_STYLE_TYPE.CHARACTER)
    _character(run_in, h2_rules["font"], latin, h2_rules["size_pt"], h2_rules["bold"], spacing)

    table_rules = layout["table"]
    for name, font in ((STYLE_TABLE, table_rules["font"]), (STYLE_TABLE_HEADER, table_rules["header_font"])):
        style = _style(styles, name, WD_STYLE_TYPE.PARAGRAPH)
        _character(style, font, latin, table_rules["size_pt"])
        _paragraph_format(style, layout, indent=False, line_pt=table_rules["line_spacing_pt"], align=WD_ALIGN_PARAGRAPH.LEFT)

    caption_rules = layout["caption"]
    caption = _style(styles, STYLE_CAPTION, WD_STYLE_TYPE.PARAGRAPH)
    _character(caption, caption_rules["font"], latin, caption_rules["size_pt"])
    _paragraph_format(caption, layout, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)

    figure = _style(styles, STYLE_FIGURE, WD_STYLE_TYPE.PARAGRAPH)
    _paragraph_format(figure, layout, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    figure.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # exact spacing would clip the picture

    number_rules = layout["page_number"]
    number = _style(styles, STYLE_PAGE_NUMBER, WD_STYLE_TYPE.PARAGRAPH)
    _character(number, number_rules["font"], number_rules["font"], number_rules["size_pt"])
    _paragraph_format(number, layout, indent=False, line_pt=number_rules["size_pt"] * 1.25, align=WD_ALIGN_PARAGRAPH.CENTER)


def _line_end_punctuation(defaults) -> None:
    """Every paragraph's 「，」「。」 at the end of a full line prints (docs/publication.md, PDF).

    ``w:overflowPunct`` on is Word's and WPS's own default (a line-final 「，」 may hang past the
    text edge, as it always did in Word), so Word and WPS lay out as before. LibreOffice reads the
    element the other way round (``overflowPunct`` 1 sets its "hanging punctuation" off, omitted
    leaves it on) and, with it on, a 「，」/「。」 after the 28th character of a justified line hung
    in the margin and was never drawn: the PDF lost it. Off, LibreOffice wraps as Chinese
    typesetting does (避头尾: the line's last character goes down with the punctuation) and the
    28-character grid stays. ``tests/test_pdf_punctuation.py`` compares the PDF's punctuation
    with the DOCX's, and so catches a LibreOffice that reads it otherwise."""
    p_pr_default = defaults.find(qn("w:pPrDefault"))
    if p_pr_default is None:
        p_pr_default = OxmlElement("w:pPrDefault")
        defaults.append(p_pr_default)
    p_pr = p_pr_default.find(qn("w:pPr"))
    if p_pr is None:
        p_pr = OxmlElement("w:pPr")
        p_pr_default.append(p_pr)
    for old in p_pr.findall(qn("w:overflowPunct")):
        p_pr.remove(old)
    # CT_PPrBase order: overflowPunct comes before topLinePunct … spacing, ind, jc
    later = next((child for child in p_pr if child.tag in _AFTER_OVERFLOW_PUNCT), None)
    element = _element("w:overflowPunct", val="1")
    if later is None:
        p_pr.append(element)
    else:
        later.addprevious(element)


_AFTER_OVERFLOW_PUNCT = {qn(f"w:{tag}") for tag in (
    "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
    "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
    "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")}


def _style(styles, name: str, kind):
    style = styles.add_style(name, kind)
    if kind == WD_STYLE_TYPE.PARAGRAPH:
        style.base_style = styles["Normal"]
    style.quick_style = True
    return style


def _clear_theme_fonts(style) -> None:
    """Built-in heading styles carry theme fonts and colours that would win over ours."""
    fonts = style.element.rPr.find(qn("w:rFonts"))
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)


def _element(tag: str, **attributes: str):
    element = OxmlElement(tag)
    for key, value in attributes.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _footers(word, layout: Layout) -> None:
    """「— 1 —」 from Word's PAGE field; GB/T 9704: odd pages right, even pages left, one character in."""
    rules = layout["page_number"]
    section = word.sections[0]
    one_char = Pt(rules["size_pt"])
    if rules["position"] == "outside":
        word.settings.odd_and_even_pages_header_footer = True
        places = ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT))
    else:
        places = ((section.footer, WD_ALIGN_PARAGRAPH.CENTER),)
    for footer, align in places:
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = word.styles[STYLE_PAGE_NUMBER]
        paragraph.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = one_char
        elif align == WD_ALIGN_PARAGRAPH.LEFT:
            paragraph.paragraph_format.left_indent = one_char
        before, _, after = rules["text"].partition("{page}")
        if before:
            paragraph.add_run(before)
        _page_field(paragraph)
        if after:
            paragraph.add_run(after)


def _page_field(paragraph) -> None:
    """A PAGE field with a cached result of 1, for readers that do not update fields."""
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        run = paragraph.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "text":
            run.text = text
        else:
            run._r.append(_element("w:fldChar", fldCharType=kind))


# --- font table ------------------------------------------------------------------------------

# What Word and WPS need to substitute well where a font is missing: an alternative name (altName,
# the common name of the same design, or for 方正小标宋简体 the 宋体 every Chinese Windows has), the
# PANOSE class, the GB2312 character set (86) and the pitch. Values as Word records the fonts.
FONT_TABLE = {
    "仿宋_GB2312": ("仿宋", "02010609030101010101", "86", "modern", "fixed"),
    "仿宋": ("FangSong", "02010609060101010101", "86", "modern", "fixed"),
    "楷体_GB2312": ("楷体", "02010609030101010101", "86", "modern", "fixed"),
    "楷体": ("KaiTi", "02010609060101010101", "86", "modern", "fixed"),
    "方正小标宋简体": ("宋体", "02000000000000000000", "86", "auto", "variable"),
    "黑体": ("SimHei", "02010609060101010101", "86", "modern", "fixed"),
    "宋体": ("SimSun", "02010600030101010101", "86", "auto", "variable"),
    "Times New Roman": (None, "02020603050405020304", "00", "roman", "variable"),
}


def _font_table(word, layout: Layout) -> None:
    """Every font the layout names, in word/fontTable.xml with its fallback hints (FONT_TABLE);
    a font perflib does not know is listed as a Chinese (GB2312) font without hints."""
    from lxml import etree

    part = next(p for p in word.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    named = [layout[role]["font"] for role in ("title", "heading1", "heading2", "body", "table", "caption", "page_number")]
    named += [layout["table"]["header_font"], layout["latin_font"]]
    for name in dict.fromkeys(named):
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        alt, panose, charset, family, pitch = FONT_TABLE.get(name, (None, None, "86", "auto", "variable"))
        font = _element("w:font", name=name)
        if alt:
            font.append(_element("w:altName", val=alt))
        if panose:
            font.append(_element("w:panose1", val=panose))
        font.append(_element("w:charset", val=charset))
        font.append(_element("w:family", val=family))
        font.append(_element("w:pitch", val=pitch))
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- determinism -----------------------------------------------------------------------------

def _core_properties(word, doc: Document) -> None:
    props = word.core_properties
    when = document_date(doc)
    props.title = doc.title.replace("\n", "")
    props.subject = props.keywords = props.category = props.comments = ""
    props.author = props.last_modified_by = ""
    props.revision = 1
    props.created = props.modified = when


def _drop_thumbnail(word) -> None:
    """The template's thumbnail shows an empty page; a reader would see it in file browsers."""
    package = word.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rel_id)


def normalize_zip(data: bytes) -> bytes:
    """The same zip with fixed entry times and attributes, entries in their original order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename), compresslevel=9)
    return out.getvalue()
