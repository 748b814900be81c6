"""Formula cells without a cached value are found by parsing the sheet's XML, whatever namespace
prefix its writer used (perflib.workbook_checks)."""
from __future__ import annotations

import re
import zipfile

from openpyxl import Workbook

from perflib.workbook_checks import formulas_without_values

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook(path, prefixed: bool):
    wb = Workbook()
    ws = wb.active
    ws.title = "培训"
    ws.append(["培训日期", "培训内容", "参训人次"])
    ws.append(["2023-06-01", "培训", '=IF(1<2,"a&b","")'])
    ws.append(["2023-06-02", "培训", "=1+1"])
    wb.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>")  # a cached value, as Excel saves it
    if prefixed:  # the main namespace under a prefix (x:c, x:f), as some exporters write it
        xml = xml.replace(b'xmlns="' + MAIN + b'"', b'xmlns:x="' + MAIN + b'"')
        xml = re.sub(rb"<(/?)(?=[A-Za-z])(?!\?)", rb"<\1x:", xml)
    parts[sheet] = xml
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_formula_without_value_is_found_with_or_without_a_namespace_prefix(tmp_path):
    expected = {"培训": [(2, 2, '=IF(1<2,"a&b","")')]}  # the formula as typed: XML's &lt; and &amp; read back
    assert formulas_without_values(workbook(tmp_path / "plain.xlsx", prefixed=False)) == expected
    prefixed = workbook(tmp_path / "prefixed.xlsx", prefixed=True)
    with zipfile.ZipFile(prefixed) as archive:
        assert b"<x:c " in archive.read("xl/worksheets/sheet1.xml")
    assert formulas_without_values(prefixed) == expected
