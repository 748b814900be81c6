"""``perflib audit-text``: check a report written by hand against the data and against itself.

The figures of the text (counts with 个/项/次/人次/类/条, amounts in 万元/亿元, percentages) are
found with the words around them and matched to the ledger. A figure is matched by its context:
the report perflib generates for the same county and year is the reference wording, in which
every printed figure's position is known exactly (the document is built once more with marked
figures). Each figure of the text goes to the ledger figure whose context in the generated
report is most alike (the words just before it, the clause, the words after it, the heading);
figures printed nowhere in the generated text are matched by their label.

Reported: a figure that disagrees with the data, a figure with no source in the data; the
text's own arithmetic (parts that do not add up to the stated total, 万元 and 亿元 that
disagree, a percentage that does not follow from the amounts beside it, more or fewer reports
than the table lists); heading numbers repeated or skipped (一、二、…, （一）（二）…).
Years, months, document numbers (〔2018〕30号) and numbering are not audited as figures.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Iterable

from . import counts
from .figures import row_ranges
from .ledger import Entry, Ledger
from .money import WAN_PER_YI
from .errors import UnreadableText


# -- reading and normalizing --------------------------------------------------------------------

def read_lines(path: Path) -> list[str]:
    """The text's lines (a .docx: its paragraphs and table rows, cells joined by tabs)."""
    from . import limits, safety

    suffix = path.suffix.lower()
    if not path.exists():
        raise FileNotFoundError(f"文件不存在：{path}")
    if suffix == ".docx":
        safety.read_regular(path, path.name, limits.MAX_AUDIT_DOCX_BYTES, "E158")  # a regular file (E151), bounded (E158)
        limits.check_zip(path, path.name, limit=limits.MAX_AUDIT_DOCX_INFLATED)  # a zip bomb (E150)
        limits.check_docx_elements(path, path.name)  # millions of runs, refused before python-docx builds them (E158)
        lines = _docx_lines(path)
        if sum(map(len, lines)) > limits.MAX_AUDIT_TEXT_BYTES:
            raise safety.InputRefused("E158", f"{path.name} 的文字超过 {limits.MAX_AUDIT_TEXT_BYTES // limits.MB} MB，"
                                              "不像一篇年度报告，已拒绝核对。请只提供报告本身。")
        return lines
    if suffix not in (".txt", ".md"):
        raise UnreadableText(f"不支持的文件类型「{path.suffix}」：请提供 .txt、.md 或 .docx 文件。")
    data = safety.read_regular(path, path.name, limits.MAX_AUDIT_TEXT_BYTES, "E158")  # a regular file (E151), bounded (E158)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise UnreadableText(f"{path.name} 既不是 UTF-8 也不是 GB18030 编码的文本。")
    lines = text.splitlines()
    return [_markdown_line(line) for line in lines] if suffix == ".md" else lines


def _markdown_line(line: str) -> str:
    """A Markdown line as plain text: no heading marks or emphasis; table rows as tab-separated cells."""
    stripped = line.strip()
    if re.fullmatch(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?", stripped):
        return ""
    if stripped.startswith("|"):
        return "\t".join(cell.strip() for cell in stripped.strip("|").split("|"))
    line = re.sub(r"^\s{0,3}#{1,6}\s*", "", line)
    return re.sub(r"(\*\*|__|\*|`)", "", line)


def _docx_lines(path: Path) -> list[str]:
    try:
        import docx
        from docx.table import Table
    except ImportError:  # pragma: no cover - a dependency of perflib
        raise UnreadableText("读取 .docx 需要 python-docx：请重新安装 perflib。") from None
    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise UnreadableText(f"{path.name} 不是有效的 Word 文档（.docx）：{type(exc).__name__}。") from None
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                lines.append("\t".join(cell.text.strip() for cell in row.cells))
        else:
            lines.append(block.text)
    return lines


_SPACES = re.compile(r"[ \u3000\u00a0]+")


def normalize(line: str) -> str:
    """One line as compared: half-width digits and %, no spaces (「24,066 万元」 is 「24,066万元」),
    full-width brackets (「(一)」 is 「（一）」). Tabs (table cells) are kept."""
    line = "".join(unicodedata.normalize("NFKC", ch) if ch in "０１２３４５６７８９％．" else ch for ch in line)
    line = "\t".join(_SPACES.sub("", cell) for cell in line.split("\t"))
    return line.replace("(", "（").replace(")", "）")


# -- figures in a text ------------------------------------------------------------------------

# 「图2」「表1」「第3次」 are numbering and ordinals, not figures
# A figure may follow any punctuation, an ASCII comma included; a comma between digits is a
# thousands separator, so 「5,6个」 is not read as 「6个」.
# An approximate figure (「120余个」「近120个」「超过120个」) is read with its words (perflib.counts).
_FIGURE = re.compile(r"(?<![\d.图表第])(?<!\d,)(?P<before>接近|将近|超过|近|超|逾)?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?"
                     r"(?P<after>余|多)?(?P<unit>万元|亿元|%|人次|个|项|家|次|类|条|场|稿|份|件|篇)")
FAMILIES = {"个": "个", "项": "个", "家": "个", "件": "个", "篇": "个", "份": "个", "稿": "个", "次": "次", "场": "次",
            "人次": "人次", "类": "类", "条": "条", "万元": "元", "亿元": "元", "%": "%"}
assert set(FAMILIES) >= set(counts.MEASURE_WORDS)  # every measure word a county may print is read
_SENTENCE_END = "。；！？：\t"
_CLAUSE_END = _SENTENCE_END + "，、（）#,"


@dataclass
class TextFigure:
    """A figure found in a text, with the words around it."""

    line: int  # 1-based line (or .docx paragraph) number
    raw: str  # as normalized: 「24,066万元」
    number: Decimal
    decimals: int
    unit: str
    before: str  # the words just before it, back to the previous figure or punctuation
    clause: str  # the sentence up to it, other figures shown as #
    after: str  # the words after it, to the next figure or punctuation
    heading: str  # the title of the part it is in
    start: int = 0  # position in the masked line (figures shown as #)
    approx: str = ""  # 「120余个」: 余; 「近120个」: 近; 「超过120个」: 超 (perflib.counts); "" for an exact figure
    span: tuple[int, int] = (0, 0)  # where it is in the line (not masked)

    @property
    def family(self) -> str:
        return FAMILIES[self.unit]


def _parse_number(whole: str, fraction: str | None) -> tuple[Decimal, int]:
    return Decimal(whole.replace(",", "") + (f".{fraction}" if fraction else "")), len(fraction or "")


def _masked(line: str) -> tuple[str, list[tuple[re.Match, int]]]:
    """The line with each figure replaced by ``#``, and where each figure's ``#`` is."""
    parts, found, last, length = [], [], 0, 0
    for match in _FIGURE.finditer(line):
        parts.append(line[last:match.start()])
        length += match.start() - last
        found.append((match, length))
        parts.append("#")
        length += 1
        last = match.end()
    parts.append(line[last:])
    return "".join(parts), found


class _Positions:
    """Where a pattern occurs in a line, found once; then the occurrence before or after a
    position by bisection, so that a long line is not searched again for each figure."""

    def __init__(self, line: str, pattern: str):
        self.at = [m.start() for m in re.finditer(pattern, line)]
        self.length = len(line)

    def last_before(self, position: int) -> int:
        """The last occurrence starting before ``position``, or -1."""
        i = bisect_left(self.at, position)
        return self.at[i - 1] if i else -1

    def first_from(self, position: int) -> int:
        """The first occurrence at or after ``position``, or the line's length."""
        i = bisect_left(self.at, position)
        return self.at[i] if i < len(self.at) else self.length


_SENTENCE_ENDS = re.compile(f"[{re.escape(_SENTENCE_END)}]")
_CLAUSE_ENDS = re.compile(f"[{re.escape(_CLAUSE_END)}]")


def figures_in_line(line: str, number: int, heading: str) -> tuple[str, list[TextFigure]]:
    """The figures of a line with the words around them. Sentence and clause ends are found once
    per line and each figure's are looked up (bisect), so that a long line costs its length, not
    its length times its figures."""
    masked, found = _masked(line)
    if not found:
        return masked, []
    sentence_ends = [m.start() for m in _SENTENCE_ENDS.finditer(masked)]
    clause_ends = [m.start() for m in _CLAUSE_ENDS.finditer(masked)]  # a figure's # is one too
    figures = []
    for match, at in found:
        i = bisect_left(sentence_ends, at)
        sentence = sentence_ends[i - 1] + 1 if i else 0
        j = bisect_left(clause_ends, at)
        clause_start = max(sentence, clause_ends[j - 1] + 1 if j else 0)
        k = bisect_left(clause_ends, at + 1)
        stop = clause_ends[k] if k < len(clause_ends) else len(masked)
        value, decimals = _parse_number(match.group("whole"), match.group("fraction"))
        approx = "余" if match.group("after") else counts.TEXT_BEFORE.get(match.group("before") or "", "")
        figures.append(TextFigure(number, match.group(0), value, decimals, match.group("unit"), masked[clause_start:at],
                                  masked[max(sentence, at - 24):at], masked[at + 1:min(stop, at + 13)], heading, at,
                                  approx, match.span()))
    return masked, figures


_HEADING = re.compile(r"^(?:([一二三四五六七八九十]+)、|（([一二三四五六七八九十]+)）)")
_NUMERALS = "一二三四五六七八九"


def numeral_value(text: str) -> int:
    """Chinese numerals of headings (一 … 九十九) as a number."""
    if "十" not in text:
        return _NUMERALS.index(text) + 1
    tens, _, ones = text.partition("十")
    return (_NUMERALS.index(tens) + 1 if tens else 1) * 10 + (_NUMERALS.index(ones) + 1 if ones else 0)


def numeral(n: int) -> str:
    from .formatting import chinese_numeral

    return chinese_numeral(n)


@dataclass
class ParsedText:
    lines: list[str]  # normalized
    masked: list[str]
    figures: list[TextFigure]
    headings: list[tuple[int, int, int, str]]  # (line, level, number, text)


def parse_text(lines: Iterable[str]) -> ParsedText:
    normalized = [normalize(line) for line in lines]
    masked_lines, figures, headings = [], [], []
    heading = ""
    for i, line in enumerate(normalized, start=1):
        stripped = line.strip()
        match = _HEADING.match(stripped)
        if match:
            level = 1 if match.group(1) else 2
            headings.append((i, level, numeral_value(match.group(1) or match.group(2)), stripped))
            heading = stripped[match.end():].split("。")[0]
        masked, found = figures_in_line(stripped, i, heading)
        masked_lines.append(masked)
        figures += found
    return ParsedText(normalized, masked_lines, figures, headings)


# -- the reference: the generated report with each figure's position ---------------------------

def _unmark(line: str, mark: re.Pattern) -> tuple[str, list[tuple[int, int, int]]]:
    """A marked line without its marks, and each mark's (figure index, start, end) in it."""
    clean, found, last, length = [], [], 0, 0
    for m in mark.finditer(line):
        clean.append(line[last:m.start()])
        start = length + m.start() - last
        clean.append(m.group(2))
        found.append((int(m.group(1)), start, start + len(m.group(2))))
        length = start + len(m.group(2))
        last = m.end()
    clean.append(line[last:])
    return "".join(clean), found


def marked_text(report) -> tuple[list[str], list[list[tuple[str, int, int]]]]:
    """The generated report's lines, normalized as a hand-written text is, and in each line the
    span of every figure (key, start, end). The document knows where it prints each figure (its
    runs); the spans are carried through normalization by marks around each printed figure, made
    of control characters (refused in data and params, E153) and a token drawn for this call, so
    that no text of the report (private-use characters included) can pass for a mark."""
    import secrets

    keys: list[str] = []
    token = secrets.token_hex(8)
    pattern = re.compile(f"\x01{token}(\\d+)\x02(.*?)\x03{token}", re.S)

    def mark(key: str, printed: str) -> str:
        keys.append(key)
        return f"\x01{token}{len(keys) - 1}\x02{printed}\x03{token}"

    lines, spans = [], []
    for line in report.document.text(mark).split("\n"):
        clean, found = _unmark(normalize(line).strip(), pattern)
        lines.append(clean)
        spans.append([(keys[i], start, end) for i, start, end in found])
    return lines, spans


@dataclass(frozen=True)
class Candidate:
    figure: Entry
    before: str
    clause: str
    after: str
    heading: str


def reference_candidates(report, ledger: Ledger, marked=None) -> list[Candidate]:
    """Every figure of the ledger that a text could state, with its context in the generated report
    (``marked``: ``marked_text(report)``, when the caller has it already)."""
    lines, spans = marked if marked is not None else marked_text(report)
    candidates, seen = [], set()
    heading = ""
    for stripped, line_spans in zip(lines, spans):
        match = _HEADING.match(stripped)
        if match:
            heading = stripped[match.end():].split("。")[0]
        _, found = figures_in_line(stripped, 0, heading)
        positions = [m.start() for m in _FIGURE.finditer(stripped)]
        for figure, start in zip(found, positions):
            key = next((k for k, s, e in line_spans if s <= start < e), None)
            if key is not None and FAMILIES.get(figure.unit) and _family_of(ledger[key]) == figure.family:
                candidates.append(Candidate(ledger[key], figure.before, figure.clause, figure.after, heading))
                seen.add(key)
    for f in ledger.items.values():
        if f.key not in seen and _family_of(f) and f.how not in ("编号",) and not f.how.startswith("引文"):
            candidates.append(Candidate(f, f.label, f.label, "", ""))
    return candidates


def _family_of(f: Entry) -> str | None:
    return FAMILIES.get(f.unit)


# -- matching ---------------------------------------------------------------------------------

def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} if len(text) > 1 else ({text} if text else set())


def score(figure: TextFigure, c: Candidate) -> int:
    s = 3 * len(_bigrams(figure.before) & _bigrams(c.before))
    s += len(_bigrams(figure.clause) & _bigrams(c.clause))
    s += 2 * len(_bigrams(figure.after) & _bigrams(c.after))
    s += len(_bigrams(figure.heading) & _bigrams(c.heading))
    if figure.before and figure.before == c.before:
        s += 5
    return s


MIN_SCORE = 6  # below this, no figure of the data is said in the same words


def _in_text_unit(figure: TextFigure, source: Entry) -> Decimal:
    """The data's exact value in the text's unit (万元 or 亿元, a percentage)."""
    value = Decimal(source.value)
    if figure.family == "元":
        wan = value * WAN_PER_YI if source.unit == "亿元" else value
        value = wan / WAN_PER_YI if figure.unit == "亿元" else wan
    elif figure.family == "%":
        value = value * 100
    return value


def expected_value(figure: TextFigure, source: Entry) -> Decimal:
    """The data's value in the text's unit, rounded (四舍五入) to the decimals the text shows."""
    return _in_text_unit(figure, source).quantize(Decimal(1).scaleb(-figure.decimals), rounding=ROUND_HALF_UP)


def agrees(figure: TextFigure, source: Entry) -> bool:
    """The text's figure says the data's value: exactly as rounded, or, for an approximate figure
    (「120余个」「近120个」), the exact value lies in the range its words state (perflib.counts)."""
    if figure.approx:
        return counts.within(_in_text_unit(figure, source), figure.number, figure.approx)
    return expected_value(figure, source) == figure.number


def distinctive(figure: TextFigure) -> bool:
    """A value that says by itself which figure it is: an amount, a percentage, a count of 10 or
    more or with decimals. 「4个」 agrees with too many figures to be matched by value alone."""
    return figure.family in ("元", "%") or figure.number >= 10 or figure.decimals > 0


def best_match(figure: TextFigure, candidates: list[Candidate]) -> tuple[Entry | None, int]:
    """The ledger figure a text's figure states. By value and unit first: among the figures it
    agrees with (万元/亿元 converted, rounded as the text prints it), the one said in the closest
    words; a small count must also be said in words like the figure's, while no figure that
    disagrees is said in clearly closer words. Failing that, by the words around it alone (the
    figure the text gets wrong)."""
    scored = [(score(figure, c), c) for c in candidates if _family_of(c.figure) == figure.family]
    if not scored:
        return None, 0
    agreeing = [(s, c) for s, c in scored if agrees(figure, c.figure)]
    if agreeing:
        top, best = max(agreeing, key=lambda sc: sc[0])  # the first of equals: report order
        other = max((s for s, c in scored if not agrees(figure, c.figure)), default=0)
        # a small count needs words like the figure's, and no figure said in clearly closer words
        if top >= MIN_SCORE or distinctive(figure) or (top > 0 and other < MIN_SCORE):
            return best.figure, top
    top = max(s for s, _ in scored)
    if top < MIN_SCORE:
        return None, top
    return next(c for s, c in scored if s == top).figure, top


# -- findings ---------------------------------------------------------------------------------

DATA_MISMATCH = "与数据不符"
NO_SOURCE = "无来源"
ARITHMETIC = "自身计算"
UNITS = "万元亿元不一致"
PERCENT = "百分比不符"
REPORT_COUNT = "报告数与附表不符"
HEADING = "标题编号"


@dataclass
class Problem:
    kind: str
    line: int
    excerpt: str
    message: str
    figure: str | None = None  # the ledger key, for 与数据不符

    def __str__(self) -> str:
        return f"[{self.kind}] 第 {self.line} 行「{self.excerpt}」：{self.message}"


@dataclass
class TextAudit:
    source: str
    county_name: str
    year: int
    problems: list[Problem] = field(default_factory=list)
    agreements: list[tuple[TextFigure, Entry]] = field(default_factory=list)
    quoted: list[tuple[TextFigure, str]] = field(default_factory=list)  # figures inside quoted text, with its params key or data cell

    def report(self) -> str:
        lines = [f"核对文本：{self.source}（对照 {self.county_name} {self.year} 年数据）"]
        if self.problems:
            lines.append(f"发现 {len(self.problems)} 处问题：")
            lines += [f"{i}. {p}" for i, p in enumerate(self.problems, start=1)]
        else:
            lines.append("未发现问题。")
        lines.append(f"另有 {len(self.agreements)} 个数字与数据一致。")
        if self.quoted:
            lines.append(f"{len(self.quoted)} 个数字是参数文件或数据中的原文引用（如规定的标准），不作为数字核对："
                         + "、".join(f"{t.raw}（{key}）" for t, key in self.quoted[:10]) + ("等" if len(self.quoted) > 10 else "") + "。")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.source, "county_name": self.county_name, "year": self.year,
            "problems": [dataclasses.asdict(p) for p in self.problems],
            "agreements": [{"line": t.line, "text": t.raw, "figure": f.key, "data": f.printed} for t, f in self.agreements],
            "quoted": [{"line": t.line, "text": t.raw, "source": key} for t, key in self.quoted],
        }


def _excerpt(figure: TextFigure) -> str:
    """The figure with the words just before it (or after it, when nothing precedes it)."""
    return f"{figure.before}{figure.raw}{figure.after if not figure.before else ''}"


def check_against_ledger(parsed: ParsedText, candidates: list[Candidate]) -> tuple[list[Problem], list[tuple[TextFigure, Entry]]]:
    problems, agreements = [], []
    for figure in parsed.figures:
        source, _ = best_match(figure, candidates)
        excerpt = _excerpt(figure)
        if source is None:
            problems.append(Problem(NO_SOURCE, figure.line, excerpt, f"{figure.raw} 在数据中找不到对应的数字。"))
        elif agrees(figure, source):
            agreements.append((figure, source))
        else:
            rows = row_ranges(source.rows)
            where = f"工作表「{source.source}」第 {rows} 行，{source.how}" if rows else f"{source.source}，{source.how}"
            expected = expected_value(figure, source)
            shown = f"{expected:,}" if "," in figure.raw else str(expected)
            data = source.printed if source.unit == figure.unit else f"{shown}{figure.unit}（{source.printed}）"
            problems.append(Problem(DATA_MISMATCH, figure.line, excerpt,
                                    f"文中为 {figure.raw}，数据为 {data}（{source.key}：{source.label}；{where}）。", source.key))
    return problems, agreements


def _in_wan(f: TextFigure) -> Decimal:
    return f.number * WAN_PER_YI if f.unit == "亿元" else f.number


def _same_quantity_value(f: TextFigure) -> Decimal:
    return _in_wan(f) if f.family == "元" else f.number


def _fmt(n: Decimal) -> str:
    return format(n.normalize(), "f")


def check_arithmetic(parsed: ParsedText) -> list[Problem]:
    """Parts against their stated total, 亿元 against 万元, percentages against amounts, reports against the table."""
    problems = []
    by_line: dict[int, list[TextFigure]] = {}
    for f in parsed.figures:
        by_line.setdefault(f.line, []).append(f)
    for number, figures in by_line.items():
        masked = parsed.masked[number - 1]
        problems += _parts_and_totals(number, masked, figures)
        problems += _units_in_brackets(number, masked, figures)
        problems += _percent_of_amounts(number, masked, figures)
        problems += _changes_against_values(number, masked, figures)
    problems += _reports_against_table(parsed)
    return problems


def _parts_and_totals(number: int, masked: str, figures: list[TextFigure]) -> list[Problem]:
    """「共选取5个评价对象（包括……1个，……4个）」: the parts must add up to the total."""
    problems = []
    starts = [f.start for f in figures]  # in order
    ends = _Positions(masked, "[。；！？]")
    stops, closings = _Positions(masked, "[。；]"), _Positions(masked, "）")
    same: dict[tuple[str, Decimal], list[TextFigure]] = {}
    for f in figures:
        same.setdefault((f.family, f.number), []).append(f)
    for marker in re.finditer(r"（?(包括|其中)", masked):
        sentence_start = ends.last_before(marker.start()) + 1
        first = bisect_left(starts, sentence_start)
        last = bisect_left(starts, marker.start())
        if last <= first:
            continue
        total = figures[last - 1]
        closing = closings.first_from(marker.end()) if marker.group(0).startswith("（") else len(masked)
        end = closing if closing < len(masked) else stops.first_from(marker.end())
        parts = [f for f in figures[bisect_left(starts, marker.end()):bisect_left(starts, end)]
                 if f.family == total.family and _is_part(f)]
        if len(parts) < 2 or total.approx or any(p.approx for p in parts):
            continue  # 「120余个（包括……）」: an approximate figure is no exact sum (perflib.counts)
        added = sum((_same_quantity_value(p) for p in parts), Decimal(0))
        if added != _same_quantity_value(total):
            unit = "万元" if total.family == "元" else total.unit
            sum_text = "+".join(_fmt(_same_quantity_value(p)) for p in parts)
            named = {id(total), *map(id, parts)}
            others = [f for f in same[(total.family, total.number)] if id(f) not in named]
            also = "".join(f"；文中「{o.before}{o.raw}{o.after}」也是{o.raw}" for o in others[:5])
            if len(others) > 5:  # a message stays a message on a text of thousands of such sentences
                also += f"（另有 {len(others) - 5} 处也是{total.raw}）"
            problems.append(Problem(ARITHMETIC, number, f"{total.before}{total.raw}{total.after}",
                                    f"所列各部分相加为 {sum_text}={_fmt(added)}{unit}，与所述总数{total.raw}不符{also}。"))
    return problems


# Words that make a figure in a list of parts a figure of another kind: 「（包括项目8个、部门整体2个，
# 涉及部门单位7个）」 counts departments, not evaluation objects.
_NOT_A_PART = ("涉及", "覆盖", "共", "合计", "累计", "占")


def _is_part(f: TextFigure) -> bool:
    return not f.before.startswith(_NOT_A_PART)


def _units_in_brackets(number: int, masked: str, figures: list[TextFigure]) -> list[Problem]:
    """「0.34亿元（3,442万元）」: the same amount in both units must agree."""
    problems = []
    for first, second in zip(figures, figures[1:]):
        if {first.unit, second.unit} == {"万元", "亿元"} and masked[first.start + 1:second.start] == "（" and not (first.approx or second.approx):
            yi, wan = (first, second) if first.unit == "亿元" else (second, first)
            shown = (wan.number / WAN_PER_YI).quantize(Decimal(1).scaleb(-yi.decimals), rounding=ROUND_HALF_UP)
            if shown != yi.number:
                problems.append(Problem(UNITS, number, f"{first.raw}（{second.raw}）",
                                        f"{wan.raw} 合 {shown}亿元，与 {yi.raw} 不一致（1亿元=10000万元）。"))
    return problems


def _percent_of_amounts(number: int, masked: str, figures: list[TextFigure]) -> list[Problem]:
    """「预算100万元，执行46万元，进度46%」: a percentage after two amounts of its sentence is their ratio."""
    problems = []
    ends = _Positions(masked, "[。；！？]")
    comparisons = _Positions(masked, "与上年对比")
    amounts: list[TextFigure] = []  # the amounts before the figure, the last two kept
    for p in figures:
        if p.family == "元":
            amounts = [*amounts[-1:], p]
            continue
        if p.family != "%":
            continue
        if masked[max(0, p.start - 2):p.start] in ("增长", "下降", "减少", "增加"):
            continue  # a change on the year before (与上年对比), not a ratio of two amounts of the sentence
        sentence_start = max(ends.last_before(p.start) + 1, comparisons.last_before(p.start))
        if len(amounts) < 2 or amounts[0].start < sentence_start or p.approx or amounts[-1].approx or amounts[-2].approx:
            continue
        a, b = sorted((_in_wan(amounts[-2]), _in_wan(amounts[-1])))
        if not b:
            continue
        ratio = a / b * 100
        tolerance = Decimal(1).scaleb(-p.decimals)  # the amounts are rounded too
        if abs(ratio - p.number) > tolerance:
            problems.append(Problem(PERCENT, number, f"{amounts[-2].raw}…{amounts[-1].raw}…{p.raw}",
                                    f"{_fmt(a)}÷{_fmt(b)} 为 {ratio.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%，与文中 {p.raw} 不符。"))
    return problems


_MORE, _LESS = ("增加", "增长"), ("减少", "下降")


def _changes_against_values(number: int, masked: str, figures: list[TextFigure]) -> list[Problem]:
    """「0.29亿元	0.34亿元	增加0.05亿元	增长17.2%」 (a table row, the 与上年对比 appendix's): the change
    is the difference of the two values in the cells just before it, and the rate is the change
    over the earlier value, both as printed (四舍五入 at the decimals shown). Only cells side by side
    are compared: in running text two counts before a change need not be its two years."""
    problems = []
    for i, change in enumerate(figures):
        if not change.before.endswith(_MORE[:1] + _LESS[:1]) or change.family == "%" or i < 2:
            continue
        earlier, later = figures[i - 2], figures[i - 1]
        side_by_side = (masked[earlier.start + 1:later.start] == "\t"
                        and masked[later.start + 1:change.start] in ("\t增加", "\t减少"))
        if not side_by_side or not (earlier.family == later.family == change.family):
            continue
        if earlier.approx or later.approx or change.approx:
            continue  # 「120余个	…	增加7个」: an approximate value gives no exact difference (perflib.counts)
        sign = 1 if change.before.endswith("增加") else -1
        difference = (_same_quantity_value(later) - _same_quantity_value(earlier)) * sign
        stated = _same_quantity_value(change)
        in_its_unit = difference / WAN_PER_YI if change.unit == "亿元" else difference
        if in_its_unit.quantize(Decimal(1).scaleb(-change.decimals), rounding=ROUND_HALF_UP) != change.number:
            unit = "万元" if change.family == "元" else change.unit
            problems.append(Problem(ARITHMETIC, number, f"{earlier.raw}…{later.raw}…{change.before[-2:]}{change.raw}",
                                    f"{later.raw}与{earlier.raw}相差 {_fmt(abs(difference))}{unit}，与所述{change.before[-2:]}{change.raw}不符。"))
            continue
        rate = figures[i + 1] if i + 1 < len(figures) else None
        if rate is None or rate.family != "%" or not rate.before.endswith(("增长", "下降")) or not _same_quantity_value(earlier):
            continue
        expected = (stated / _same_quantity_value(earlier) * 100).quantize(Decimal(1).scaleb(-rate.decimals), rounding=ROUND_HALF_UP)
        if expected != rate.number:
            problems.append(Problem(PERCENT, number, f"{change.raw}…{rate.before[-2:]}{rate.raw}",
                                    f"{change.raw}÷{earlier.raw} 为 {expected}%，与文中{rate.before[-2:]}{rate.raw}不符。"))
    return problems


def _reports_against_table(parsed: ParsedText) -> list[Problem]:
    """「形成了5个评价报告」 = the reports listed in the table (序号 rows) + those withheld (不予公开)."""
    stated = next((f for f in parsed.figures if f.family == "个" and f.after.startswith("评价报告")), None)
    withheld = next((f for f in parsed.figures if f.family == "个" and "报告" in f.after
                     and "不予公开" in parsed.lines[f.line - 1]), None)
    rows, in_table = 0, False
    for line in parsed.lines:
        cells = line.split("\t")
        if cells[0].strip() == "序号":
            if in_table:
                break
            in_table = True
        elif in_table and cells[0].strip().isdigit():
            rows += 1
        elif in_table and line.strip():
            break
    if stated is None or not in_table or stated.approx:
        return []
    hidden = int(withheld.number) if withheld else 0
    if int(stated.number) != rows + hidden:
        return [Problem(REPORT_COUNT, stated.line, f"{stated.before}{stated.raw}{stated.after}",
                        f"文中称形成 {stated.raw}评价报告（其中 {hidden} 个不予公开），附表列出 {rows} 个，应为 {rows + hidden} 个。")]
    return []


def check_headings(parsed: ParsedText) -> list[Problem]:
    """一、二、 and （一）（二） must each count up by one; （一） starts again under each 一、."""
    problems = []
    last = {1: 0, 2: 0}
    for line, level, n, text in parsed.headings:
        expected = last[level] + 1
        name = (numeral(n) + "、") if level == 1 else f"（{numeral(n)}）"
        wanted = (numeral(expected) + "、") if level == 1 else f"（{numeral(expected)}）"
        if n == last[level]:
            problems.append(Problem(HEADING, line, text[:24], f"标题序号「{name}」与上一个同级标题重复，应为「{wanted}」。"))
        elif n != expected:
            problems.append(Problem(HEADING, line, text[:24], f"标题序号「{name}」不连续：上一个同级标题是第 {last[level]} 个，应为「{wanted}」。"))
        last[level] = n
        if level == 1:
            last[2] = 0
    return problems


def quoted_texts(report) -> list[tuple[str, str]]:
    """Text the report prints as written that may hold a figure-like number: each line of the params
    file's printed free text (a rule 「对50万元以上的项目…」 in ``text.custom``, the policy basis,
    存在问题…), with its params key, and the data's cells printed whole (report titles), with their
    ledger name; normalized as a text's lines are. The ledger records their numbers as 引文."""
    from .ledger import HOW_QUOTED_DATA, params_texts

    found = []
    for key, text in params_texts(report.params):
        for line in str(text or "").splitlines():
            line = normalize(line).strip()
            if _FIGURE.search(line):
                found.append((line, key))
    for entry in report.ledger.items.values():
        if entry.how == HOW_QUOTED_DATA:
            text = normalize(str(entry.value)).strip()
            if _FIGURE.search(text):
                found.append((text, entry.key))
    return found


def _quoted_figures(parsed: ParsedText, quotes: list[tuple[str, str]],
                    computed: list[list[tuple[str, int, int]]] | None) -> dict[int, str]:
    """The figures of ``parsed`` (by index) that lie inside a quoted text (``quoted_texts``), with
    its source; with ``computed`` (the generated report's figure spans per line) a figure printed
    from the ledger is never taken for a quotation."""
    found: dict[int, str] = {}
    if not quotes:
        return found
    for i, figure in enumerate(parsed.figures):
        line = parsed.lines[figure.line - 1].strip()
        start, end = figure.span
        if computed is not None and any(s < end and start < e for _, s, e in computed[figure.line - 1]):
            continue
        for text, key in quotes:
            at = line.find(text)
            while at >= 0:
                if at <= start and end <= at + len(text):
                    found[i] = key
                    break
                at = line.find(text, at + 1)
            if i in found:
                break
    return found


def audit_lines(lines: Iterable[str], report, source: str = "", marked=None) -> TextAudit:
    """Audit a text (its lines) against a report made from the data (``pipeline.make_report``).
    Numbers inside text the params or the data supply and the report prints as written (a rule's
    threshold 「50万元以上」 in ``text.custom``: ``quoted_texts``) are quotations, not figures: listed
    as such, never matched to the data or added up. ``marked``: ``marked_text(report)`` when the
    text is the generated report itself (its figures' positions are then known exactly)."""
    ledger = report.ledger
    parsed = parse_text(lines)
    audit = TextAudit(source, report.params.county_name, report.params.year)
    quoted = _quoted_figures(parsed, quoted_texts(report), marked[1] if marked is not None else None)
    if quoted:
        audit.quoted = [(parsed.figures[i], key) for i, key in sorted(quoted.items())]
        parsed = dataclasses.replace(parsed, figures=[f for i, f in enumerate(parsed.figures) if i not in quoted])
    data_problems, audit.agreements = check_against_ledger(parsed, reference_candidates(report, ledger, marked))
    problems = data_problems + check_arithmetic(parsed) + check_headings(parsed)
    audit.problems = sorted(problems, key=lambda p: p.line)
    return audit


def self_audit(report) -> TextAudit:
    """The generated report audited as if it were written by hand: every run does this before it
    writes a file (perflib.outputs), so a report whose printed numbers disagree is never published.
    Params text printed as written (``quoted_texts``) is quoted, never a figure without a source."""
    marked = marked_text(report)
    return audit_lines(report.document.text().split("\n"), report, "生成的报告", marked)


def audit_file(path: Path, county: str, year: int, root: Path | None = None) -> TextAudit:
    """``perflib audit-text``: the ledger is computed in this process (no kernel)."""
    from .params import load_params
    from .pipeline import make_report

    lines = read_lines(Path(path))
    refuse_nothing_to_check(lines, Path(path).name)
    report = make_report(load_params(county, year, root))
    return audit_lines(lines, report, Path(path).name)


def refuse_nothing_to_check(lines: list[str], name: str) -> None:
    """Raise ``NothingToCheck`` for a text without words, or without any figure or heading number:
    an audit of it would say 「未发现问题」 having checked nothing."""
    from .errors import NothingToCheck

    if not any(line.strip() for line in lines):
        raise NothingToCheck(f"[E177 错误] {name} 中没有文字（空文件或只有空白），没有可核对的内容。")
    parsed = parse_text(lines)
    if not parsed.figures and not parsed.headings:
        raise NothingToCheck(f"[E177 错误] {name} 中没有可核对的数字（带 个、项、次、人次、万元、亿元、% 等的数字）"
                             "或标题编号（一、（一）），没有可核对的内容。")
