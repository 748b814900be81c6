"""The rollup's number columns are right-aligned whatever a cell holds: a county that does not
report a part prints 「—」 there, and the column stays a number column, in HTML and in Word
(issue 23, item 9)."""
from __future__ import annotations

import io
from decimal import Decimal

import docx
import pytest
from bs4 import BeautifulSoup
from docx.enum.text import WD_ALIGN_PARAGRAPH

from perflib import rollup
from perflib.render_docx import render_docx
from perflib.render_html import render_html
from perflib.rollup import INCLUDED, Collection, Entry, RollupParams

FULL = {"key_evaluations.objects": 3, "key_evaluations.amount": "1.25", "key_evaluations.reports": 3, "key_evaluations.withheld": 0,
        "target_reviews.projects": 40, "target_reviews.amount": "12345.6", "self_evaluations.projects": 80,
        "self_evaluations.project_amount": 900, "third_party.amount": 50, "results.budget_cut": 20, "trainings.sessions": 2,
        "trainings.attendees": 150, "authenticity.own": 4, "monitoring.2023-05.progress": "0.45", "monitoring.2023-05.schedule": "0.4166666667",
        "monitoring.2023-05.projects": 10, "monitoring.2023-05.amount": 500}
# 乙县 reports no trainings, no third-party evaluation and no monitoring: 「—」 in those columns
PARTIAL = {k: v for k, v in FULL.items() if not k.startswith(("trainings.", "third_party.", "monitoring."))}


@pytest.fixture(scope="module")
def document():
    entries = [Entry(c, y, n, INCLUDED, "", {k: Decimal(v) for k, v in values.items()})
               for c, n, values in (("jia", "甲县", FULL), ("yi", "乙县", PARTIAL)) for y in (2022, 2023)]
    return rollup.build_document(Collection(entries, [2022, 2023]), {}, params=RollupParams(issuer="某州财政局"))


# table (its caption's end) -> the columns that hold numbers. Not checked: the report-status appendix
# (text) and the change on the year before (「增长12.9%」 in words is text, as in the county reports).
NUMBER_COLUMNS = {
    "培训和真实性核查": (1, 2, 3),
    "绩效目标审核、评价和结果应用资金": (1, 2, 3, 4, 5, 6),
    "项目绩效监控执行进度": (2, 3, 4, 5, 6),
    "主要指标及位次": (1, 2, 3, 4, 5, 6),
    "主要指标占比": (1, 2, 3, 4, 5, 6),
    "重点绩效评价": (1, 2, 3, 4),
    "重点绩效评价对象按类型": (1, 2),
    "主要指标": (2, 3),
}


def _which(caption: str) -> str:
    return next(ending for ending in NUMBER_COLUMNS if caption.endswith(ending))


def test_dash_cells_are_in_the_tables_checked(document):
    tables = [b for s in document.walk() for b in s.blocks if isinstance(b, rollup.Table)]
    dashes = {_which(t.caption) for t in tables if not t.caption.endswith(("生成情况", "比上年增减"))
              for row in t.rows for c in NUMBER_COLUMNS[_which(t.caption)] if row[c] == "—"}
    assert {"培训和真实性核查", "绩效目标审核、评价和结果应用资金", "项目绩效监控执行进度", "主要指标"} <= dashes


def test_number_columns_are_right_aligned_in_html_even_when_a_cell_is_a_dash(document):
    soup = BeautifulSoup(render_html(document), "html.parser")
    checked = 0
    for block in soup.select("div.table-block"):
        caption = block.find("p", class_="caption").get_text()
        if caption.endswith("生成情况") or caption.endswith("比上年增减"):
            continue
        for tr in block.find("tbody").find_all("tr"):
            cells = tr.find_all("td")
            for c in NUMBER_COLUMNS[_which(caption)]:
                assert "num" in (cells[c].get("class") or []), (caption, c, cells[c].get_text())
                checked += cells[c].get_text() == "—"
    assert checked >= 8


def test_number_columns_are_right_aligned_in_word_even_when_a_cell_is_a_dash(document):
    word = docx.Document(io.BytesIO(render_docx(document)))
    checked = 0
    captions = [b.caption for s in document.walk() for b in s.blocks if isinstance(b, rollup.Table)]
    assert len(word.tables) == len(captions)
    for caption, table in zip(captions, word.tables):
        if caption.endswith("生成情况") or caption.endswith("比上年增减"):
            continue
        for row in table.rows[1:]:
            for c in NUMBER_COLUMNS[_which(caption)]:
                paragraph = row.cells[c].paragraphs[0]
                assert paragraph.alignment == WD_ALIGN_PARAGRAPH.RIGHT, (caption, c, paragraph.text)
                checked += paragraph.text == "—"
    assert checked >= 8
