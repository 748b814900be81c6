"""How the time to make a report grows with the size of a params text (issue 24: a 300,000-character
``text.custom`` took over 400 s, a step quadratic in its length).

The 和硕县 2023 report is composed (document, ledger), audited (``self_audit``) and rendered to
HTML and DOCX with ``text.custom`` of 100,000 and of 300,000 characters printed by a county
template (work_intro.j2); the script prints each time and the ratio of 300k to 100k. Linear
work gives about 3; the target is at most 3.5. Run: ``.venv/bin/python benchmarks/bench_text_size.py``
(``--kind`` chooses the text: plain words, words with punctuation, or quoted document numbers).
Not a test: timings belong here, never in tests.
"""
from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

UNITS = {
    "plain": "预算绩效管理工作",  # no separator, no digit: the case that backtracked
    "punct": "预算绩效管理，工作。",
    "numbers": "依据新党发〔2018〕30号，",  # a quoted number in every clause
    "figures": "共12个项目、300万元，占45%；",  # figures for the self-audit to read
}


def make_report(size: int, kind: str, folder: Path) -> float:
    from perflib.audit_text import self_audit
    from perflib.params import load_params
    from perflib.pipeline import compose, compute
    from perflib.render_docx import render_docx
    from perflib.render_html import render_html
    from perflib.validation import load_data

    params = load_params("heshuo", 2023, ROOT)
    unit = UNITS[kind]
    text = (unit * (size // len(unit) + 1))[:size]
    params = dataclasses.replace(params, text={**params.text, "long": text}, templates=folder)
    dataset, findings = load_data(params)
    figures, history = compute(params, dataset)
    start = time.perf_counter()
    report = compose(params, dataset, findings, figures, history)
    self_audit(report)
    render_html(report.document)
    render_docx(report.document)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=sorted(UNITS), default="plain")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "templates"
        shutil.copytree(ROOT / "params" / "heshuo" / "templates", folder)
        (folder / "narrative" / "work_intro.j2").write_text("{{ policy_basis }}{{ text.long }}", encoding="utf-8")
        make_report(1_000, args.kind, folder)  # warm-up: imports, templates compiled, fonts
        times = {size: statistics.median([make_report(size, args.kind, folder) for _ in range(args.repeat)])
                 for size in (0, 100_000, 300_000)}
    for size, seconds in times.items():
        print(f"text.custom {size:,} characters ({args.kind}): {seconds:.2f} s")
    print(f"ratio 300k / 100k: {times[300_000] / times[100_000]:.2f} (linear: about 3 or less; target at most 3.5)")
    extra = {size: times[size] - times[0] for size in (100_000, 300_000)}
    if extra[100_000] > 0:  # the time the text itself costs, the report without it taken away
        print(f"ratio of the time the text adds, 300k / 100k: {extra[300_000] / extra[100_000]:.2f} (linear: about 3)")


if __name__ == "__main__":
    main()
