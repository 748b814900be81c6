"""report.pdf: skipped with a reason without LibreOffice, fixed metadata, 公文 font fallbacks."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

from perflib.layout import load_layout
from perflib.params import load_params
from perflib.render_pdf import fix_pdf_metadata, fontconfig_file, unavailable_reason
from perflib.outputs import export
from perflib.pipeline import make_report


def test_without_libreoffice_the_pdf_is_skipped_with_the_reason_and_the_rest_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PERFLIB_SOFFICE", str(tmp_path / "no-such-soffice"))
    report = make_report(load_params("heshuo", 2023, ROOT))
    written = export(report, tmp_path / "out")
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in written)
    charts = ["evaluation_funds", "monitoring_progress"]  # no appendix: 和硕县 has no 2022 (issue 12)
    figures = [f"figures/{c}.{kind}" for c in charts for kind in ("png", "svg")]
    assert names == sorted(figures + ["figures.csv", "report.docx", "report.html"])
    assert not (tmp_path / "out" / "report.pdf").exists()
    said = capsys.readouterr().out
    assert "未生成 report.pdf" in said and "未找到 LibreOffice" in said and "apt-get install" in said


def test_the_command_line_says_why_a_run_has_no_pdf(tmp_path, monkeypatch, capsys):
    from perflib.cli import _say_if_pdf_skipped
    from perflib.run import RunResult

    monkeypatch.setenv("PERFLIB_SOFFICE", "none")
    _say_if_pdf_skipped(RunResult("heshuo", 2023, tmp_path, []))
    assert capsys.readouterr().out.strip() == f"未生成 report.pdf：{unavailable_reason()}"
    (tmp_path / "report.pdf").write_bytes(b"%PDF")
    _say_if_pdf_skipped(RunResult("heshuo", 2023, tmp_path, []))
    assert capsys.readouterr().out == ""


def test_pdf_dates_id_and_checksum_are_fixed_without_moving_any_byte_offset():
    def pdf(stamp: str, ident: str) -> bytes:
        return (f"%PDF-1.6\n1 0 obj\n<</CreationDate(D:{stamp}+01'00')/Producer(LibreOffice 7.4)>>\nendobj\n"
                f"trailer\n<</Size 2/Info 1 0 R\n/ID [ <{ident}>\n<{ident[::-1]}> ]\n/DocChecksum /{ident}\n>>\n"
                "startxref\n9\n%%EOF\n").encode("ascii")

    one = pdf("20261128101500", "0123456789ABCDEF0123456789ABCDEF")
    other = pdf("20251231235959", "FEDCBA9876543210FEDCBA9876543210")
    fixed = fix_pdf_metadata(one)
    assert fixed == fix_pdf_metadata(other)
    assert len(fixed) == len(one) and fixed.index(b"startxref") == one.index(b"startxref")
    assert b"(D:19800101000000+00'00')" in fixed
    assert b"0123456789ABCDEF" not in fixed and b"LibreOffice 7.4" in fixed


def test_gongwen_fonts_fall_back_to_installed_cjk_fonts():
    conf = fontconfig_file(load_layout())
    assert re.search(r"<alias binding=\"strong\"><family>仿宋_GB2312</family><prefer>.*<family>Noto Serif CJK SC</family>", conf)
    if shutil.which("fc-match") is None or not Path("/etc/fonts/fonts.conf").exists():
        pytest.skip("未安装 fontconfig，跳过字体替代测试")
    families = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    if "Noto Serif CJK SC" not in families or "Noto Sans CJK SC" not in families:
        pytest.skip("未安装 Noto CJK 字体（Debian: fonts-noto-cjk），跳过字体替代测试")
    conf_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"perflib-test-fonts-{os.getpid()}.conf"
    conf_path.write_text(conf, encoding="utf-8")
    try:
        env = {**os.environ, "FONTCONFIG_FILE": str(conf_path)}

        def match(font: str) -> str:
            return subprocess.run(["fc-match", "-f", "%{family}", font], env=env, capture_output=True, text=True).stdout

        assert "Noto Serif CJK SC" in match("仿宋_GB2312")
        assert "Noto Sans CJK SC" in match("黑体")
    finally:
        conf_path.unlink()
