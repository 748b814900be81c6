"""One document model for every output: sections with generated numbers, paragraphs, tables and
charts. A paragraph is a sequence of text runs and figure references; a table cell is text or a
figure reference. Figures stay values until a renderer prints them through ``Document.printed``
(the county's ``formatting.Printer``). Renderers (notebook display, HTML, DOCX) read the model and
add nothing of their own."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Callable, Mapping, Union

from . import formatting as fmt
from .figures import Figure, FigureRef, Figures
from .errors import ParamsError, TemplateProblem
from .findings import Finding
from .layout import Layout, load_layout
from .narrative import Citations, context, environment, load_outline, render_paragraphs, render_text
from .outline import Part
from .params import ILLUSTRATIVE_PARTS_NOTICE, Params

Run = Union[str, FigureRef]  # a run of text, or a figure printed in its place
Cell = Union[str, FigureRef]


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]

    @classmethod
    def of(cls, text: str) -> "Paragraph":
        """A paragraph of plain text (params text, a rollup sentence)."""
        return cls((text,))


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    number: str = ""  # 表1, 表2 … in reading order, given by build_document (number_tables)
    numeric: tuple[bool, ...] = ()  # per column: numbers, right-aligned (empty: judged from the printed cells)

    @property
    def title(self) -> str:
        """The title printed above the table: 「表1　…」."""
        return f"{self.number}\u3000{self.caption}" if self.number else self.caption


@dataclass(frozen=True)
class Chart:
    key: str
    caption: str  # what it shows, without its number
    png: bytes = field(repr=False)  # print resolution, for Word
    svg: str = field(repr=False)  # for the web
    number: str = ""  # 图1, 图2 … in reading order, given by build_document (number_tables)

    @property
    def title(self) -> str:
        """The caption printed below the chart: 「图1　…」."""
        return f"{self.number}\u3000{self.caption}" if self.number else self.caption


_NUMERIC_CELL = re.compile(r"^[-+−]?\d[\d,.]*\s*(%|万元|亿元|元|个|人次|次|项|条|类|批)?$")


@dataclass(frozen=True)
class Signature:
    """落款: the issuing office (发文机关署名) and the date (成文日期) at the end of the document."""

    office: str
    date: str  # as printed: 「2024年3月15日」

    def right_indents(self) -> tuple[float, float]:
        """Right indents, in characters, of the office line and of the date line below it, after
        GB/T 9704-2012 7.3.5.2 (no seal): the office 2 characters from the right, the date starting
        2 characters right of the office's first character; a date longer than that ends
        2 characters from the right and the office moves left. Digits count half a character."""
        office, date_ = _width(self.office), _width(self.date)
        office_right = max(2.0, 4.0 + date_ - office)
        return office_right, office_right + office - 2.0 - date_


def _width(text: str) -> float:
    """Width in characters: Chinese 1, digits and Latin letters 0.5, and a quarter character where
    the two meet (the space Word, WPS and LibreOffice put between Chinese and digits)."""
    wide = [ord(c) >= 0x2E80 for c in text]
    return sum(1.0 if w else 0.5 for w in wide) + 0.25 * sum(a != b for a, b in zip(wide, wide[1:]))


def chinese_date(day: date) -> str:
    """A date as a 公文 prints it: 「2024年3月5日」 (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


Block = Union[Paragraph, Table, Chart]


@dataclass(frozen=True)
class Section:
    level: int
    number: str  # generated: 一、 or （一）
    title: str
    blocks: tuple[Block, ...] = ()
    children: tuple["Section", ...] = ()
    key: str = ""  # the outline part it comes from (perflib.outline), or "" for params items

    @property
    def heading(self) -> str:
        return f"{self.number}{self.title}"


@dataclass(frozen=True)
class Document:
    title: str  # may hold "\n" where a long title's lines break (the rollup's); printed without it elsewhere
    sections: tuple[Section, ...]
    notes: tuple[Finding, ...] = ()  # warnings for the analyst: shown in the appendix, not the text
    period_end: date | None = None  # the date written into files' metadata (see render_docx)
    layout: Layout | None = field(default=None, repr=False, compare=False)  # page layout of the DOCX/PDF (layout.yaml)
    figures: Mapping[str, Figure] = field(default_factory=dict, repr=False, compare=False)  # what FigureRefs name
    printer: fmt.Printer = field(default_factory=fmt.Printer, repr=False, compare=False)  # the county's number settings
    signature: Signature | None = None  # 落款 after the text (params text.issuer, text.issue_date)

    def walk(self):
        """Every section, depth first."""
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            yield section
            stack.extend(reversed(section.children))

    @property
    def body_sections(self) -> tuple[Section, ...]:
        """The text's sections: those before the first appendix (附：…)."""
        return self.sections[:self._appendix_start()]

    @property
    def appendix_sections(self) -> tuple[Section, ...]:
        """The appendices (附：…): after the 落款, as a 公文's 附件 follow it."""
        return self.sections[self._appendix_start():]

    def _appendix_start(self) -> int:
        return next((i for i, s in enumerate(self.sections) if s.number.startswith("附")), len(self.sections))

    def is_numeric(self, table: Table, column: int) -> bool:
        """Whether a table's column holds numbers (right-aligned): as the table says, else every
        non-empty printed cell of the column is a number with its unit (「增长9.2%」 in words is text)."""
        if table.numeric:
            return column < len(table.numeric) and table.numeric[column]
        cells = [self.printed(row[column]) for row in table.rows if column < len(row)]
        cells = [c for c in cells if c.strip()]
        return bool(cells) and all(_NUMERIC_CELL.match(c) for c in cells)

    def section(self, key: str) -> Section | None:
        """The section made from the outline part ``key`` (None if the report has no such part)."""
        return next((s for s in self.walk() if s.key == key), None)

    def charts(self) -> list[Chart]:
        """Every chart, in reading order."""
        return [b for s in self.walk() for b in s.blocks if isinstance(b, Chart)]

    def printed(self, run: Run) -> str:
        """A run or a table cell as the report prints it."""
        return self.printer(self.figures[run.key]) if isinstance(run, FigureRef) else run

    def text_of(self, runs: tuple[Run, ...], mark: Callable[[str, str], str] | None = None) -> str:
        """Runs as text; ``mark(key, printed)`` may wrap each printed figure (audit-text locates them so)."""
        return "".join(mark(r.key, self.printed(r)) if mark and isinstance(r, FigureRef) else self.printed(r) for r in runs)

    def text(self, mark: Callable[[str, str], str] | None = None) -> str:
        """The report as plain text (title, headings, paragraphs, table cells), one block a line."""
        lines = [self.title.replace("\n", "")]
        signed = self.signature is None
        for section in self.walk():
            if not signed and section.level == 1 and section in self.appendix_sections:
                lines += [self.signature.office, self.signature.date]
                signed = True
            lines.append(section.heading)
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    lines.append(self.text_of(block.runs, mark))
                elif isinstance(block, Table):
                    lines.append(block.title)
                    lines.append("\t".join(block.columns))
                    lines.extend("\t".join(self.text_of((cell,), mark) for cell in row) for row in block.rows)
                elif isinstance(block, Chart):
                    lines.append(block.title)
        if not signed:
            lines += [self.signature.office, self.signature.date]
        return "\n".join(lines)


def _key_evaluation_cell(column: str, i: int, row: dict, params: Params) -> Cell:
    """One cell of the key-evaluation table, by the column a county chooses (params key_evaluation_table)."""
    if column == "序号":
        return str(i)
    if column == "评价报告":
        return row["title"]
    if column == "主管部门":
        return row["department"] or ""
    if column == "评价类型":
        return row["_type"] or ""
    if column == "评价对象数":
        return FigureRef(f"key_evaluations.row.{row['excel_row']}.objects")
    if column == "评价资金":
        return FigureRef(f"key_evaluations.row.{row['excel_row']}.amount") if row.get("amount") is not None else ""
    if column == "评价得分":
        return "" if row.get("score") is None else str(row["score"])
    if column == "评价等级":
        return row.get("grade") or ""
    raise KeyError(column)


def report_tables(figures: Figures, params: Params) -> dict[str, Table]:
    """The tables the outline can place, by name."""
    records = figures.lists.get("key_evaluations.rows", [])
    key_columns = tuple("评价资金（万元）" if c == "评价资金" else c for c in params.key_evaluation_columns)
    tables = {}
    if figures.lists.get("yoy.years"):  # 与上年对比 (perflib.history): only with the previous year's data
        from .history import history_rows

        columns, rows = history_rows(figures, params)
        tables["history"] = Table(f"{params.county_name}近年预算绩效管理主要指标", columns, tuple(rows))
    return tables | {
        "key_evaluation_reports": Table(
            caption=f"{params.year}年度{params.county_name}财政重点绩效评价报告",
            columns=key_columns,
            rows=tuple(tuple(_key_evaluation_cell(c, i, row, params) for c in params.key_evaluation_columns)
                       for i, row in enumerate(records, start=1)),
        )
    }


def build_document(figures: Figures, params: Params, charts: dict[str, Chart], notes: list[Finding] = (),
                   dataset_tables: Any = None) -> Document:
    """The report: the outline walked with generated heading numbers, text from templates."""
    env = environment(params)
    citations = Citations()  # what the templates cite, out of band (never read back from text)
    values = context(figures, params, citations)
    outline = load_outline(params)
    blocks_by_name: dict[str, Any] = {**{f"table:{k}": v for k, v in report_tables(figures, params).items()},
                                      **{f"chart:{k}": v for k, v in charts.items()}}
    items = {"problems": params.problems, "measures": params.measures}
    present = set(dataset_tables) if dataset_tables is not None else None

    empty = {"chart:evaluation_funds": not any(a.value for _, a in figures.lists.get("key_evaluations.funds_by_type", [])),
             "chart:monitoring_progress": not figures.lists.get("monitoring.batches"),
             "chart:history": "history" not in charts}  # no main indicator over two years: no chart
    # the tables and charts this report prints (a text says 「见附表」 only of a table it prints)
    values["printed"] = {name for part in outline.walk() for name in part.blocks
                         if name in blocks_by_name and not empty.get(name)
                         and not (isinstance(blocks_by_name[name], Table) and not blocks_by_name[name].rows)}

    def build(parts: tuple[Part, ...], level: int) -> tuple[Section, ...]:
        sections = []
        n = 0
        for part in parts:
            if part.when and not values.get(part.when):
                continue  # a part that only exists with some data (when: history_span)
            if part.tables and present is not None and not any(t in present for t in part.tables):
                continue  # the county provides none of its tables (validation.absent_sheets)
            blocks: list[Block] = []
            children: tuple[Section, ...] = ()
            if part.template:
                blocks += [Paragraph(runs) for runs in render_paragraphs(env, part.template, values, citations)]
            for name in part.blocks:
                if empty.get(name):
                    continue  # nothing to show: no table or chart of nothing
                if name not in blocks_by_name:
                    known = "、".join(sorted(blocks_by_name))
                    raise TemplateProblem(f"模板 outline.yaml 中「{part.title}」的 blocks 有未知的表或图「{name}」（本报告可用：{known}）。")
                block = blocks_by_name[name]
                if empty.get(name) or (isinstance(block, Table) and not block.rows):
                    continue  # nothing to show: no table or chart of nothing
                blocks.append(block)
            if part.items:
                children = tuple(
                    Section(level + 1, fmt.heading_number(level + 1, i), item.title, (Paragraph.of(item.text),))
                    for i, item in enumerate(items[part.items], start=1)
                )
            if part.parts:
                children = build(part.parts, level + 1)
                if not children:
                    continue  # an umbrella part whose every sub-part was left out
            if not blocks and not children:
                continue  # nothing to say (optional text absent, or a template that printed nothing): no empty heading
            n += 0 if part.appendix else 1
            number = "附：" if part.appendix else fmt.heading_number(level, n)  # an appendix is not numbered
            title = render_text(env, part.title, values, citations) if part.title_is_template else part.title
            sections.append(Section(level, number, title, tuple(blocks), children, part.key))
        return tuple(sections)

    sections = number_tables(build(outline.parts, 1))
    signature = signature_of(params)
    known = {p.key for p in outline.walk()} | set(blocks_by_name) | set(empty) | {"issue_date"}
    names = {block.caption: name for name, block in blocks_by_name.items()}  # a table or chart's name, by its caption
    notice = illustrative_section(params, sections, signature, known, names)
    if notice is not None:  # data partly invented: every output says so, before the first part
        sections = (notice,) + sections
    return Document(render_text(env, outline.title, values, citations), sections, tuple(notes),
                    period_end=date(params.year, 12, 31), layout=load_layout(params),
                    figures=dict(figures.items), printer=fmt.Printer(params.settings), signature=signature)


def illustrative_section(params: Params, sections: tuple[Section, ...], signature: Signature | None,
                         known: set[str], names: Mapping[str, str]) -> Section | None:
    """「示例数据说明」: the params' ``illustrative`` notice, or its notes, each after the printed
    name of what it is about (a part's heading, 「图1　…」, 「表1　…」, the 落款's date). A note on
    something the report does not print (a part left out) is not printed; one on a name the report
    does not know is a params error. None when there is nothing to declare."""
    if not params.illustrative:
        return None
    if not params.illustrative_notes:
        return Section(1, "", "示例数据说明", (Paragraph.of(params.illustrative),), key="illustrative")
    labels: dict[str, str] = {"": ""}
    if signature is not None and signature.date:
        labels["issue_date"] = "落款的成文日期"
    for top in sections:
        for section in (top, *top.children):
            if section.key:  # params items (存在问题 …) have no key
                labels[section.key] = f"「{top.heading if section is top else top.number.rstrip('、') + section.heading}」"
            for block in section.blocks:
                if isinstance(block, (Table, Chart)) and block.caption in names:
                    labels[names[block.caption]] = f"「{block.title}」"
    paragraphs = []
    for what, note in params.illustrative_notes:
        if what and what not in known:
            raise ParamsError(f"参数文件 params/{params.county}/{params.year}.yaml 中 illustrative 的「{what}」不是本报告的部分"
                              f"（key）、图表（chart:…、table:…）或 issue_date（可用：{'、'.join(sorted(known))}）。")
        if what in labels:
            paragraphs.append(Paragraph.of(f"{labels[what]}：{note}" if labels[what] else note))
    if not paragraphs:
        return None
    return Section(1, "", "示例数据说明", (Paragraph.of(ILLUSTRATIVE_PARTS_NOTICE), *paragraphs), key="illustrative")


def signature_of(params: Params) -> Signature | None:
    """The 落款 from the params (text.issuer, text.issue_date); none without an issuer."""
    if not params.issuer:
        return None
    return Signature(params.issuer, chinese_date(params.issue_date) if params.issue_date else "")


def number_tables(sections: tuple[Section, ...], start: int = 1) -> tuple[Section, ...]:
    """Every table numbered 表1, 表2 … and every chart 图1, 图2 … in reading order (a section's
    blocks, then its children), so a report without one chart has no gap in the numbers."""
    counter, charts = iter(range(start, 10_000)), iter(range(1, 10_000))

    def number(block: Block) -> Block:
        if isinstance(block, Table):
            return replace(block, number=f"表{next(counter)}")
        if isinstance(block, Chart):
            return replace(block, number=f"图{next(charts)}")
        return block

    def walk(section: Section) -> Section:
        blocks = tuple(number(b) for b in section.blocks)
        return replace(section, blocks=blocks, children=tuple(walk(c) for c in section.children))

    return tuple(walk(s) for s in sections)
