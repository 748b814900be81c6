"""The analyst's lab (issue 23): `make lab` starts as root, and the notebook's figures tables keep
their Chinese text columns readable (no column squeezed to one character a line)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from browser import chromium
from conftest import ROOT

from perflib.display import figures_table
from perflib.params import load_params
from perflib.pipeline import make_report


def lab_command(env=None) -> str:
    done = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    return next(line for line in done.stdout.splitlines() if "jupyter lab" in line)


@pytest.mark.skipif(shutil.which("make") is None, reason="未安装 make")
def test_make_lab_allows_root_only_as_root(tmp_path):
    if os.geteuid() == 0:  # these machines and many servers run as root: Jupyter refuses without the flag
        assert "--allow-root" in lab_command()
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "id").write_text("#!/bin/sh\necho 1000\n", encoding="utf-8")  # a user that is not root
    (fake / "id").chmod(0o755)
    command = lab_command({**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"})
    assert "--allow-root" not in command and "--notebook-dir=notebooks" in command


@pytest.fixture(scope="module")
def report():
    return make_report(load_params("heshuo", 2023, ROOT))


@pytest.fixture(params=["figures", "ledger"])
def ledger_html(request, report):
    """The notebook's two whole tables: the figures after 计算数字 (where the issue saw 来源 one
    character a line) and the ledger at the end."""
    frame = report.figures.frame(report.document.printer) if request.param == "figures" else report.ledger.frame()
    return figures_table(frame).data


def test_the_source_column_has_a_min_width(ledger_html):
    head = re.search(r"<thead>.*?</thead>", ledger_html, re.S).group(0)
    source = re.search(r'<th style="([^"]*)">来源</th>', head)
    assert source, head
    width = re.search(r"min-width:(\d+(?:\.\d+)?)em", source.group(1))
    assert width and float(width.group(1)) >= 6  # 「重点绩效评价」 on one line


def notebook_page(html: str) -> str:
    """``html`` as the executed notebook shows it: a display output of a code cell, converted by
    nbconvert (JupyterLab's styles) as `jupyter nbconvert --to html` does."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show.figures_table(report.ledger.frame())", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html})]
    nb.cells = [cell]
    return HTMLExporter().from_notebook_node(nb)[0]


@pytest.mark.e2e
def test_in_the_notebook_page_no_source_cell_breaks_a_word_one_character_a_line(ledger_html):
    """The table in the converted notebook, in a 1200-pixel window (the issue's screenshot):
    each 来源 cell of a Chinese word of up to 6 characters is one line, not a column of characters."""
    page_html = notebook_page(ledger_html)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 2000})
        page.set_content(page_html)
        cells = page.evaluate("""() => {
            const heads = [...document.querySelectorAll('thead th')].map(th => th.textContent.trim());
            const at = heads.indexOf('来源');
            return [...document.querySelectorAll('tbody tr')].map(tr => {
                const td = tr.children[at];
                const range = document.createRange();
                range.selectNodeContents(td);
                const rects = [...range.getClientRects()];
                const tops = new Set(rects.map(r => Math.round(r.top)));
                return [td.textContent.trim(), tops.size];
            });
        }""")
    short = [(text, lines) for text, lines in cells if 0 < len(text) <= 6 and not re.search(r"[ -~]", text)]
    assert len(short) > 50, "the check has something to check"
    assert [(text, lines) for text, lines in short if lines > 1] == []
