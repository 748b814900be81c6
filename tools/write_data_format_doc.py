"""Writes docs/data-format.md from perflib.schema, so the documentation cannot drift from the code.

Run: ``python tools/write_data_format_doc.py``. tests/test_project_files.py checks the result.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from perflib.schema import INFO_COUNTY, INFO_SHEET, INFO_YEAR, NOTES_SHEET, TABLES  # noqa: E402

KINDS = {
    "text": ("—", "文字"),
    "money": ("万元", "数字，≥0，最多 4 位小数"),
    "count": ("人次/个", "整数，≥0"),
    "score": ("分", "数字，0–100"),
    "percent": ("%", "百分比（46% 或 Excel 百分比单元格），0–100%"),
    "date": ("—", "日期（Excel 日期，或 2023-05-31 / 2023年5月31日）"),
    "choice": ("—", "固定取值"),
}

INTRO = f"""# Input data format

One Excel workbook per county and year, `data/<county>/<year>.xlsx`, with one sheet per table
below, as an analyst exports them from the budget system (预算管理一体化系统) and pastes them in.
The same tables may come as a folder of UTF-8 CSV files, `data/<county>/<year>/<工作表名>.csv`
(set `data:` in the params file to the folder).

**A county provides the sheets of the work it did, and no others.** A sheet absent from the
workbook, or empty (its header row only, or nothing at all), is work not done and the report does
not mention it: every part of the outline that draws only on such sheets is left out and the
headings renumber, with a warning naming the part and its sheets (W250 absent, W252 empty). The
blank workbook of `perflib new` says the same in its sheet 说明. A part the params keep by name
(`outline:`, see [params.md](params.md)) needs its data: when none of its sheets has rows, each
absent sheet is an error E101 and each empty one E103. A sheet under a near name (`培训情况` for `培训`) is an error, not a part left out. The development cases
(`data/tianshui/2021.xlsx` with one sheet, `data/sichuan_county_monitoring/2023.xlsx` with four)
are examples; [adapting.md](adapting.md) walks through one.

Rules for every sheet:
- Row 1 is the header. Headers are matched ignoring spaces and full-/half-width brackets
  (`预算金额（万元）` = `预算金额(万元)`); columns may come in any order; a column not listed here
  is ignored with a warning (W201).
- One row per project, department, document or session; the report's counts and sums are
  computed from these rows. Do not type totals: a row whose first cell is 合计/总计/小计 is skipped
  with a warning (W202).
- Amounts are in 万元 with at most 4 decimals (1 元 = 0.0001 万元), never negative.
- Scores run from 0 to 100; a grade given beside a score must agree with it
  (财预〔2020〕10号: 90–100 优, 80–<90 良, 60–<80 中, <60 差, unless the county's params set other
  floors in `settings.grade_floors`; the labels are the params setting `settings.grade_labels`, or per
  table `grades:`).
- A sheet named `{NOTES_SHEET}` is free for notes and is never read.
- An optional sheet `{INFO_SHEET}` states what the workbook is: two columns, item and value, with
  rows `{INFO_COUNTY}` (e.g. 和硕县) and `{INFO_YEAR}` (e.g. 2023). When present they must agree with
  the params file (E141), which catches a workbook copied from another county or year.
- Columns marked "Required: no" may have blank cells and may be left out of the sheet.
- Values are read when unambiguous, and what was normalized is listed as a warning (W204):
  full-width digits and commas (`１２,３４５`, also in dates), digits of other scripts
  (Arabic-Indic `١٢٠`, Devanagari `१२०`, …), thousands separators, `万元`/`万` in an amount cell,
  amounts in `元` (converted to 万元), Excel date serial numbers in a date column. Ambiguous
  values (`约120`, `120-130`, `12,34`) are errors.
- Spaces between digits: a thousands separator as exports write it (`1 000`, `12 345 678.5`, with
  a space, a no-break, thin or full-width space) is read without them, never silently: warning
  W209 names the column, the rows and the first cell as written (「1<U+00A0>000」读作「1000」).
  Spaces that are not groups of three (`8 5`, `12 34`, `0.123 456`) may be two numbers or a typo:
  an error (E106) naming the cell. Spaces before a unit or after a sign (`1000 万元`) are dropped.
- A column header written twice (also `预算金额(万元)` beside `预算金额（万元）`) is an error
  (E176): neither column is silently chosen. A sheet (or CSV file) is read only under its
  table's name exactly: a name that is the table's only once spaces (half- or full-width, before,
  after or inside), invisible characters (U+200B…), full-width or other compatibility forms and
  the case of Latin letters are set aside (「培训 」, 「培训　」, 「培<U+200B>训」), and two sheets or
  files alike so (「培训」 and 「培训　」, `培训.csv` and `培训.CSV`), are an error (E175) naming each
  with the expected name; none of them is read.
- Formulas are read by the value Excel or WPS saved with them. A formula cell without a saved
  value (a workbook written by a program and never opened and saved in Excel) is an error (E174)
  naming the cell and its formula. An encrypted workbook (a password to open) is an error (E173);
  an Excel 97-2003 `.xls` is named as such (E100), and an OpenDocument spreadsheet `.ods` (also
  under the name `.xlsx`) too (E107): save it as `.xlsx`.
- A title row above the header (often merged across the columns) is skipped (W206); the header is
  the row among the first five that names most of the sheet's columns. Hidden sheets are read,
  with a warning (W207); sheets with other names are ignored, with a warning that suggests the
  closest expected name (W208).
- CSV files (`.csv`, the extension in any case) may be UTF-8 (with or without BOM) or
  GB18030/GBK, the default of Chinese Excel (W203).
  They are comma-separated; a file whose header line has no comma but semicolons or tabs (Excel in
  a locale that writes `;`, a tab-separated export) is read with that separator (W240).
- Errors name the file, sheet, Excel row and column: see [errors.md](errors.md).

Scalars that have no list in the budget system (the indicator system's 类/条, the third-party
quality rating, the pre-assessment rule's title) and the free text are in the params file:
see [params.md](params.md).

Which figure of the report comes from which sheet: each section's table says it under
"Report". The sample workbook `data/heshuo/2023.xlsx` is a complete example.
"""


# more about a table, after its one-line description
TABLE_NOTES = {
    "key_evaluations": """One report may cover several evaluated objects (天水市's 「…各县区乡镇…乡村公益性补贴绩效评价报告」
covers many townships): write one row per object, each with the report's title and its own
`评价对象`; rows with the same title are one report. Objects (`key_evaluations.objects`, the type
counts, the amounts and the grade counts) count rows; reports (`key_evaluations.reports`,
`key_evaluations.withheld`) count distinct titles, and the table of reports lists each title once
(its 评价资金 the exact sum of its rows, its 评价等级 its objects' grades, 评价对象数 their count).
The same title twice with the same `评价对象` (or twice without one) is a repeat (E120); the rows
of one report must share their 公开情况 (E193). A report on one object needs no `评价对象`.""",
}


def table_markdown() -> str:
    parts = []
    for spec in TABLES:
        parts.append(f"## {spec.sheet}\n")
        parts.append(f"{spec.purpose}。Report: section {spec.section}.")
        parts.append(f"Rows required: {'yes' if spec.rows_required else 'no'}. "
                     + (f"A row is identified by {', '.join('`' + spec.column(k).header + '`' for k in spec.key)}; a repeat is an error (E120)." if spec.key else "Rows may repeat."))
        parts.append("")
        if spec.name in TABLE_NOTES:
            parts += [TABLE_NOTES[spec.name], ""]
        parts.append("| Column header | Unit | Type | Required | Allowed values | Example | Note |")
        parts.append("|---|---|---|---|---|---|---|")
        for c in spec.columns:
            unit, kind = KINDS[c.kind]
            allowed = "、".join(c.choices) if c.choices else ""
            parts.append(f"| `{c.header}` | {unit} | {kind} | {'yes' if c.required else 'no'} | {allowed} | {c.example} | {c.note} |")
        parts.append("")
    return "\n".join(parts)


def document() -> str:
    return INTRO + "\n" + table_markdown()


if __name__ == "__main__":
    target = ROOT / "docs" / "data-format.md"
    target.write_text(document(), encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
