"""SIGTERM and Ctrl-C (SIGINT) at any moment of a command: said in Chinese, never a silent death.

Without a handler, SIGTERM ends Python at once (exit code -15, no message) whenever it comes
outside the notebook's execution (loading the params, starting LibreOffice, writing the manifest,
publishing). ``stopping()`` turns both signals into ``Stopped`` for the whole command; the command
line says which signal stopped it and what became of the outputs, and exits with 128 + the
signal (130 for Ctrl-C, 143 for SIGTERM). ``deferred()`` holds a signal back while the outputs are
being put in place (two renames), so a publish is never cut in half; the signal takes effect
right after it. ``note_published`` records a folder that was published, so that a signal that
comes after it is not said to have left the previous outputs.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from pathlib import Path

SIGNAL_NAMES = {signal.SIGINT: "SIGINT（Ctrl-C）", signal.SIGTERM: "SIGTERM（终止）"}


class Stopped(KeyboardInterrupt):
    """A command stopped by a signal (``signum``)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = int(signum)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


_state = threading.local()
_published: list[Path] = []


def signal_of(exc: BaseException) -> int:
    """The signal behind a KeyboardInterrupt (SIGINT unless it says otherwise)."""
    return int(getattr(exc, "signum", signal.SIGINT))


def _on_signal(signum, frame) -> None:
    if getattr(_state, "deferring", 0):
        _state.pending = signum  # said right after the publish
        return
    raise Stopped(signum)


@contextmanager
def stopping():
    """SIGTERM and SIGINT raise ``Stopped`` in the main thread while the block runs (a signal
    ignored when the command started, as SIGINT in a background job, stays ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def deferred():
    """A signal that comes while the block runs takes effect when it ends (``Stopped``)."""
    _state.deferring = getattr(_state, "deferring", 0) + 1
    try:
        yield
    finally:
        _state.deferring -= 1
        pending = getattr(_state, "pending", None)
        if pending is not None and not _state.deferring:
            _state.pending = None
            raise Stopped(pending)


def note_published(folder: Path) -> None:
    _published.append(Path(folder))


def published() -> list[Path]:
    """The folders published so far by this process that are still there (``verify`` publishes
    its re-run into a temporary folder that it then removes)."""
    return [folder for folder in _published if folder.is_dir()]


def stopped_message(exc: BaseException, root: Path | None = None) -> str:
    """What the command line says when a signal stopped it (E187)."""
    signum = signal_of(exc)
    name = SIGNAL_NAMES.get(signum) or _signal_name(signum)
    done = published()
    if done:
        where = "、".join(_shown(p, root) for p in done)
        outputs = f"新的输出已完整发布到 {where}，之后才停止。"
    else:
        outputs = "本次运行没有发布新的输出，原有输出未改动（保留在原处）。"
    return f"[E187 错误] 已中断：收到信号 {name}，命令已停止。{outputs}"


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"信号 {signum}"


def _shown(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return Path(path).resolve().relative_to(Path(root).resolve()).as_posix() + "/"
        except ValueError:
            pass
    return f"{path}/"
