"""PDF: report.docx converted by LibreOffice in headless mode, when it is installed.

Each conversion runs with its own temporary LibreOffice profile (``-env:UserInstallation``), so
parallel runs never share one, and with a fontconfig file that maps the 公文 fonts the DOCX names
(仿宋_GB2312, 黑体, …) to the first installed alternative of ``layout.yaml``'s
``pdf_font_fallbacks``: each to a different Simplified-Chinese font of Debian (Noto Serif/Sans
CJK SC, AR PL UKai/UMing CN, Liberation Serif for Times New Roman; docs/publication.md).
LibreOffice embeds the fonts it used. The PDF's dates and document id are then fixed, so the
same DOCX converted by the same LibreOffice version gives the same bytes.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

from .layout import Layout
from .libreoffice import filter_options, font_fallbacks, fontconfig_file, installed_families, soffice, unavailable_reason  # noqa: F401  (reached as render_pdf.*)

TIMEOUT_SECONDS = 300


class PdfSkipped(Exception):
    """No PDF was made; ``reason`` (Chinese) says why. Everything else of the run stands."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def convert_docx_to_pdf(docx: Path, pdf: Path, layout: Layout) -> Path:
    """Convert ``docx`` to ``pdf`` with LibreOffice; raise ``PdfSkipped`` with the reason if not possible.
    A font of the layout whose face is not installed is said (W270) where the export is seen:
    the notebook's export cell, the rollup's."""
    reason = unavailable_reason()
    if reason:
        raise PdfSkipped(reason)
    for fallback in font_fallbacks(layout):
        print(fallback)
    from . import pdf_converter  # the long-lived LibreOffice of `perflib run` and batch workers, if there is one

    try:
        data = pdf_converter.convert(docx, fontconfig_file(layout), TIMEOUT_SECONDS)
    except pdf_converter.ConversionFailed as failed:
        if failed.kind == "timeout":
            raise PdfSkipped(f"LibreOffice 转换 PDF 超过 {TIMEOUT_SECONDS} 秒未完成，已放弃；其余文件已生成。") from None
        data = None  # converted once more below, in a LibreOffice of its own, which says why if it fails too
    except pdf_converter.ConverterUnavailable:
        data = None
    if data is not None:
        from .files import write_atomic

        check_pdf(data, docx)
        write_atomic(pdf, fix_pdf_metadata(data))
        return pdf
    with tempfile.TemporaryDirectory(prefix="perflib-soffice-") as work:
        work_dir = Path(work)
        profile, out = work_dir / "profile", work_dir / "out"
        out.mkdir()
        (work_dir / "fonts.conf").write_text(fontconfig_file(layout), encoding="utf-8")
        env = {**os.environ, "FONTCONFIG_FILE": str(work_dir / "fonts.conf"), "HOME": str(work_dir),
               "TZ": "UTC", "LC_ALL": "C.UTF-8"}
        command = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", filter_options(), "--outdir", str(out), str(docx)]
        try:
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                                    stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfSkipped(f"LibreOffice 转换 PDF 超过 {TIMEOUT_SECONDS} 秒未完成，已放弃；其余文件已生成。") from None
        made = out / f"{docx.stem}.pdf"
        if result.returncode != 0 or not made.is_file():
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["无输出"]
            raise PdfSkipped(f"LibreOffice 转换 PDF 失败（返回码 {result.returncode}：{detail[0]}）；其余文件已生成。")
        data = made.read_bytes()
        check_pdf(data, docx)
        data = fix_pdf_metadata(data)
    from .files import write_atomic

    write_atomic(pdf, data)
    return pdf


def check_pdf(data: bytes, docx: Path) -> None:
    """What the converter gave back is a PDF with pages, or ``ConverterOutputInvalid`` (E188) is
    raised and nothing is written: a converter that exits 0 having written something else (an
    error page, an empty file) must not be published and hashed as report.pdf. A PDF starts with
    ``%PDF-``, ends with ``%%EOF`` and, read by poppler's ``pdfinfo`` where it is installed, has
    at least one page (without it: at least one page object)."""
    from .errors import ConverterOutputInvalid

    def refuse(why: str) -> None:
        head = data[:16].decode("latin-1").encode("unicode_escape").decode("ascii")
        raise ConverterOutputInvalid(
            f"[E188 错误] PDF 转换程序（{soffice() or 'LibreOffice'}）把 {docx.name} 转换后返回的不是有效的 PDF：{why}"
            f"（共 {len(data)} 字节，开头为「{head}」）。未生成 report.pdf，本次运行失败，原有输出未改动。"
            "请检查 LibreOffice 的安装（或环境变量 PERFLIB_SOFFICE 所指的程序）后重新运行。")

    if not data.startswith(b"%PDF-"):
        refuse("不以 %PDF- 开头")
    if b"%%EOF" not in data[-1024:]:
        refuse("结尾没有 %%EOF（文件不完整）")
    if not _page_count(data):
        refuse("读不出任何一页")


def _page_count(data: bytes) -> int:
    """The PDF's pages as ``pdfinfo`` reads them (0: it cannot read the file); without pdfinfo,
    the number of page objects."""
    import shutil

    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        try:
            result = subprocess.run([pdfinfo, handle.name], capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
                                    env={**os.environ, "LC_ALL": "C"})
        except (OSError, subprocess.TimeoutExpired):
            return 0
    match = re.search(rb"^Pages:\s*(\d+)", result.stdout, re.MULTILINE)
    return int(match[1]) if result.returncode == 0 and match else 0


_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\(D:[^)]*\)")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")


def fix_pdf_metadata(data: bytes) -> bytes:
    """Replace the conversion time, the document id and LibreOffice's checksum (both depend on the
    time) by fixed values of the same length, so every cross-reference offset stays right: the
    dates by 1980-01-01, the id and checksum by a hash of the rest of the file."""

    def fixed_date(match: re.Match) -> bytes:
        text = match.group(0)
        start = text.index(b"(D:") + 3
        digits = iter(b"19800101000000" + b"0" * 32)
        return text[:start] + bytes(next(digits) if 48 <= c <= 57 else c for c in text[start:-1]) + b")"

    data = _DATE.sub(fixed_date, data)
    digest = hashlib.sha256(_CHECKSUM.sub(b"", _ID.sub(b"", data))).hexdigest().upper().encode("ascii")
    data = _CHECKSUM.sub(lambda m: m.group(0).replace(m.group(1), digest[: len(m.group(1))]), data)

    def fixed_id(match: re.Match) -> bytes:
        first, second = match.group(1), match.group(2)
        return (match.group(0).replace(first, (digest * 2)[: len(first)], 1)
                .replace(second, (digest[::-1] * 2)[: len(second)], 1))

    return _ID.sub(fixed_id, data)
