"""One long-lived LibreOffice per process that makes reports, instead of one per report.

``soffice --convert-to`` starts LibreOffice for every report: about 1.5 s, as much as the rest of
the report's own work. Here the process that runs reports (``perflib run``, each ``perflib batch``
worker) starts a converter once (``ensure_started``): a small server (``uno_server.py``, run by
LibreOffice's own Python, which has the UNO bridge) that keeps one headless LibreOffice and
converts one DOCX at a time through UNO, with the same load and store properties as
``--convert-to``, so the PDF bytes are the same. LibreOffice starts while the report is still
being made; the report's kernel finds the converter through ``$PERFLIB_PDF_CONVERTER`` (the
server's socket) and sends it its report.docx.

Without LibreOffice's Python (``import uno``: Debian's python3-uno), or if the converter cannot be
reached, ``render_pdf`` converts the report as before, one LibreOffice per report: same bytes,
only slower. A LibreOffice that died is started again by the server; a conversion that hangs is
ended after ``render_pdf.TIMEOUT_SECONDS`` (its report gets no PDF, with the reason); a server
that died is started again by the next ``ensure_started``. No ``soffice`` outlives the process
that started the converter: ``stop`` ends it, and the server ends LibreOffice and itself when its
parent goes away.
"""
from __future__ import annotations

import atexit
import json
import re
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import zlib
from pathlib import Path

from .libreoffice import FILTER_DATA

ADDRESS_VARIABLE = "PERFLIB_PDF_CONVERTER"  # the server's socket, inherited by the kernels
UNO_PYTHON_VARIABLE = "PERFLIB_UNO_PYTHON"  # LibreOffice's Python, if not found by itself ("none": no converter)
SERVER = Path(__file__).with_name("uno_server.py")
CONNECT_SECONDS = 10  # a server just started needs a few hundredths of a second to listen


class ConverterUnavailable(Exception):
    """The converter could not be reached: convert the way without it."""


class ConversionFailed(Exception):
    """The converter answered with an error (``kind``: timeout or failed)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def uno_python(soffice: str | None) -> str | None:
    """A Python that can ``import uno`` for this LibreOffice, or None."""
    chosen = os.environ.get(UNO_PYTHON_VARIABLE, "").strip()
    if chosen.lower() == "none":
        return None
    if chosen:
        return shutil.which(chosen)
    if soffice:
        program = Path(os.path.realpath(soffice)).parent
        for name in ("python", "python.bin"):  # LibreOffice's own builds ship their Python in program/
            if (program / name).is_file() and (program / "uno.py").is_file():
                return str(program / name)
    for python in ("/usr/bin/python3",):  # Debian and Ubuntu: python3-uno
        if Path(python).is_file() and any(Path(p).is_file() for p in ("/usr/lib/python3/dist-packages/uno.py",)):
            return python
    return None


class Converter:
    """The server process, its working folder and its socket."""

    def __init__(self, python: str, soffice: str, fontconfig: str | None = None):
        self.work = Path(tempfile.mkdtemp(prefix="perflib-pdf-"))
        self.address = str(self.work / "socket")
        env = {**os.environ}
        for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", ADDRESS_VARIABLE):
            env.pop(name, None)
        if fontconfig is not None:  # LibreOffice starts at once with the fonts of the coming reports
            (self.work / "initial-fonts.conf").write_text(fontconfig, encoding="utf-8")
            env["PERFLIB_PDF_FONTCONFIG"] = str(self.work / "initial-fonts.conf")
        self.process = subprocess.Popen([python, "-I", str(SERVER), self.address, soffice, str(self.work)], env=env,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """End the server and its LibreOffice, and remove the working folder."""
        if self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)  # the server ends LibreOffice, then itself
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._end_office()
        shutil.rmtree(self.work, ignore_errors=True)

    def _end_office(self) -> None:
        """Every LibreOffice process of this converter (its profile is in the working folder),
        should the server have died without ending them."""
        import psutil

        mine = []
        for process in psutil.process_iter(["cmdline"]):
            if str(self.work) in " ".join(process.info["cmdline"] or ()):
                mine.append(process)
        for process in mine:
            try:
                process.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(mine, timeout=5)


_lock = threading.Lock()
_current: Converter | None = None


def ensure_started(fontconfig: str | None = None) -> Converter | None:
    """This process's converter, started (or started again, if it died) when LibreOffice and its
    Python are there; None otherwise. Its socket is put in ``$PERFLIB_PDF_CONVERTER`` for the
    kernels this process starts."""
    global _current
    from .libreoffice import soffice, unavailable_reason

    with _lock:
        if _current is not None and _current.alive():
            return _current
        if _current is not None:
            _current.stop()
            _current = None
            os.environ.pop(ADDRESS_VARIABLE, None)
        if unavailable_reason():
            return None
        program = soffice()
        python = uno_python(program)
        if python is None:
            return None
        if fontconfig is None:
            fontconfig = _fontconfig(None)
        _current = Converter(python, program, fontconfig)
        os.environ[ADDRESS_VARIABLE] = _current.address
        _register_exit()
        return _current


def own_processes() -> set[int]:
    """The pids of this process's converter: the server and the LibreOffice it started (which it
    may start again at any time), for a worker's clean-up after a report to leave alone."""
    import psutil

    if _current is None or _current.process.poll() is not None:
        return set()
    try:
        server = psutil.Process(_current.process.pid)
        return {server.pid, *(child.pid for child in server.children(recursive=True))}
    except psutil.Error:
        return set()


def stop() -> None:
    """End this process's converter, if any."""
    global _current
    with _lock:
        if _current is not None:
            _current.stop()
            _current = None
        os.environ.pop(ADDRESS_VARIABLE, None)


_registered = False


def _register_exit() -> None:
    """End the converter when this process ends: atexit, and multiprocessing's finalizers for a
    worker process (which leaves by os._exit, without atexit)."""
    global _registered
    if _registered:
        return
    _registered = True
    atexit.register(stop)
    try:
        from multiprocessing import util

        util.Finalize(None, stop, exitpriority=10)
    except Exception:  # pragma: no cover
        pass


class session:
    """``with session(params):`` a converter for the reports made inside (``perflib run``): the one
    this process already has, or one started now (LibreOffice starts while the report is being
    made) and stopped at the end."""

    def __init__(self, params=None):
        self.params = params

    def __enter__(self):
        self.started = _current is None or not _current.alive()
        try:
            ensure_started(_fontconfig(self.params))
        except Exception:  # no converter: the report converts as before
            self.started = False
        return self

    def __exit__(self, *exc_info):
        if self.started:
            stop()
        return False


def _fontconfig(params) -> str:
    """The fontconfig file of the county's layout (``pdf_font_fallbacks``)."""
    from .layout import load_layout
    from .libreoffice import fontconfig_file

    return fontconfig_file(load_layout(params))


def request(address: str, message: dict, timeout: float) -> dict:
    """Send one request to the server at ``address``; its answer. ``ConverterUnavailable`` when it
    cannot be reached or goes away without answering."""
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(address)
            break
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            client.close()
            if time.monotonic() > deadline:
                raise ConverterUnavailable(str(exc)) from None
            time.sleep(0.02)
        except OSError as exc:
            client.close()
            raise ConverterUnavailable(str(exc)) from None
    with client:
        client.settimeout(timeout)
        try:
            stream = client.makefile("rwb")
            stream.write(json.dumps(message).encode("utf-8") + b"\n")
            stream.flush()
            line = stream.readline()
        except OSError as exc:  # includes socket.timeout
            raise ConverterUnavailable(str(exc)) from None
    if not line:
        raise ConverterUnavailable("the converter closed the connection")
    return json.loads(line)


def convert(docx: Path, fontconfig: str, timeout: float, address: str | None = None) -> bytes:
    """report.docx converted by the running converter: the PDF's bytes as LibreOffice wrote them.
    ``ConverterUnavailable`` if there is none or it cannot be reached; ``ConversionFailed`` if it
    answered with an error (a timeout: LibreOffice was ended and starts again for the next one)."""
    address = address or os.environ.get(ADDRESS_VARIABLE)
    if not address:
        raise ConverterUnavailable("no converter")
    out = Path(tempfile.mkdtemp(prefix="perflib-pdf-out-"))
    try:
        pdf = out / f"{Path(docx).stem}.pdf"
        # Waiting for LibreOffice to start counts too: the server's own timeout is the conversion's.
        answer = request(address, {"docx": str(Path(docx).resolve()), "pdf": str(pdf), "fontconfig": fontconfig,
                                   "timeout": timeout, "filter_data": FILTER_DATA}, timeout + 90)
        if not answer.get("ok"):
            raise ConversionFailed(answer.get("error", "?"), answer.get("kind", "failed"))
        if not pdf.is_file():
            raise ConversionFailed("no file written", "failed")
        try:
            return normalize_unique_ids(pdf.read_bytes())
        except (NotNormalizable, zlib.error, ValueError) as exc:
            raise ConverterUnavailable(f"PDF not normalizable: {exc}") from None
    finally:
        shutil.rmtree(out, ignore_errors=True)


# LibreOffice numbers the Type 1 fonts it makes from CFF (OpenType) fonts with a counter that
# lives as long as the process (vcl/source/fontsubset/cff.cxx: ``static sal_Int32 nUniqueId``):
# the first font of a fresh LibreOffice is /UniqueID 4100001, of a warm one wherever the counter
# stands. That is the only difference between a warm LibreOffice's PDF and a fresh one's; the
# ids are put back to what a fresh LibreOffice writes (4100001, 4100002, … in the order it wrote
# them), the font streams compressed again with the zlib settings that give LibreOffice's own
# bytes back (checked on the stream as it was), and every cross-reference offset moved by the
# change in length. A PDF where that check fails is not used (``NotNormalizable``).
FIRST_UNIQUE_ID = 4100001
_OBJECT = re.compile(rb"(\d+) 0 obj\n<<([^>]*?/Length1 [^>]*?)>>\nstream\n")  # matched at the start of a line
_LENGTH_REF = re.compile(rb"/Length (\d+) 0 R")
_UNIQUE_ID = re.compile(rb"/UniqueID (\d+) def\n")


class NotNormalizable(Exception):
    """A warm LibreOffice's PDF that cannot be brought back to a fresh one's bytes."""


def _deflate(data: bytes, like: bytes) -> bytes:
    """``data`` compressed with the zlib settings that reproduce ``like`` from its own contents."""
    original = zlib.decompress(like)
    for level in (6, 9, 5, 1, 2, 3, 4, 7, 8):
        for mem_level in (8, 9):
            packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS, mem_level)
            if packer.compress(original) + packer.flush() == like:
                packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS, mem_level)
                return packer.compress(data) + packer.flush()
    raise NotNormalizable("zlib settings not found")


def _eexec_decrypt(data: bytes, key: int = 55665) -> bytes:
    """Type 1 eexec decryption (Adobe Type 1 Font Format, 7.2), binary form.

    The key after each byte depends only on the ciphertext: r[i+1] = 52845·r[i] + (52845·c[i] +
    22719) mod 2**16, an affine recurrence, so every key is found at once by composing the affine
    steps in log2(n) rounds (a prefix scan) instead of a Python loop over the font."""
    import numpy as np

    # uint32 holds every product: 65535·65535 + 65535 < 2**32
    cipher = np.frombuffer(data, dtype=np.uint8).astype(np.uint32)
    if not cipher.size:
        return b""
    scale = np.full(cipher.size, 52845, dtype=np.uint32)  # step i: r -> scale·r + offset
    offset = (52845 * cipher + 22719) & 0xFFFF
    span = 1
    while span < cipher.size:  # after each round, step i is the composition of steps i-2·span+1 .. i
        offset[span:] = (scale[span:] * offset[:-span] + offset[span:]) & 0xFFFF
        scale[span:] = (scale[span:] * scale[:-span]) & 0xFFFF
        span *= 2
    keys = np.empty(cipher.size, dtype=np.uint32)  # the key before each byte
    keys[0] = key
    keys[1:] = (scale[:-1] * key + offset[:-1]) & 0xFFFF
    return ((cipher ^ (keys >> 8)) & 0xFF).astype(np.uint8).tobytes()


def _eexec_encrypt(data: bytes, key: int = 55665) -> bytes:
    out = bytearray(len(data))
    for i, byte in enumerate(data):  # each key depends on the cipher byte before: one at a time
        cipher = byte ^ (key >> 8)
        out[i] = cipher
        key = ((cipher + key) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def _positions(data: bytes, text: bytes) -> list[int]:
    """Where ``text`` occurs in ``data`` (bytes.find runs in C; a regex over the whole PDF did not)."""
    found, at = [], data.find(text)
    while at >= 0:
        found.append(at)
        at = data.find(text, at + 1)
    return found


def normalize_unique_ids(data: bytes) -> bytes:
    """A warm LibreOffice's PDF with the Type 1 font ids a fresh LibreOffice writes (see above)."""
    fonts = []  # (start of stream data, end, decompressed, length object number)
    headers = [data.rfind(b"\n", 0, data.rfind(b" 0 obj\n<<", 0, at)) + 1 for at in _positions(data, b"/Length1 ")]
    for match in (_OBJECT.match(data, at) for at in headers):
        if not match:
            continue
        ref = _LENGTH_REF.search(match.group(2))
        if not ref:
            continue
        length_obj = re.compile(rb"(?<=\n)" + ref.group(1) + rb" 0 obj\n(\d+)\nendobj").search(data, match.end())
        if not length_obj:
            raise NotNormalizable("stream length not found")
        start = match.end()
        end = start + int(length_obj.group(1))
        if b"/FlateDecode" not in match.group(2):
            continue
        plain = zlib.decompress(data[start:end])
        found = _UNIQUE_ID.search(plain[:4000])
        if found:
            fonts.append((start, end, plain, found, length_obj, match.group(2)))
    if not fonts:
        return data
    ids = [int(f[3].group(1)) for f in fonts]
    shift = min(ids) - FIRST_UNIQUE_ID
    if shift == 0:
        return data
    if sorted(ids) != ids or len(set(ids)) != len(ids):
        raise NotNormalizable("font ids out of order")
    edits = []  # (start, end, replacement), in file order
    for (start, end, plain, found, length_obj, header), old in zip(fonts, ids):
        old_id, new_id = str(old).encode("ascii"), str(old - shift).encode("ascii")
        if len(new_id) != len(old_id):
            raise NotNormalizable("font id of another width")
        clear_length = int(re.search(rb"/Length1 (\d+)", header).group(1))
        secret_length = int(re.search(rb"/Length2 (\d+)", header).group(1))
        clear, secret, rest = plain[:clear_length], plain[clear_length:clear_length + secret_length], plain[clear_length + secret_length:]
        old_def, new_def = b"/UniqueID " + old_id + b" def", b"/UniqueID " + new_id + b" def"
        private = _eexec_decrypt(secret)
        if clear.count(old_def) != 1 or private.count(old_def) > 1:
            raise NotNormalizable("font id not where expected")
        fixed = clear.replace(old_def, new_def) + _eexec_encrypt(private.replace(old_def, new_def)) + rest
        packed = _deflate(fixed, data[start:end])
        edits.append((start, end, packed))
        edits.append((length_obj.start(1), length_obj.end(1), str(len(packed)).encode("ascii")))
    edits.sort()

    def moved(offset: int) -> int:
        return offset + sum(len(new) - (e - s) for s, e, new in edits if e <= offset)

    xref = data.rindex(b"\nxref\n") + 1
    startxref = re.search(rb"\nstartxref\n(\d+)\n%%EOF\s*$", data)
    if not startxref or int(startxref.group(1)) != xref:
        raise NotNormalizable("cross-reference table not found")
    out, position = [], 0
    for s, e, new in edits:
        out += [data[position:s], new]
        position = e
    body = b"".join(out) + data[position:xref]
    table = data[xref:startxref.start()]

    def entry(match: re.Match) -> bytes:
        return b"%010d" % moved(int(match.group(1))) + b" " + match.group(2) + b" n"
    table = re.sub(rb"(?m)^(\d{10}) (\d{5}) n", entry, table)
    return body + table + b"\nstartxref\n" + str(moved(xref)).encode("ascii") + b"\n%%EOF\n"
