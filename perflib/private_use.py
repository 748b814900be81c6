"""Private-use characters (U+E000–U+F8FF, planes 15 and 16) in data cells: printed as they are,
and named to the analyst (W265).

They have no meaning of their own: a font or an input method gives them one (a 生僻字 in a
vendor's font, an icon), so another computer may show a blank box or another glyph. The report
prints them as the cell holds them (figures are carried out of band, perflib.narrative, so no
text can pass for one); the warning says where they are, so that the analyst can check how the
published text shows them."""
from __future__ import annotations

import re
from typing import Iterable

import pandas as pd

from .findings import Finding
from .schema import TableSpec

PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
_SHOWN_ROWS = 10


def shown(text: str) -> str:
    """``text`` with each private-use character shown as ⟨U+XXXX⟩ (for messages)."""
    return PRIVATE_USE.sub(lambda m: f"⟨U+{ord(m[0]):04X}⟩", text)


def private_use_findings(tables: dict[str, pd.DataFrame], specs: Iterable[TableSpec], files: dict[str, str],
                         default_file: str) -> list[Finding]:
    """W265 for each text column whose cells hold private-use characters: located at the first
    such cell (its value shown), the message listing the rows. One search per column when it is
    clean (nearly always)."""
    findings = []
    for spec in specs:
        table = tables.get(spec.name)
        if table is None or not len(table):
            continue
        for column in spec.columns:
            if column.name not in table.columns:
                continue
            values = table[column.name]
            if values.dtype != object:
                continue
            texts = [v for v in values.tolist() if type(v) is str]
            if not texts or not PRIVATE_USE.search("".join(texts)):
                continue
            rows = table["excel_row"].tolist()
            found = [(row, value) for row, value in zip(rows, values.tolist())
                     if type(value) is str and PRIVATE_USE.search(value)]
            listed = "、".join(str(row) for row, _ in found[:_SHOWN_ROWS])
            if len(found) > _SHOWN_ROWS:
                listed += f" 等 {len(found)} 行"
            chars = sorted({c for _, value in found for c in PRIVATE_USE.findall(value)})
            codes = "、".join(f"U+{ord(c):04X}" for c in chars[:5]) + ("等" if len(chars) > 5 else "")
            first_row, first_value = found[0]
            findings.append(Finding(
                "W265", f"单元格含有私用区字符 {codes}（没有通用的字形，别的电脑上可能显示为空白、方框或其他字），"
                        f"报告按原样印出：第 {listed} 行。", file=files.get(spec.name, default_file), sheet=spec.sheet,
                row=int(first_row), column=column.header, value=shown(first_value),
                expected="通用的汉字或符号（生僻字请确认发布的网页和 Word 文档中显示正确）"))
    return findings
