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


_REF = re.compile(rb"""\br=["']([A-Z]{1,3})([0-9]+)["']""")
_FORMULA_TEXT = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_CACHED = re.compile(rb"<v>[^<]")


def _scan(stream) -> list[tuple[int, int, str]]:
    """The formula cells without a value in one worksheet's XML, read in chunks (a sheet's XML can
    be large; most hold no formula, and ``bytes.find`` passes them quickly)."""
    found = []
    tail = b""
    while True:
        chunk = stream.read(_CHUNK)
        data = tail + chunk
        if chunk:
            cut = data.rfind(b"<c ")  # every cell before the last cell start is complete
            if cut <= 0:
                cut = max(0, len(data) - 64)
        else:
            cut = len(data)
        position = data.find(b"<f", 0, cut)
        while position >= 0:
            if data[position + 2:position + 3] in (b" ", b">", b"/"):
                start = data.rfind(b"<c ", 0, position)
                end = data.find(b"</c>", position)
                cell = data[start:end if end >= 0 else cut]
                if start >= 0 and not _CACHED.search(cell):
                    ref = _REF.search(cell)
                    formula = _FORMULA_TEXT.search(cell)
                    if ref:
                        text = formula[1].decode("utf-8", "replace") if formula and formula[1] else ""
                        found.append((int(ref[2]), _column_index(ref[1].decode()), "=" + _unescape(text) if text else "（共享公式）"))
            position = data.find(b"<f", position + 2, cut)
        if not chunk:
            return found
        tail = data[cut:]


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def column_letter(index: int) -> str:
    """Excel's letters for a column index from 0: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")
