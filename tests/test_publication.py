"""Publication files as a reader gets them: two real ``perflib run`` give the same bytes; the PDF
from LibreOffice is an A4 公文 with every figure; the HTML reads in Chromium on a desktop and a phone."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from browser import LAYOUT_JS, MISSING_GLYPHS_JS, chromium
from conftest import ROOT, tree_hashes
from test_end_to_end import REFERENCE_FIGURES, REFERENCE_TITLES

from perflib.render_pdf import unavailable_reason

pytestmark = pytest.mark.e2e

PERFLIB = str(Path(sys.executable).parent / "perflib")


def perflib_run(root: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PERFLIB_ROOT", "SOURCE_DATE_EPOCH")}
    return subprocess.run([PERFLIB, "run", "--county", "heshuo", "--year", "2023", "--no-progress"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The same inputs run twice, in two project folders at different paths, seconds apart."""
    outputs, logs = [], []
    for name in ("first", "second-run"):
        root = tmp_path_factory.mktemp(name)
        for folder in ("params", "data", "notebooks"):
            shutil.copytree(ROOT / folder, root / folder)
        result = perflib_run(root)
        assert result.returncode == 0, result.stderr[-3000:]
        outputs.append(root / "outputs" / "heshuo" / "2023")
        logs.append(result.stdout)
    return outputs, logs


def has(*tools: str) -> str | None:
    missing = [t for t in tools if shutil.which(t) is None]
    return "、".join(missing) if missing else None


def test_two_runs_give_byte_identical_outputs(two_runs):
    (first, second), _ = two_runs
    hashes = tree_hashes(first)
    charts = ("evaluation_funds", "monitoring_progress")  # no history: 和硕县 has no 2022 (issue 12)
    expected = {"annual_report.ipynb", "report.html", "report.docx", "figures.csv", "manifest.json",
                *(f"figures/{c}.{kind}" for c in charts for kind in ("png", "svg"))}
    if unavailable_reason() is None:
        expected.add("report.pdf")  # same LibreOffice, same bytes (docs/publication.md)
    assert set(hashes) == expected
    assert tree_hashes(second) == hashes


def test_outputs_hold_no_path_and_no_date_of_the_run(two_runs):
    (first, _), _ = two_runs
    project = str(first.parents[2])
    today = date.today()
    stamps = {today.isoformat(), today.strftime("%Y%m%d")}
    for path in [first / "annual_report.ipynb", first / "report.html", first / "figures.csv", first / "manifest.json",
                 *first.glob("figures/*.svg")]:
        text = path.read_text(encoding="utf-8")
        assert project not in text and "/tmp/" not in text, path.name
        assert not [s for s in stamps if s in text], path.name
    import zipfile

    with zipfile.ZipFile(first / "report.docx") as docx:
        xml = "".join(docx.read(n).decode("utf-8", "replace") for n in docx.namelist() if n.endswith((".xml", ".rels")))
    assert project not in xml and not [s for s in stamps if s in xml]


def test_pdf_from_libreoffice_is_a4_with_title_page_numbers_and_every_figure(two_runs):
    if unavailable_reason():
        pytest.skip(unavailable_reason())
    missing = has("pdftotext", "pdfinfo", "pdffonts")
    if missing:
        pytest.skip(f"未安装 {missing}（Debian: poppler-utils），跳过 PDF 测试")
    (first, _), logs = two_runs
    pdf = first / "report.pdf"
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert pages >= 2 and len(sizes) == pages
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in sizes), "A4 on every page"

    def page_text(first_page: int, last_page: int) -> str:
        out = subprocess.run(["pdftotext", "-f", str(first_page), "-l", str(last_page), "-enc", "UTF-8", str(pdf), "-"],
                             capture_output=True, text=True, check=True).stdout
        return re.sub(r"\s+", "", out)

    texts = [page_text(n, n) for n in range(1, pages + 1)]
    assert texts[0].startswith("2023年和硕县预算绩效管理工作情况")
    for n in range(1, pages + 1):  # the last line of the page as laid out (reading order may put it elsewhere)
        laid_out = subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), "-enc", "UTF-8", str(pdf), "-"],
                                  capture_output=True, text=True, check=True).stdout
        assert re.sub(r"\s+", "", [line for line in laid_out.splitlines() if line.strip()][-1]) == f"—{n}—", \
            f"page number at the foot of page {n}"
    text = "".join(t.replace(f"—{n}—", "", 1) for n, t in enumerate(texts, start=1))  # sentences run across pages
    assert [f for f in REFERENCE_FIGURES + REFERENCE_TITLES if f not in text] == []
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), "every font embedded"
    assert any("CJK" in line for line in fonts)
    names = {line.split()[0].split("+", 1)[-1] for line in fonts}
    families = subprocess.run(["fc-list", "--format", "%{family}\\n"], capture_output=True, text=True).stdout
    if all(f in families for f in ("AR PL UKai CN", "AR PL UMing CN", "Liberation Serif", "Noto Serif CJK SC")):
        # title (heavy Song), body (仿宋 → Noto Serif), 黑体, 楷体, 宋体 (page numbers), Times digits
        expected = {"NotoSerifCJKjp-Bold-VKana", "NotoSerifCJKjp-Regular-VKana", "NotoSansCJKjp-Regular-VKana",
                    "UKaiCN", "UMingCN", "LiberationSerif"}
        assert names == expected, names
        assert not [n for n in names if "DejaVu" in n]
    assert "未生成" not in logs[0]


@pytest.mark.parametrize("width", [1280, 390])
def test_html_reads_in_chromium_without_scrolling_sideways_or_missing_glyphs(two_runs, width):
    (first, _), _ = two_runs
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto((first / "report.html").as_uri())
        page.wait_for_load_state("load")
        layout = page.evaluate(LAYOUT_JS)
        assert layout["scrollWidth"] <= layout["width"], "no horizontal scrolling"
        kinds = [b["tag"] for b in layout["boxes"]]
        assert kinds.count("TABLE") == 1 and kinds.count("IMG") == 2  # no appendix: 和硕县 has no 2022 (issue 12)
        for box in layout["boxes"]:
            assert box["loaded"] and box["width"] > 100 and box["height"] > 50, box
            assert box["left"] >= 0 and box["right"] <= width + 0.5 and not box["clipped"], box
        assert page.evaluate(MISSING_GLYPHS_JS, "") == []
        # The check itself can fail: a private-use character no font has is reported.
        assert page.evaluate(MISSING_GLYPHS_JS, "\U000F0000") == ["\U000F0000"]


def test_printed_html_repeats_a_long_tables_header_on_every_page(tmp_path):
    """The 和硕县 report with 80 more report titles in its table, printed from Chromium to A4."""
    from dataclasses import replace

    from perflib.document import Table
    from perflib.params import load_params
    from perflib.render_html import render_html
    from perflib.pipeline import make_report

    missing = has("pdftotext")
    if missing:
        pytest.skip(f"未安装 {missing}（Debian: poppler-utils），跳过打印测试")
    doc = make_report(load_params("heshuo", 2023, ROOT)).document
    at = next(i for i, s in enumerate(doc.sections) if s.key == "key_evaluations")  # after 示例数据说明 (issue 23)
    first = doc.sections[at]
    table = next(b for b in first.blocks if isinstance(b, Table))
    longer = replace(table, rows=table.rows + tuple((str(i), f"第{i}个很长很长的评价报告标题") for i in range(6, 86)))
    doc = replace(doc, sections=(*doc.sections[:at], replace(first, blocks=tuple(longer if b is table else b for b in first.blocks)),
                                 *doc.sections[at + 1:]))
    pdf = tmp_path / "print.pdf"
    with chromium() as browser:
        page = browser.new_page()
        page.set_content(render_html(doc))
        page.pdf(path=str(pdf), format="A4")
    texts = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    with_rows = [t for t in texts if re.search(r"第\d+个很长", t)]
    assert len(with_rows) >= 3 and "第85个" in "".join(with_rows)
    assert all("序号" in t for t in with_rows), "the header row on every page the table runs over"


def test_chart_text_reads_at_print_size_on_a_phone(two_runs):
    """Charts are drawn with 10 pt text at print size; on a 390 px screen the SVG shrinks by no
    more than a quarter, so their text is still at least 10 px."""
    from perflib.charts import TEXT_PT

    (first, _), _ = two_runs
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 900})
        page.goto((first / "report.html").as_uri())
        page.wait_for_load_state("load")
        sizes = page.evaluate("() => [...document.querySelectorAll('figure img')].map(i => i.width / i.naturalWidth)")
    assert len(sizes) == len(list((first / "figures").glob("*.svg"))) >= 2  # every chart of the report
    assert min(sizes) * TEXT_PT * 96 / 72 >= 10, sizes


def test_printed_html_has_page_numbers_no_browser_header_and_keeps_the_signature_with_the_text(two_runs, tmp_path):
    missing = has("pdftotext")
    if missing:
        pytest.skip(f"未安装 {missing}（Debian: poppler-utils），跳过打印测试")
    (first, _), _ = two_runs
    pdf = tmp_path / "printed.pdf"
    with chromium() as browser:
        page = browser.new_page()
        page.goto((first / "report.html").as_uri())
        page.pdf(path=str(pdf), format="A4")
    pages = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:-1]
    texts = [re.sub(r"\s+", "", t) for t in pages]
    assert len(texts) >= 3
    for n, text in enumerate(texts, start=1):
        assert text.endswith(f"—{n}—"), f"page number at the foot of printed page {n}"
        assert "file:" not in text and "report.html" not in text and date.today().isoformat() not in text
    signed = next(t for t in texts if "和硕县财政局2024年3月15日" in t)
    assert "提高资金使用效益。" in signed, "the 落款 is not alone on its page"
    assert "附：近年主要指标对比" not in signed.split("2024年3月15日")[0]
