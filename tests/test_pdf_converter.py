"""The long-lived PDF converter: the same bytes as one LibreOffice per report, restarted when it
dies, a hung conversion ended, no LibreOffice left behind."""
from __future__ import annotations

import os
import signal
import time

import psutil
import pytest
from conftest import ROOT

from perflib import pdf_converter
from perflib.layout import load_layout
from perflib.params import load_params
from perflib.render_docx import render_docx
from perflib.render_pdf import convert_docx_to_pdf, fix_pdf_metadata, fontconfig_file, unavailable_reason
from perflib.pipeline import make_report


def converter_or_skip() -> pdf_converter.Converter:
    if unavailable_reason():
        pytest.skip(unavailable_reason())
    from perflib.render_pdf import soffice

    if pdf_converter.uno_python(soffice()) is None:
        pytest.skip("未安装 LibreOffice 的 Python UNO 桥（Debian: python3-uno），跳过常驻转换器测试")
    converter = pdf_converter.ensure_started()
    assert converter is not None
    return converter


def converter_processes(converter: pdf_converter.Converter) -> list[psutil.Process]:
    """The converter's LibreOffice processes (their profile is in its working folder)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if str(converter.work) in " ".join(process.info["cmdline"] or ()) and process.pid != converter.process.pid:
            found.append(process)
    return found


def all_converter_processes() -> set[int]:
    """Every converter server or LibreOffice of a converter started from this folder (they
    inherit the working folder; other runs on the machine are not counted)."""
    found = set()
    for process in psutil.process_iter(["cmdline"]):
        line = " ".join(process.info["cmdline"] or ())
        try:
            if ("perflib-pdf-" in line or "uno_server.py" in line) and process.cwd() == os.getcwd():
                found.add(process.pid)
        except psutil.Error:
            pass
    return found


@pytest.fixture
def docx_files(tmp_path):
    """Two different reports as DOCX: 和硕县 2023 and 示例二县 2023."""
    paths = []
    for county in ("heshuo", "example2"):
        document = make_report(load_params(county, 2023, ROOT)).document
        path = tmp_path / f"{county}.docx"
        path.write_bytes(render_docx(document))
        paths.append(path)
    return paths


@pytest.fixture
def no_converter(monkeypatch):
    """Conversions the way without a converter: one LibreOffice per report."""
    pdf_converter.stop()
    monkeypatch.delenv(pdf_converter.ADDRESS_VARIABLE, raising=False)
    yield
    pdf_converter.stop()


def one_shot(docx, tmp_path, monkeypatch) -> bytes:
    with monkeypatch.context() as m:
        m.delenv(pdf_converter.ADDRESS_VARIABLE, raising=False)
        out = tmp_path / f"{docx.stem}-once.pdf"
        convert_docx_to_pdf(docx, out, load_layout())
        return out.read_bytes()


@pytest.mark.e2e
def test_a_warm_converter_gives_the_bytes_of_one_libreoffice_per_report(docx_files, tmp_path, monkeypatch, no_converter):
    expected = {docx: one_shot(docx, tmp_path, monkeypatch) for docx in docx_files}
    converter_or_skip()
    conf = fontconfig_file(load_layout())
    # Several conversions in one LibreOffice: its font counter moves on, the bytes must not.
    for docx in docx_files + docx_files:
        assert fix_pdf_metadata(pdf_converter.convert(docx, conf, 120)) == expected[docx], docx.name
    # And through render_pdf, as the notebook converts.
    out = tmp_path / "via-render-pdf.pdf"
    convert_docx_to_pdf(docx_files[0], out, load_layout())
    assert out.read_bytes() == expected[docx_files[0]]


@pytest.mark.e2e
def test_libreoffice_that_died_is_started_again(docx_files, tmp_path, monkeypatch, no_converter):
    expected = one_shot(docx_files[0], tmp_path, monkeypatch)
    converter = converter_or_skip()
    conf = fontconfig_file(load_layout())
    assert fix_pdf_metadata(pdf_converter.convert(docx_files[0], conf, 120)) == expected
    for process in converter_processes(converter):
        process.kill()
    assert fix_pdf_metadata(pdf_converter.convert(docx_files[0], conf, 120)) == expected


@pytest.mark.e2e
def test_a_hung_conversion_times_out_and_the_next_one_works(docx_files, tmp_path, monkeypatch, no_converter):
    expected = one_shot(docx_files[1], tmp_path, monkeypatch)
    converter = converter_or_skip()
    conf = fontconfig_file(load_layout())
    pdf_converter.convert(docx_files[0], conf, 120)  # LibreOffice is up
    stopped = converter_processes(converter)
    for process in stopped:
        process.suspend()  # LibreOffice hangs
    started = time.monotonic()
    with pytest.raises(pdf_converter.ConversionFailed) as failed:
        pdf_converter.convert(docx_files[1], conf, 3)
    assert failed.value.kind == "timeout" and time.monotonic() - started < 30
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in stopped), "the hung LibreOffice was ended"
    assert fix_pdf_metadata(pdf_converter.convert(docx_files[1], conf, 120)) == expected


@pytest.mark.e2e
def test_a_converter_that_died_is_started_again_and_none_is_left(docx_files, no_converter):
    before = all_converter_processes()
    converter = converter_or_skip()
    conf = fontconfig_file(load_layout())
    pdf_converter.convert(docx_files[0], conf, 120)
    office = converter_processes(converter)
    assert office, "LibreOffice runs beside the server"
    converter.process.kill()  # the server dies; its LibreOffice follows it
    converter.process.wait()
    psutil.wait_procs(office, timeout=10)
    assert not [p for p in office if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    with pytest.raises(pdf_converter.ConverterUnavailable):
        pdf_converter.convert(docx_files[0], conf, 120, address=converter.address)
    again = pdf_converter.ensure_started()
    assert again is not converter and again.alive()
    pdf_converter.convert(docx_files[0], conf, 120)
    pdf_converter.stop()
    assert os.environ.get(pdf_converter.ADDRESS_VARIABLE) is None
    time.sleep(0.5)
    assert all_converter_processes() <= before, "no converter nor LibreOffice is left"


@pytest.mark.e2e
def test_without_a_converter_the_pdf_is_converted_as_before(docx_files, tmp_path, monkeypatch, no_converter):
    if unavailable_reason():
        pytest.skip(unavailable_reason())
    monkeypatch.setenv(pdf_converter.ADDRESS_VARIABLE, str(tmp_path / "no-such-socket"))
    monkeypatch.setattr(pdf_converter, "CONNECT_SECONDS", 0.2)
    out = tmp_path / "fallback.pdf"
    convert_docx_to_pdf(docx_files[0], out, load_layout())
    assert out.read_bytes()[:5] == b"%PDF-"
    monkeypatch.setenv(pdf_converter.UNO_PYTHON_VARIABLE, "none")
    assert pdf_converter.ensure_started() is None


def test_font_ids_of_a_fresh_libreoffice_are_left_as_they_are():
    assert pdf_converter.normalize_unique_ids(b"%PDF-1.6\nno fonts\n%%EOF\n") == b"%PDF-1.6\nno fonts\n%%EOF\n"


def _pdf_images(pdf: bytes) -> list[tuple[int, int, str]]:
    """(width, height, filter) of every image XObject of a PDF (LibreOffice writes their
    dictionaries uncompressed)."""
    import re

    found = []
    for match in re.finditer(rb"<<[^>]*?/Subtype\s*/Image[^>]*?>>", pdf):
        entry = match.group(0)
        width, height = (int(re.search(rb"/%s (\d+)" % key, entry).group(1)) for key in (b"Width", b"Height"))
        found.append((width, height, re.search(rb"/Filter\s*/(\w+)", entry).group(1).decode()))
    return found


@pytest.mark.e2e
@pytest.mark.parametrize("converter", ["long-lived", "one per report"])
def test_charts_reach_the_pdf_at_their_own_pixels_and_lossless(converter, docx_files, tmp_path, monkeypatch, no_converter):
    """The charts are made at print resolution and placed at print size: the PDF keeps every
    pixel (no resampling) and no JPEG blurs their text, in both ways of converting."""
    import io
    import zipfile

    from PIL import Image

    if unavailable_reason():
        pytest.skip(unavailable_reason())
    docx = docx_files[0]
    with zipfile.ZipFile(docx) as archive:
        charts = sorted(Image.open(io.BytesIO(archive.read(n))).size for n in archive.namelist() if n.startswith("word/media/"))
    assert len(charts) >= 2
    if converter == "long-lived":
        converter_or_skip()
        pdf = pdf_converter.convert(docx, fontconfig_file(load_layout()), 120)
    else:
        pdf = one_shot(docx, tmp_path, monkeypatch)
    images = _pdf_images(pdf)
    assert sorted((w, h) for w, h, _ in images) == charts
    assert {f for _, _, f in images} == {"FlateDecode"}


def test_eexec_decryption_by_prefix_scan_is_the_specification_s_loop():
    """Adobe Type 1 Font Format 7.2, byte by byte, against perflib's vectorized decryption (the
    font ids are rewritten inside the encrypted part of every font)."""
    import random

    def decrypt_as_specified(cipher: bytes, r: int = 55665) -> bytes:
        plain = bytearray()
        for c in cipher:
            plain.append(c ^ (r >> 8))
            r = ((c + r) * 52845 + 22719) & 0xFFFF
        return bytes(plain)

    rng = random.Random(7)
    for size in (0, 1, 2, 3, 4, 5, 63, 64, 65, 1000, 40_000):
        cipher = bytes(rng.randrange(256) for _ in range(size))
        assert pdf_converter._eexec_decrypt(cipher) == decrypt_as_specified(cipher), size
        assert pdf_converter._eexec_decrypt(pdf_converter._eexec_encrypt(cipher)) == cipher, size


@pytest.mark.e2e
def test_a_worker_s_clean_up_after_a_report_keeps_its_converter(docx_files, no_converter):
    """A batch worker ends what a report left behind (its kernel); LibreOffice, started by the
    worker's converter while the report ran, is not such a leftover: ending it made every report
    of a batch start LibreOffice again."""
    from perflib.batch import end_processes_since

    converter = converter_or_skip()
    conf = fontconfig_file(load_layout())
    pdf_converter.convert(docx_files[0], conf, 120)
    office = converter_processes(converter)
    assert office and pdf_converter.own_processes() >= {converter.process.pid, *(p.pid for p in office)}
    before = {p.pid for p in psutil.Process().children(recursive=True)} - pdf_converter.own_processes()
    ended = end_processes_since(before)  # as if the converter had started during the report
    assert not set(ended) & pdf_converter.own_processes()
    assert converter.alive() and all(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in office)
    assert converter_processes(converter) == office, "the same LibreOffice converts the next report"
    pdf_converter.convert(docx_files[1], conf, 120)
    assert converter_processes(converter) == office
