"""perflib verify and a PDF: what is reproducible about it, its text and page count, is checked;
its bytes are not (a warm LibreOffice numbers the embedded fonts differently)."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from perflib.verify import Verification, compare_rerun


def pdf(path: Path, pages: list[str], producer: str) -> Path:
    """A small real PDF (matplotlib's writer): one line of text per page; ``producer`` changes its bytes only."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    with PdfPages(path, metadata={"Producer": producer}) as out:
        for text in pages:
            figure = Figure(figsize=(3, 2))
            figure.text(0.1, 0.5, text)
            out.savefig(figure)
    return path


def verify_pdf(tmp_path: Path, stored_pages: list[str], fresh_pages: list[str]) -> Verification:
    folder, rerun = tmp_path / "report", tmp_path / "rerun"
    folder.mkdir()
    rerun.mkdir()
    stored = pdf(folder / "report.pdf", stored_pages, "stored")
    pdf(rerun / "report.pdf", fresh_pages, "rerun")
    manifest = {"outputs": [{"path": "report.pdf", "sha256": hashlib.sha256(stored.read_bytes()).hexdigest()}]}
    (rerun / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = Verification(folder)
    compare_rerun(manifest, folder, rerun, result)
    return result


@pytest.fixture(autouse=True)
def needs_pdftotext():
    if shutil.which("pdftotext") is None:
        pytest.skip("未安装 pdftotext（Debian: poppler-utils）")


def test_a_pdf_with_other_bytes_but_the_same_text_and_pages_passes_with_a_note(tmp_path):
    result = verify_pdf(tmp_path, ["Total 1114.26", "Page two"], ["Total 1114.26", "Page two"])
    assert (tmp_path / "report" / "report.pdf").read_bytes() != (tmp_path / "rerun" / "report.pdf").read_bytes()
    assert result.ok, result.problems
    assert any("report.pdf 的文字和页数（2 页）与重新生成的相同" in note for note in result.notes), result.notes


def test_a_pdf_whose_text_differs_fails_the_verdict(tmp_path):
    result = verify_pdf(tmp_path, ["Total 1114.26", "Page two"], ["Total 1114.27", "Page two"])
    assert result.problems == ["重新生成的 report.pdf 与保存的不一致：页数相同，文字不同"]


def test_a_pdf_with_another_page_count_fails_the_verdict_and_says_both_counts(tmp_path):
    result = verify_pdf(tmp_path, ["Total 1114.26", "Page two"], ["Total 1114.26", "Page two", "Page three"])
    assert result.problems == ["重新生成的 report.pdf 与保存的不一致：页数不同（保存的 2 页，重新生成的 3 页）"]


def test_without_pdftotext_the_pdf_is_not_checked_and_verify_says_so(tmp_path, monkeypatch):
    import perflib.render_pdf as render_pdf

    real_which = shutil.which
    monkeypatch.setattr(render_pdf.shutil, "which", lambda name: None if name == "pdftotext" else real_which(name))
    result = verify_pdf(tmp_path, ["Total 1114.26"], ["Total 9999"])
    assert result.ok
    assert any("未安装 pdftotext" in note and "未能核对" in note for note in result.notes), result.notes
