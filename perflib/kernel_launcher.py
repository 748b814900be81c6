"""The notebook's kernel, started so that it dies with the process that started it.

ipykernel has a parent poller of its own (a thread that looks once a second whether its parent
is still there), but a thread only runs when the cell lets it: a cell deep in C code that keeps
the interpreter's lock (a regular expression, a C library) never lets it, and the kernel of a run
killed with SIGKILL went on under PID 1. The project's kernel spec (``run.ensure_kernel``) starts
``python -m perflib.kernel_launcher`` instead of ``ipykernel_launcher``: it asks Linux to send
the kernel SIGKILL when its parent ends (``prctl(PR_SET_PDEATHSIG)``, which no cell can stop),
then runs ipykernel's own launcher as ``python -m ipykernel_launcher`` would. Elsewhere than on
Linux it only runs ipykernel's launcher (the parent poller remains).
"""
from __future__ import annotations

import os
import runpy
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> bool:
    """Ask Linux to end this process with SIGKILL when its parent ends; whether it could. If the
    parent that started the kernel (``$JPY_PARENT_PID``, set by jupyter_client) is already gone,
    end now."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    parent = os.environ.get("JPY_PARENT_PID", "")
    if parent.isdigit() and os.getppid() != int(parent):
        os._exit(1)  # the parent ended between starting this process and the call above
    return True


def main() -> None:
    die_with_parent()
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
