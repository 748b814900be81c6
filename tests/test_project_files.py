"""The repository's own files: notebooks stored clean, docs in step with the schema."""
import json

from conftest import ROOT

from perflib.schema import TABLES


def test_notebooks_are_stored_without_outputs():
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_annual_notebook_has_a_parameters_cell_with_county_and_year():
    nb = json.loads((ROOT / "notebooks" / "annual_report.ipynb").read_text(encoding="utf-8"))
    tagged = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    source = "".join(tagged[0]["source"])
    assert 'county = "heshuo"' in source and "year = 2023" in source


def test_data_format_doc_lists_every_sheet_and_column():
    doc = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    missing = [f"{t.sheet}/{c.header}" for t in TABLES for c in t.columns if f"`{c.header}`" not in doc]
    missing += [t.sheet for t in TABLES if f"## {t.sheet}" not in doc]
    assert missing == []


def test_outputs_are_ignored_by_git():
    ignore = (ROOT / ".gitignore").read_text(encoding="utf-8")
    assert "outputs/*" in ignore and "!outputs/.gitkeep" in ignore


def test_every_finding_code_is_documented():
    from perflib.findings import CODES

    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert [code for code in CODES if f"| {code} |" not in doc] == []
