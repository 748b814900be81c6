"""PDF: report.docx converted by LibreOffice in headless mode, when it is installed.

Two ways, with the same LibreOffice settings (``libreoffice.FILTER_DATA``) and fonts:

1. A long-lived LibreOffice per process that makes reports (``perflib run``, each ``perflib batch``
   worker): the ``unoserver`` package (PyPI), whose server runs in LibreOffice's Python (the one that
   can ``import uno``: Debian's ``/usr/bin/python3`` with python3-uno) and keeps one LibreOffice.
   ``start_converter`` starts it as the run begins, so LibreOffice starts while the report is made;
   the report's kernel finds it through ``$PERFLIB_PDF_CONVERTER`` and sends it report.docx with
   unoserver's client.
2. Otherwise (no python3-uno, a converter that died or has other fonts): ``soffice --convert-to``,
   one LibreOffice for this report, with its own temporary profile (``-env:UserInstallation``).

Each way uses a fontconfig file that maps the 公文 fonts the DOCX names (仿宋_GB2312, 黑体, …) to
the first installed alternative of ``layout.yaml``'s ``pdf_font_fallbacks`` (docs/publication.md).
The PDF's dates and document id are then fixed (``fix_pdf_metadata``). What is reproducible is the
PDF's text and page count (``pdf_text``, checked by ``perflib verify``), not its bytes: a warm
LibreOffice numbers the embedded fonts differently from a fresh one.
"""
from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .layout import Layout
from .libreoffice import FILTER_DATA, filter_options, font_fallbacks, fontconfig_file, installed_families, soffice, unavailable_reason  # noqa: F401  (reached as render_pdf.*)

TIMEOUT_SECONDS = 300
CONVERTER_VARIABLE = "PERFLIB_PDF_CONVERTER"  # "PORT PID FONTS": this process's converter, inherited by its kernels
UNO_PYTHON_VARIABLE = "PERFLIB_UNO_PYTHON"  # LibreOffice's Python, if not found by itself ("none": no converter)
STARTUP_SECONDS = 60  # unoserver listens about 5 s after it starts (its own fixed wait), more on a loaded machine


class PdfSkipped(Exception):
    """No PDF was made; ``reason`` (Chinese) says why. Everything else of the run stands."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def convert_docx_to_pdf(docx: Path, pdf: Path, layout: Layout) -> Path:
    """Convert ``docx`` to ``pdf`` with LibreOffice; raise ``PdfSkipped`` with the reason if not possible.
    A font of the layout whose face is not installed is said (W270) where the export is seen:
    the notebook's export cell, the rollup's."""
    from .files import write_atomic

    reason = unavailable_reason()
    if reason:
        raise PdfSkipped(reason)
    for fallback in font_fallbacks(layout):
        print(fallback)
    fonts = fontconfig_file(layout)
    started = time.monotonic()
    data = _convert_with_converter(docx, fonts)
    if data is None and time.monotonic() - started >= TIMEOUT_SECONDS:  # unoserver ended the hung LibreOffice
        raise PdfSkipped(f"LibreOffice 转换 PDF 超过 {TIMEOUT_SECONDS} 秒未完成，已放弃；其余文件已生成。")
    if data is None:
        data = _convert_once(docx, fonts)
    check_pdf(data, docx)  # what came back is a PDF with pages (E188), or nothing is written
    write_atomic(pdf, fix_pdf_metadata(data))
    return pdf


def _convert_once(docx: Path, fonts: str) -> bytes:
    """``soffice --convert-to``: a LibreOffice of its own for this DOCX; the PDF's bytes."""
    with tempfile.TemporaryDirectory(prefix="perflib-soffice-") as work:
        work_dir = Path(work)
        profile, out = work_dir / "profile", work_dir / "out"
        out.mkdir()
        command = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", filter_options(), "--outdir", str(out), str(docx)]
        try:
            result = subprocess.run(command, env=_environment(work_dir, fonts), capture_output=True, text=True,
                                    timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfSkipped(f"LibreOffice 转换 PDF 超过 {TIMEOUT_SECONDS} 秒未完成，已放弃；其余文件已生成。") from None
        made = out / f"{docx.stem}.pdf"
        if result.returncode != 0 or not made.is_file():
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["无输出"]
            raise PdfSkipped(f"LibreOffice 转换 PDF 失败（返回码 {result.returncode}：{detail[0]}）；其余文件已生成。")
        return made.read_bytes()


def _environment(work: Path, fonts: str) -> dict[str, str]:
    """LibreOffice's environment: the layout's fontconfig file, a private HOME, UTC."""
    (work / "fonts.conf").write_text(fonts, encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(work / "fonts.conf"), "HOME": str(work), "TZ": "UTC", "LC_ALL": "C.UTF-8"}


def _digest(fonts: str) -> str:
    return hashlib.sha256(fonts.encode("utf-8")).hexdigest()[:16]


def _convert_with_converter(docx: Path, fonts: str) -> bytes | None:
    """The PDF from the converter of the process that started this kernel, if it has one with these
    fonts; None: convert with a LibreOffice of its own (a converter that died, failed or timed out)."""
    address = os.environ.get(CONVERTER_VARIABLE, "").split()
    if len(address) != 3 or address[2] != _digest(fonts):
        return None
    port, pid = int(address[0]), int(address[1])
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:  # until unoserver listens, as long as it lives
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if not _alive(pid) or time.monotonic() > deadline:
                return None
            time.sleep(0.1)
    from unoserver.client import UnoClient

    options = [f"{name}={str(value).lower()}" for name, value in FILTER_DATA.items()]
    try:
        data = UnoClient(port=str(port)).convert(inpath=str(Path(docx).resolve()), convert_to="pdf",
                                                 filtername="writer_pdf_Export", filter_options=options)
    except Exception:  # unoserver's errors (XML-RPC faults, a server that ended LibreOffice)
        return None
    return bytes(data) if data else None


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE  # a server that died, not yet reaped
    except psutil.Error:
        return False


# The converter's server: unoserver's, run by LibreOffice's Python, with unoserver found where pip
# installed it (appended last, so that this Python's own packages, ``uno`` among them, come first).
# It ends with its LibreOffice (its whole session, started apart) when the process that started it is gone.
_SERVER = """import os, signal, sys, threading, time
parent = os.getppid()
def watch():
    while os.getppid() == parent:
        time.sleep(1)
    os.killpg(0, signal.SIGKILL)  # the server, its oosplash and soffice.bin: one session of their own
threading.Thread(target=watch, daemon=True).start()
sys.path.append(sys.argv.pop(1))
from unoserver.server import main
sys.exit(main())
"""
_converter: tuple[subprocess.Popen, str, Path] | None = None  # this process's server, its fonts, its folder
_exit_registered: list[bool] = []


def uno_python() -> str | None:
    """A Python that can ``import uno`` for this LibreOffice (``$PERFLIB_UNO_PYTHON``, LibreOffice's
    own, or Debian's python3 with python3-uno), or None."""
    chosen = os.environ.get(UNO_PYTHON_VARIABLE, "").strip()
    if chosen.lower() == "none":
        return None
    if chosen:
        return shutil.which(chosen)
    program = soffice()
    if program:
        folder = Path(os.path.realpath(program)).parent
        for name in ("python", "python.bin"):  # LibreOffice's own builds ship their Python in program/
            if (folder / name).is_file() and (folder / "uno.py").is_file():
                return str(folder / name)
    if Path("/usr/bin/python3").is_file() and Path("/usr/lib/python3/dist-packages/uno.py").is_file():
        return "/usr/bin/python3"
    return None


def start_converter(fonts: str | None = None) -> bool:
    """This process's converter for the reports it makes, started now (or again, if it died or has other
    fonts) when LibreOffice and its Python are there; whether it runs. Its address goes into
    ``$PERFLIB_PDF_CONVERTER`` for the kernels this process starts."""
    global _converter
    from .layout import load_layout

    fonts = fontconfig_file(load_layout()) if fonts is None else fonts
    if _converter is not None and _converter[0].poll() is None and _converter[1] == fonts:
        return True
    stop_converter()
    python = uno_python()
    if unavailable_reason() or python is None:
        return False
    import unoserver

    work = Path(tempfile.mkdtemp(prefix="perflib-pdf-"))
    with socket.socket() as one, socket.socket() as other:  # two free ports: XML-RPC, and LibreOffice's UNO
        one.bind(("127.0.0.1", 0))
        other.bind(("127.0.0.1", 0))
        port, uno_port = one.getsockname()[1], other.getsockname()[1]
    command = [python, "-c", _SERVER, str(Path(unoserver.__file__).parent.parent), "--port", str(port),
               "--uno-port", str(uno_port), "--executable", soffice(), "--user-installation", str(work / "profile"),
               "--conversion-timeout", str(TIMEOUT_SECONDS), "--quiet"]
    process = subprocess.Popen(command, env=_environment(work, fonts), stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # its LibreOffice ends with it (killpg), not on the terminal's Ctrl-C
    _converter = (process, fonts, work)
    os.environ[CONVERTER_VARIABLE] = f"{port} {process.pid} {_digest(fonts)}"
    if not _exit_registered:
        _exit_registered.append(True)
        atexit.register(stop_converter)
        from multiprocessing import util

        util.Finalize(None, stop_converter, exitpriority=10)  # a worker process leaves by os._exit, without atexit
    return True


def converter_processes() -> set[int]:
    """The pids of this process's converter: the server and its LibreOffice, for a batch worker's
    clean-up after a report to leave alone."""
    import psutil

    if _converter is None or _converter[0].poll() is not None:
        return set()
    try:
        server = psutil.Process(_converter[0].pid)
        return {server.pid, *(child.pid for child in server.children(recursive=True))}
    except psutil.Error:
        return set()


def stop_converter() -> None:
    """End this process's converter (its server, which ends its LibreOffice), if any."""
    global _converter
    os.environ.pop(CONVERTER_VARIABLE, None)
    if _converter is None:
        return
    process, _, work = _converter
    _converter = None
    import psutil

    try:
        office = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        office = []
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for child in office:  # a LibreOffice that did not end with its server
        try:
            child.kill()
        except psutil.Error:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # what is left of its session (an oosplash whose soffice.bin ended)
    except (ProcessLookupError, PermissionError):
        pass
    shutil.rmtree(work, ignore_errors=True)


@contextmanager
def converter(params=None):
    """``with converter(params):`` a converter with the county's fonts for the reports made inside
    (``perflib run``): the one this process has, or one started now and stopped at the end."""
    from .layout import load_layout

    had = _converter is not None and _converter[0].poll() is None
    try:
        started = start_converter(fontconfig_file(load_layout(params))) and not had
    except Exception:  # no converter: the report converts with a LibreOffice of its own
        started = False
    try:
        yield
    finally:
        if started:
            stop_converter()


def pdf_text(pdf: Path) -> str | None:
    """What is reproducible about a PDF: its text, page by page (poppler's ``pdftotext``, pages
    separated by form feeds, so the page count is in it too); None without pdftotext."""
    if shutil.which("pdftotext") is None:
        return None
    result = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, timeout=120)
    return result.stdout.decode("utf-8", "replace") if result.returncode == 0 else None


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
