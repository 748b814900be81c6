"""汇总 (rollup): a prefecture's comparison across counties and years, from the annual reports.

The figures are read back from each executed report's ledger (``outputs/<county>/<year>/figures.csv``,
or the ledger recorded in its executed notebook), checked as read (E180, E181), never recomputed
from the data: the rollup prints what the counties published. It covers the counties and years
``params/rollup.yaml`` declares (else every params file); a report of that set that is missing or
whose last run failed is listed as such and warned about (W280–W282), not silently skipped.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Sequence

import pandas as pd

from . import formatting as fmt
from . import project
from .document import Chart, Document, Paragraph, Section, Table
from .errors import LedgerRefused, ParamsError
from .indicators import MAIN_INDICATORS, headline_indicators
from .ledger import CSV_COLUMNS
from .params import STANDARD_KINDS

INCLUDED, MISSING, FAILED = "已汇总", "缺少", "生成失败"
ROLLUP_FOLDER = "rollup"


# ---- reading ledgers back ----------------------------------------------------------------------

# Bounds on what a ledger read back may hold (issue 24): a report's ledger has a few hundred rows;
# its longest cells are quoted paragraphs; a number is at most the 28 significant digits of a
# Decimal quotient with its sign, point and exponent.
LEDGER_MAX_BYTES = 20 * 1024 * 1024
CELL_MAX_CHARS = 20_000
NUMBER_MAX_CHARS = 64
NUMBER_MAX_DIGITS = 15  # digits before the point: 10^15 万元 is far beyond any budget, and the rollup's sums stay exact
_NUMBER_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,2})?")  # ASCII digits only
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
# Figures the rollup reads as numbers (its columns, the monitoring batches, the kinds of evaluations).
_ROLLUP_NUMBER = re.compile(r"key_evaluations\.standard\.[0-9]+|monitoring\.[0-9]{4}-[0-9]{2}\.(progress|schedule|projects|amount)")


def reads_as_number(name: str) -> bool:
    """Whether the rollup reads the figure ``name`` as a number (a column, a batch, a kind)."""
    return name in MEASURES or bool(_ROLLUP_NUMBER.fullmatch(name))


def ledger_number(text: str) -> Decimal | None:
    """The value of a ledger cell written as a number (ASCII digits, optional sign, point and a
    small exponent; at most NUMBER_MAX_CHARS characters and NUMBER_MAX_DIGITS digits before the
    point), else None: NaN, Infinity, 100,000 digits or 1E+99 are not figures of a report."""
    if len(text) > NUMBER_MAX_CHARS or not _NUMBER_TEXT.fullmatch(text):
        return None
    value = Decimal(text)
    return value if not value or value.adjusted() < NUMBER_MAX_DIGITS else None


def _shown(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:20]}…（共 {len(text)} 个字符）"


def check_ledger(ledger: pd.DataFrame, where: str, row_name: str = "行", first: int = 2) -> pd.DataFrame:
    """The ledger if every cell is within bounds and every figure the rollup reads as a number is
    one; else ``LedgerRefused`` naming ``where`` (the file), the row (the CSV's, header = row 1;
    in a notebook, the entry's place in the recorded ledger) and the column."""
    from .ledger import FIGURE

    seen: dict[str, int] = {}
    for i, row in enumerate(ledger.itertuples(index=False), start=first):
        for column, cell in zip(ledger.columns, row):
            if len(cell) > CELL_MAX_CHARS:
                raise LedgerRefused("E180", f"数字台账 {where}，第 {i} {row_name}，列「{column}」：内容过长（{len(cell)} 个字符，"
                                            f"上限 {CELL_MAX_CHARS}），不是 perflib 写出的台账；请重新生成该县报告（perflib run）。")
        name, kind, value = row[0], row[CSV_COLUMNS.index("类别")], row[CSV_COLUMNS.index("数值")]
        if name in seen:
            raise LedgerRefused("E180", f"数字台账 {where}，第 {i} {row_name}，列「名称」：「{_shown(name)}」与第 {seen[name]} {row_name}重复，"
                                        "不是 perflib 写出的台账；请重新生成该县报告（perflib run）。")
        seen[name] = i
        # a figure the rollup reads, or any figure (类别 数字) written as a number; quoted numbers
        # (引文: a document number, a code) are text and only bounded in length
        if (reads_as_number(name) or kind == FIGURE and _NUMBER_TEXT.fullmatch(value)) and ledger_number(value) is None:
            raise LedgerRefused("E181", f"数字台账 {where}，第 {i} {row_name}，列「数值」（{_shown(name)}）：值「{_shown(value)}」"
                                        f"不是数字或超出范围（应为数字，如 1234.5：不超过 {NUMBER_MAX_CHARS} 个字符，"
                                        f"小数点前不超过 {NUMBER_MAX_DIGITS} 位）；台账可能被改动过，请重新生成该县报告（perflib run）。")
    return ledger


_RECORDED_TEXT = ("key", "label", "value", "value_type", "unit", "printed", "source", "how")


def _check_recorded(payload, where: str) -> None:
    """The ledger recorded in a notebook, before it is read: entries of the shape ``ledger_payload``
    writes, an int or decimal value that is a number (E181); anything else E180."""
    figures = payload.get("figures") if isinstance(payload, dict) else None
    if not isinstance(figures, list):
        raise LedgerRefused("E180", f"笔记本 {where} 中记录的数字台账格式不对（不是 perflib 记录的台账）；请重新生成该县报告（perflib run）。")
    for i, f in enumerate(figures, start=1):
        if (not isinstance(f, dict) or not all(isinstance(f.get(k), str) for k in _RECORDED_TEXT)
                or not isinstance(f.get("rows"), list) or not all(isinstance(r, int) for r in f["rows"])):
            raise LedgerRefused("E180", f"笔记本 {where} 中记录的数字台账，第 {i} 项：格式不对（不是 perflib 记录的台账项）；"
                                        "请重新生成该县报告（perflib run）。")
        if f["value_type"] in ("int", "decimal") and (ledger_number(f["value"]) is None
                                                       or f["value_type"] == "int" and not _INTEGER_TEXT.fullmatch(f["value"])):
            raise LedgerRefused("E181", f"笔记本 {where} 中记录的数字台账，第 {i} 项，列「数值」（{_shown(f['key'])}）：值「{_shown(f['value'])}」"
                                        f"不是数字或超出范围（应为数字：不超过 {NUMBER_MAX_CHARS} 个字符，小数点前不超过 {NUMBER_MAX_DIGITS} 位）；"
                                        "台账可能被改动过，请重新生成该县报告（perflib run）。")


def read_ledger(output_dir: Path, root: Path | None = None) -> pd.DataFrame | None:
    """The ledger of one executed report: its ``figures.csv`` if present, else the ledger recorded in
    its executed notebook (``perflib.ledger.read_figures``); None if neither is there.
    Columns as ``figures.csv`` (``perflib.ledger.CSV_COLUMNS``: 名称, 数值, 印刷形式…), all text,
    checked (``check_ledger``): a forged or damaged ledger is refused (E180, E181), never half-read."""
    import csv

    from . import records
    from .ledger import FIGURES_CSV, MIME_TYPE, ledger_rows, read_figures
    from .safety import csv_value, read_regular

    output_dir = Path(output_dir)
    ledger = output_dir / FIGURES_CSV
    shown = project.relative(ledger, root) if root else ledger.as_posix()
    if ledger.is_file():
        data = read_regular(ledger, f"数字台账 {shown}", LEDGER_MAX_BYTES, "E180")
        try:
            text = data.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except (UnicodeDecodeError, csv.Error):
            raise LedgerRefused("E180", f"数字台账 {shown} 无法读取（应为 perflib 写出的 UTF-8 编码的 CSV）；请重新生成该县报告（perflib run）。") from None
        if not rows or rows[0] != CSV_COLUMNS:
            raise LedgerRefused("E180", f"数字台账 {shown}，第 1 行：表头应为「{'、'.join(CSV_COLUMNS)}」；请重新生成该县报告（perflib run）。")
        for i, row in enumerate(rows[1:], start=2):
            if len(row) != len(CSV_COLUMNS):
                raise LedgerRefused("E180", f"数字台账 {shown}，第 {i} 行：有 {len(row)} 列，应为 {len(CSV_COLUMNS)} 列；请重新生成该县报告（perflib run）。")
        frame = pd.DataFrame([[csv_value(c) for c in row] for row in rows[1:]], columns=CSV_COLUMNS, dtype=object)  # as csv_cell wrote them
        return check_ledger(frame, shown)
    notebook = output_dir / "annual_report.ipynb"
    if notebook.is_file():
        where = project.relative(notebook, root) if root else notebook.as_posix()
        payload = records.read(notebook, MIME_TYPE)
        if payload is None:  # a notebook without a recorded ledger
            return None
        _check_recorded(payload, where)
        frame = pd.DataFrame(ledger_rows(read_figures(notebook)), columns=CSV_COLUMNS, dtype=object)
        return check_ledger(frame, where, "项", 1)
    return None


# ---- the reports and their figures ------------------------------------------------------------

@dataclass
class Entry:
    """One expected annual report: its status and, when included, its figures by name."""

    county: str
    year: int
    county_name: str
    status: str
    reason: str = ""
    values: dict[str, Decimal | str] = field(default_factory=dict)
    printed: dict[str, str] = field(default_factory=dict)
    illustrative: str = ""  # the report's 示例数据说明 (its params' ``illustrative``); "" for real data

    def value(self, key: str, default=Decimal(0)):
        return self.values.get(key, default)

    def reports(self, key: str) -> bool:
        """Whether the county's report has this figure: a part it left out (its sheet absent, or
        not in its outline) has none, and is 「未报告」, never 0."""
        return key in self.values


@dataclass
class Collection:
    """The reports a rollup covers, in county, year order."""

    entries: list[Entry]
    years: list[int]

    @property
    def included(self) -> list[Entry]:
        return [e for e in self.entries if e.status == INCLUDED]

    @property
    def left_out(self) -> list[Entry]:
        return [e for e in self.entries if e.status != INCLUDED]

    def latest_year(self) -> int | None:
        return max((e.year for e in self.included), default=None)

    def of_year(self, year: int) -> list[Entry]:
        return [e for e in self.included if e.year == year]

    def counties(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((e.county, e.county_name) for e in self.entries))


def _number(text: str):
    number = ledger_number(text)
    return text if number is None else number


def _county_facts(root: Path, county: str, year: int) -> tuple[str, str]:
    """The county's name as printed and its report's illustrative notice, from its params file."""
    from .params import ILLUSTRATIVE_NOTICE
    from .safety import load_yaml

    try:
        raw = load_yaml(project.params_path(root, county, year), "参数文件")
    except Exception:  # an unreadable params file: its report is failed anyway
        return county, ""
    raw = raw if isinstance(raw, dict) else {}
    notice = raw.get("illustrative")
    notice = ILLUSTRATIVE_NOTICE if notice is True else notice.strip() if isinstance(notice, str) else ""
    return str(raw.get("county_name") or county), notice


def _county_name_any_year(root: Path, county: str) -> str:
    """A county's name from any of its params files (for a declared year it has none for)."""
    from .batch import find_jobs

    jobs = find_jobs(root, [county])
    return _county_facts(root, county, jobs[-1].year)[0] if jobs else county


# ---- the prefecture's own params: params/rollup.yaml -------------------------------------------

ROLLUP_PARAMS = "rollup.yaml"
ROLLUP_KEYS = ("region_name", "issuer", "issue_date", "counties", "years", "illustrative", "conclusions")
NO_PARAMS = "无参数文件"
ILLUSTRATIVE_ROLLUP = "本汇总的地区名称、落款和结论文字为示例，不是某一地区发布的文件，仅供演示。"


@dataclass(frozen=True)
class RollupParams:
    """``params/rollup.yaml``: what the rollup covers (``counties``, ``years``; empty: every params
    file), the region as printed, the 落款, whether its own text is illustrative, and the
    conclusions' text (docs/batch.md)."""

    region_name: str = ""
    issuer: str = ""
    issue_date: "date | None" = None
    conclusions: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    illustrative: str = ""


def _rollup_error(message: str) -> ParamsError:
    return ParamsError(f"汇总参数文件 params/{ROLLUP_PARAMS}{message}", "E182")


def _declared_counties(raw, root: Path) -> tuple[str, ...]:
    from .errors import InputRefused
    from .safety import check_county

    if raw in (None, [], ""):
        return ()
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        raise _rollup_error(" 中 counties 应为县目录名的列表，如 [example1, example2]。")
    for county in raw:
        try:
            check_county(county)
        except InputRefused as exc:
            raise _rollup_error(f" 中 counties：{exc.text}") from None
        if not (Path(root) / "params" / county).is_dir():
            raise _rollup_error(f" 中 counties 的「{county}」没有参数文件夹 params/{county}/（县目录名写错了？"
                                "新县可用 perflib new --county … 建立）。")
    duplicated = sorted({c for c in raw if raw.count(c) > 1})
    if duplicated:
        raise _rollup_error(f" 中 counties 的「{'、'.join(duplicated)}」写了两次。")
    return tuple(raw)


def _declared_years(raw) -> tuple[int, ...]:
    if raw in (None, [], ""):
        return ()
    if not isinstance(raw, list) or not all(isinstance(y, int) and not isinstance(y, bool) and 1000 <= y <= 9999 for y in raw):
        raise _rollup_error(f" 中 years 应为四位数字年度的列表，如 [2022, 2023]，现为「{str(raw)[:80]}」。")
    if len(set(raw)) != len(raw):
        raise _rollup_error(" 中 years 有重复的年度。")
    return tuple(sorted(raw))


def load_rollup_params(root: Path, region_name: str = "") -> RollupParams:
    """``params/rollup.yaml`` if the project has one, checked (E182); ``region_name`` (the command line's) wins."""
    import yaml

    from .errors import InputRefused
    from .params import issue_date_of
    from .safety import load_yaml

    path = Path(root) / "params" / ROLLUP_PARAMS
    raw = {}
    if path.is_file():
        try:
            raw = load_yaml(path, f"汇总参数文件 params/{ROLLUP_PARAMS}")
        except InputRefused:
            raise
        except UnicodeDecodeError:
            raise _rollup_error(" 无法读取：不是 UTF-8 编码的文本（请另存为 UTF-8）。") from None
        except yaml.YAMLError as exc:  # PyYAML's own words are English: the line is what the user needs
            mark = getattr(exc, "problem_mark", None)
            where = f"第 {mark.line + 1} 行附近" if mark is not None else ""
            raise _rollup_error(f" 无法读取：{where}YAML 格式有误（检查冒号、缩进、括号和引号是否成对）。") from None
        raw = {} if raw is None else raw
        if not isinstance(raw, dict):
            raise _rollup_error(" 的顶层应为键值对（region_name: …）。")
        unknown = sorted(map(str, set(raw) - set(ROLLUP_KEYS)))
        if unknown:
            raise _rollup_error(f" 中有未知的键：{', '.join(unknown)}（可用的键：{', '.join(ROLLUP_KEYS)}，见 docs/batch.md）。")
    conclusions = raw.get("conclusions") or ()
    if isinstance(conclusions, str):
        conclusions = [conclusions]
    if not isinstance(conclusions, (list, tuple)) or not all(isinstance(c, str) and c.strip() for c in conclusions):
        raise _rollup_error(" 中 conclusions 应为文字段落的列表。")
    for key in ("region_name", "issuer"):
        if not isinstance(raw.get(key) or "", str):
            raise _rollup_error(f" 中 {key} 应为一行文字。")
    notice = raw.get("illustrative")
    if notice not in (None, False, True) and not (isinstance(notice, str) and notice.strip()):
        raise _rollup_error(" 中 illustrative 应为 true/false，或一句说明文字。")
    try:
        issue_date = issue_date_of(raw.get("issue_date"), f"params/{ROLLUP_PARAMS}")
    except ParamsError:
        raise _rollup_error(f" 中 issue_date 应为日期（如 2024-04-15 或 2024年4月15日），现为「{str(raw.get('issue_date'))[:40]}」。") from None
    return RollupParams(region_name=(region_name or str(raw.get("region_name") or "")).strip(),
                        issuer=str(raw.get("issuer") or "").strip(),
                        issue_date=issue_date,
                        conclusions=tuple(re.sub(r"\s*\n\s*", "", c).strip() for c in conclusions),
                        counties=_declared_counties(raw.get("counties"), root),
                        years=_declared_years(raw.get("years")),
                        illustrative=ILLUSTRATIVE_ROLLUP if notice is True else notice.strip() if isinstance(notice, str) else "")


# ---- what the rollup covers --------------------------------------------------------------------

def collect(root: Path, counties: Sequence[str] | None = None, years: Sequence[int] | None = None,
            params: RollupParams | None = None) -> Collection:
    """The reports the rollup covers, each with its ledger or why it has none.

    The set: ``counties`` and ``years`` given (the command line's), else those ``params/rollup.yaml``
    declares, else every params file. Declared counties and years are expected in every
    combination: one without a params file is listed as 「缺少」 (无参数文件), never left out silently.
    A report counts as failed when its last run failed (``failed/`` in its output folder, or
    ``失败`` in ``outputs/batch-summary.csv``); an older good ledger is then not used either, so
    that the rollup never mixes a stale report into a fresh batch. A ledger that is forged or
    damaged stops the rollup (E180, E181).
    """
    from .batch import SUMMARY_CSV, Job, brief, find_jobs, read_summary

    root = Path(root)
    params = params if params is not None else load_rollup_params(root)
    counties = list(counties or params.counties)
    years = list(years or params.years)
    summary_path = root / "outputs" / SUMMARY_CSV
    summary = {(o.county, o.year): o for o in read_summary(summary_path)} if summary_path.is_file() else {}
    jobs = find_jobs(root, counties, years)
    if counties or years:  # a declared set: every county in every year, with or without a params file
        expected_counties = counties or list(dict.fromkeys(j.county for j in jobs))
        expected_years = sorted(years or {j.year for j in jobs})
        jobs = [Job(c, y) for c in expected_counties for y in expected_years]
    entries = []
    for job in jobs:
        if not project.params_path(root, job.county, job.year).is_file():
            entries.append(Entry(job.county, job.year, _county_name_any_year(root, job.county), MISSING,
                                 f"{NO_PARAMS}（params/{job.county}/{job.year}.yaml），该年度没有报告"))
            continue
        name, illustrative = _county_facts(root, job.county, job.year)
        out = project.output_dir(root, job.county, job.year)
        batch = summary.get((job.county, job.year))
        if (out / "failed").exists() or (batch is not None and not batch.ok):
            reason = brief(batch.message) if batch and batch.message else "最近一次生成失败，见 " + project.relative(out / "failed", root)
            entries.append(Entry(job.county, job.year, name, FAILED, reason))
            continue
        ledger = read_ledger(out, root)
        if ledger is None:
            entries.append(Entry(job.county, job.year, name, MISSING, f"未找到已生成的报告（{project.relative(out, root)}/），请先运行 perflib batch"))
            continue
        entries.append(Entry(job.county, job.year, name, INCLUDED, "",
                             {k: _number(v) for k, v in zip(ledger["名称"], ledger["数值"])},
                             dict(zip(ledger["名称"], ledger["印刷形式"])), illustrative))
    return Collection(entries, sorted({e.year for e in entries}))


@dataclass(frozen=True)
class ScopeWarning:
    """A report of the rollup's set that it could not include (W280–W282, docs/errors.md); printed
    as the data checks print a warning. Not a data finding: ``perflib check`` never gives it."""

    code: str
    file: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code} 提示] 文件 {self.file}：{self.message}"


def scope_findings(collection: Collection) -> list[ScopeWarning]:
    """A warning for every report the rollup covers but cannot include: W280 a county and year
    without a params file, W281 a report not generated, W282 one whose last run failed."""
    return [ScopeWarning("W282" if e.status == FAILED else "W280" if e.reason.startswith(NO_PARAMS) else "W281",
                         f"params/{e.county}/{e.year}.yaml", f"汇总范围内的{e.county_name}{e.year}年未纳入汇总：{e.reason}")
            for e in collection.left_out]


# ---- printed forms: the county reports' (thousands separators), totals of the printed parts -----

# The rollup prints in perflib's default number format (the reference report's): one format for
# every county, so that its columns add up as printed whatever each county's own settings are.
DEFAULT_FORMAT = fmt.Printer().settings
WAN_DECIMALS, YI_DECIMALS = DEFAULT_FORMAT.amount_decimals, DEFAULT_FORMAT.yi_decimals
SHARE_DECIMALS, CHANGE_DECIMALS = 1, 1


def _rounded(value, decimals: int) -> Decimal:
    from .money import round_half_up

    return round_half_up(Decimal(value), decimals)


# The rollup prints in perflib's default number format (the reference report's): one format for
# every county, so that its columns add up as printed whatever each county's own settings are.
PRINTER = fmt.Printer()


def wan(value) -> str:
    return fmt.fmt_number(Decimal(value), WAN_DECIMALS, True)


def yi(value) -> str:
    """An amount given in 亿元 (the ledger's key_evaluations.amount), printed with 2 decimals."""
    return fmt.fmt_number(Decimal(value), YI_DECIMALS, True)


def count(value) -> str:
    return fmt.fmt_number(Decimal(value), 0, True)


# A column of figures: (figure name, header, printed form, decimals of the printed form)
@dataclass(frozen=True)
class Measure:
    key: str
    header: str
    show: object
    decimals: int

    def printed_value(self, entry: "Entry") -> Decimal:
        """The value as printed (rounded to its printed decimals): what a total adds up."""
        return _rounded(entry.value(self.key), self.decimals)

    def cell(self, entry: "Entry") -> str:
        """The value as the table prints it; 「—」 for a county that does not report it."""
        return self.show(entry.value(self.key)) if entry.reports(self.key) else NOT_REPORTED

    def total(self, entries: list["Entry"]) -> str:
        """The sum of the printed values of the counties that report it (「—」 if none does)."""
        reporting = [e for e in entries if e.reports(self.key)]
        return self.show(sum(self.printed_value(e) for e in reporting)) if reporting else NOT_REPORTED


OBJECTS = Measure("key_evaluations.objects", "评价对象（个）", count, 0)
EVALUATION_AMOUNT = Measure("key_evaluations.amount", "重点评价资金（亿元）", yi, YI_DECIMALS)
REPORTS = Measure("key_evaluations.reports", "评价报告（份）", count, 0)
WITHHELD = Measure("key_evaluations.withheld", "不予公开（份）", count, 0)
REVIEW_PROJECTS = Measure("target_reviews.projects", "目标审核项目（个）", count, 0)
REVIEW_AMOUNT = Measure("target_reviews.amount", "目标审核金额（万元）", wan, WAN_DECIMALS)
SELF_PROJECTS = Measure("self_evaluations.projects", "自评项目（个）", count, 0)
SELF_AMOUNT = Measure("self_evaluations.project_amount", "自评资金（万元）", wan, WAN_DECIMALS)
THIRD_PARTY = Measure("third_party.amount", "第三方评价资金（万元）", wan, WAN_DECIMALS)
BUDGET_CUT = Measure("results.budget_cut", "结果应用调减（万元）", wan, WAN_DECIMALS)
SESSIONS = Measure("trainings.sessions", "培训（次）", count, 0)
ATTENDEES = Measure("trainings.attendees", "培训（人次）", count, 0)
AUTHENTICITY = Measure("authenticity.own", "真实性核查抽查项目（个）", count, 0)

# The main indicators: ranked, compared with the year before, shared out of the prefecture's total.
MEASURES = {m.key: m for m in (OBJECTS, EVALUATION_AMOUNT, REPORTS, WITHHELD, REVIEW_PROJECTS, REVIEW_AMOUNT, SELF_PROJECTS,
                                SELF_AMOUNT, THIRD_PARTY, BUDGET_CUT, SESSIONS, ATTENDEES, AUTHENTICITY)}
# From the one list of main indicators (perflib.indicators): those ranked and compared, and the trend's.
MAIN_MEASURES = tuple(MEASURES[i.key] for i in MAIN_INDICATORS if i.ranked)
TREND_KEYS = tuple((MEASURES[i.key].key, MEASURES[i.key].header, MEASURES[i.key].show) for i in headline_indicators())
TOTAL_NOTE = "注：合计为表中各县（市）所列数字之和。"
NOT_REPORTED = "—"
NOT_REPORTED_NOTE = "“—”表示该县（市）的报告不含此项（未报告），不计为0，不计入合计、排名和占比。"


def note_for(rows: list[tuple[str, ...]], note: str = TOTAL_NOTE) -> Paragraph:
    """The note below a table: what its totals are and, when a county does not report a column, what 「—」 means."""
    missing = any(cell == NOT_REPORTED for row in rows for cell in row[1:])
    return Paragraph.of(note + (NOT_REPORTED_NOTE if missing else ""))


def _table_with_total(entries: list[Entry], measures: Sequence[Measure]) -> list[tuple[str, ...]]:
    """One row per county and a 合计 row that is the sum of the printed parts."""
    rows = [(e.county_name, *[m.cell(e) for m in measures]) for e in entries]
    if not rows:
        return rows
    return rows + [("合计", *[m.total(entries) for m in measures])]


def standard_kinds_table(entries: list[Entry]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Key-evaluation objects by the standard kinds of 中发〔2018〕34号 (``key_evaluations.standard.<i>``),
    so that counties naming their types differently (项目支出评价, 项目) add up. A county without key
    evaluations prints 「—」; one whose objects all have a type prints 0 for a kind none of its types maps to."""
    keys = [(i, kind) for i, kind in enumerate(STANDARD_KINDS, start=1) if any(e.reports(f"key_evaluations.standard.{i}") for e in entries)]
    measures = [Measure(f"key_evaluations.standard.{i}", kind, count, 0) for i, kind in keys]

    def classified(e: Entry) -> bool:  # every object of the county has a type, so a kind it lacks has none
        return e.reports(OBJECTS.key) and sum(Decimal(e.value(m.key)) for m in measures) == Decimal(e.value(OBJECTS.key))

    full = [Entry(e.county, e.year, e.county_name, e.status, e.reason,
                  {**{m.key: Decimal(0) for m in measures if classified(e)}, **e.values}) for e in entries]
    return ("县（市）", *(m.header for m in measures)), _table_with_total(full, measures)


def key_evaluation_table(entries: list[Entry]) -> list[tuple[str, ...]]:
    return _table_with_total(entries, (OBJECTS, EVALUATION_AMOUNT, REPORTS, WITHHELD))


def funds_table(entries: list[Entry]) -> list[tuple[str, ...]]:
    return _table_with_total(entries, (REVIEW_PROJECTS, REVIEW_AMOUNT, SELF_PROJECTS, SELF_AMOUNT, THIRD_PARTY, BUDGET_CUT))


def training_table(entries: list[Entry]) -> list[tuple[str, ...]]:
    return _table_with_total(entries, (SESSIONS, ATTENDEES, AUTHENTICITY))


KEY_EVALUATION_COLUMNS = ("县（市）", OBJECTS.header, EVALUATION_AMOUNT.header, REPORTS.header, WITHHELD.header)
FUNDS_COLUMNS = ("县（市）", *(m.header for m in (REVIEW_PROJECTS, REVIEW_AMOUNT, SELF_PROJECTS, SELF_AMOUNT, THIRD_PARTY, BUDGET_CUT)))
MONITORING_COLUMNS = ("县（市）", "批次", "项目（个）", "金额（万元）", "执行进度", "序时进度", "差（百分点）")
TRAINING_COLUMNS = ("县（市）", SESSIONS.header, ATTENDEES.header, AUTHENTICITY.header)


def monitoring_batches(entry: Entry) -> list[dict]:
    """The monitoring batches of one report, from its ledger names ``monitoring.YYYY-MM.*``."""
    months = sorted({m for m in (re.fullmatch(r"monitoring\.(\d{4}-\d{2})\.progress", k) for k in entry.values) if m} , key=lambda m: m.group(1))
    batches = []
    for m in months:
        key = f"monitoring.{m.group(1)}"
        progress, schedule = entry.value(f"{key}.progress"), entry.value(f"{key}.schedule")
        batches.append({"month": m.group(1), "label": f"{int(m.group(1)[5:])}月", "projects": entry.value(f"{key}.projects"),
                        "amount": entry.value(f"{key}.amount"), "progress": progress, "schedule": schedule,
                        "gap": (progress - schedule) * 100})
    return batches


def monitoring_table(entries: list[Entry]) -> list[tuple[str, ...]]:
    """Progress and schedule in one precision (1 decimal), the gap the difference of the printed values."""
    rows = []
    for e in entries:
        if not monitoring_batches(e):  # no monitoring in its report: not reported, not 0
            rows.append((e.county_name, "未报告", *[NOT_REPORTED] * (len(MONITORING_COLUMNS) - 2)))
        for b in monitoring_batches(e):
            progress, schedule = _rounded(b["progress"] * 100, 1), _rounded(b["schedule"] * 100, 1)
            rows.append((e.county_name, b["label"], count(b["projects"]), wan(b["amount"]), f"{progress}%", f"{schedule}%",
                         fmt.fmt_number(progress - schedule, 1, False)))
    return rows


def ranking_table(entries: list[Entry]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Counties ranked on each main indicator (1 = largest; equal printed values share a place),
    ordered by the first indicator."""
    columns = ["县（市）"]
    places: dict[str, dict[str, int]] = {}
    for m in MAIN_MEASURES[:3]:
        columns += [m.header, "位次"]
        ranked = [e for e in entries if e.reports(m.key)]  # a county that does not report it is not ranked (「—」)
        places[m.key] = {e.county: 1 + sum(1 for e2 in ranked if m.printed_value(e2) > m.printed_value(e)) for e in ranked}
    first = MAIN_MEASURES[0]
    ordered = sorted(entries, key=lambda e: (e.county not in places[first.key], places[first.key].get(e.county, 0), e.county))
    rows = [(e.county_name, *[x for m in MAIN_MEASURES[:3] for x in (m.cell(e), str(places[m.key].get(e.county, NOT_REPORTED)))])
            for e in ordered]
    return tuple(columns), rows


def change_text(current: Decimal, previous: Decimal | None) -> str:
    """「增长19.5%」, 「下降3.0%」, 「持平」; 「—」 without the previous year or when it was 0."""
    if previous is None:
        return "—"
    if current == previous:
        return "持平"
    if previous == 0:
        return "—"
    rate = (current - previous) / previous * 100
    return ("增长" if rate > 0 else "下降") + fmt.fmt_number(abs(rate), CHANGE_DECIMALS, False) + "%"


def change_table(collection: Collection, year: int) -> list[tuple[str, ...]]:
    """Each county's change on the year before, in %, on the main indicators (exact values)."""
    rows = []
    for e in collection.of_year(year):
        before = next((p for p in collection.included if p.county == e.county and p.year == year - 1), None)
        rows.append((e.county_name, *[change_text(Decimal(e.value(m.key)), Decimal(before.value(m.key)) if before and before.reports(m.key) else None)
                                      if e.reports(m.key) else NOT_REPORTED for m in MAIN_MEASURES]))
    return rows


def shares(values: list[Decimal], decimals: int = SHARE_DECIMALS) -> list[Decimal]:
    """Percentages of the total, rounded so that they add up to exactly 100 as printed (largest
    remainder: the rounding goes to the parts that lost most by truncation)."""
    total = sum(values)
    if total == 0:
        return [Decimal(0)] * len(values)
    unit = Decimal(1).scaleb(-decimals)
    exact = [v / total * 100 for v in values]
    floors = [(x // unit) * unit for x in exact]
    left = int(round((Decimal(100) - sum(floors)) / unit))
    order = sorted(range(len(values)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += unit
    return [f.quantize(unit) for f in floors]


def share_table(entries: list[Entry]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    measures = MAIN_MEASURES[:3]
    columns = ["县（市）"]
    for m in measures:
        columns += [m.header, "占比"]
    parts = {}
    for m in measures:  # shares of the counties that report it
        reporting = [e for e in entries if e.reports(m.key)]
        parts[m.key] = dict(zip((e.county for e in reporting), shares([m.printed_value(e) for e in reporting])))
    rows = [(e.county_name, *[x for m in measures for x in (m.cell(e), f"{parts[m.key][e.county]}%" if e.county in parts[m.key] else NOT_REPORTED)])
            for e in entries]
    if rows:
        rows.append(("合计", *[x for m in measures for x in (m.total(entries),
                                                              f"{sum(parts[m.key].values()).quantize(Decimal(1).scaleb(-SHARE_DECIMALS))}%" if parts[m.key] else NOT_REPORTED)]))
    return tuple(columns), rows


def trend_table(collection: Collection) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Wide form: one row per county and indicator, one column per year."""
    years = collection.years
    columns = ("县（市）", "指标", *[f"{y}年" for y in years])
    rows = []
    for county, name in collection.counties():
        by_year = {e.year: e for e in collection.included if e.county == county}
        for indicator in headline_indicators():
            rows.append((name, indicator.title, *[PRINTER.magnitude(by_year[y].value(indicator.key), indicator.unit)
                                                  if y in by_year and by_year[y].reports(indicator.key) else NOT_REPORTED for y in years]))
    return columns, rows


def status_table(collection: Collection) -> list[tuple[str, ...]]:
    return [(e.county_name, str(e.year), e.status, e.reason) for e in collection.entries]


def status_frame(collection: Collection) -> pd.DataFrame:
    """For the notebook: every expected report and whether it is included."""
    return pd.DataFrame(status_table(collection), columns=["县（市）", "年度", "状态", "说明"])


def number_columns(columns: Sequence[str], text_columns: int = 1) -> tuple[bool, ...]:
    """Which columns hold numbers (right-aligned whatever a cell holds, 「—」 too): all but the
    first ``text_columns`` (the county, and the batch or indicator)."""
    return tuple(i >= text_columns for i in range(len(columns)))


def illustrative_notice(collection: Collection, params: "RollupParams") -> str:
    """The rollup's 示例数据说明: the rollup's own (params/rollup.yaml ``illustrative``) and which of
    the reports it takes figures from are illustrative, with each report's notice; "" if none."""
    groups: dict[str, dict[str, list[int]]] = {}
    for e in collection.included:
        if e.illustrative:
            groups.setdefault(e.illustrative, {}).setdefault(e.county_name, []).append(e.year)
    said = [params.illustrative] if params.illustrative else []
    if groups:
        parts = ["，".join(f"{name}" + "、".join(f"{y}年" for y in sorted(years)) for name, years in counties.items())
                 + f"（报告中的示例数据说明：{notice.rstrip('。')}）" for notice, counties in groups.items()]
        said.append("本汇总所依据的下列报告使用示例数据，汇总中取自这些报告的数字同样只是示意：" + "；".join(parts) + "。")
    return "".join(said)


# ---- the document ------------------------------------------------------------------------------

def _span(years: list[int]) -> str:
    if not years:
        return ""
    return f"{years[0]}—{years[-1]}年" if years[0] != years[-1] else f"{years[0]}年"


def findings(collection: Collection, year: int) -> list[str]:
    """What the tables show, in words (for 结论): the leading county on each main indicator and
    the largest rise and fall on the year before. Every number is one the tables print."""
    now = collection.of_year(year)
    said = []
    for m in MAIN_MEASURES[:3]:
        reporting = [e for e in now if e.reports(m.key)]
        if not reporting:
            continue
        top = max(m.printed_value(e) for e in reporting)
        leaders = [e.county_name for e in reporting if m.printed_value(e) == top]
        unit = m.header[m.header.index("（") + 1:-1]
        said.append(f"{m.header[:m.header.index('（')]}最多的是{'、'.join(leaders)}（{m.show(top)}{unit}）")
    changes = []
    for e in now:
        before = next((p for p in collection.included if p.county == e.county and p.year == year - 1), None)
        if before and e.reports(REVIEW_AMOUNT.key) and before.reports(REVIEW_AMOUNT.key) and Decimal(before.value(REVIEW_AMOUNT.key)):
            changes.append((e, change_text(Decimal(e.value(REVIEW_AMOUNT.key)), Decimal(before.value(REVIEW_AMOUNT.key)))))
    text = "；".join(said) + "。" if said else ""
    if changes:
        text += "与上年相比，目标审核金额" + "，".join(f"{e.county_name}{c}" for e, c in changes) + "。"
    return [text] if text else []


def build_document(collection: Collection, charts: dict[str, Chart], region_name: str = "",
                   params: RollupParams | None = None) -> Document:
    """The rollup as the same document model as the annual report (rendered to HTML, DOCX, PDF).

    ``region_name``: the prefecture or region as printed (巴音郭楞蒙古自治州); empty: 「各县（市）」.
    ``params``: ``params/rollup.yaml`` (落款, conclusions); its region_name unless one is given."""
    from dataclasses import replace

    from .document import Signature, chinese_date, number_tables
    from .layout import load_layout

    params = params or RollupParams(region_name=region_name)
    region_name = region_name or params.region_name
    region = region_name or "各县（市）"
    latest = collection.latest_year()
    now = collection.of_year(latest) if latest else []
    left_out = collection.left_out
    span = _span(collection.years)
    n_counties = len(collection.counties())
    sections: list[Section] = []

    def chart(key: str) -> list[Chart]:  # numbered 图1, 图2 … in reading order by number_tables
        return [charts[key]] if key in charts else []

    def add(title: str, blocks: list) -> None:
        sections.append(Section(1, fmt.heading_number(1, len(sections) + 1), title, tuple(blocks)))

    intro = (f"本汇总涵盖{region_name}{n_counties}个县（市）{span}共{len(collection.entries)}份年度预算绩效管理工作情况报告，"
             f"已汇总{len(collection.included)}份。各项数字均取自各县已生成报告的数字台账，未重新计算。")
    intro += (f"缺少或生成失败的{len(left_out)}份未纳入汇总（见附）：" + "；".join(f"{e.county_name}{e.year}年（{e.status}）" for e in left_out) + "。"
              if left_out else "所有报告均已生成并纳入汇总。")
    if now:
        said = ""
        for measure, what, before in ((OBJECTS, "共选取{}个重点绩效评价对象", ""), (EVALUATION_AMOUNT, "评价资金合计{}亿元", "，"),
                                      (REVIEW_AMOUNT, "年初预算项目绩效目标审核金额合计{}万元", "；")):
            reporting = [e for e in now if e.reports(measure.key)]
            if not reporting:
                continue  # only counties that report the part; the others are named, never counted as 0
            others = [e.county_name for e in now if not e.reports(measure.key)]
            who = f"{len(reporting)}个县（市）" if others else "" if said else f"{len(now)}个县（市）"
            said += (before if said else "") + who + what.format(measure.total(reporting)) + (f"（{'、'.join(others)}未报告）" if others else "")
        if said:
            intro += f"{latest}年度，{said}。"
    add("总体情况", [Paragraph.of(intro)])
    if now:
        columns, rows = ranking_table(now)
        add("主要指标排名", [Paragraph.of(f"{latest}年各县（市）主要指标及位次见下表（按重点评价资金由多到少排列，数字相同者位次相同）。"),
                         Table(f"{latest}年各县（市）主要指标及位次", columns, tuple(rows), numeric=number_columns(columns)),
                         *([Paragraph.of("注：" + NOT_REPORTED_NOTE + ("未报告重点评价资金的县（市）列在最后。" if any(row[1] == NOT_REPORTED for row in rows) else ""))]
                           if any(NOT_REPORTED in row for row in rows) else []), *chart("key_evaluations")])
        if any(p.year == latest - 1 for p in collection.included):
            add("与上年对比", [Paragraph.of(f"各县（市）{latest}年主要指标与{latest - 1}年相比的增减幅度见下表"
                                     "（按各县报告台账中的精确数值计算；“—”表示无上年报告、上年为零或该年未报告此项）。"),
                             Table(f"各县（市）{latest}年主要指标比上年增减", ("县（市）", *(m.header[:m.header.index("（")] for m in MAIN_MEASURES)),
                                   tuple(change_table(collection, latest)))])
        columns, rows = share_table(now)
        whole = f"{region_name}合计" if region_name else "合计"
        add(f"占{whole}的比重", [Paragraph.of(f"{latest}年各县（市）主要指标占{whole}的比重见下表。"),
                                  Table(f"{latest}年各县（市）主要指标占比", columns, tuple(rows), numeric=number_columns(columns)),
                                  note_for(rows, TOTAL_NOTE + "占比保留一位小数，按最大余数法修约，使各县占比之和为100%。")])
        rows = key_evaluation_table(now)
        blocks = [Table(f"{latest}年度各县（市）重点绩效评价", KEY_EVALUATION_COLUMNS, tuple(rows),
                        numeric=number_columns(KEY_EVALUATION_COLUMNS)), note_for(rows)]
        columns, kinds = standard_kinds_table(now)
        if len(columns) > 1:
            blocks += [Table(f"{latest}年度各县（市）重点绩效评价对象按类型", columns, tuple(kinds), numeric=number_columns(columns)),
                       note_for(kinds, "注：评价类型按各县参数中每一类型对应的中发〔2018〕34号类别归并（名称不同、类别相同的类型合并计数）；"
                                       "合计为表中各县（市）所列数字之和。")]
        add("重点绩效评价", blocks)
        rows = funds_table(now)
        add("绩效目标审核、绩效评价和结果应用资金", [Table(f"{latest}年各县（市）绩效目标审核、评价和结果应用资金", FUNDS_COLUMNS,
                                                     tuple(rows), numeric=number_columns(FUNDS_COLUMNS)), note_for(rows), *chart("funds")])
        behind = [f"{e.county_name}{b['label']}" for e in now for b in monitoring_batches(e) if b["gap"] < Decimal("-0.5")]
        add("预算绩效监控进度与序时进度", [Paragraph.of(f"{latest}年各县项目绩效监控共{sum(len(monitoring_batches(e)) for e in now)}个批次，"
                                          + (f"执行进度低于序时进度的有：{'、'.join(behind)}。" if behind else "各批次执行进度均不低于序时进度。")),
                                  Table(f"{latest}年各县（市）项目绩效监控执行进度", MONITORING_COLUMNS, tuple(monitoring_table(now)),
                                        numeric=number_columns(MONITORING_COLUMNS, 2)),
                                  *([Paragraph.of("注：" + NOT_REPORTED_NOTE)] if any(not monitoring_batches(e) for e in now) else []),
                                  *chart("monitoring")])
        rows = training_table(now)
        add("预算绩效管理培训和真实性核查", [Table(f"{latest}年各县（市）培训和真实性核查", TRAINING_COLUMNS, tuple(rows),
                                                  numeric=number_columns(TRAINING_COLUMNS)),
                                    note_for(rows), *chart("trainings")])
        if len(collection.years) > 1:
            columns, rows = trend_table(collection)
            add("各县历年主要指标", [Paragraph.of(f"下表列出各县{span}主要指标（“—”表示该年度报告缺少或生成失败）。"),
                               Table(f"各县（市）{span}主要指标", columns, tuple(rows), numeric=number_columns(columns, 2)),
                               *chart("trends")])
        add("结论", [Paragraph.of(p) for p in findings(collection, latest)] + [Paragraph.of(p) for p in params.conclusions])
    sections.append(Section(1, "附：", "各县年度报告生成情况",
                            (Table("各县年度报告生成情况", ("县（市）", "年度", "状态", "说明"), tuple(status_table(collection))),)))
    if notice := illustrative_notice(collection, params):  # illustrative inputs: said first, as in the reports
        sections.insert(0, Section(1, "", "示例数据说明", (Paragraph.of(notice),), key="illustrative"))
    title = f"{span}{region}\n预算绩效管理工作情况汇总"  # two lines, broken where the words part
    signature = (Signature(params.issuer, chinese_date(params.issue_date) if params.issue_date else "")
                 if params.issuer else None)
    return Document(title, number_tables(tuple(sections)), period_end=date(latest or 1980, 12, 31), layout=load_layout(),
                    signature=signature)


def export(document: Document, output_dir: Path) -> list[Path]:
    """``rollup.html``, ``rollup.docx`` and, with LibreOffice, ``rollup.pdf`` (as the annual report's)."""
    from .render_html import render_html
    from .files import write_atomic

    output_dir = Path(output_dir)
    html = output_dir / "rollup.html"
    write_atomic(html, render_html(document).encode("utf-8"))
    written = [html]
    from .render_docx import render_docx

    path = output_dir / "rollup.docx"
    write_atomic(path, render_docx(document))
    written.append(path)
    from .render_pdf import PdfSkipped, convert_docx_to_pdf

    try:
        written.append(convert_docx_to_pdf(path, output_dir / "rollup.pdf", document.layout))
    except PdfSkipped as skipped:
        print(f"未生成 rollup.pdf：{skipped.reason}")
    return written


# ---- running the rollup notebook ---------------------------------------------------------------

def run_rollup(root: Path | None = None, counties: Sequence[str] = (), years: Sequence[int] = (), region_name: str = "",
               progress: bool = True) -> list[Path]:
    """Execute ``notebooks/rollup.ipynb`` with papermill and publish ``outputs/rollup/`` atomically
    (the executed notebook, ``rollup.html`` and, with a DOCX renderer, ``rollup.docx``)."""
    from .run import execute_and_publish

    root = (root or project.find_root()).resolve()
    parameters = {"counties": list(counties) or None, "years": [int(y) for y in years] or None, "region_name": region_name, "output_dir": "."}
    from .limits import run_time_limit

    files, notes = execute_and_publish(project.notebook_path(root, "rollup"), "rollup.ipynb", root / "outputs" / ROLLUP_FOLDER,
                                       root, parameters, progress, time_limit=run_time_limit())  # $PERFLIB_RUN_TIMEOUT or 600 s (E157)
    return files
