"""The rollup reads each report's ledger back and checks every value it reads: a forged or damaged
figures.csv (a value of 100,000 digits, text where a number is expected) is refused with a coded
Chinese message naming the file, row and column (E180, E181), never a Python ValueError (issue 24)."""
from __future__ import annotations

import csv
import io
import re
import shutil

import pytest

from perflib import cli, rollup
from perflib.errors import LedgerRefused, PerflibError
from perflib.ledger import write_figures_csv


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project with one generated report (示例一县 2023, its ledger as a run writes it)."""
    from conftest import ROOT

    from perflib.params import load_params
    from perflib.pipeline import make_report

    root = tmp_path_factory.mktemp("ledger")
    (root / "params").mkdir()
    (root / "notebooks").mkdir()
    shutil.copytree(ROOT / "params" / "example1", root / "params" / "example1")
    shutil.copytree(ROOT / "data" / "example1", root / "data" / "example1")
    (root / "params" / "example1" / "2022.yaml").unlink()
    out = root / "outputs" / "example1" / "2023"
    out.mkdir(parents=True)
    write_figures_csv(make_report(load_params("example1", 2023, root)).ledger, out)
    return root


def forge(project, tmp_path, name: str, value: str):
    """A copy of the project whose ledger has ``value`` for the figure ``name``; the CSV row it is on."""
    root = tmp_path / "forged"
    shutil.copytree(project, root)
    path = root / "outputs" / "example1" / "2023" / "figures.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    row = next(i for i, cells in enumerate(rows, start=1) if cells[0] == name)  # as Excel numbers it: header = row 1
    rows[row - 1][3] = value  # 数值
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    return root, row


def test_a_value_of_100k_digits_is_refused_naming_file_row_and_column(project, tmp_path):
    root, row = forge(project, tmp_path, "trainings.attendees", "9" * 100_000)
    with pytest.raises(LedgerRefused) as refused:
        rollup.collect(root)
    message = str(refused.value)
    assert refused.value.code == "E180"
    assert message.startswith("[E180 错误] 数字台账 outputs/example1/2023/figures.csv，")
    assert f"第 {row} 行，列「数值」" in message and "100000 个字符" in message
    assert len(message) < 400  # the value is not printed whole


@pytest.mark.parametrize("value", ["12abc", "1" * 65, "1" * 16, "1e20", "NaN", "Infinity", "1e999", "", "١٢"])
def test_text_where_the_rollup_reads_a_number_is_refused(project, tmp_path, value):
    root, row = forge(project, tmp_path, "trainings.attendees", value)
    with pytest.raises(LedgerRefused) as refused:
        rollup.collect(root)
    assert refused.value.code == "E181"
    assert f"figures.csv，第 {row} 行，列「数值」（trainings.attendees）" in str(refused.value)


def test_a_monitoring_batch_value_is_checked_too(project, tmp_path):
    root, row = forge(project, tmp_path, "monitoring.2023-05.progress", "0.4x")
    with pytest.raises(LedgerRefused, match=rf"第 {row} 行，列「数值」（monitoring.2023-05.progress）"):
        rollup.collect(root)


def test_a_number_elsewhere_in_the_ledger_is_bounded_too(project, tmp_path):
    root, row = forge(project, tmp_path, "key_evaluations.reports", "7" * 5000)
    with pytest.raises(LedgerRefused, match=rf"E181.*第 {row} 行"):
        rollup.collect(root)


def test_a_figure_written_twice_is_refused(project, tmp_path):
    root, _ = forge(project, tmp_path, "trainings.attendees", "10")
    path = root / "outputs" / "example1" / "2023" / "figures.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    first = next(i for i, cells in enumerate(rows, start=1) if cells[0] == "trainings.attendees")
    rows.append([*rows[first - 1][:3], "999999", *rows[first - 1][4:]])  # a second value for the same figure
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    with pytest.raises(LedgerRefused, match=rf"E180.*第 {len(rows)} 行，列「名称」：「trainings.attendees」与第 {first} 行重复"):
        rollup.collect(root)


def test_a_long_number_quoted_from_the_data_is_text_not_refused(project, tmp_path):
    """A quoted number (引文: a document number, a project code) may be long: only its length is bounded."""
    root = tmp_path / "quoted"
    shutil.copytree(project, root)
    path = root / "outputs" / "example1" / "2023" / "figures.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    quoted = next(i for i, cells in enumerate(rows) if cells[1] == "引文")
    rows[quoted][3] = "2023110100000000001"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    entry = rollup.collect(root).included[0]
    assert entry.values[rows[quoted][0]] == "2023110100000000001"


def test_a_ledger_with_another_header_or_encoding_is_refused(project, tmp_path):
    root, _ = forge(project, tmp_path, "trainings.attendees", "10")
    path = root / "outputs" / "example1" / "2023" / "figures.csv"
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text.replace("数值", "值", 1), encoding="utf-8-sig")
    with pytest.raises(LedgerRefused, match=r"\[E180 错误\] 数字台账 outputs/example1/2023/figures.csv，第 1 行：表头应为"):
        rollup.collect(root)
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    with pytest.raises(LedgerRefused, match=r"E180.*无法读取"):
        rollup.collect(root)


def test_the_genuine_ledger_is_read_with_exact_values(project):
    from decimal import Decimal

    entry = rollup.collect(project).included[0]
    assert isinstance(entry.value("trainings.attendees"), Decimal)
    assert isinstance(entry.value("key_evaluations.amount"), Decimal)


def test_perflib_rollup_prints_the_coded_message_and_starts_no_kernel(project, tmp_path, monkeypatch, capsys):
    root, row = forge(project, tmp_path, "trainings.attendees", "9" * 100_000)
    monkeypatch.chdir(root)
    monkeypatch.delenv("PERFLIB_ROOT", raising=False)
    monkeypatch.setattr(rollup, "run_rollup", lambda *a, **k: pytest.fail("the rollup notebook ran on a forged ledger"))
    assert cli.main(["rollup", "--no-progress"]) == 1
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert f"[E180 错误] 数字台账 outputs/example1/2023/figures.csv，第 {row} 行，列「数值」" in text
    assert "Traceback" not in text and "ValueError" not in text


def test_a_forged_value_in_the_executed_notebooks_ledger_is_refused(project, tmp_path):
    """Without figures.csv the ledger recorded in the executed notebook is read, and checked alike."""
    import nbformat

    from perflib.ledger import MIME_TYPE, ledger_payload
    from perflib.params import load_params
    from perflib.pipeline import make_report

    payload = ledger_payload(make_report(load_params("example1", 2023, project)).ledger)
    entry = next(f for f in payload["figures"] if f["key"] == "trainings.attendees")
    entry["value"] = "abc"  # value_type stays int
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("record(ledger)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={MIME_TYPE: payload, "text/plain": "数字台账"})]
    notebook.cells.append(cell)
    out = tmp_path / "report"
    out.mkdir()
    nbformat.write(notebook, out / "annual_report.ipynb")
    with pytest.raises(PerflibError) as refused:
        rollup.read_ledger(out)
    assert refused.value.code == "E181" and "annual_report.ipynb" in str(refused.value)
    assert not re.search(r"[A-Za-z]+Error", str(refused.value))
