"""Writes the table of keys in docs/params.md from perflib/params_schema.py, so that the documented
keys are the validated ones. Only the part between the two markers is written; the prose around it
is edited by hand.

Run: ``python tools/write_params_doc.py``. tests/test_params_schema.py checks the result.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from perflib.params_schema import doc_rows  # noqa: E402

DOC = ROOT / "docs" / "params.md"
BEGIN = "<!-- table of keys: written by tools/write_params_doc.py from perflib/params_schema.py; edit there -->"
END = "<!-- end of the table of keys -->"


def table_markdown() -> str:
    lines = ["| Key | Required | Meaning |", "|---|---|---|"]
    lines += [f"| `{key}` | {required} | {meaning} |" for key, required, meaning in doc_rows()]
    return "\n".join(lines)


def document(current: str) -> str:
    """``current`` (docs/params.md) with the table between the markers written anew."""
    head, found, rest = current.partition(BEGIN)
    if not found or END not in rest:
        raise SystemExit(f"docs/params.md lacks the markers {BEGIN!r} … {END!r}")
    tail = rest.partition(END)[2]
    return f"{head}{BEGIN}\n{table_markdown()}\n{END}{tail}"


if __name__ == "__main__":
    DOC.write_text(document(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}")
