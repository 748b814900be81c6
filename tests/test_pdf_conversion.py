"""report.pdf through the long-lived converter (unoserver, perflib.render_pdf): the text and pages
of one LibreOffice per report, the county's fonts or none, a dead converter costs no PDF, and no
LibreOffice outlives the process that started it."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import psutil
import pytest
from conftest import ROOT

import perflib.render_pdf as render_pdf
from perflib.layout import load_layout
from perflib.params import load_params
from perflib.pipeline import make_report
from perflib.render_docx import render_docx


def converter_or_skip():
    if render_pdf.unavailable_reason():
        pytest.skip(render_pdf.unavailable_reason())
    if render_pdf.uno_python() is None:
        pytest.skip("未安装 LibreOffice 的 Python UNO 桥（Debian: python3-uno），跳过常驻转换器测试")
    if shutil.which("pdftotext") is None:
        pytest.skip("未安装 pdftotext（Debian: poppler-utils）")


@pytest.fixture
def docx_files(tmp_path):
    """Two different reports as DOCX: 和硕县 2023 and 示例二县 2023."""
    paths = []
    for county in ("heshuo", "example2"):
        path = tmp_path / f"{county}.docx"
        path.write_bytes(render_docx(make_report(load_params(county, 2023, ROOT)).document))
        paths.append(path)
    return paths


@pytest.fixture
def fresh(monkeypatch):
    """No converter before or after the test."""
    render_pdf.stop_converter()
    yield
    render_pdf.stop_converter()


@pytest.mark.e2e
def test_the_converter_gives_the_text_and_pages_of_one_libreoffice_per_report(docx_files, tmp_path, monkeypatch, fresh):
    converter_or_skip()
    layout = load_layout()
    once = {}
    for docx in docx_files:  # one LibreOffice per report (no converter)
        once[docx] = render_pdf.pdf_text(render_pdf.convert_docx_to_pdf(docx, tmp_path / f"{docx.stem}-once.pdf", layout))
    assert render_pdf.start_converter()
    with monkeypatch.context() as m:  # from here on only the converter can make a PDF
        m.setattr(render_pdf, "_convert_once", lambda *a: pytest.fail("converted without the converter"))
        for _ in range(2):  # the second round in a warm LibreOffice
            for docx in docx_files:
                made = render_pdf.convert_docx_to_pdf(docx, tmp_path / f"{docx.stem}-kept.pdf", layout)
                assert render_pdf.pdf_text(made) == once[docx], docx.name
                assert made.read_bytes().startswith(b"%PDF-") and b"(D:19800101000000" in made.read_bytes()
    assert once[docx_files[0]].count("\f") >= 2 and "和硕县" in once[docx_files[0]]


def test_a_converter_with_other_fonts_is_not_used(tmp_path, monkeypatch, fresh):
    """A batch worker's converter has the default layout's fonts: a county whose layout maps the
    公文 fonts otherwise converts with a LibreOffice of its own, never in the wrong faces."""
    if render_pdf.unavailable_reason():
        pytest.skip(render_pdf.unavailable_reason())
    used = []
    monkeypatch.setattr(render_pdf, "_convert_once", lambda docx, fonts: used.append(fonts) or b"%PDF-1.6\n%%EOF\n")
    monkeypatch.setattr(render_pdf, "check_pdf", lambda data, docx: None)  # the stand-in PDF has no page (E188's own tests)
    monkeypatch.setenv(render_pdf.CONVERTER_VARIABLE, f"1 {os.getpid()} {render_pdf._digest('<fontconfig/>')}")
    monkeypatch.setattr(render_pdf.socket, "create_connection", lambda *a, **k: pytest.fail("asked a converter with other fonts"))
    layout = load_layout()
    render_pdf.convert_docx_to_pdf(tmp_path / "report.docx", tmp_path / "report.pdf", layout)
    assert used == [render_pdf.fontconfig_file(layout)]


@pytest.mark.e2e
def test_a_converter_that_died_costs_no_pdf_and_is_started_again(docx_files, tmp_path, fresh):
    converter_or_skip()
    layout = load_layout()
    assert render_pdf.start_converter()
    first = render_pdf.converter_processes()
    for pid in first:
        os.kill(pid, signal.SIGKILL)
    started = time.monotonic()
    made = render_pdf.convert_docx_to_pdf(docx_files[0], tmp_path / "report.pdf", layout)  # with a LibreOffice of its own
    assert "和硕县" in render_pdf.pdf_text(made)
    assert time.monotonic() - started < render_pdf.STARTUP_SECONDS, "a dead converter is not waited for"
    assert render_pdf.start_converter()
    again = render_pdf.converter_processes()
    assert again and not again & first


@pytest.mark.e2e
def test_no_libreoffice_outlives_the_process_that_started_the_converter(tmp_path, fresh):
    converter_or_skip()
    code = ("import time, perflib.render_pdf as r; assert r.start_converter(); time.sleep(8); "
            "print(' '.join(map(str, r.converter_processes())), flush=True); time.sleep(600)")
    owner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    pids = {int(p) for p in owner.stdout.readline().split()}
    assert len(pids) >= 2, "the server and its LibreOffice"
    owner.kill()  # no atexit, no clean-up: the server sees its parent gone
    owner.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
                                              for p in pids):
        time.sleep(0.5)
    left = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not left, [psutil.Process(p).cmdline()[:3] for p in left]


@pytest.mark.e2e
def test_stop_ends_the_server_and_its_libreoffice(fresh):
    converter_or_skip()
    assert render_pdf.start_converter()
    time.sleep(3)
    pids = render_pdf.converter_processes()
    assert len(pids) >= 2 and os.environ.get(render_pdf.CONVERTER_VARIABLE)
    render_pdf.stop_converter()
    time.sleep(1)
    assert not [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert render_pdf.CONVERTER_VARIABLE not in os.environ


@pytest.mark.e2e
def test_a_worker_s_clean_up_after_a_report_keeps_its_converter(docx_files, tmp_path, fresh):
    """A batch worker ends what a report left behind (its kernel); the converter's LibreOffice,
    started while the report ran, is not such a leftover: ending it made every report of a batch
    start LibreOffice again."""
    from perflib.batch import end_processes_since

    converter_or_skip()
    assert render_pdf.start_converter()
    render_pdf.convert_docx_to_pdf(docx_files[0], tmp_path / "one.pdf", load_layout())
    kept = render_pdf.converter_processes()
    assert len(kept) >= 2, "the server and its LibreOffice"
    before = {p.pid for p in psutil.Process().children(recursive=True)} - kept
    ended = end_processes_since(before)  # as if the converter had started during the report
    assert not set(ended) & kept
    assert render_pdf.converter_processes() == kept, "the same LibreOffice converts the next report"
    render_pdf.convert_docx_to_pdf(docx_files[1], tmp_path / "two.pdf", load_layout())
    assert render_pdf.converter_processes() == kept
