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


def _fc_match(conf: str, font: str) -> str:
    conf_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"perflib-test-fonts-{os.getpid()}.conf"
    conf_path.write_text(conf, encoding="utf-8")
    try:
        env = {**os.environ, "FONTCONFIG_FILE": str(conf_path)}
        return subprocess.run(["fc-match", "-f", "%{family[0]}:%{weight[0]}", font], env=env, capture_output=True,
                              text=True).stdout
    finally:
        conf_path.unlink()


# Each 公文 font and the Debian font it becomes in the PDF (.ci/run installs them).
SUBSTITUTES = {"方正小标宋简体": "Noto Serif CJK SC:bold", "小标宋": "Noto Serif CJK SC:bold",
               "仿宋_GB2312": "Noto Serif CJK SC", "仿宋": "Noto Serif CJK SC", "FangSong": "Noto Serif CJK SC",
               "楷体_GB2312": "AR PL UKai CN", "楷体": "AR PL UKai CN", "KaiTi": "AR PL UKai CN",
               "黑体": "Noto Sans CJK SC", "SimHei": "Noto Sans CJK SC",
               "宋体": "AR PL UMing CN", "SimSun": "AR PL UMing CN",
               "Times New Roman": "Liberation Serif"}


def _needs_the_substitutes():
    if shutil.which("fc-match") is None or not Path("/etc/fonts/fonts.conf").exists():
        pytest.skip("未安装 fontconfig，跳过字体替代测试")
    families = subprocess.run(["fc-list", "--format", "%{family}\\n"], capture_output=True, text=True).stdout
    wanted = {s.split(":")[0] for s in SUBSTITUTES.values()}
    missing = sorted(f for f in wanted if f not in families)
    if missing:
        pytest.skip(f"未安装 {'、'.join(missing)}（Debian: fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming "
                    "fonts-liberation2），跳过字体替代测试")


def test_each_gongwen_font_becomes_a_different_simplified_chinese_font_in_the_pdf():
    _needs_the_substitutes()
    conf = fontconfig_file(load_layout())
    matched = {font: _fc_match(conf, font).split(":") for font in SUBSTITUTES}
    got = {font: family + (":bold" if int(weight) >= 200 else "") for font, (family, weight) in matched.items()}
    assert got == SUBSTITUTES  # fontconfig's weight 200 is bold
    # 仿宋, 楷体, 小标宋, 黑体, 宋体 and Times New Roman: six different faces
    assert len({got[f] for f in ("仿宋_GB2312", "楷体_GB2312", "方正小标宋简体", "黑体", "宋体", "Times New Roman")}) == 6
    # Without the system's fonts the same file says nothing: the rules name only installed families.
    assert "<string>Noto Serif CJK SC</string>" in conf and "FZXiaoBiaoSong" not in conf


def test_a_fallback_that_is_not_installed_is_skipped_and_the_bold_weight_only_goes_with_its_font():
    from perflib.layout import merge

    layout = load_layout()
    rules = merge(layout.rules, {"pdf_font_fallbacks": {"方正小标宋简体": ["No Such Font:bold", "Noto Serif CJK SC"]}}, "test")
    conf = fontconfig_file(type(layout)(rules))
    rule = re.search(r"<match[^\n]*<string>方正小标宋简体</string>.*?</match>", conf).group(0)
    if "<string>Noto Serif CJK SC</string>" not in rule:
        pytest.skip("未安装 Noto Serif CJK SC")
    assert "No Such Font" not in conf and "weight" not in rule


@pytest.mark.e2e
def test_the_pdf_draws_simplified_chinese_glyph_shapes_not_japanese_ones(tmp_path):
    """Noto CJK is one font collection for JP, KR, SC, TC; pdffonts names every face after the
    first (NotoSerifCJKjp) because they share one CFF table. What counts is the shape drawn:
    「直」「骨」「没」 differ between the Japanese and the Chinese forms."""
    import numpy as np
    from docx import Document as WordDocument
    from docx.oxml.ns import qn
    from docx.shared import Pt
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    from perflib.render_pdf import convert_docx_to_pdf

    if unavailable_reason():
        pytest.skip(unavailable_reason())
    if shutil.which("pdftoppm") is None:
        pytest.skip("未安装 pdftoppm（Debian: poppler-utils）")
    _needs_the_substitutes()
    collections = {"仿宋_GB2312": "NotoSerifCJK-Regular.ttc", "方正小标宋简体": "NotoSerifCJK-Bold.ttc",
                   "黑体": "NotoSansCJK-Regular.ttc"}
    folder = Path("/usr/share/fonts/opentype/noto")
    if not all((folder / f).exists() for f in collections.values()):
        pytest.skip("Noto CJK 字体文件不在 Debian 的位置")
    chars = "直骨没"
    word = WordDocument()
    for font in collections:
        for ch in chars:
            run = word.add_paragraph().add_run(ch)
            run.font.size = Pt(60)
            run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    word.save(tmp_path / "glyphs.docx")
    convert_docx_to_pdf(tmp_path / "glyphs.docx", tmp_path / "glyphs.pdf", load_layout())
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(tmp_path / "glyphs.pdf"), str(tmp_path / "page")], check=True)

    def normalized(image):
        return np.array(image.crop(ImageChops.invert(image).getbbox()).resize((80, 80)), dtype=int)

    drawn = []
    for page in sorted(tmp_path.glob("page-*.png")):
        ink = np.array(Image.open(page).convert("L")) < 128
        rows = np.where(ink.any(axis=1))[0]
        for group in np.split(rows, np.where(np.diff(rows) > 5)[0] + 1):
            drawn.append(normalized(Image.open(page).convert("L").crop((0, group[0], ink.shape[1], group[-1] + 1))))
    assert len(drawn) == len(collections) * len(chars)
    for (font, collection), glyphs in zip(collections.items(), [drawn[i:i + 3] for i in range(0, len(drawn), 3)]):
        for ch, glyph in zip(chars, glyphs):
            distance = {}
            for region, index in (("JP", 0), ("SC", 2)):
                image = Image.new("L", (300, 300), 255)
                ImageDraw.Draw(image).text((20, 20), ch, font=ImageFont.truetype(str(folder / collection), 200, index=index), fill=0)
                distance[region] = np.abs(glyph - normalized(image)).sum()
            assert distance["SC"] < distance["JP"], (font, ch, distance)
