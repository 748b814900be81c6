"""`make test-fast` (pytest -m "not e2e") stays fast only if every test that starts a Jupyter kernel,
LibreOffice or Chromium is marked e2e: conftest's guard fails an unmarked one, saying so."""
from __future__ import annotations

import shutil
import sys

import pytest

from conftest import ROOT, slow_program

pytest_plugins = ["pytester"]


@pytest.mark.parametrize("argv, what", [
    (["/usr/bin/soffice", "--headless", "--convert-to", "pdf", "a.docx"], "soffice"),
    ([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"], "ipykernel"),
    ([sys.executable, "-m", "perflib.kernel_launcher", "-f", "k.json"], "kernel_launcher"),
    (["/x/.venv/bin/papermill", "notebooks/annual_report.ipynb", "out.ipynb"], "papermill"),
    (["/x/.venv/bin/perflib", "run", "--county", "heshuo", "--year", "2023"], "perflib run"),
    (["/x/.venv/bin/perflib", "batch"], "perflib batch"),
    ("chromium --headless", "chromium"),
])
def test_what_starts_a_kernel_libreoffice_or_chromium_is_seen(argv, what):
    assert slow_program(argv) == what


@pytest.mark.parametrize("argv", [
    [sys.executable, "-c", "import papermill"],  # imports, starts nothing
    ["/tmp/pytest-of-x/test0/soffice", "--convert-to", "pdf"],  # a test's own stand-in
    ["/x/.venv/bin/perflib", "check", "--county", "heshuo", "--year", "2023"],
    ["pdftotext", "report.pdf", "-"],
])
def test_what_starts_none_of_them_is_let_through(argv):
    assert slow_program(argv) is None


def test_an_unmarked_test_that_starts_libreoffice_fails_and_says_to_mark_it(pytester):
    shutil.copy(ROOT / "tests" / "conftest.py", pytester.path / "conftest.py")
    pytester.makepyfile(test_starts="""
        import subprocess
        import pytest

        def test_unmarked():
            subprocess.run(["true", "soffice", "--headless"])

        @pytest.mark.e2e
        def test_marked():
            assert subprocess.run(["true", "soffice", "--headless"]).returncode == 0
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1, errors=1)  # the failure, and its check at teardown
    result.stdout.fnmatch_lines(["*test_unmarked starts soffice: mark this test @pytest.mark.e2e*"])
    assert "test_marked" not in "\n".join(line for line in result.outlines if "mark this test" in line)
