"""What a data file is, when it is not what it seems, and what a workbook holds that a reader
would silently read as blank.

- A file that is not a zip: an encrypted workbook (an OLE compound file holding the streams
  ``EncryptionInfo`` and ``EncryptedPackage``, MS-OFFCRYPTO: Excel's and WPS's "password to
  open"), or an Excel 97-2003 ``.xls`` (an OLE compound file without them).
- A zip that is not an Office Open XML workbook: an OpenDocument file (LibreOffice, WPS "另存为
  .ods"), whose first entry ``mimetype`` says what it is, renamed to ``.xlsx``.
- A formula cell without a cached value (``<c><f>SUM(…)</f></c>`` with no ``<v>``): written by a
  program, never calculated by Excel. Both readers give it as blank; the value is unknown.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CHUNK = 1 << 22


class EncryptedWorkbook(Exception):
    """The workbook is encrypted (a password to open it)."""


class LegacyWorkbook(Exception):
    """The file is an Excel 97-2003 workbook (.xls), not an .xlsx."""


class OpenDocumentFile(Exception):
    """The file is an OpenDocument file (``kind``: "ods" a spreadsheet, "odt" a text, …), not an .xlsx."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


_OPENDOCUMENT = "application/vnd.oasis.opendocument."
_OPENDOCUMENT_KINDS = {"spreadsheet": "ods", "text": "odt", "presentation": "odp", "graphics": "odg",
                       "spreadsheet-template": "ots", "text-template": "ott"}


def check_not_a_zip(path: Path) -> None:
    """For a data file that is not a zip: raise ``EncryptedWorkbook`` or ``LegacyWorkbook`` when
    it is one of those; return otherwise (the caller names it as unreadable)."""
    with open(path, "rb") as handle:
        if handle.read(len(OLE_MAGIC)) != OLE_MAGIC:
            return
        tail = b""
        while chunk := handle.read(_CHUNK):  # the directory's entries hold the stream names in UTF-16
            data = tail + chunk
            if any(name in data for name in _ENCRYPTION_STREAMS):
                raise EncryptedWorkbook(str(path))
            tail = data[-64:]
    raise LegacyWorkbook(str(path))


def check_zip_kind(path: Path) -> None:
    """For a data file that is a zip: raise ``OpenDocumentFile`` when its ``mimetype`` entry (the
    first of every OpenDocument package) names an OpenDocument type; return otherwise."""
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" in archive.namelist() or "mimetype" not in archive.namelist():
                return
            with archive.open("mimetype") as entry:
                mimetype = entry.read(200).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return  # a package the readers refuse is reported by them
    if mimetype.startswith(_OPENDOCUMENT):
        raise OpenDocumentFile(_OPENDOCUMENT_KINDS.get(mimetype[len(_OPENDOCUMENT):], "odf"))


def formulas_without_values(path: Path) -> dict[str, list[tuple[int, int, str]]]:
    """Each worksheet's formula cells that hold no cached value, by sheet name as written in the
    workbook: (Excel row, column index from 0, the formula as typed, e.g. ``=SUM(C2:C9)``)."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for name, part in _worksheet_parts(archive):
                if not _has_formula(archive, part):
                    continue
                with archive.open(part) as stream:
                    cells = _scan(stream)
                if cells:
                    found[name] = cells
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return found  # a package the readers refuse is reported by them
    return found


def _worksheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return []
    targets = {}
    for rel in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels")).iter(f"{{{_PACKAGE_RELATIONSHIPS}}}Relationship"):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    parts = []
    for sheet in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter(f"{{{_MAIN}}}sheet"):
        part = targets.get(sheet.get(f"{{{_RELATIONSHIPS}}}id"))
        if part in names:
            parts.append((sheet.get("name", ""), part))
    return parts


# A prefilter on the bytes: a formula tag, with or without a namespace prefix (<f>, <x:f r=…>). A
# sheet without one holds no formula and is not parsed (most sheets: their XML can be large).
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _has_formula(archive: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-64:]
    return False


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _scan(stream) -> list[tuple[int, int, str]]:
    """The formula cells without a value in one worksheet's XML, parsed as it is read
    (``iterparse``: whatever namespace prefix the writer used; each row's cells are dropped once
    seen, so that a large sheet is never held whole)."""
    found = []
    rows = None  # <sheetData>: its rows are cleared as they end
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        name = _local(element.tag)
        if event == "start":
            if name == "sheetData":
                rows = element
            continue
        if name == "c":
            children = {_local(child.tag): child for child in element}
            formula, value = children.get("f"), children.get("v")
            if formula is not None and not (value is not None and value.text):
                try:
                    letters, row = coordinate_from_string(element.get("r", ""))
                except ValueError:
                    continue  # a cell without its reference: the readers place it, not this check
                found.append((row, column_index_from_string(letters) - 1, "=" + formula.text if formula.text else "（共享公式）"))
        elif name == "row" and rows is not None:
            rows.clear()
    return found


def column_letter(index: int) -> str:
    """Excel's letters for a column index from 0: 0 → A, 27 → AB."""
    return get_column_letter(index + 1)
