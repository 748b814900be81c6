"""HTML renderer: the document model as one self-contained page (styles and images inline).

Every text from data or params is escaped (Jinja2 autoescape and ``markupsafe.escape``); the page
carries no code, no prompts and no external resource.
"""
from __future__ import annotations

import base64
import re
from importlib.resources import files

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from .document import Chart, Document, Paragraph, Section, Signature, Table


# Typography: a number and its unit stay on one line (「6,012万元」 never breaks as 「6,012万」/「元」),
# whether the number is a figure or part of quoted text (a document number, a report title).
_NUMBER_WITH_UNIT = re.compile(r"\d[\d,.]*(?:万元|亿元|元|%|个|人次|次|类|条|项|批)")


def _keep_together(text: str) -> Markup:
    escaped = str(escape(text))
    return Markup(_NUMBER_WITH_UNIT.sub(lambda m: f'<span class="nobr">{m.group(0)}</span>', escaped))


def _paragraph(doc: Document, block: Paragraph, run_in: str | None = None) -> str:
    lead = f'<span class="run-in">{escape(run_in)}。</span>' if run_in else ""
    return f"<p>{lead}{''.join(_keep_together(doc.printed(run)) for run in block.runs)}</p>"


def _table(doc: Document, block: Table) -> str:
    numeric = [doc.is_numeric(block, c) for c in range(len(block.columns))]
    head = "".join(f'<th class="num">{escape(c)}</th>' if numeric[i] and i else f"<th>{escape(c)}</th>"
                   for i, c in enumerate(block.columns))

    def cell(i: int, value: str) -> str:
        if i == 0 and value.isdigit():
            return f'<td class="seq">{escape(value)}</td>'
        if numeric[i]:
            return f'<td class="num">{escape(value)}</td>'  # right-aligned, never wrapped
        return f"<td>{_keep_together(value)}</td>"

    body = "".join("<tr>" + "".join(cell(i, doc.printed(v)) for i, v in enumerate(row)) + "</tr>" for row in block.rows)
    short = " short" if len(block.rows) <= SHORT_TABLE_ROWS else ""
    return (f'<div class="table-block{short}"><p class="caption"><strong>{escape(block.title)}</strong></p>'
            f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></div>')


SHORT_TABLE_ROWS = 15  # printed whole on one page (as render_docx.KEEP_WHOLE_ROWS)


def _signature(signature: Signature) -> str:
    """落款: the issuing office and the date, right-aligned (GB/T 9704-2012 7.3.5.2)."""
    office_right, date_right = signature.right_indents()
    date = (f'<p class="date" style="padding-right:{date_right:g}em">{escape(signature.date)}</p>'
            if signature.date else "")
    return (f'<div class="signature"><p class="office" style="padding-right:{office_right:g}em">'
            f"{escape(signature.office)}</p>{date}</div>")


def _chart(block: Chart) -> str:
    data = base64.b64encode(block.svg.encode("utf-8")).decode("ascii")
    return (f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{escape(block.title)}">'
            f"<figcaption>{escape(block.title)}</figcaption></figure>")


def _block(doc: Document, block, run_in: str | None = None) -> str:
    if isinstance(block, Paragraph):
        return _paragraph(doc, block, run_in)
    if isinstance(block, Table):
        return _table(doc, block)
    return _chart(block)


def _section(doc: Document, section: Section) -> str:
    if section.level == 1:
        appendix = ' class="appendix"' if section.number.startswith("附") else ""
        parts = [f"<h2{appendix}>{escape(section.heading)}</h2>"] + [_block(doc, b) for b in section.blocks]
    else:  # level 2 headings run in: 「（一）制度建设方面。」 begins the first paragraph
        parts = []
        run_in = section.heading
        for block in section.blocks:
            parts.append(_block(doc, block, run_in if isinstance(block, Paragraph) else None))
            if isinstance(block, Paragraph):
                run_in = None
        if run_in:
            parts.insert(0, f'<p><span class="run-in">{escape(run_in)}</span></p>')
    parts += [_section(doc, child) for child in section.children]
    return "\n".join(parts)


def render_body(doc: Document, notes: bool = False) -> Markup:
    """The report's HTML without page chrome (also what the notebook displays)."""
    parts = [f'<h1 class="title">{Markup("<br>").join(escape(line) for line in doc.title.split(chr(10)))}</h1>'] + [_section(doc, s) for s in doc.body_sections]
    if doc.signature:
        parts.append(_signature(doc.signature))
    parts += [_section(doc, s) for s in doc.appendix_sections]
    if notes and doc.notes:
        items = "".join(f"<p>{escape(str(n))}</p>" for n in doc.notes)
        parts.append(f'<section class="notes"><p><strong>附：数据核对提示（供编制人员参阅，发布前请删除或处理）</strong></p>{items}</section>')
    return Markup("\n".join(parts))


def render_html(doc: Document, notes: bool = False) -> str:
    """The standalone page."""
    env = Environment(loader=PackageLoader("perflib", "templates"), autoescape=select_autoescape(["html", "j2"]))
    css = Markup(files("perflib").joinpath("templates/report.css").read_text(encoding="utf-8"))
    return env.get_template("report.html.j2").render(doc=doc, title=doc.title.replace("\n", ""), css=css, body=render_body(doc, notes)) + "\n"
