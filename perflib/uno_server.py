"""The long-lived PDF converter's server: run by LibreOffice's Python (the one that has ``uno``:
Debian's ``python3`` with the package python3-uno, or ``program/python`` of a LibreOffice
install), never imported by perflib itself. Standard library and ``uno`` only.

    python3 uno_server.py SOCKET SOFFICE WORKDIR

It listens on the Unix socket SOCKET at once, starts ``soffice`` headless with a private profile
in WORKDIR listening on a UNO pipe, and converts one DOCX at a time, each request a line of JSON
on its own connection: ``{"docx": ..., "pdf": ..., "fontconfig": ..., "timeout": ...}`` →
``{"ok": true}`` or ``{"error": "...", "kind": "timeout" | "failed"}``. A conversion loads the
document and stores it with ``writer_pdf_Export`` with the same load and store properties as
``soffice --convert-to pdf:writer_pdf_Export`` (desktop/source/app/dispatchwatcher.cxx), so the
bytes are the same.

Robustness: a LibreOffice that died is started again and the conversion tried once more; a
conversion that takes longer than its timeout kills LibreOffice (started again for the next
request) and answers ``timeout``; when the process that started this server goes away (ended,
killed), the server ends LibreOffice and itself (parent-death signal and a watchdog), so no
``soffice`` outlives its owner.
"""
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import uno
from com.sun.star.beans import PropertyValue

PR_SET_PDEATHSIG = 1
START_SECONDS = 60
RESTART = 81  # soffice.bin's exit code asking to be started again (desktop/source/app/app.cxx)


def die_with_parent(sig=signal.SIGTERM) -> None:
    """Ask Linux to send ``sig`` to this process when its parent ends."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)
    except Exception:  # not Linux: the watchdog below still notices
        pass


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


class Office:
    """One headless LibreOffice, its pipe and its profile; started on demand."""

    def __init__(self, soffice: str, workdir: str):
        self.soffice, self.workdir = soffice, workdir
        self.process = None
        self.desktop = None
        self.fontconfig = None
        self.generation = 0

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.desktop is not None

    def start(self, fontconfig: str) -> None:
        self.stop()
        self.generation += 1
        conf = os.path.join(self.workdir, f"fonts-{self.generation}.conf")
        with open(conf, "w", encoding="utf-8") as handle:
            handle.write(fontconfig)
        pipe = f"perflib-{os.getpid()}-{self.generation}"
        profile = uno.systemPathToFileUrl(os.path.join(self.workdir, "profile"))
        env = {**os.environ, "FONTCONFIG_FILE": conf, "HOME": self.workdir, "TZ": "UTC", "LC_ALL": "C.UTF-8"}
        env.pop("PYTHONPATH", None)
        # soffice.bin itself rather than the soffice script (oosplash): it dies with this server
        # (parent-death signal), where oosplash's child would outlive it. Like oosplash, start it
        # again when it asks to be (exit code 81: the first start with a new profile).
        binary = os.path.join(os.path.dirname(os.path.realpath(self.soffice)), "soffice.bin")
        command = [binary if os.path.isfile(binary) else self.soffice, f"-env:UserInstallation={profile}", "--headless",
                   "--invisible", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
                   f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"]
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + START_SECONDS
        self.fontconfig = fontconfig
        for _ in range(3):
            self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True,
                                            preexec_fn=lambda: die_with_parent(signal.SIGKILL))
            context = None
            while context is None:
                try:
                    context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                except Exception:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
            if context is not None or self.process.poll() != RESTART:
                break
        if context is None:
            self.stop()
            raise RuntimeError("LibreOffice did not start")
        self.desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)

    def stop(self) -> None:
        self.desktop = None
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.process = None

    def convert(self, docx: str, pdf: str, filter_data: dict) -> None:
        # The properties soffice --convert-to uses (dispatchwatcher.cxx, LibreOffice 7.4).
        load = (prop("Referer", "private:OpenEvent"), prop("ReadOnly", True), prop("OpenNewView", True),
                prop("Hidden", True), prop("Silent", True))
        document = self.desktop.loadComponentFromURL(uno.systemPathToFileUrl(docx), "_blank", 0, load)
        if document is None:
            raise RuntimeError("LibreOffice could not open the document")
        try:
            store = [prop("Overwrite", True), prop("FilterName", "writer_pdf_Export")]
            if filter_data:  # as --convert-to passes JSON filter options: FilterData
                data = tuple(prop(name, value) for name, value in sorted(filter_data.items()))
                store.append(prop("FilterData", uno.Any("[]com.sun.star.beans.PropertyValue", data)))
            document.storeToURL(uno.systemPathToFileUrl(pdf), tuple(store))
        finally:
            try:
                document.close(True)
            except Exception:
                pass


def handle(office: Office, request: dict) -> dict:
    timeout = float(request.get("timeout", 300))
    for attempt in (1, 2):
        timed_out = threading.Event()
        try:
            if not office.alive() or office.fontconfig != request["fontconfig"]:
                office.start(request["fontconfig"])
            generation = office.generation

            def on_timeout():
                if office.generation == generation:
                    timed_out.set()
                    office.stop()  # the blocked call below returns with an error
            timer = threading.Timer(timeout, on_timeout)
            timer.daemon = True
            timer.start()
            try:
                office.convert(request["docx"], request["pdf"], request.get("filter_data") or {})
            finally:
                timer.cancel()
            return {"ok": True}
        except Exception as exc:
            if timed_out.is_set():
                office.stop()
                return {"error": f"timeout after {timeout:g} s", "kind": "timeout"}
            office.stop()  # died (killed, crashed) or in a state not to trust: a fresh one next
            if attempt == 2:
                return {"error": f"{type(exc).__name__}: {exc}", "kind": "failed"}
            # start LibreOffice again and try once more
    return {"error": "unreachable", "kind": "failed"}


def leave(office: Office) -> None:
    """End LibreOffice, remove the working folder (profile, socket), end this server."""
    office.stop()
    shutil.rmtree(office.workdir, ignore_errors=True)
    os._exit(0)


def watch_parent(parent: int, office: Office) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            leave(office)


def main() -> None:
    path, soffice, workdir = sys.argv[1:4]
    parent = os.getppid()
    die_with_parent()
    office = Office(soffice, workdir)

    def on_term(signum, frame):
        leave(office)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    threading.Thread(target=watch_parent, args=(parent, office), daemon=True).start()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".new")
    os.rename(path + ".new", path)  # the socket appears when it accepts
    server.listen(8)
    initial = os.environ.get("PERFLIB_PDF_FONTCONFIG")
    if initial:  # start LibreOffice now, while the report is being made
        try:
            with open(initial, encoding="utf-8") as conf_file:
                office.start(conf_file.read())
        except Exception:
            office.stop()
    while True:
        connection, _ = server.accept()
        with connection:
            try:
                stream = connection.makefile("rwb")
                line = stream.readline()
                if not line:
                    continue
                request = json.loads(line)
                if request.get("ping"):
                    answer = {"ok": True, "office": office.alive()}
                else:
                    answer = handle(office, request)
                stream.write(json.dumps(answer).encode("utf-8") + b"\n")
                stream.flush()
            except (OSError, ValueError):
                continue


if __name__ == "__main__":
    main()
