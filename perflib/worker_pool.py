"""Worker processes for ``perflib batch`` whose death fails only the report they were running.

``concurrent.futures.ProcessPoolExecutor`` breaks as a whole when one of its workers dies (killed
with SIGKILL, by the out-of-memory killer): every report still pending fails with
``BrokenProcessPool``. Here each worker is a spawned ``multiprocessing`` process with a pipe of
its own that takes one call at a time; a worker that dies is seen by its process sentinel, the call
it was running is answered as ``WorkerDied`` (with its exit code), a new worker takes its place,
and every other call goes on. Workers live from call to call, so what they keep between reports
(their LibreOffice, perflib.pdf_converter) is kept as before.
"""
from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Callable, Hashable, Iterable


@dataclass
class WorkerDied:
    """The answer for a call whose worker process ended while running it."""

    exitcode: int | None

    @property
    def signal_name(self) -> str | None:
        """The signal that ended the worker (``SIGKILL``), if a signal did."""
        if self.exitcode is None or self.exitcode >= 0:
            return None
        try:
            return signal.Signals(-self.exitcode).name
        except ValueError:
            return f"信号 {-self.exitcode}"


@dataclass
class CallFailed:
    """The answer for a call that raised in its worker: the exception's class name and text."""

    kind: str
    text: str


def _serve(connection, initializer: Callable[[], None] | None) -> None:
    """A worker: run each call received on ``connection`` and send back its result, until None."""
    if initializer is not None:
        initializer()
    while True:
        try:
            call = connection.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if call is None:
            return
        function, args, kwargs = call
        try:
            answer = function(*args, **kwargs)
        except KeyboardInterrupt:  # Ctrl-C reaches every process of the terminal: the batch says it
            return
        except Exception as exc:  # handed back; the worker goes on with the next call
            answer = CallFailed(type(exc).__name__, str(exc))
        connection.send((answer,))  # a 1-tuple: a function may well return None


class _Worker:
    def __init__(self, context, initializer):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, initializer), daemon=True, name="perflib-batch-worker")
        self.process.start()
        child.close()
        self.key: Hashable | None = None  # the call it is running


def run_calls(calls: Iterable[tuple[Hashable, Callable, tuple, dict]], n_workers: int,
              on_answer: Callable[[Hashable, Any], None], initializer: Callable[[], None] | None = None) -> None:
    """Run each ``(key, function, args, kwargs)`` in one of ``n_workers`` spawned worker processes
    and call ``on_answer(key, answer)`` as each comes back: the function's result, ``CallFailed``
    if it raised, or ``WorkerDied`` if its worker ended while running it (the other calls go on, a
    new worker takes the dead one's place). Functions and arguments must be picklable by reference.
    On return, or on an exception here (Ctrl-C), the workers are asked to stop and then ended."""
    context = multiprocessing.get_context("spawn")  # nothing inherited but the environment
    pending = deque(calls)
    idle: list[_Worker] = []
    busy: list[_Worker] = []
    everyone: list[_Worker] = []
    try:
        while pending or busy:
            while pending and (idle or len(idle) + len(busy) < n_workers):
                if idle:
                    worker = idle.pop()
                else:
                    worker = _Worker(context, initializer)
                    everyone.append(worker)
                key, function, args, kwargs = pending.popleft()
                try:
                    worker.connection.send((function, args, kwargs))
                except (OSError, EOFError):  # it died while idle: the call goes to another worker
                    pending.appendleft((key, function, args, kwargs))
                    continue
                worker.key = key
                busy.append(worker)
            ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
            for worker in [w for w in busy if w.connection in ready or w.process.sentinel in ready]:
                received = None
                if worker.connection.poll():  # an answer sent just before the worker ended still counts
                    try:
                        received = worker.connection.recv()
                    except (EOFError, OSError):
                        received = None
                if received is None:
                    if worker.process.sentinel not in ready:
                        continue  # the connection closing is seen before the process ends: its sentinel follows
                    worker.process.join(timeout=5)
                    answer = WorkerDied(worker.process.exitcode)
                else:
                    answer = received[0]
                    idle.append(worker)
                busy.remove(worker)
                key, worker.key = worker.key, None
                on_answer(key, answer)
    finally:
        for worker in everyone:
            try:
                worker.connection.send(None)
            except (OSError, ValueError):
                pass
        for worker in everyone:
            worker.process.join(timeout=5 if not busy else 0)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
            worker.connection.close()

