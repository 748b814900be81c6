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


def test_data_format_doc_is_what_its_tool_writes():
    """docs/data-format.md is written by tools/write_data_format_doc.py from perflib.schema: an edit
    of the doc alone would be lost at the next run of the tool."""
    import runpy

    tool = runpy.run_path(str(ROOT / "tools" / "write_data_format_doc.py"), run_name="test")
    assert (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8") == tool["document"](), \
        "edit tools/write_data_format_doc.py and run it"


def test_outputs_are_ignored_by_git():
    ignore = (ROOT / ".gitignore").read_text(encoding="utf-8")
    assert "outputs/*" in ignore and "!outputs/.gitkeep" in ignore


def test_every_finding_code_is_documented():
    from perflib.findings import CODES

    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert [code for code in CODES if f"| {code} |" not in doc] == []


def test_every_dependency_is_explained_and_in_the_conda_file():
    """pyproject's dependencies each have a row in docs/dependencies.md (why it is there) and a
    line in environment.yml (conda-forge names, or pip's)."""
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    names = [re.match(r"[A-Za-z0-9_.\-]+", d).group(0).lower() for d in wanted]
    doc = (ROOT / "docs" / "dependencies.md").read_text(encoding="utf-8").lower()
    conda = (ROOT / "environment.yml").read_text(encoding="utf-8").lower()
    conda_names = {"matplotlib": "matplotlib-base"}
    assert [n for n in names if not re.search(rf"^\|[^|\n]*\b{re.escape(n)}\b", doc, re.M)] == []
    assert [n for n in names if not re.search(rf"^\s*- {re.escape(conda_names.get(n, n))}\b", conda, re.M)] == []
