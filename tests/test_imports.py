"""What the command line imports: nothing it does not use (benchmarks/RESULTS.md, section 1)."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

CHECK = """
import json, sys
from perflib.run import skip_unused_imports
skip_unused_imports()
import nbformat, papermill  # what `perflib run` imports to execute and normalize the notebook
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)  # the schema check still works without the IRI parsers
bad = nbformat.from_dict({**nb, "cells": [{"cell_type": "code", "source": 1}]})
try:
    nbformat.validate(bad)
    invalid_found = False
except nbformat.ValidationError:
    invalid_found = True
print(json.dumps({"rfc3987_syntax": "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is not None,
                  "invalid_found": invalid_found}))
"""


def test_the_command_line_skips_jsonschemas_iri_parsers_and_still_validates_notebooks():
    out = subprocess.run([sys.executable, "-c", CHECK, str(ROOT / "notebooks" / "annual_report.ipynb")],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {"rfc3987_syntax": False, "invalid_found": True}


def test_the_command_line_does_not_import_pandas_before_the_kernel_runs():
    """`perflib run` itself needs no pandas: the data are read in the kernel, the manifest from
    the notebook's records. Checked on `perflib --help`-level imports plus the runner and manifest."""
    code = ("import sys; import perflib.cli, perflib.run, perflib.manifest, perflib.records; "
            "print('pandas' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
