"""One document model for every output: sections with generated numbers, paragraphs, tables
and charts. Renderers (notebook display, HTML, DOCX) read it and add nothing of their own."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Union

from . import formatting as fmt
from .figures import Figures
from .findings import Finding
from .layout import Layout, load_layout
from .narrative import context, environment, load_outline, render_paragraphs, render_text
from .params import Params


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    key: str
    caption: str
    png: bytes = field(repr=False)  # print resolution, for Word
    svg: str = field(repr=False)  # for the web


Block = Union[Paragraph, Table, Chart]


@dataclass(frozen=True)
class Section:
    level: int
    number: str  # generated: 一、 or （一）
    title: str
    blocks: tuple[Block, ...] = ()
    children: tuple["Section", ...] = ()

    @property
    def heading(self) -> str:
        return f"{self.number}{self.title}"


@dataclass(frozen=True)
class Document:
    title: str
    sections: tuple[Section, ...]
    notes: tuple[Finding, ...] = ()  # warnings for the analyst: shown in the appendix, not the text
    period_end: date | None = None  # the date written into files' metadata (see render_docx)
    layout: Layout | None = field(default=None, repr=False, compare=False)  # page layout of the DOCX/PDF (layout.yaml)

    def walk(self):
        """Every section, depth first."""
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            yield section
            stack.extend(reversed(section.children))

    def charts(self) -> list[Chart]:
        """Every chart, in reading order."""
        return [b for s in self.walk() for b in s.blocks if isinstance(b, Chart)]

    def text(self) -> str:
        """The report as plain text (title, headings, paragraphs, table cells)."""
        lines = [self.title]
        for section in self.walk():
            lines.append(section.heading)
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    lines.append(block.text)
                elif isinstance(block, Table):
                    lines.append(block.caption)
                    lines.extend("\t".join(row) for row in (block.columns, *block.rows))
                elif isinstance(block, Chart):
                    lines.append(block.caption)
        return "\n".join(lines)


def report_tables(figures: Figures, params: Params) -> dict[str, Table]:
    """The tables the outline can place, by name."""
    titles = figures.lists["key_evaluations.published"]
    tables = {}
    if figures.lists.get("yoy.years"):  # 与上年对比 (perflib.yoy): only with the previous year's data
        from .yoy import history_rows

        columns, rows = history_rows(figures, params)
        tables["history"] = Table(f"{params.county_name}近年预算绩效管理主要指标", columns, tuple(rows))
    return tables | {
        "key_evaluation_reports": Table(
            caption=f"{params.year}年度{params.county_name}财政重点绩效评价报告",
            columns=("序号", "评价报告"),
            rows=tuple((str(i), title) for i, title in enumerate(titles, start=1)),
        )
    }


def build_document(figures: Figures, params: Params, charts: dict[str, Chart], notes: list[Finding] = ()) -> Document:
    """The report: the outline walked with generated heading numbers, text from templates."""
    env = environment(params)
    values = context(figures, params)
    outline = load_outline(params)
    blocks_by_name: dict[str, Any] = {**{f"table:{k}": v for k, v in report_tables(figures, params).items()},
                                      **{f"chart:{k}": v for k, v in charts.items()}}
    items = {"problems": params.problems, "measures": params.measures}

    def build(entries: list[dict], level: int) -> tuple[Section, ...]:
        sections = []
        n = 0
        for entry in entries:
            if entry.get("when") and not values.get(entry["when"]):
                continue  # a part that only exists with some data (when: history_span)
            n += 0 if entry.get("appendix") else 1
            blocks: list[Block] = []
            children: tuple[Section, ...] = ()
            if entry.get("template"):
                blocks += [Paragraph(p) for p in render_paragraphs(env, entry["template"], values)]
            blocks += [blocks_by_name[name] for name in entry.get("blocks", [])]
            if entry.get("items"):
                children = tuple(
                    Section(level + 1, fmt.heading_number(level + 1, i), item.title, (Paragraph(item.text),))
                    for i, item in enumerate(items[entry["items"]], start=1)
                )
            if entry.get("sections"):
                children = build(entry["sections"], level + 1)
            number = "附：" if entry.get("appendix") else fmt.heading_number(level, n)  # an appendix is not numbered
            sections.append(Section(level, number, render_text(env, entry["title"], values), tuple(blocks), children))
        return tuple(sections)

    return Document(render_text(env, outline["title"], values), build(outline["sections"], 1), tuple(notes),
                    period_end=date(params.year, 12, 31), layout=load_layout(params))
