"""Exports as they come: a county's own sheet and column names (and amounts in 元) read through the
params' ``columns`` mapping; without it, ``perflib check`` suggests the mapping to paste."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
import yaml
from conftest import make_params, minimal_rows, write_workbook
from openpyxl import load_workbook

from perflib.cli import main
from perflib.errors import ParamsError
from perflib.figures import compute_figures
from perflib.params import load_params
from perflib.schema import TABLES_BY_NAME
from perflib.validation import load_data

REVIEWS = TABLES_BY_NAME["project_target_reviews"]
EXPORTED_HEADERS = ["单位名称", "项目名称", "年初预算数(元)"]  # the county's export of 项目目标审核


def exported(tmp_path, mapping=None):
    """A project whose 项目目标审核 sheet is the county's export: renamed sheet, own headers, amounts in 元."""
    params = make_params(tmp_path, **({"columns": mapping} if mapping else {}))
    workbook_path = tmp_path / "data" / "demo-2023.xlsx"
    write_workbook(workbook_path, {"project_target_reviews": [["甲局", "项目甲", 1234567], ["乙局", "项目乙", 89.5]]},
                   headers={"project_target_reviews": EXPORTED_HEADERS})
    workbook = load_workbook(workbook_path)
    workbook[REVIEWS.sheet].title = "年初预算项目"
    workbook.save(workbook_path)
    return load_params("demo", 2023, tmp_path)


MAPPING = {"项目目标审核": {"sheet": "年初预算项目", "主管部门": "单位名称", "预算金额(万元)": {"header": "年初预算数(元)", "unit": "元"}}}


def test_an_export_is_read_through_the_params_mapping_with_yuan_converted_exactly(tmp_path):
    params = exported(tmp_path, MAPPING)
    dataset, findings = load_data(params)
    assert [f for f in findings if f.is_error] == []
    table = dataset.tables["project_target_reviews"]
    assert list(table["department"]) == ["甲局", "乙局"]
    assert list(table["amount"]) == [Decimal("123.4567"), Decimal("0.00895")]  # 元 ÷ 10000, exactly
    figures = compute_figures(dataset, params)
    assert figures["target_reviews.amount"].value == Decimal("123.46565")


def test_without_the_mapping_check_names_the_closest_columns_and_prints_the_block(tmp_path, monkeypatch, capsys):
    params = make_params(tmp_path)
    write_workbook(tmp_path / "data" / "demo-2023.xlsx", headers={"project_target_reviews": EXPORTED_HEADERS})
    monkeypatch.setenv("PERFLIB_ROOT", str(tmp_path))
    assert main(["check", "--county", "demo", "--year", "2023"]) == 1
    said = capsys.readouterr().out
    assert "缺少列「主管部门」" in said
    block = said[said.index("columns:"):]
    suggested = yaml.safe_load(block)["columns"]
    assert suggested == {"项目目标审核": {"主管部门": "单位名称", "预算金额(万元)": {"header": "年初预算数(元)", "unit": "元"}}}
    # pasted into params, the same workbook reads cleanly
    raw = yaml.safe_load((tmp_path / "params/demo/2023.yaml").read_text(encoding="utf-8"))
    raw["columns"] = suggested
    (tmp_path / "params/demo/2023.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert main(["check", "--county", "demo", "--year", "2023"]) == 0
    assert "columns:" not in capsys.readouterr().out
    assert params.year == 2023


@pytest.mark.parametrize("mapping, message", [
    ({"项目审核": {"主管部门": "单位名称"}}, "columns.项目审核（是否应为 columns.项目目标审核？）"),
    ({"项目目标审核": {"预算金额": "年初预算数"}}, "columns.项目目标审核.预算金额（是否应为 columns.项目目标审核.预算金额(万元)？）"),
    ({"项目目标审核": {"主管部门": {"header": "单位名称", "unit": "元"}}}, "只有金额列可写 unit"),
    ({"项目目标审核": {"预算金额(万元)": {"header": "年初预算数", "unit": "千元"}}}, "unit 应为万元 或 元"),
    ({"项目目标审核": "单位名称"}, "应为键值对"),
])
def test_a_wrong_mapping_is_a_clear_params_error(tmp_path, mapping, message):
    with pytest.raises(ParamsError, match=re.escape(message)):
        make_params(tmp_path, columns=mapping)


def test_the_notebook_parameters_carry_the_mapping(tmp_path):
    """papermill -f params injects every key: the notebook passes columns on to load_params."""
    import nbformat

    from conftest import ROOT

    nb = nbformat.read(ROOT / "notebooks" / "annual_report.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "columns = None" in code and "perflib.notebook_overrides(globals()" in code


def test_figures_name_the_county_s_own_sheet_and_columns(tmp_path):
    # the auditor finds a figure's rows in the export as it is: its sheet, its header, its unit
    params = exported(tmp_path, MAPPING)
    dataset, _ = load_data(params)
    figure = compute_figures(dataset, params)["target_reviews.amount"]
    assert figure.source == "年初预算项目" and figure.rows == (2, 3)
    assert figure.how == "求和（年初预算数(元)÷10000）"
    plain = make_params(tmp_path / "plain")  # without a mapping: perflib's names, as before
    figure = compute_figures(load_data(plain)[0], plain)["target_reviews.amount"]
    assert figure.source == "项目目标审核" and figure.how == "求和（预算金额(万元)）"


def test_the_notebook_shows_the_rows_under_the_county_s_headers(tmp_path):
    from perflib.display import rows_frame
    from perflib.mapping import mapped_specs

    params = exported(tmp_path, MAPPING)
    dataset, _ = load_data(params)
    spec = {s.name: s for s in mapped_specs(params.columns)}["project_target_reviews"]
    assert list(rows_frame(dataset, "project_target_reviews", spec).columns[:3]) == EXPORTED_HEADERS
