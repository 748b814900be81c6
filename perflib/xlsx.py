"""Reading .xlsx workbooks: every worksheet's cells, column by column, as openpyxl reads them.

Two readers give the same values. openpyxl (read-only, the values Excel cached) is the reference:
perflib was built and tested on its values. calamine (python-calamine, written in Rust) reads the
same workbook 10 to 15 times faster and is the default; its values are mapped onto openpyxl's
(blank cells None, whole numbers int, whole-day dates datetime). A scan of the raw XML, run while
calamine parses, finds what the mapping could not undo (error cells, escaped characters, numbers
written in an unusual form, a number format the two readers class differently, a time on a
millisecond edge); such a workbook is read with openpyxl: ``calamine_worksheets`` raises
``NotLikeOpenpyxl`` with the reason.

Both readers give each sheet up to its last non-blank row and column: openpyxl also yields rows
and cells that are only formatted, calamine does not, and neither holds a value.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import posixpath
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Sequence
from xml.etree import ElementTree

READERS = ("calamine", "openpyxl")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIP_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_EXACT_INT = 2 ** 53  # beyond this a float no longer holds every integer openpyxl would give
_LAST_SERIAL = 2958465  # 9999-12-31: openpyxl reads a later date as the text "#VALUE!", calamine as a number
_MAC_EPOCH_DAYS = 1462  # serials count from 1904-01-01 in a workbook with date1904
_MIDNIGHT = dt.time(0)


@dataclass
class Worksheet:
    """One worksheet as read: ``columns[j][i]`` is the cell of Excel row i + 1, column j + 1."""

    title: str  # as written in the workbook (the caller strips it)
    hidden: bool  # hidden or very hidden
    columns: list[list[Any]]


class NotLikeOpenpyxl(Exception):
    """calamine's values for this workbook cannot be mapped onto openpyxl's; the message says why."""


def read_workbook(path: Path, reader: str = "calamine") -> list[Worksheet]:
    """Every worksheet in workbook order (chart sheets have no cells and are left out).

    ``reader`` is "calamine" (fast, the default) or "openpyxl" (the reference); both give the same
    values. A workbook calamine cannot read like openpyxl, or cannot read at all, is read with
    openpyxl, which also raises the error that names an unreadable file.
    """
    check_reader(reader)
    if reader == "calamine":
        try:
            return calamine_worksheets(path)
        except Exception:  # NotLikeOpenpyxl, or a file calamine cannot read: openpyxl decides
            pass
        except BaseException as exc:  # a panic in calamine's Rust code, which pyo3 raises as a BaseException
            if type(exc).__name__ != "PanicException":
                raise
    return openpyxl_worksheets(path)


def check_reader(reader: str) -> None:
    if reader not in READERS:
        raise ValueError(f"reader must be one of {READERS}, not {reader!r}")


def openpyxl_worksheets(source: Path | BinaryIO) -> list[Worksheet]:
    """The reference reader: openpyxl in read-only mode, cached values of formulas."""
    from openpyxl import load_workbook

    workbook = load_workbook(source, read_only=True, data_only=True)
    try:
        sheets = []
        for ws in workbook.worksheets:
            ws.reset_dimensions()  # WPS and some exporters write a wrong <dimension>; read every row
            columns = [list(c) for c in zip_longest(*ws.iter_rows(values_only=True))]
            sheets.append(Worksheet(ws.title, ws.sheet_state != "visible", _trimmed(columns)))
        return sheets
    finally:
        workbook.close()


def calamine_worksheets(path: Path) -> list[Worksheet]:
    """calamine's reading with openpyxl's values; ``NotLikeOpenpyxl`` where they cannot be had."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan = pool.submit(_scan_package, path)  # alongside calamine, which parses without holding the GIL
        sheets = _calamine_rows(path)
        content = scan.result()
    return _mapped(sheets, content)


@dataclass
class _Content:
    """What the package scan found that decides how calamine's values map onto openpyxl's."""

    last_date_serial: int | None = None  # 9999-12-31, if some cell style is a date, time or duration
    negative_numbers: bool = False  # a negative number is stored somewhere (a negative date reads as a time)


def _calamine_rows(source: Path | BinaryIO) -> list[tuple[str, bool, list[list[Any]]]]:
    """Every worksheet's title, hidden flag and rows as calamine gives them."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum, load_workbook

    sheets = []
    with load_workbook(source) as workbook:
        for meta in workbook.sheets_metadata:
            if meta.typ == SheetTypeEnum.ChartSheet:
                continue  # openpyxl keeps chart sheets out of its worksheets too
            if meta.typ != SheetTypeEnum.WorkSheet:
                raise NotLikeOpenpyxl(f"sheet {meta.name!r} is a {meta.typ}")
            rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)  # row i is Excel row i + 1
            sheets.append((meta.name, meta.visible != SheetVisibleEnum.Visible, rows))
    return sheets


def _mapped(sheets: list[tuple[str, bool, list[list[Any]]]], content: _Content) -> list[Worksheet]:
    return [Worksheet(title, hidden, _trimmed([_as_openpyxl(column, content) for column in zip(*rows)])) for title, hidden, rows in sheets]


def _as_openpyxl(column: Sequence[Any], content: _Content) -> list[Any]:
    """One column of calamine values as openpyxl gives them."""
    kinds = set(map(type, column))
    if kinds <= {str}:
        return [v or None for v in column]
    if float in kinds and content.last_date_serial and max(v for v in column if type(v) is float) > content.last_date_serial:
        raise NotLikeOpenpyxl("a number beyond 9999-12-31, which openpyxl reads as #VALUE! in a date cell")
    if kinds <= {str, float}:  # most columns: _openpyxl_value written out, for speed
        return [v or None if type(v) is str else int(v) if v.is_integer() and -_EXACT_INT < v < _EXACT_INT else v for v in column]
    if dt.time in kinds and (content.negative_numbers or _MIDNIGHT in column):
        # calamine reads a negative date serial as a time, and 0.9999999999 as 00:00 (openpyxl: 1900-01-01)
        raise NotLikeOpenpyxl("a time that may stand for a negative or whole-day date serial")
    return [_openpyxl_value(v) for v in column]


def _openpyxl_value(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return value or None  # calamine: "" for a blank cell (empty strings are ruled out by the scan)
    if kind is float:
        # openpyxl gives int for a number stored without "." or "E"; the scan rules out the
        # whole numbers stored with them (1.0, 1E3) and integers past float precision
        return int(value) if value.is_integer() and -_EXACT_INT < value < _EXACT_INT else value
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)  # calamine: a date for a whole-day serial
    return value


def _trimmed(columns: list[list[Any]]) -> list[list[Any]]:
    """Columns cut after the last non-blank row and column."""
    while columns and columns[-1].count(None) == len(columns[-1]):
        columns.pop()
    height = 0
    for column in columns:
        last = len(column)
        while last > height and column[last - 1] is None:
            last -= 1
        height = max(height, last)
    return [column[:height] if len(column) > height else column for column in columns]


# The package scan ----------------------------------------------------------------------------
# Each pattern finds, in the raw XML, something calamine reads differently from openpyxl.
_UNPREFIXED_ROOT = re.compile(rb"<(\w+:)?(?:worksheet|sst)[\s>]")  # elements in a namespace prefix: rare exporters
_ERROR_OR_ISO_DATE = re.compile(rb"""t=["'][ed]["']""")  # error cells (calamine: blank), ISO 8601 date cells
_ESCAPE = re.compile(rb"x[0-9A-Fa-f]{4}_")  # _x000D_: calamine decodes it, openpyxl keeps it (and drops "x005F_")
# An empty string (openpyxl "", calamine blank), or one that starts or ends with a space without
# xml:space="preserve" (calamine trims it, openpyxl keeps it).
_TEXT_READ_DIFFERENTLY = re.compile(rb"<t(?:>(?:[ \t\r\n]|[^<]*+(?<=[ \t\r\n>])</t>)| [^>]*(?:/>|></t>)|/>)")
# A stored value to look at: anything but the forms both readers surely read alike, a positive
# integer of up to 15 digits, a decimal of up to 15 digits with a non-zero digit after the point,
# or a decimal below 10^11 at least 0.0001 away from a whole number (676.67999999999995).
_VALUE_TO_CHECK = re.compile(rb"<v>(?!\d{1,15}<|(?=[\d.]{1,16}<)\d*\.\d*[1-9]\d*<|\d{1,11}\.[09]{0,3}[1-8]\d*<)")
_NOT_A_NUMBER_CELL = re.compile(rb"""\st=["'](?!n["'])""")
_PLAIN_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _scan_package(path: Path) -> _Content:
    """Scan the workbook's parts; ``NotLikeOpenpyxl`` if calamine's values could not be mapped."""
    with zipfile.ZipFile(path) as archive:
        return _package_content(archive)


def _package_content(archive: zipfile.ZipFile) -> _Content:
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        raise NotLikeOpenpyxl("the package does not have the usual xl/workbook.xml")
    parts: dict[str, list[str]] = {}
    for rel in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels")):
        kind = rel.get("Type", "").removeprefix(_RELATIONSHIP_TYPES)
        target = rel.get("Target", "")
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if kind == "styles" and name != "xl/styles.xml":  # openpyxl reads xl/styles.xml whatever the relationship says
            raise NotLikeOpenpyxl(f"styles in {target!r}")
        if kind in ("worksheet", "sharedStrings", "styles"):
            if name not in names:
                raise NotLikeOpenpyxl(f"the {kind} part {target!r} is missing")
            parts.setdefault(kind, []).append(name)
    content = _Content()
    date_cells = None
    if "styles" in parts:
        date1904 = re.search(rb"""date1904=["'](?:1|true)["']""", archive.read("xl/workbook.xml")) is not None
        alike, date_styles = _styles_read_alike(archive.read(parts["styles"][0]), date1904)
        if not alike:
            raise NotLikeOpenpyxl("a number format that calamine and openpyxl class differently (date or number)")
        if date_styles:
            if 0 in date_styles:
                raise NotLikeOpenpyxl("the default cell style is a date")  # cells without s="…" would escape the scan
            content.last_date_serial = _LAST_SERIAL - _MAC_EPOCH_DAYS if date1904 else _LAST_SERIAL
            date_cells = _date_cells_with_a_time(date_styles)
    for name in parts.get("sharedStrings", []):
        _check_text(archive.read(name), name)
    for name in parts.get("worksheet", []):
        xml = archive.read(name)
        _check_text(xml, name)
        content.negative_numbers |= _check_values(xml, name)
        if date_cells is not None:
            _check_times(xml, name, date_cells)
    return content


def _check_text(xml: bytes, name: str) -> None:
    root = _UNPREFIXED_ROOT.search(xml[:4096])
    if root is None or root[1]:
        raise NotLikeOpenpyxl(f"{name}: not plain SpreadsheetML (a namespace prefix, or another encoding)")
    if _ESCAPE.search(xml):
        raise NotLikeOpenpyxl(f"{name}: an escaped character such as _x000D_")
    if _TEXT_READ_DIFFERENTLY.search(xml):
        raise NotLikeOpenpyxl(f"{name}: an empty string, or spaces around a string without xml:space=\"preserve\"")


def _check_values(xml: bytes, name: str) -> bool:
    """Raise where a cell's stored value reads differently; whether a negative number is stored."""
    if _ERROR_OR_ISO_DATE.search(xml):
        raise NotLikeOpenpyxl(f"{name}: an error cell (#DIV/0!, #N/A) or an ISO 8601 date cell")
    negative = False
    for match in _VALUE_TO_CHECK.finditer(xml):
        cell = xml[xml.rfind(b"<c", 0, match.start()):match.start()]
        if _NOT_A_NUMBER_CELL.search(cell):
            continue  # the text of a string, shared string index or boolean
        text = xml[match.end():xml.find(b"<", match.end())]
        if not _number_read_alike(text):
            raise NotLikeOpenpyxl(f"{name}: a number stored as {text.decode(errors='replace')!r}")
        negative = negative or text.startswith(b"-")
    return negative


def _date_cells_with_a_time(styles: frozenset[int]) -> re.Pattern[bytes]:
    """Cells in one of these (date) styles whose stored number has a fraction: the time of day."""
    ids = "|".join(map(str, sorted(styles))).encode()
    return re.compile(rb"""s=["'](?:""" + ids + rb""")["'][^>]*>\s*(?:<f\b[^>]*/>\s*|<f\b[^>]*>[^<]*</f>\s*)?<v>([^<]*[.eE][^<]*)</v>""")


def _check_times(xml: bytes, name: str, date_cells: re.Pattern[bytes]) -> None:
    for match in date_cells.finditer(xml):
        try:
            serial = float(match[1])
        except ValueError:
            raise NotLikeOpenpyxl(f"{name}: a date stored as {match[1]!r}") from None
        if _near_a_rounding_edge(serial):
            raise NotLikeOpenpyxl(f"{name}: a date or time {match[1].decode()} that the readers may round to different milliseconds")


def _near_a_rounding_edge(serial: float) -> bool:
    """Whether openpyxl and calamine may round this date serial to different milliseconds: within
    float error of half a millisecond (45077.604166672454), or a duration so long that openpyxl's
    seconds lose their fraction (10^5 days)."""
    milliseconds = serial % 1 * 86_400_000
    return abs(milliseconds % 1 - 0.5) < 1e-3 + abs(serial) * 86_400_000 * 1e-15 or abs(serial) >= 1e5


def _number_read_alike(text: bytes) -> bool:
    """Whether openpyxl's number for a stored text is calamine's once mapped (1.0 is not: a float for openpyxl)."""
    if not text:
        return True  # <v></v>: blank for both
    if not _PLAIN_NUMBER.fullmatch(text):
        return False
    reference = float(text) if re.search(rb"[.eE]", text) else int(text)  # as openpyxl casts it
    mapped = _openpyxl_value(float(text))
    return type(mapped) is type(reference) and mapped == reference


# Number formats: both readers decide from a cell's style whether its number is a date, a time,
# a duration or a number, each by its own rules. One probe cell per style, read by both, shows
# whether they agree on this workbook's styles.
_PROBE_SERIAL = "45000.25"  # 2023-03-15 06:00


@functools.lru_cache(maxsize=16)
def _styles_read_alike(styles: bytes, date1904: bool) -> tuple[bool, frozenset[int]]:
    """Whether both readers read a number in every cell style alike, and the styles that make it a
    date, time or duration (by index)."""
    try:
        cell_formats = ElementTree.fromstring(styles).find(f"{{{_MAIN}}}cellXfs")
    except ElementTree.ParseError:
        return False, frozenset()
    probe = _probe_workbook(styles, 1 if cell_formats is None else max(1, len(cell_formats)), date1904)
    reference = openpyxl_worksheets(io.BytesIO(probe))[0].columns
    try:
        mapped = _mapped(_calamine_rows(io.BytesIO(probe)), _Content(last_date_serial=_LAST_SERIAL - _MAC_EPOCH_DAYS))[0].columns
    except NotLikeOpenpyxl:
        return False, frozenset()
    dates = frozenset(i for i, v in enumerate(reference[0]) if isinstance(v, (dt.datetime, dt.time, dt.timedelta)))
    return _typed(reference) == _typed(mapped), dates


def _typed(columns: Iterable[list[Any]]) -> list[list[tuple[type, Any]]]:
    return [[(type(v), v) for v in column] for column in columns]


def _probe_workbook(styles: bytes, n_styles: int, date1904: bool) -> bytes:
    """A workbook with the given styles and, in column A, one number per style."""
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" s="{i}"><v>{_PROBE_SERIAL}</v></c></row>' for i in range(n_styles))
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006"
    types = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    files = {
        "[Content_Types].xml": f'<Types xmlns="{package}/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                               f'<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{types}.sheet.main+xml"/>'
                               f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{types}.worksheet+xml"/>'
                               f'<Override PartName="/xl/styles.xml" ContentType="{types}.styles+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{package}/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{rel}"><workbookPr date1904="{int(date1904)}"/>'
                           f'<sheets><sheet name="probe" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{package}/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                                      f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_MAIN}"><sheetData>{rows}</sheetData></worksheet>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("xl/styles.xml", styles)
    return buffer.getvalue()
