"""Bounds and faults around runs and batches (issue 24, round 3): limits that are finite and in
range, a killed batch worker failing only its own report, ``--resume`` deciding by hashes, the
summary and scheduler refused in Chinese, late signals said, a converter's output checked, no
kernel outliving its run, and ``verify`` holding a folder to its own county, year and files."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from perflib import batch
from perflib.batch import FAILED, OK, Job, Outcome


# -- a killed batch worker fails only its own report --------------------------------------------

def report_or_die(county: str, year: int, root: str, **options) -> Outcome:
    """A stand-in for ``run_one`` in the batch's worker processes: county "killed" ends its own
    worker with SIGKILL (as the kernel's out-of-memory killer or an operator would), the others
    take a moment and succeed."""
    if county == "killed":
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(1.0)
    return Outcome(county, year, county, OK, 1.0, 0, 0, 1, f"outputs/{county}/{year}", "", str(os.getpid()))


def test_a_worker_killed_with_sigkill_fails_only_its_own_report(tmp_path):
    jobs = [Job("a", 2023), Job("killed", 2023), Job("b", 2023), Job("c", 2023), Job("d", 2023)]
    seen = []
    outcomes = batch.run_local(jobs, tmp_path, 2, seen.append, work=report_or_die)
    by_county = {o.county: o for o in outcomes}
    assert sorted(by_county) == ["a", "b", "c", "d", "killed"] and len(seen) == 5
    assert [c for c, o in sorted(by_county.items()) if not o.ok] == ["killed"]
    message = by_county["killed"].message
    assert by_county["killed"].status == FAILED and "[E184 错误]" in message and "SIGKILL" in message, message
    assert "BrokenProcessPool" not in message
