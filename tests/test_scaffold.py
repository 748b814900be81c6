"""``perflib new``: a new county (commented params, blank workbook) and a new year (carried forward),
generated from the schema and the outline; never overwriting, nothing written on error."""
from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import ROOT
from openpyxl import load_workbook

from perflib.cli import main
from perflib.errors import ScaffoldError
from perflib.findings import errors
from perflib.outline import parse_outline
from perflib.params import TOP_LEVEL_KEYS, load_params
from perflib.scaffold import TO_FILL, TO_REVIEW, new_county, new_year, tables_of_outline
from perflib.schema import TABLES, TABLES_BY_NAME
from perflib.validation import load_data


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project (its own params/ and data/), found as the project root by the command line."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    monkeypatch.setenv("PERFLIB_ROOT", str(tmp_path))
    return tmp_path


def test_a_new_county_gets_every_params_key_and_a_workbook_of_every_table_of_its_outline(project):
    written = new_county(project, "shiyan", 2024, "试验县")
    assert written.params == project / "params/shiyan/2024.yaml" and written.data == project / "data/shiyan/2024.xlsx"
    raw = yaml.safe_load(written.params.read_text(encoding="utf-8"))
    assert set(TOP_LEVEL_KEYS) <= set(raw)
    params = load_params("shiyan", 2024, project)  # loads as it is
    assert params.county_name == "试验县" and TO_FILL in params.policy_basis
    workbook = load_workbook(written.data)
    assert workbook.sheetnames == ["说明", "基本信息", *[t.sheet for t in TABLES]]
    info = workbook["基本信息"]
    assert [[c.value for c in row] for row in info.iter_rows()] == [["项目", "内容"], ["县（市、区）", "试验县"], ["年度", 2024]]


def test_the_blank_workbook_has_headers_validations_comments_and_formats_from_the_schema(project):
    written = new_county(project, "shiyan", 2024, "试验县")
    workbook = load_workbook(written.data)
    spec = TABLES_BY_NAME["key_evaluations"]
    sheet = workbook[spec.sheet]
    assert [c.value for c in sheet[1]] == list(spec.headers)
    assert sheet.freeze_panes == "A2" and all(c.font.bold for c in sheet[1])
    type_header = sheet.cell(row=1, column=spec.headers.index("评价类型") + 1)
    assert "部门整体评价" in type_header.comment.text  # the county's declared types (perflib's seven by default)
    amount_header = sheet.cell(row=1, column=spec.headers.index("评价资金(万元)") + 1)
    assert "万元" in amount_header.comment.text
    validations = {(v.type, v.formula1, v.formula2, str(v.sqref).split(":")[0][0]) for v in sheet.data_validations.dataValidation}
    letter = lambda header: sheet.cell(row=1, column=spec.headers.index(header) + 1).column_letter  # noqa: E731
    from perflib.params import DEFAULT_EVALUATION_TYPES

    assert ("list", '"' + ",".join(t.name for t in DEFAULT_EVALUATION_TYPES) + '"', None, letter("评价类型")) in validations
    assert ("list", '"优,良,中,差"', None, letter("评价等级")) in validations
    assert ("list", '"公开,涉密,敏感"', None, letter("公开情况")) in validations
    assert ("decimal", "0", "100", letter("评价得分")) in validations
    assert ("decimal", "0", None, letter("评价资金(万元)")) in validations
    assert sheet[f"{letter('评价资金(万元)')}2"].number_format == "#,##0.00##"
    trainings = workbook["培训"]
    assert trainings["A2"].number_format == "yyyy-mm-dd"
    assert any(v.type == "whole" for v in trainings.data_validations.dataValidation)
    assert sheet.column_dimensions[letter("评价报告名称")].width > sheet.column_dimensions[letter("评价类型")].width
    objects = sheet.cell(row=1, column=spec.headers.index("评价对象") + 1)  # one report covering many objects (issue 12)
    assert "每行一个对象" in objects.comment.text


def test_the_blank_workbook_reads_with_calamine_and_checks_with_only_parts_left_out(project):
    from python_calamine import CalamineWorkbook

    new_county(project, "shiyan", 2024, "试验县")
    calamine = CalamineWorkbook.from_path(str(project / "data/shiyan/2024.xlsx"))
    assert calamine.get_sheet_by_name("培训").to_python()[0] == list(TABLES_BY_NAME["trainings"].headers)
    dataset, findings = load_data(load_params("shiyan", 2024, project))
    # no data yet: every part is left out, and each is said (an empty sheet W252, empty params lists W251);
    # the params' 待填写 are errors (E160, E161)
    assert {f.code for f in findings} == {"W251", "W252", "E160", "E161"}
    said = " ".join(f.message for f in findings if f.code == "W252")
    assert all(f"「{t.sheet}」" in said for t in TABLES if t.rows_required)
    assert all(len(table) == 0 for table in dataset.tables.values())


def test_new_never_overwrites_and_writes_nothing_on_error(project, capsys):
    new_county(project, "shiyan", 2024, "试验县")
    params_before = (project / "params/shiyan/2024.yaml").read_bytes()
    assert main(["new", "--county", "shiyan", "--year", "2024", "--name", "别的县"]) == 1
    assert "已存在，未做任何改动" in capsys.readouterr().err
    assert (project / "params/shiyan/2024.yaml").read_bytes() == params_before
    (project / "data/other").mkdir(parents=True)
    (project / "data/other/2024.xlsx").write_bytes(b"the analyst's own file")
    with pytest.raises(ScaffoldError, match="已存在"):
        new_county(project, "other", 2024, "另一县")
    assert not (project / "params/other").exists()  # the params file was not written either
    assert (project / "data/other/2024.xlsx").read_bytes() == b"the analyst's own file"


@pytest.mark.parametrize("county, year", [("../x", "2024"), ("He Shuo", "2024"), ("heshuo", "24"), ("heshuo", "2024.5")])
def test_unusable_names_are_refused_before_any_path_is_built(project, county, year, capsys):
    assert main(["new", "--county", county, "--year", year, "--name", "某县"]) == 1
    assert "E155" in capsys.readouterr().err
    assert not (project / "params").exists() and not (project / "data").exists()


def test_the_command_prints_what_it_wrote_and_the_next_command(project, capsys):
    assert main(["new", "--county", "shiyan", "--year", "2024", "--name", "试验县"]) == 0
    said = capsys.readouterr().out
    assert "params/shiyan/2024.yaml" in said and "data/shiyan/2024.xlsx" in said
    assert ".venv/bin/perflib check --county shiyan --year 2024" in said  # as the README writes it (not on PATH)


def heshuo_2023_in(project):
    for name in ("params/heshuo/2023.yaml", "data/heshuo/2023.xlsx"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, project / name)


def test_a_new_year_carries_settings_and_text_forward_and_clears_year_bound_facts(project):
    heshuo_2023_in(project)
    raw_2023 = yaml.safe_load((project / "params/heshuo/2023.yaml").read_text(encoding="utf-8"))
    raw_2023.setdefault("stated_totals", {})["trainings.attendees"] = 380
    (project / "params/heshuo/2023.yaml").write_text(yaml.safe_dump(raw_2023, allow_unicode=True), encoding="utf-8")
    written = new_year(project, "heshuo", 2024, 2023)
    text = written.params.read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    assert (raw["county"], raw["year"], raw["data"]) == ("heshuo", 2024, "data/heshuo/2024.xlsx")
    assert raw["settings"] == raw_2023["settings"] and raw["templates"] == raw_2023["templates"]
    assert raw["facts"]["indicator_system"] == raw_2023["facts"]["indicator_system"]
    assert raw["facts"]["pre_assessment_rule"] == raw_2023["facts"]["pre_assessment_rule"]
    assert raw["text"] == raw_2023["text"] and f"【{TO_REVIEW}】" in text  # kept, marked for review
    assert raw["facts"]["third_party_quality_rating"].startswith(TO_FILL)  # this year's rating is not last year's
    assert "stated_totals" not in raw
    params = load_params("heshuo", 2024, project)
    assert params.year == 2024
    from perflib.history import load_history

    assert [y.year for y in load_history(params).years] == [2023]  # last year's data: the 与上年对比 source


def test_a_new_year_has_the_sheets_last_years_workbook_had(project):
    from openpyxl import Workbook

    heshuo_2023_in(project)
    source = load_workbook(project / "data/heshuo/2023.xlsx")
    kept = Workbook()
    kept.remove(kept.active)
    for name in ("基本信息", "重点绩效评价", "培训", "项目绩效监控"):
        target = kept.create_sheet(name)
        for row in source[name].iter_rows(values_only=True):
            target.append(row)
    kept.save(project / "data/heshuo/2023.xlsx")
    written = new_year(project, "heshuo", 2024, 2023)
    assert load_workbook(written.data).sheetnames == ["说明", "基本信息", "重点绩效评价", "项目绩效监控", "培训"]


def test_a_county_that_drops_a_part_gets_no_sheet_for_it():
    source = (ROOT / "perflib/templates/outline.yaml").read_text(encoding="utf-8")
    dropped = "\n".join(line for line in source.splitlines() if "key: trainings" not in line and "tables: [trainings]" not in line)
    outline = parse_outline(dropped)
    assert "trainings" not in [p.key for p in outline.walk()]
    assert "培训" not in [t.sheet for t in tables_of_outline(outline)]
    assert len(tables_of_outline(outline)) == len(TABLES) - 1


@pytest.mark.e2e
def test_the_jupyterlab_notebook_starts_a_county(project):
    """notebooks/new_county.ipynb, run by papermill in a real kernel, does what `perflib new` does."""
    import subprocess
    import sys
    from pathlib import Path

    out = project / "new_county.out.ipynb"
    done = subprocess.run([str(Path(sys.executable).parent / "papermill"), "notebooks/new_county.ipynb", str(out),
                           "-p", "county", "shiyan", "-p", "year", "2024", "-p", "county_name", "试验县", "--no-progress-bar"],
                          cwd=project, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (project / "params/shiyan/2024.yaml").is_file() and (project / "data/shiyan/2024.xlsx").is_file()
    assert ".venv/bin/perflib check --county shiyan --year 2024" in out.read_text(encoding="utf-8")
    assert not errors([f for f in load_data(load_params("shiyan", 2024, project))[1] if f.code not in ("E103", "E160", "E161")])
