"""Loading: the county-year workbook (or CSV folder) into typed tables, with findings.

Every cell is parsed by the kind its column declares in ``schema`` (see ``cells``); anything that
does not parse becomes a ``Finding`` located by file, sheet, Excel row and column, never an
exception. The tables keep each row's Excel row number (``excel_row``) so that every figure can
name its rows. What was read but normalized (full-width digits, units in cells, GBK files, title
rows above the header, hidden sheets) is reported as a warning, so the analyst sees it.
"""
from __future__ import annotations

import codecs
import csv
import difflib
import gc
import io
import operator
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat, zip_longest
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from . import cells, project, safety
from .findings import Finding, visible
from .limits import check_zip
from .schema import INFO_SHEET, NOTES_SHEET, TABLES, Column, TableSpec
from .workbook_checks import (EncryptedWorkbook, LegacyWorkbook, OpenDocumentFile, check_not_a_zip, check_zip_kind, column_letter,
                             formulas_without_values)
from .xlsx import check_reader, read_workbook

TOTAL_MARKERS = ("合计", "总计", "小计")
HEADER_SEARCH_ROWS = 5  # a title may sit above the header (often merged across the columns)
TEXT_KINDS = ("text", "choice")  # the kinds whose parsed cells are text
CSV_ENCODINGS = (("utf-8-sig", None), ("gb18030", "GB18030/GBK"))
_OPENDOCUMENT_NAMES = {"ods": "OpenDocument 电子表格", "ots": "OpenDocument 电子表格模板", "odt": "OpenDocument 文本文档",
                       "ott": "OpenDocument 文本模板", "odp": "OpenDocument 演示文稿", "odg": "OpenDocument 绘图"}


@dataclass
class Sheet:
    """A sheet as read, column by column (``columns[j][i]`` is the cell of Excel row i + 1); a
    workbook's sheet ends at its last non-blank row and column."""

    name: str
    file: str
    columns: list[list[Any]]
    hidden: bool = False
    encoding_note: str | None = None
    delimiter_note: str | None = None  # a CSV separated by ";" or tabs (W240)
    uncached: tuple[tuple[int, int, str], ...] = ()  # formula cells without a value: (Excel row, column index, formula) (E174)
    loader: Callable[[], list[Any]] | None = field(default=None, repr=False, compare=False)  # a CSV read when typed

    def load(self) -> "Sheet":
        """The cells of a sheet whose reading was put off (``read_sheets(..., lazy=True)``)."""
        if self.loader is not None:
            self.columns, self.loader = self.loader(), None
        return self

    @property
    def n_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def row(self, i: int) -> list[Any]:
        """The cells of Excel row i + 1."""
        return [column[i] for column in self.columns]

    @classmethod
    def from_rows(cls, name: str, file: str, rows: list, **kwargs) -> "Sheet":
        """From rows of any lengths (short rows are padded with blanks)."""
        return cls(name, file, [list(c) for c in zip_longest(*rows)], **kwargs)


@dataclass
class Dataset:
    """The validated tables of one county and year, and what the checks found on the way."""

    tables: dict[str, pd.DataFrame]
    findings: list[Finding] = field(default_factory=list)
    source: str = ""  # the data path as the analyst wrote it
    info: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # 基本信息: item -> (value, row, file)
    files: dict[str, str] = field(default_factory=dict)  # table name -> file label (CSV files differ)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def normalize_header(text: Any) -> str:
    """A header as compared: NFKC (full-width brackets and digits to half-width), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def load_dataset(path: Path, label: str | None = None, specs: Iterable[TableSpec] = TABLES, reader: str = "calamine") -> Dataset:
    """Read and type every table of ``specs`` from a workbook (.xlsx) or a folder of CSV files
    (``reader``: see ``read_sheets``)."""
    # Reading makes millions of small objects and no reference cycles; the cycle collector,
    # triggered by the allocations, would only walk them again and again (6% of a million rows).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_dataset(path, label, specs, reader)
    finally:
        if collecting:
            gc.enable()


def _load_dataset(path: Path, label: str | None, specs: Iterable[TableSpec], reader: str) -> Dataset:
    label = label or path.as_posix()
    check_reader(reader)  # a wrong reader is the caller's mistake, not an unreadable file
    try:
        sheets = read_sheets(path, label, reader, lazy=True)
    except safety.InputRefused as exc:  # a FIFO, a link out of the folder, a zip bomb (E150–E152)
        return Dataset({}, [exc.finding or Finding(exc.code, exc.text, file=label)], label)
    except FileNotFoundError:
        return Dataset({}, [Finding("E100", "数据文件不存在。", file=label, expected="预算绩效数据工作簿（.xlsx）或 CSV 文件夹")], label)
    except EncryptedWorkbook:
        return Dataset({}, [Finding("E173", "工作簿设置了打开密码（已加密），无法读取。", file=label,
                                    expected="未加密的工作簿：在 Excel 或 WPS 中打开，取消“用密码进行加密”后另存为 .xlsx")], label)
    except LegacyWorkbook:
        return Dataset({}, [Finding("E100", "这是旧版 Excel 97-2003 工作簿（.xls），不是 .xlsx。", file=label,
                                    expected="在 Excel 或 WPS 中另存为 Excel 工作簿（.xlsx）")], label)
    except OpenDocumentFile as exc:
        kind = _OPENDOCUMENT_NAMES.get(exc.kind, "OpenDocument 文件")
        return Dataset({}, [Finding("E107", f"这是 {kind}（.{exc.kind}），不是 Excel 工作簿（.xlsx），"
                                            + ("请另存为 .xlsx。" if exc.kind == "ods" else "其中没有数据表。"), file=label,
                                    expected="在 WPS、LibreOffice 或 Excel 中打开，另存为 Excel 工作簿（.xlsx）" if exc.kind == "ods"
                                    else "预算绩效数据工作簿（.xlsx）")], label)
    except UnicodeDecodeError as exc:
        return Dataset({}, [Finding("E100", "CSV 文件的编码无法识别。", file=getattr(exc, "file", label), expected="UTF-8 或 GB18030/GBK 编码的 CSV")], label)
    except Exception as exc:  # any unreadable file is a finding, not a traceback
        return Dataset({}, [Finding("E100", f"无法读取数据文件（{type(exc).__name__}），文件可能已损坏或不是 Excel 工作簿。", file=label,
                                    expected="Excel 工作簿（.xlsx，可由 Excel 或 WPS 另存）或 CSV 文件夹")], label)
    specs = list(specs)
    findings: list[Finding] = []
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    known = {s.sheet for s in specs} | {NOTES_SHEET, INFO_SHEET}
    alike = _sheets_alike(sheets, known - {NOTES_SHEET}, label)
    findings += alike.findings
    for key, sheet in sheets.items():
        if sheet.encoding_note:
            findings.append(Finding("W203", f"按 {sheet.encoding_note} 编码读取（Excel 中文版默认编码）。", file=sheet.file, sheet=sheet.name))
        if sheet.delimiter_note:
            findings.append(Finding("W240", f"CSV 文件以{sheet.delimiter_note}分隔，已按{sheet.delimiter_note}读取。", file=sheet.file, sheet=sheet.name))
        if key in alike.keys:
            continue  # named in E175 with the sheet it is confused with
        if sheet.name not in known:
            guess = difflib.get_close_matches(sheet.name, sorted(known - set(sheets)), n=1, cutoff=0.5)
            hint = f"是否应命名为「{guess[0]}」？" if guess else "不属于数据格式，已忽略。"
            findings.append(Finding("W208", f"未识别的工作表「{sheet.name}」：{hint}", file=sheet.file, sheet=sheet.name))
        elif sheet.hidden and sheet.name != NOTES_SHEET:
            findings.append(Finding("W207", "该工作表是隐藏的，仍已读取；请确认它是本年度要用的数据。", file=sheet.file, sheet=sheet.name))
    for spec in specs:
        if spec.sheet in alike.tables:  # which sheet holds the table cannot be told (E175): none is read
            tables[spec.name] = empty_table(spec)
            files[spec.name] = label
            continue
        sheet = sheets.get(spec.sheet)
        if sheet is None:
            findings.append(Finding("E101", f"缺少工作表「{spec.sheet}」（{spec.purpose}）。", file=label, sheet=spec.sheet,
                                    expected="按 docs/data-format.md 建立该工作表" + ("或同名 CSV 文件" if path.is_dir() else "")))
            tables[spec.name] = empty_table(spec)
            files[spec.name] = label
            continue
        noted = sheet.encoding_note
        try:
            table, table_findings = typed_table(spec, sheet.load())
            if sheet.encoding_note != noted:  # found GB18030 only past the head of a large file
                findings.append(Finding("W203", f"按 {sheet.encoding_note} 编码读取（Excel 中文版默认编码）。", file=sheet.file, sheet=sheet.name))
        except UnicodeDecodeError as exc:  # a large CSV not UTF-8 past the head checked first
            findings.append(Finding("E100", "CSV 文件的编码无法识别。", file=getattr(exc, "file", sheet.file),
                                    expected="UTF-8 或 GB18030/GBK 编码的 CSV（文件后部有不属于 UTF-8 的字节）"))
            sheet.loader, sheet.columns = None, []
            tables[spec.name] = empty_table(spec)
            files[spec.name] = sheet.file
            continue
        sheet.columns = []  # the cells as read are typed now: their memory goes before the next table's
        tables[spec.name] = table
        files[spec.name] = sheet.file
        findings.extend(table_findings)
    info = _info(sheets[INFO_SHEET].load() if INFO_SHEET in sheets and INFO_SHEET not in alike.tables else None)
    return Dataset(tables, findings, label, info, files)


def read_sheets(path: Path, label: str, reader: str = "calamine", lazy: bool = False) -> dict[str, Sheet]:
    """Every sheet of a workbook, or every ``*.csv`` (``.CSV``, any case) of a folder (its stem
    names the sheet), by its name exactly as written (two sheets of one name, as 培训.csv and
    培训.CSV, are both kept, the second under a key of its own: ``Sheet.name`` is the name).

    ``reader`` reads .xlsx: "calamine" (fast, the default) or "openpyxl" (the reference); both
    give the same cells (see ``xlsx``). ``lazy``: a CSV file's cells are parsed when its sheet
    is loaded (``Sheet.load``), so that one large table's cells are in memory at a time (its
    encoding and separator are known at once).
    """
    check_reader(reader)
    sheets: dict[str, Sheet] = {}
    if path.is_dir():
        for p in project.csv_files(path):
            file_label = f"{label.rstrip('/')}/{p.name}"
            safety.require_inside(p, path, file_label, {})  # a link to a file outside the data folder (E152)
            sheets[_unique_key(sheets, p.stem)] = _csv_sheet(p, file_label, lazy)
        return sheets
    if not path.exists():
        raise FileNotFoundError(path)
    safety.require_regular(path, label, {})  # a FIFO or a device would never end (E151)
    if path.suffix.lower() == ".csv":
        return {path.stem: _csv_sheet(path, label, lazy)}
    check_zip(path, label, {})  # inflated size, declared and real (E150)
    if not zipfile.is_zipfile(path):
        check_not_a_zip(path)  # an encrypted workbook or an .xls is named as such
        raise ValueError("not an xlsx (zip) file")
    check_zip_kind(path)  # an OpenDocument spreadsheet (.ods) named .xlsx is named as such
    uncached = formulas_without_values(path)
    for ws in read_workbook(path, reader):
        sheets[_unique_key(sheets, ws.title)] = Sheet(ws.title, label, ws.columns, hidden=ws.hidden,
                                                      uncached=tuple(uncached.get(ws.title, ())))
    return sheets


def _unique_key(sheets: dict[str, Sheet], name: str) -> str:
    """``name``, or ``name#2``, ``name#3``…: a second sheet of one name (E175) is kept, not lost."""
    return next(n for n in (name, *(f"{name}#{i}" for i in range(2, 10_000))) if n not in sheets)


@dataclass
class _Alike:
    findings: list[Finding]
    keys: set[str]  # the sheets named in those findings (keys of ``read_sheets``)
    tables: set[str]  # the expected sheet names that none of them is read for


def sheet_name_form(name: str) -> str:
    """A sheet's (or CSV file's) name as compared for look-alikes: NFKC (full-width and other
    compatibility forms), case folded (Latin names), without spaces or invisible characters."""
    return "".join(ch for ch in normalize_header(name).casefold() if visible(ch) == ch)


def _sheets_alike(sheets: dict[str, Sheet], known: set[str], label: str) -> _Alike:
    """Sheets (or CSV files) whose names, compared as ``sheet_name_form``, are a table's name
    without being it exactly (「培训 」, 「培训\u3000」, 「培\u200b训」, 「ＰＸ」 for 「px」), or two
    sheets of one name so compared (培训.csv and 培训.CSV): which to read cannot be guessed, so
    each is named with the expected name (E175) and none is read, never one silently preferred."""
    groups: dict[str, list[tuple[str, Sheet]]] = defaultdict(list)
    for key, sheet in sheets.items():
        groups[sheet_name_form(sheet.name)].append((key, sheet))
    known_by_form = {sheet_name_form(k): k for k in known}
    findings, keys, tables = [], set(), set()
    for shape, group in groups.items():
        expected = known_by_form.get(shape)
        if expected is None or (len(group) == 1 and group[0][1].name == expected):
            continue
        files = [s for _, s in group if s.file.lower().endswith(".csv")]
        what, wanted = (" CSV 文件", f"{expected}.csv") if files else ("工作表", expected)
        shown = [f"「{s.file.rsplit('/', 1)[-1]}」" if files else f"「{s.name}」" for _, s in group]
        odd = "；".join(filter(None, (_odd_characters(s.name) for _, s in group)))
        if len(group) > 1:
            message = f"有 {len(group)} 个{what}的名称只差空格、全角/半角、大小写或不可见字符：{'、'.join(shown)}，无法确定该读哪一个"
            fix = f"只保留一个名为「{wanted}」的{what.strip()}，删除或改名其余的"
        else:
            message = f"{what.strip()}{shown[0]}的名称与数据格式中的「{wanted}」只差空格、全角/半角、大小写或不可见字符，未读取"
            fix = f"把{what.strip()}改名为「{wanted}」"
        findings.append(Finding("E175", message + (f"（{odd}）" if odd else "") + "。",
                                file=group[0][1].file if len({s.file for _, s in group}) == 1 else label, sheet=expected, expected=fix))
        keys.update(key for key, _ in group)
        tables.add(expected)
    return _Alike(findings, keys, tables)


_CHARACTER_NAMES = {"\u3000": "全角空格", " ": "空格", "\u00a0": "不换行空格", "\t": "制表符", "\u200b": "零宽空格",
                    "\u200c": "零宽不连字", "\u200d": "零宽连字", "\ufeff": "零宽不换行空格"}


def _odd_characters(name: str) -> str:
    """The characters of a name that are not what they look like: spaces, full-width forms, format characters."""
    odd = []
    for i, ch in enumerate(name, start=1):
        if ch.isspace() or unicodedata.normalize("NFKC", ch) != ch or unicodedata.category(ch) == "Cf":
            label = _CHARACTER_NAMES.get(ch) or unicodedata.name(ch, "")
            odd.append(f"「{name}」第 {i} 个字符是 U+{ord(ch):04X}" + (f" {label}" if label else ""))
    return "，".join(odd)


CSV_CHECKED_BYTES = 1 << 20  # a larger CSV is decoded once, by its reading: only its head is decoded first


def _csv_sheet(path: Path, label: str, lazy: bool = False) -> Sheet:
    safety.require_regular(path, label, {})  # a FIFO or a device would never end (E151)
    data = safety.read_regular(path, label)
    head = data[:CSV_CHECKED_BYTES]
    for encoding, note in CSV_ENCODINGS:
        try:
            # a head cut inside a character leaves it out; the rest of the file is checked when read
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=len(data) <= CSV_CHECKED_BYTES)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _undecodable(data, label)
    separator, separator_note = _separator(text)
    del text  # the cells are parsed from the bytes
    sheet = Sheet(path.stem, label, [], encoding_note=note, delimiter_note=separator_note)
    sheet.loader = partial(_csv_cells, sheet, data, encoding, separator)
    return sheet if lazy else sheet.load()


def _csv_cells(sheet: Sheet, data: bytes, encoding: str, separator: str) -> list[Any]:
    """The cells of a CSV sheet; a large file taken for UTF-8 on its head but not UTF-8 further
    on is read as GB18030 (its sheet then gets the note of W203), else refused (E100)."""
    try:
        return _csv_columns(data, encoding, separator, sheet.file)
    except UnicodeDecodeError:
        if encoding != CSV_ENCODINGS[0][0]:
            raise
    encoding, sheet.encoding_note = CSV_ENCODINGS[1]
    return _csv_columns(data, encoding, separator, sheet.file)


def _undecodable(data: bytes, label: str) -> UnicodeDecodeError:
    error = UnicodeDecodeError("utf-8", data[:1], 0, 1, "neither UTF-8 nor GB18030")
    error.file = label  # type: ignore[attr-defined]
    return error


def _csv_columns(data: bytes, encoding: str, separator: str, label: str = "") -> list[list[Any]]:
    """The cells of a CSV file, column by column, every cell text ("" when blank, which
    ``cells.blank`` knows), so that parsing is ours."""
    # pandas' C parser reads columns straight away from UTF-8 bytes (a file in UTF-8 as it is;
    # not a StringIO: pandas would feed a text handle to the parser through a wrapper whose reads
    # grow with the file, 16x the time for 10x the rows at a million rows). Rows of unequal length
    # go through the csv module. A large file's bytes are decoded here only (its head was
    # checked): one past its head that is not UTF-8 raises UnicodeDecodeError (E100).
    if encoding == "utf-8-sig":
        utf8 = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    else:
        try:
            utf8 = data.decode(encoding).encode("utf-8")
        except UnicodeDecodeError:
            raise _undecodable(data, label) from None
    try:
        # dtype object: the cells as Python strings, whatever pandas' default string storage
        frame = pd.read_csv(io.BytesIO(utf8), encoding="utf-8", header=None, keep_default_na=False, na_filter=False,
                            skip_blank_lines=False, engine="c", sep=separator, dtype=object)
        return [frame[c].tolist() for c in frame.columns]
    except UnicodeDecodeError:
        raise _undecodable(data, label) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        try:
            rows = list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=separator))
        except UnicodeDecodeError:
            raise _undecodable(data, label) from None
        return [list(c) for c in zip_longest(*rows)]


_SEPARATORS = {";": "分号（;）", "\t": "制表符（Tab）", "|": "竖线（|）"}


def _separator(text: str) -> tuple[str, str | None]:
    """The CSV's separator, decided on its first non-blank line (the header, or a title): a comma,
    unless that line has no comma and holds semicolons or tabs (a CSV saved by Excel in a locale
    that writes ";", or a tab-separated export); then that one, and a note for W240."""
    lines = [line for line in text[:1 << 16].splitlines()[:HEADER_SEARCH_ROWS * 4] if line.strip()]
    first = next((line for line in lines if any(sep in line for sep in (",", *_SEPARATORS))), "")
    if "," in first:
        return ",", None
    counts = {sep: first.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return (best, _SEPARATORS[best]) if counts[best] else (",", None)


def empty_table(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame({"excel_row": pd.Series(dtype="int64"),
                         **{c.name: pd.Series(dtype=object) for c in spec.columns}})


def _header_positions(header: list[Any]) -> dict[str, int]:
    """Each header as compared (``normalize_header``) → its first column."""
    positions: dict[str, int] = {}
    for i, value in enumerate(header):
        if not cells.blank(value):
            positions.setdefault(normalize_header(value), i)
    return positions


def _header_row(spec: TableSpec, rows: list[tuple[int, list[Any]]]) -> int:
    """Index of the header among the first rows: the one that names most of the table's columns."""
    wanted = {normalize_header(h) for h in spec.headers}
    scores = [sum(normalize_header(v) in wanted for v in values if not cells.blank(v)) for _, values in rows[:HEADER_SEARCH_ROWS]]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return best if scores[best] else 0


def typed_table(spec: TableSpec, sheet: Sheet) -> tuple[pd.DataFrame, list[Finding]]:
    """The rows of one sheet typed by ``spec``, and the findings on the way."""
    findings: list[Finding] = []
    where = dict(file=sheet.file, sheet=spec.sheet)
    n_rows = sheet.n_rows
    head = [(i + 1, sheet.row(i)) for i in range(min(n_rows, HEADER_SEARCH_ROWS * 4))]
    head = [(n, values) for n, values in head if _first_filled(values) is not None][:HEADER_SEARCH_ROWS]
    if not head:
        findings.append(Finding("E103", f"工作表「{spec.sheet}」是空的，缺少表头行。", expected="第 1 行为表头：" + "、".join(spec.headers), **where))
        return empty_table(spec), findings
    h = _header_row(spec, head)
    for n, values in head[:h]:
        findings.append(Finding("W206", "表头上方的标题行已跳过。", row=n, value=cells.text_of(_first_filled(values)), **where))
    header_row, header = head[h]
    positions = _header_positions(header)
    twice = _headers_twice(spec, header, header_row, where)
    if twice:  # which of the two columns holds the data cannot be guessed
        return empty_table(spec), findings + twice
    index: dict[str, int] = {}
    known = {normalize_header(x) for x in spec.headers}
    unknown = [cells.text_of(v) for v in header if not cells.blank(v) and normalize_header(v) not in known]
    for column in spec.columns:
        position = positions.get(normalize_header(column.header))
        if position is not None:
            index[column.name] = position
        elif column.required:  # an optional column may be left out of the sheet altogether
            guess = difflib.get_close_matches(column.header, unknown, n=1, cutoff=0.4)
            message = f"缺少列「{column.header}」" + (f"（表头中的「{guess[0]}」是否就是它？请改为规定的列名）。" if guess else "。")
            findings.append(Finding("E102", message, row=header_row, column=column.header, value=guess[0] if guess else None,
                                    expected="表头包含：" + "、".join(c.header for c in spec.columns if c.required), **where))
    for name in unknown:
        findings.append(Finding("W201", f"列「{name}」不在数据格式中，已忽略。", row=header_row, column=name, **where))
    if any(c.name not in index and c.required for c in spec.columns):
        return empty_table(spec), findings
    notes: dict[tuple[str, str], list[int]] = defaultdict(list)
    examples: dict[str, str] = {}  # a column's first cell read with spaces between digits (W209)
    keep = _data_rows(sheet, header_row, findings, where)
    formulas = {(row, column): formula for row, column, formula in sheet.uncached}
    for (row, position), formula in sorted(formulas.items()):  # read as blank by both readers; the value is unknown
        name = cells.text_of(header[position]) if position < len(header) and not cells.blank(header[position]) else None
        findings.append(Finding("E174", "公式单元格没有保存计算结果（工作簿由程序生成、未经 Excel 或 WPS 计算保存），读不到它的值。",
                                row=row, column=name or f"{column_letter(position)} 列", value=formula,
                                expected="在 Excel 或 WPS 中打开并保存一次（让公式算出结果），或把公式改为数值", **where))
    excel_rows = range(keep.start + 1, keep.stop + 1) if isinstance(keep, range) else [i + 1 for i in keep]
    columns: dict[str, pd.Series] = {"excel_row": pd.Series(excel_rows, dtype="int64")}
    for column in spec.columns:
        position = index.get(column.name)
        raws = _column_cells(sheet, keep, position)
        if position is not None and position > 0:  # the cells as read go as soon as they are typed (column 0 gives n_rows)
            sheet.columns[position] = []
        parsed, errors, applied, refused, cleaned, blanks = _typed_cells(column, raws)
        at = dict(column=column.header, **where)
        for i, code, message in refused:
            findings.append(Finding(code, message, row=excel_rows[i], value=parsed[i], expected="不含不可见控制字符的文字", **at))
        if cleaned:
            findings.append(Finding("W230", f"已删除零宽字符（U+200B 等，不可见）：第 {_rows_text([excel_rows[i] for i in cleaned])} 行。",
                                    row=excel_rows[cleaned[0]], **at))
        for i, error in errors:
            findings.append(Finding(error.code, error.message, row=excel_rows[i], value=cells.text_of(raws[i]), expected=error.expected, **at))
        if column.required:
            code = column.blank_code or "E110"
            message = "必填单元格为空。" if code == "E110" else column.blank_message
            failed = {i for i, _ in errors}
            if formulas:
                failed |= {i for i, row in enumerate(excel_rows) if (row, position) in formulas}
            for i in blanks:
                if i not in failed:
                    findings.append(Finding(code, message, row=excel_rows[i], expected=expected_for(column), **at))
        for i, note in applied:
            notes[(column.header, note)].append(excel_rows[i])
            if note == cells.SPACED_THOUSANDS:
                examples.setdefault(column.header, cells.text_of(raws[i]))
        # each column's list goes as soon as it is a column
        columns[column.name] = _object_column(parsed)
        del raws, parsed
    for (header_text, note), note_rows in notes.items():
        if note == cells.SPACED_THOUSANDS:  # the value shown: which space it was (<U+00A0>…) is seen
            example = examples[header_text]
            read = cells.SPACES.sub("", unicodedata.normalize("NFKC", example))
            findings.append(Finding("W209", f"{note}（第 {note_rows[0]} 行「{example}」读作「{read}」）：第 {_rows_text(note_rows)} 行。",
                                    row=note_rows[0], column=header_text, **where))
            continue
        findings.append(Finding("W204", f"{note}：第 {_rows_text(note_rows)} 行。", row=note_rows[0], column=header_text, **where))
    if not excel_rows and spec.rows_required:
        findings.append(Finding("E103", f"工作表「{spec.sheet}」没有数据行（{spec.purpose}）。", row=header_row + 1, **where))
    # copy=False: the columns stay as they are, not copied into one block of every object column
    table = pd.DataFrame(columns, copy=False) if excel_rows else empty_table(spec)
    findings.extend(_duplicates(spec, table, where))
    return table, findings


def _blank_positions(values: list[Any]) -> list[int]:
    """Where a parsed column is blank (None)."""
    # Not ``None in values``: that compares every Decimal with None through Decimal.__eq__
    # and the numbers ABCs (a quarter of the load time of a million rows).
    if not any(map(operator.is_, values, repeat(None))):
        return []
    return [i for i, value in enumerate(values) if value is None]


def _object_column(values: list[Any] | np.ndarray) -> pd.Series:
    """A column of Python objects (text, Decimal, dates, None) as they are, without inference."""
    if not isinstance(values, np.ndarray):
        values = np.fromiter(values, dtype=object, count=len(values))
    return pd.Series(values, dtype=object, copy=False)


def _typed_cells(column: Column, raws: list[Any]) -> tuple[Any, list, list, list, list, list[int]]:
    """One column's cells parsed (``cells.parse_column``) and, for text, scanned (``safety.scan_column``):
    (values, errors, notes applied, refused, cleaned, blanks), each by row index; the blanks of a
    required column only (an optional one may be blank on every row)."""
    parsed, errors, applied = cells.parse_column(column.kind, raws, column.choices)
    if column.divisor != 1:  # an amount exported in 元 (params columns): 万元, exactly
        parsed = [None if value is None else value / column.divisor for value in parsed]
    if column.kind in TEXT_KINDS:  # the other kinds parse to numbers and dates, never text
        parsed, refused, cleaned = safety.scan_column(parsed)  # control, bidi (E153, E154), zero-width (W230)
    else:
        refused, cleaned = [], []
    return parsed, errors, applied, refused, cleaned, _blank_positions(parsed) if column.required else []


def _headers_twice(spec: TableSpec, header: list[Any], header_row: int, where: dict) -> list[Finding]:
    """A table's column named twice in the header (alike once spaces and full-width forms are
    read): both are named (E176), neither is silently used."""
    at: dict[str, list[int]] = defaultdict(list)
    for i, value in enumerate(header):
        if not cells.blank(value):
            at[normalize_header(value)].append(i)
    found = []
    for column in spec.columns:
        places = at.get(normalize_header(column.header), [])
        if len(places) > 1:
            shown = "、".join(f"第 {column_letter(i)} 列「{cells.text_of(header[i])}」" for i in places)
            found.append(Finding("E176", f"列「{column.header}」在表头中出现了 {len(places)} 次（{shown}），无法确定该读哪一列。",
                                 row=header_row, column=column.header, expected="每个列名在表头中只出现一次：删除或改名多余的列", **where))
    return found


def _data_rows(sheet: Sheet, header_row: int, findings: list[Finding], where: dict) -> range | list[int]:
    """Indexes of the rows below the header that hold data: blank rows and totals rows (合计,
    reported as W202) are left out. Decided on the first column where it is plain text, so that a
    million rows cost two passes over one list."""
    first_column = sheet.columns[0][header_row:] if sheet.columns else []
    if _plainly_data(first_column):
        return range(header_row, sheet.n_rows)
    doubtful = [i for i, v in enumerate(first_column, header_row) if not (type(v) is str and v and not v[0].isspace()) or "计" in v]
    dropped = set()
    for i in doubtful:
        first = _first_filled(sheet.row(i))
        if first is None:  # a blank row
            dropped.add(i)
        elif type(first) is str and "计" in first and re.sub(r"\s+", "", first) in TOTAL_MARKERS:
            findings.append(Finding("W202", "合计行不作为数据，已跳过（合计由程序计算）。", row=i + 1, value=first.strip(), **where))
            dropped.add(i)
    if not dropped:
        return range(header_row, sheet.n_rows)
    return [i for i in range(header_row, sheet.n_rows) if i not in dropped]


# A blank cell, or one starting with a space, after the first: a pattern led by a literal (\x00),
# which the regex engine finds with a fast scan (ten times faster than one led by a group).
_DOUBTFUL_CELL = re.compile(r"\x00[\s\x00]")
_DOUBTFUL_FIRST = re.compile(r"[\s\x00]")


def _plainly_data(cells_: list[Any]) -> bool:
    """True when every cell is text, none blank, none starting with a space and none holding 计
    (no blank rows, no totals rows): decided on the cells joined, without a Python loop."""
    try:
        joined = "\x00".join(cells_)
    except TypeError:  # numbers or blanks (None) among the cells
        return False
    return ("计" not in joined and not joined.endswith("\x00") and not _DOUBTFUL_FIRST.match(joined)
            and not _DOUBTFUL_CELL.search(joined) and bool(joined))


def _column_cells(sheet: Sheet, keep: range | list[int], position: int | None) -> list[Any]:
    """The cells of one column in the kept rows; None everywhere when the column is absent."""
    if position is None:
        return [None] * len(keep)
    column = sheet.columns[position]
    if isinstance(keep, range):
        return column[keep.start:keep.stop]
    return [column[i] for i in keep]


def _first_filled(values: list[Any]) -> Any:
    """The first non-blank cell of a row, or None for a blank row."""
    if values:
        first = values[0]
        if first is not None and (type(first) is not str or first.strip()):
            return first
    return next((v for v in values if not cells.blank(v)), None)


def _rows_text(rows: list[int]) -> str:
    shown = "、".join(str(r) for r in rows[:10])
    return shown + (f" 等 {len(rows)} 行" if len(rows) > 10 else "")


def expected_for(column: Column) -> str:
    return {
        "money": "金额（万元，数字）",
        "score": "0 到 100 之间的得分",
        "count": "不小于 0 的整数",
        "percent": "百分比，如 46%",
        "date": "日期，如 2023-05-31",
        "choice": "以下之一：" + "、".join(column.choices),
    }.get(column.kind, f"文字，如「{column.example}」" if column.example else "文字")


def _duplicates(spec: TableSpec, table: pd.DataFrame, where: dict) -> list[Finding]:
    if not spec.key or table.empty:
        return []
    # pandas finds the rows whose key occurs more than once (fast on a million rows); only those
    # are walked, in order, to name the first occurrence of each. A blank in a ``key_blank_ok``
    # field is a value of its own (one report title twice without 评价对象 is a repeat).
    # one key field alone differs on every row (the last, or a report title when 评价对象 is left
    # blank): no key repeats. A blank in a needed field takes its row out of the search; in a
    # ``key_blank_ok`` field it is a value, which two blanks repeat.
    if any(table[k].dropna().is_unique and (k not in spec.key_blank_ok or table[k].isna().sum() < 2) for k in reversed(spec.key)):
        return []
    keys = table[list(spec.key)].astype(object)
    needed = [k for k in spec.key if k not in spec.key_blank_ok]
    keys = keys.assign(**{k: keys[k].where(keys[k].notna(), "") for k in spec.key_blank_ok})
    repeated = keys.duplicated(keep=False) & keys[needed].notna().all(axis=1)
    if not repeated.any():
        return []
    table = table[repeated]
    seen: dict[tuple, int] = {}
    found = []
    rows = list(table["excel_row"])
    types = list(table["type"]) if "type" in table.columns else [None] * len(rows)
    for i, key in enumerate(zip(*(keys.loc[repeated, k] for k in spec.key))):
        if None in key:
            continue
        if key not in seen:
            seen[key] = i
            continue
        first = seen[key]
        shown = " / ".join(str(k) for k in key if k != "")
        if types[i] is not None and types[first] not in (None, types[i]):
            found.append(Finding("E136", f"同一项目在第 {rows[first]} 行归为「{types[first]}」，此处又归为「{types[i]}」。",
                                 row=rows[i], column=spec.column("type").header, value=shown, expected="每个评价对象只归一种评价类型", **where))
        else:
            column = next(k for k in reversed(spec.key) if key[spec.key.index(k)] != "")  # the last field filled
            found.append(Finding("E120", f"与第 {rows[first]} 行重复。", row=rows[i], column=spec.column(column).header,
                                 value=shown, expected=spec.duplicate_expected, **where))
    return found


def _info(sheet: Sheet | None) -> dict[str, tuple[str, int, str]]:
    """The optional 基本信息 sheet: item → (value, Excel row, file), e.g. 县（市、区） → 和硕县."""
    if sheet is None:
        return {}
    info = {}
    for i in range(sheet.n_rows):
        n, values = i + 1, sheet.row(i)
        filled = [v for v in values if not cells.blank(v)]
        if len(filled) >= 2:
            info[normalize_header(filled[0])] = (cells.text_of(filled[1]), n, sheet.file)
    return info
