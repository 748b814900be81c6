"""楷体 prints as 楷体: every 公文 font of the layout gets a face of its own in the PDF, the README
installs those faces (the same packages as CI), and a machine without one says so (W270) instead
of printing the （一） headings in the body's face without a word (docs/publication.md, Fonts)."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import ROOT

from perflib import cli
from perflib.findings import CODES
from perflib.layout import load_layout, merge, default_rules, Layout
from perflib.libreoffice import FONT_PACKAGES, INSTALL_PACKAGES, font_fallbacks, unavailable_reason

# What a machine set up with the README's install line has (fc-list's family names, case-folded).
DEBIAN = frozenset(name.casefold() for name in FONT_PACKAGES)


def test_a_machine_with_the_install_lines_faces_gets_no_warning():
    assert font_fallbacks(load_layout(), DEBIAN) == []


def test_without_ukai_the_kai_headings_fall_back_to_the_body_face_with_w270():
    found = font_fallbacks(load_layout(), DEBIAN - {"ar pl ukai cn"})
    assert [f.code for f in found] == ["W270"]
    text = str(found[0])
    assert text.startswith("[W270 提示]")
    assert "楷体_GB2312" in text and "（一）" in text
    assert "AR PL UKai CN" in text and "Noto Serif CJK SC" in text  # what it should be, what it is instead
    assert "apt-get install fonts-arphic-ukai" in text
    assert CODES["W270"][0] == "warning"


def test_a_font_with_no_installed_face_says_libreoffice_chooses():
    found = font_fallbacks(load_layout(), DEBIAN - {"ar pl uming cn", "noto serif cjk sc"})
    fonts = {re.search(r"「(.+?)」", str(f)).group(1) for f in found}
    assert fonts == {"宋体", "仿宋_GB2312", "方正小标宋简体"}  # 楷体 keeps UKai; 黑体 its Noto Sans
    by_font = {re.search(r"「(.+?)」", str(f)).group(1): str(f) for f in found}
    assert "改用" not in by_font["仿宋_GB2312"] and "LibreOffice 自行选用" in by_font["仿宋_GB2312"]
    assert "（正文、表格文字）" in by_font["仿宋_GB2312"]


def test_a_countys_own_licensed_font_is_its_face_of_choice():
    """A county that lists its own 楷体 first gets no warning when it is installed, and one naming
    the missing Debian face when neither is."""
    rules = merge(default_rules(), {"pdf_font_fallbacks": {"楷体_GB2312": ["方正楷体_GBK", "AR PL UKai CN", "Noto Serif CJK SC"]}}, "test")
    layout = Layout(rules)
    assert font_fallbacks(layout, DEBIAN | {"方正楷体_gbk"} - {"ar pl ukai cn"}) == []
    assert "AR PL UKai CN" in str(font_fallbacks(layout, DEBIAN - {"ar pl ukai cn"})[0])


def test_without_fontconfig_nothing_is_claimed(monkeypatch):
    import perflib.libreoffice as libreoffice

    monkeypatch.setattr(libreoffice, "installed_families", lambda: None)
    assert font_fallbacks(load_layout()) == []


def test_perflib_run_prints_w270_to_the_terminal(monkeypatch, capsys, tmp_path):
    """The command line repeats the warning after the list of files (the notebook's export cell has
    it too), for the county's layout; a run without a PDF does not."""
    import argparse

    import perflib.libreoffice as libreoffice
    import perflib.run as run
    from perflib.run import RunResult

    monkeypatch.setattr(libreoffice, "installed_families", lambda: DEBIAN - {"ar pl ukai cn"})
    monkeypatch.setattr(run, "run_report", lambda county, year, **_: RunResult(county, year, tmp_path, []))
    monkeypatch.chdir(ROOT)
    args = argparse.Namespace(county="heshuo", year=2023, no_progress=True, data_root=None, time_limit=None)
    (tmp_path / "report.pdf").write_bytes(b"%PDF")
    assert cli._run(args) == 0
    assert "[W270 提示] PDF 中「楷体_GB2312」（二级标题「（一）」）" in capsys.readouterr().out
    (tmp_path / "report.pdf").unlink()
    monkeypatch.setenv("PERFLIB_SOFFICE", "none")
    assert cli._run(args) == 0
    assert "W270" not in capsys.readouterr().out


def test_readme_and_ci_install_the_faces_the_layout_maps():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    line = next(line for line in readme.splitlines() if "apt-get install libreoffice-writer-nogui" in line)
    assert line.split("apt-get install ", 1)[1].strip(" `,").split() == list(INSTALL_PACKAGES)
    ci_install = re.search(r"apt-get install -y[^\n]*", ci.replace("\\\n", " ")).group(0)
    assert all(package in ci_install.split() for package in INSTALL_PACKAGES)
    docs = (ROOT / "docs" / "publication.md").read_text(encoding="utf-8")
    assert f"apt-get install {' '.join(INSTALL_PACKAGES)}" in re.sub(r"\s+", " ", docs)
    # every face the default lists end on for the 公文 fonts is one of those packages'
    fallbacks = load_layout()["pdf_font_fallbacks"]
    for font in ("仿宋_GB2312", "楷体_GB2312", "黑体", "宋体", "Times New Roman"):
        assert any(entry in FONT_PACKAGES for entry in fallbacks[font]), font


def test_the_no_libreoffice_message_gives_the_whole_install_line(monkeypatch):
    monkeypatch.setenv("PERFLIB_SOFFICE", "no-such-soffice-here")
    assert f"apt-get install {' '.join(INSTALL_PACKAGES)}" in unavailable_reason()


@pytest.mark.e2e
def test_heshuo_pdf_prints_the_kai_headings_in_a_kai_face(tmp_path):
    """The （一） headings of 和硕县 2023 are in AR PL UKai (a face of its own), on a machine with the install line's fonts."""
    if unavailable_reason() is not None or shutil.which("pdffonts") is None:
        pytest.skip("LibreOffice or pdffonts (poppler-utils) is not installed")
    if font_fallbacks(load_layout()):
        pytest.skip("this machine lacks a face of the install line: " + "; ".join(map(str, font_fallbacks(load_layout()))))
    from perflib.params import load_params
    from perflib.pipeline import make_report
    from perflib.render_docx import render_docx
    from perflib.render_pdf import convert_docx_to_pdf

    report = make_report(load_params("heshuo", 2023, ROOT))
    docx = tmp_path / "report.docx"
    docx.write_bytes(render_docx(report.document))
    pdf = convert_docx_to_pdf(docx, tmp_path / "report.pdf", report.document.layout)
    faces = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0].split("+")[-1] for line in faces.splitlines()[2:]]
    assert any("kai" in name.casefold() for name in names), names
    assert len({n for n in names if "Noto" in n or "UKai" in n or "UMing" in n}) >= 4  # 仿宋, 小标宋, 黑体, 楷体 differ


@pytest.mark.e2e
def test_the_conversion_says_w270_where_the_export_is_seen_and_still_makes_the_pdf(monkeypatch, capsys, tmp_path):
    """The notebook's export cell (and the rollup's) shows what the conversion prints."""
    if unavailable_reason() is not None:
        pytest.skip("LibreOffice is not installed")
    import perflib.libreoffice as libreoffice
    from perflib.document import Document, Paragraph, Section
    from perflib.render_docx import render_docx
    from perflib.render_pdf import convert_docx_to_pdf

    document = Document("标题", (Section(1, "一、", "概况", (Paragraph.of("正文。"),)),), layout=load_layout())
    docx = tmp_path / "x.docx"
    docx.write_bytes(render_docx(document))
    monkeypatch.setattr(libreoffice, "installed_families", lambda: DEBIAN - {"ar pl ukai cn"})
    pdf = convert_docx_to_pdf(docx, tmp_path / "x.pdf", load_layout())
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "[W270 提示] PDF 中「楷体_GB2312」" in capsys.readouterr().out


def test_perflib_rollup_prints_w270_to_the_terminal(monkeypatch, capsys, tmp_path):
    import argparse

    import perflib.libreoffice as libreoffice
    import perflib.rollup as rollup

    monkeypatch.setattr(libreoffice, "installed_families", lambda: DEBIAN - {"ar pl uming cn"})
    monkeypatch.setattr(rollup, "run_rollup", lambda root, *a, **k: [root / "outputs/rollup/rollup.pdf"])
    monkeypatch.chdir(ROOT)
    assert cli._rollup(argparse.Namespace(county=[], year=[], region_name="", no_progress=True)) == 0
    assert "[W270 提示] PDF 中「宋体」（页码）应使用 AR PL UMing CN" in capsys.readouterr().out
