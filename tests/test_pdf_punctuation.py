"""Every 「，」 and 「。」 of the Word text is in the PDF: LibreOffice once hung a line-final comma or
full stop past the text edge and never drew it (和硕县 2023 p.2: 「…的绩效管理体系要求」 then
「我县从建机制…」), a typo in a 公文. The punctuation of each sample report's DOCX is compared with
``pdftotext`` of its PDF, and the same for the rollup (docs/publication.md, PDF)."""
from __future__ import annotations

import difflib
import io
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT
from lxml import etree

from perflib.params import load_params
from perflib.pipeline import make_report
from perflib.render_docx import render_docx
from perflib.render_pdf import convert_docx_to_pdf, unavailable_reason

# Chinese punctuation a line may end with (and so could hang): what the reader must see printed.
PUNCTUATION = "，。、；：？！"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PAGE_NUMBER = re.compile(r"^—\s*\d+\s*—$")


def needs_tools():
    if unavailable_reason() is not None:
        pytest.skip(f"LibreOffice 不可用：{unavailable_reason()}")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")


def docx_text(data: bytes) -> str:
    """The body text of a DOCX (paragraphs and table cells, in document order), without spaces."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    return re.sub(r"\s+", "", "".join(t.text or "" for t in root.iter(f"{W}t")))


def pdf_text(pdf: Path) -> str:
    """The text of a PDF as pdftotext reads it, without the page numbers 「— n —」 and spaces."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=120).stdout
    lines = [line for line in text.splitlines() if not PAGE_NUMBER.match(line.strip())]
    return re.sub(r"\s+", "", "".join(lines))


def missing_punctuation(word: str, printed: str) -> list[str]:
    """Where the PDF has fewer of a punctuation mark than the DOCX: each mark short, and the Word
    text around every such mark that the PDF dropped (for the failure message)."""
    wanted, got = Counter(c for c in word if c in PUNCTUATION), Counter(c for c in printed if c in PUNCTUATION)
    short = {mark: wanted[mark] - got[mark] for mark in PUNCTUATION if got[mark] < wanted[mark]}
    if not short:
        return []
    places = []
    matcher = difflib.SequenceMatcher(None, word, printed, autojunk=False)
    for op, a0, a1, _, _ in matcher.get_opcodes():
        if op in ("delete", "replace") and any(c in short for c in word[a0:a1]):
            places.append(f"「…{word[max(0, a0 - 12):a1 + 6]}…」")
    return [f"{mark} 少 {n} 个" for mark, n in short.items()] + places


def test_missing_punctuation_finds_a_dropped_comma():
    """The check itself: a comma the PDF lacks is found and shown in its context."""
    word = "构建全方位、全过程、全覆盖的绩效管理体系要求，我县从建机制、强保障入手。"
    assert missing_punctuation(word, word) == []
    problems = missing_punctuation(word, word.replace("要求，", "要求"))
    assert problems[0] == "， 少 1 个"
    assert "体系要求，我县" in problems[1]


# Each of these lost a 「，」 before (和硕县 two); 大英县 is a short report of another region.
def test_the_docx_turns_libreoffices_hanging_punctuation_off():
    """Every paragraph inherits ``w:overflowPunct`` 1 from the document defaults (Word's default;
    LibreOffice reads it as "no hanging punctuation"), and no style or paragraph sets it otherwise."""
    from perflib.document import Document, Paragraph, Section
    from perflib.layout import load_layout

    document = Document("标题", (Section(1, "一、", "概况", (Paragraph.of("正文。"),)),), layout=load_layout())
    with zipfile.ZipFile(io.BytesIO(render_docx(document))) as archive:
        styles = etree.fromstring(archive.read("word/styles.xml"))
        body = etree.fromstring(archive.read("word/document.xml"))
    default = styles.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr")
    assert [e.get(f"{W}val") for e in default.iter(f"{W}overflowPunct")] == ["1"]
    assert [e.tag for e in default][:2] == [f"{W}overflowPunct", f"{W}spacing"]  # in its schema place
    others = [e for root in (styles, body) for e in root.iter(f"{W}overflowPunct") if e.getparent() is not default]
    assert others == []


SAMPLES = [("heshuo", 2023), ("example1", 2023), ("example3", 2023), ("daying", 2023)]


@pytest.mark.e2e
@pytest.mark.parametrize(("county", "year"), SAMPLES)
def test_pdf_prints_every_comma_and_full_stop_of_the_docx(county, year, tmp_path):
    needs_tools()
    report = make_report(load_params(county, year, ROOT))
    docx = tmp_path / "report.docx"
    docx.write_bytes(render_docx(report.document))
    pdf = convert_docx_to_pdf(docx, tmp_path / "report.pdf", report.document.layout)
    word, printed = docx_text(docx.read_bytes()), pdf_text(pdf)
    assert word.count("。") >= 4 and word.count("，") >= 4  # the report's text, not an empty page
    assert missing_punctuation(word, printed) == []


@pytest.mark.e2e
def test_rollup_pdf_prints_every_comma_and_full_stop_of_its_docx(tmp_path):
    """The rollup shares the DOCX layout; it is made by ``perflib rollup`` over the sample counties' ledgers."""
    needs_tools()
    from perflib.ledger import write_figures_csv
    from perflib.rollup import run_rollup

    root = tmp_path / "project"
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    for county, year in (("heshuo", 2023), ("example1", 2022), ("example1", 2023), ("example2", 2023), ("example3", 2023)):
        report = make_report(load_params(county, year, root))
        folder = root / "outputs" / county / str(year)
        folder.mkdir(parents=True)
        write_figures_csv(report.ledger, folder)  # all the rollup reads of a report
    run_rollup(root, progress=False)
    out = root / "outputs" / "rollup"
    word, printed = docx_text((out / "rollup.docx").read_bytes()), pdf_text(out / "rollup.pdf")
    assert word.count("。") > 10
    assert missing_punctuation(word, printed) == []
