"""``perflib new`` (issues 23 and 24): what it leaves to fill is an error until filled, located at
the params key and line (E160, E161; W261 for text carried over); it writes every key the params
accept; and it is contained like ``run``: no writing through links out of the project (E152), no
formula from a name, no name that injects params (E162), no hang or internal error on last
year's hostile data (E151, E150, E163)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, minimal_rows
from openpyxl import load_workbook

from perflib import params as params_module
from perflib.cli import main
from perflib.errors import PerflibError
from perflib.params import load_params
from perflib.placeholders import REVIEW_MARK, scan
from perflib.scaffold import new_county, new_year, yaml_value
from perflib.schema import TABLES
from perflib.validation import load_data

PERFLIB = str(Path(sys.executable).parent / "perflib")
HYPERLINK = '=HYPERLINK("http://example.com/x","点我")'


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project (its own params/ and data/), found as the project root by the command line."""
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "params").mkdir()
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("PERFLIB_ROOT", str(root))
    return root


def heshuo_2023_in(project: Path) -> None:
    for name in ("params/heshuo/2023.yaml", "data/heshuo/2023.xlsx"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, project / name)


def fill_minimally(workbook_path: Path) -> None:
    """One valid row in every sheet of the workbook ``new`` wrote (its styled rows kept)."""
    workbook = load_workbook(workbook_path)
    for spec in TABLES:
        sheet = workbook[spec.sheet]
        for i, row in enumerate(minimal_rows()[spec.name]):
            for j, value in enumerate(row):
                sheet.cell(row=2 + i, column=1 + j, value=value)
    workbook.save(workbook_path)


def line_of(path: Path, starts: str) -> int:
    """The (1-based) line of ``path`` whose text, spaces stripped, starts with ``starts``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [n for n, line in enumerate(lines, start=1) if line.strip().startswith(starts)]
    assert len(found) == 1, found
    return found[0]


def nothing_written(project: Path, county: str) -> bool:
    return not (project / "params" / county).exists() and not (project / "data" / county).exists()


# -- placeholders are errors at check and run ---------------------------------------------------

PLACEHOLDER_KEYS = {  # what `new` leaves for the county, by key: the code and the text its line starts with
    "facts.indicator_system.name": ("E160", "name:"),
    "facts.indicator_system.categories": ("E161", "categories:"),
    "facts.indicator_system.indicators": ("E161", "indicators:"),
    "facts.pre_assessment_rule": ("E160", "pre_assessment_rule:"),
    "facts.third_party_quality_rating": ("E160", "third_party_quality_rating:"),
    "text.policy_basis": ("E160", "policy_basis:"),
}


def test_check_names_every_key_new_left_to_fill_with_its_line_once_the_workbook_is_filled(project, capsys):
    written = new_county(project, "shiyan", 2023, "试验县")
    fill_minimally(written.data)
    assert main(["check", "--county", "shiyan", "--year", "2023"]) == 1
    said = capsys.readouterr().out
    for key, (code, starts) in PLACEHOLDER_KEYS.items():
        line = line_of(written.params, starts)
        assert f"[{code} 错误] 文件 params/shiyan/2023.yaml，第 {line} 行：键 {key}" in said, key
    # the data itself is clean: only the placeholders, and the two parts whose params lists are still empty (W251)
    assert "检查完成：6 处错误，2 条提示。" in said
    assert said.count("[W251 提示]") == 2 and "text.problems" in said and "text.measures" in said

    text = written.params.read_text(encoding="utf-8")  # the analyst fills them in
    for placeholder, filled in (("name: 待填写：核心绩效指标体系的名称，如 试验县分行业分领域核心绩效指标", "name: 试验县核心绩效指标"),
                                ("categories: 0", "categories: 28"), ("indicators: 0", "indicators: 277"),
                                ("pre_assessment_rule: 待填写：事前绩效评估办法的名称", "pre_assessment_rule: 试验县事前绩效评估管理办法"),
                                ("third_party_quality_rating: 待填写：第三方执业质量核查评价结果", "third_party_quality_rating: 优秀"),
                                ("policy_basis: 待填写：开展预算绩效管理的政策依据（一段文字）。", "policy_basis: 根据有关文件，")):
        assert placeholder in text
        text = text.replace(placeholder, filled)
    written.params.write_text(text, encoding="utf-8")
    assert main(["check", "--county", "shiyan", "--year", "2023"]) == 0
    assert "检查完成：0 处错误，2 条提示。" in capsys.readouterr().out  # still no 存在问题/下一步措施 (W251)


def test_a_placeholder_is_found_anywhere_and_located_at_its_line():
    text = ("county: x\nyear: 2024\ntext:\n  problems:\n    - title: 问题一\n      text: |\n        待填写：正文\n"
            "stated_totals: {trainings.attendees: 3}\ntext2: 请复核：沿用上年的文字\n")
    found = [(f.code, f.row, f.message.split("（")[0]) for f in scan(text, "params/x/2024.yaml")]
    assert found == [("E160", 6, "键 text.problems[0].text 仍标有「待填写」"), ("W261", 9, "键 text2 标有「请复核」：请按本年情况核对、修改后删去该标记。")]


@pytest.mark.parametrize("count, found", [(0, ["E161"]), (28, []), ("0", [])], ids=["zero", "filled", "text"])
def test_an_indicator_count_still_at_zero_is_an_error(count, found):
    text = f"facts:\n  indicator_system:\n    name: 某县指标\n    categories: {yaml_value(count)}\n    indicators: 277\n"
    findings = scan(text, "p.yaml")
    assert [f.code for f in findings] == found and all(f.row == 4 for f in findings)


def test_a_new_year_is_an_error_until_this_years_rating_is_filled_and_warns_on_carried_text(project):
    heshuo_2023_in(project)
    written = new_year(project, "heshuo", 2024, 2023)
    _, findings = load_data(load_params("heshuo", 2024, project))
    ours = [(f.code, f.row) for f in findings if f.file == "params/heshuo/2024.yaml"]
    assert ("E160", line_of(written.params, "third_party_quality_rating:")) in ours
    assert ("W261", line_of(written.params, f"# {REVIEW_MARK}")) in ours
    text = written.params.read_text(encoding="utf-8").replace(f"# {REVIEW_MARK}", "# 已复核：")
    written.params.write_text(text, encoding="utf-8")
    _, findings = load_data(load_params("heshuo", 2024, project))
    assert "W261" not in {f.code for f in findings}  # the mark removed, the warning goes


@pytest.mark.e2e
def test_new_then_a_filled_workbook_is_refused_by_check_and_run_naming_the_key_and_line(tmp_path):
    """The issue's path: `perflib new`, the workbook filled, `check` and `run` in a real project copy:
    neither passes nor publishes 「待填写」 or 「0类0条」."""
    project = tmp_path / "project"
    (project / "params").mkdir(parents=True)
    shutil.copytree(ROOT / "notebooks", project / "notebooks")
    env = {**os.environ, "PERFLIB_ROOT": str(project)}

    def perflib(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([PERFLIB, *args], cwd=project, env=env, capture_output=True, text=True, timeout=600)

    made = perflib("new", "--county", "ceshi", "--year", "2023", "--name", "测试县")
    assert made.returncode == 0 and ".venv/bin/perflib check --county ceshi --year 2023" in made.stdout
    params_file = project / "params/ceshi/2023.yaml"
    fill_minimally(project / "data/ceshi/2023.xlsx")
    checked = perflib("check", "--county", "ceshi", "--year", "2023")
    assert checked.returncode == 1
    line = line_of(params_file, "policy_basis:")
    assert f"[E160 错误] 文件 params/ceshi/2023.yaml，第 {line} 行：键 text.policy_basis" in checked.stdout
    assert f"第 {line_of(params_file, 'categories:')} 行：键 facts.indicator_system.categories" in checked.stdout
    ran = perflib("run", "--county", "ceshi", "--year", "2023", "--no-progress")
    assert ran.returncode == 1, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert f"[E160 错误] 文件 params/ceshi/2023.yaml，第 {line} 行：键 text.policy_basis" in ran.stderr
    assert not (project / "outputs/ceshi/2023/report.html").exists()


# -- every key the params accept ----------------------------------------------------------------

def accepted_keys() -> set[str]:
    """The keys a params file may hold, from params.py's own description of them: the top level,
    facts, the indicator system, text, and the mappings with fixed keys (settings, wording, timing)."""
    keys = set(params_module.TOP_LEVEL_KEYS)
    keys |= {f"facts.{k}" for k in params_module.FACTS_KEYS}
    keys |= {f"facts.indicator_system.{k}" for k in params_module.INDICATOR_SYSTEM_KEYS}
    keys |= {f"text.{k}" for k in params_module.TEXT_KEYS}
    keys |= {f"settings.{k}" for k in params_module.FormatSettings.__dataclass_fields__ if k != "figure_formats"}
    keys |= {f"wording.{k}" for k in params_module.Wording.__dataclass_fields__}
    keys |= {f"timing.{k}" for k in params_module.TIMING_CHOICES}
    return keys


def written_keys(raw: dict, prefix: str = "", levels: tuple[str, ...] = ("facts", "facts.indicator_system", "text",
                                                                           "settings", "wording", "timing")) -> set[str]:
    keys = set()
    for key, value in raw.items():
        dotted = f"{prefix}{key}"
        keys.add(dotted)
        if dotted in levels and isinstance(value, dict):
            keys |= written_keys(value, f"{dotted}.", levels)
    return keys


def test_new_writes_every_key_the_params_accept_and_nothing_else(project):
    written = new_county(project, "shiyan", 2024, "试验县")
    raw = yaml.safe_load(written.params.read_text(encoding="utf-8"))
    keys = written_keys(raw)
    assert accepted_keys() - keys == set()  # a key params.py accepts that `new` does not write fails here
    assert keys - accepted_keys() == set()
    assert {"text.issuer", "text.issue_date", "settings.print_grades"} <= keys
    params = load_params("shiyan", 2024, project)  # the written defaults are the defaults
    assert params.settings == params_module.FormatSettings() and params.wording == params_module.Wording()
    assert params.timing == params_module.DEFAULT_TIMING and params.issuer == "" and params.issue_date is None
    assert params.text == {} and params.illustrative == ""


def test_every_written_key_has_a_chinese_comment(project):
    written = new_county(project, "shiyan", 2024, "试验县")
    lines = written.params.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if ":" in line and not line.lstrip().startswith(("#", "-")) and not line.rstrip().endswith(":"):
            commented = "#" in line.split(": ", 1)[1] or lines[i - 1].lstrip().startswith("#")
            assert commented or line.split(":")[0] in ("county", "year"), line


# -- containment: no writing through a link out of the project (E152) ---------------------------

@pytest.mark.parametrize("linked", ["params", "data"])
def test_new_refuses_a_county_folder_linked_out_of_the_project_and_writes_nothing(project, tmp_path, linked, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / linked).mkdir(exist_ok=True)
    (project / linked / "c").symlink_to(elsewhere, target_is_directory=True)
    assert main(["new", "--county", "c", "--year", "2024", "--name", "某县"]) == 1
    err = capsys.readouterr().err
    assert "[E152 错误]" in err and "项目之外" in err and str(elsewhere) in err
    assert list(elsewhere.iterdir()) == []
    assert not (project / "params/c/2024.yaml").exists() and not (project / "data/c/2024.xlsx").exists()


def test_new_refuses_a_params_file_that_is_a_dangling_link_out_of_the_project(project, tmp_path, capsys):
    (project / "params/c").mkdir(parents=True)
    (project / "params/c/2024.yaml").symlink_to(tmp_path / "not-yet.yaml")
    assert main(["new", "--county", "c", "--year", "2024", "--name", "某县"]) == 1
    assert "[E152 错误]" in capsys.readouterr().err
    assert not (tmp_path / "not-yet.yaml").exists() and not (project / "data/c").exists()


# -- names: text, never a formula, never more params (E162) --------------------------------------

def formulas_in(xlsx: Path) -> list[str]:
    with zipfile.ZipFile(xlsx) as archive:
        return [name for name in archive.namelist()  # a formula cell: <c …><f>…</f></c> (not <formula1> of a validation)
                if name.startswith("xl/worksheets/") and re.search(rb"<f[ >/]", archive.read(name))]


def cell_b2(xlsx: Path) -> tuple:
    from python_calamine import CalamineWorkbook

    by_openpyxl = load_workbook(xlsx)["基本信息"]["B2"]
    by_calamine = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("基本信息").to_python()[1][1]
    return by_openpyxl.value, by_openpyxl.data_type, by_calamine


def test_a_formula_as_the_name_is_written_as_text(project):
    written = new_county(project, "c", 2024, HYPERLINK)
    assert formulas_in(written.data) == []
    assert cell_b2(written.data) == (HYPERLINK, "s", HYPERLINK)
    assert load_params("c", 2024, project).county_name == HYPERLINK


def test_a_formula_as_last_years_name_is_written_as_text(project):
    heshuo_2023_in(project)
    path = project / "params/heshuo/2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("county_name: 和硕县", f"county_name: '{HYPERLINK}'"), encoding="utf-8")
    assert load_params("heshuo", 2023, project).county_name == HYPERLINK
    written = new_year(project, "heshuo", 2024, 2023)
    assert formulas_in(written.data) == []
    assert cell_b2(written.data) == (HYPERLINK, "s", HYPERLINK)


@pytest.mark.parametrize("name", ["某县\nillustrative: true", "某县\r\nillustrative: true", "某县\tx", "某县\x07", "某县\u2028x",
                                  "某县\u202e", "某\u200b县", "县" * 41, "  "],
                         ids=["lf", "crlf", "tab", "bel", "line-separator", "bidi", "zero-width", "too-long", "blank"])
def test_a_name_that_is_not_one_line_of_visible_text_is_refused(project, name, capsys):
    assert main(["new", "--county", "c", "--year", "2024", "--name", name]) == 1
    assert "[E162 错误]" in capsys.readouterr().err
    assert nothing_written(project, "c")


@pytest.mark.parametrize("name", ["某县: illustrative: true", "某县 # 注释", "'某县'", '"某县"', "[某县]", "{a: b}", "&a 某县", "*a",
                                  "!!python/object/apply:os.system ['x']", "- 某县", "? 某县", "%YAML", "@某县", "`某县`", "| 某县",
                                  "> 某县", "某县 ---", "null", "true", "2024", "0o17", "某县\\n"])
def test_a_name_with_yaml_syntax_stays_one_value(project, name):
    written = new_county(project, "c", 2024, name)
    raw = yaml.safe_load(written.params.read_text(encoding="utf-8"))
    assert raw["county_name"] == name and raw["illustrative"] is False
    assert load_params("c", 2024, project).county_name == name


@pytest.mark.parametrize("value", ["a\nb", "a\u2028b", "'", '"', "a: b", "# x", "", None, True, 0, -0.5, [1, "x"], {"a": "b: c"}])
def test_yaml_value_reads_back_as_the_value(value):
    text = yaml_value(value)
    assert "\n" not in text and yaml.safe_load(f"key: {text}  # 注释") == {"key": value}


def test_a_multi_line_name_last_year_is_refused_not_carried(project, capsys):
    heshuo_2023_in(project)
    path = project / "params/heshuo/2023.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("county_name: 和硕县", 'county_name: "和硕县\\nillustrative: true"'),
                    encoding="utf-8")
    assert main(["new", "--county", "heshuo", "--year", "2024", "--from", "2023"]) == 1
    err = capsys.readouterr().err
    assert "[E129 错误]" in err and "params/heshuo/2023.yaml" in err  # last year's file is refused as params (params_schema)
    assert not (project / "params/heshuo/2024.yaml").exists() and not (project / "data/heshuo/2024.xlsx").exists()


# -- last year's data, hostile: the guards of run (E151, E150, E163) ------------------------------

def new_from_2023(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([PERFLIB, "new", "--county", "heshuo", "--year", "2024", "--from", "2023"], cwd=project,
                          env={**os.environ, "PERFLIB_ROOT": str(project)}, capture_output=True, text=True, timeout=120)


def test_new_from_does_not_hang_on_last_years_data_as_a_fifo(project):
    heshuo_2023_in(project)
    data = project / "data/heshuo/2023.xlsx"
    data.unlink()
    os.mkfifo(data)
    result = new_from_2023(project)  # hung forever before (the timeout fails the test)
    assert result.returncode == 1 and "[E151 错误]" in result.stderr and "命名管道" in result.stderr
    assert not (project / "params/heshuo/2024.yaml").exists()


@pytest.mark.parametrize("content, said", [(b"not a workbook at all", "不是 Excel 工作簿"),
                                           (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
                                           (b"PK\x03\x04broken", "不是 Excel 工作簿")],
                         ids=["text", "xls", "broken-zip"])
def test_new_from_names_last_years_unreadable_data_instead_of_an_internal_error(project, content, said):
    heshuo_2023_in(project)
    (project / "data/heshuo/2023.xlsx").write_bytes(content)
    result = new_from_2023(project)
    assert result.returncode == 1, result.stderr  # 2 (内部错误 BadZipFile) before
    assert "[E163 错误]" in result.stderr and "data/heshuo/2023.xlsx" in result.stderr and said in result.stderr
    assert "内部错误" not in result.stderr and not (project / "params/heshuo/2024.yaml").exists()


@pytest.mark.parametrize("part, megabytes", [("xl/worksheets/sheet1.xml", 1100), ("xl/workbook.xml", 100)])
def test_new_from_refuses_last_years_zip_bomb_in_bounded_memory(project, part, megabytes):
    from test_hostile_input import CHECK_MEMORY_BOUND_MB, bomb, peak_memory_of

    heshuo_2023_in(project)
    data = project / "data/heshuo/2023.xlsx"
    original = project / "original.xlsx"
    data.rename(original)
    bomb(data, part, megabytes, base=original)
    result, peak = peak_memory_of(["new", "--county", "heshuo", "--year", "2024", "--from", "2023"], project)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "[E150 错误]" in result.stderr and part in result.stderr and "内部错误" not in result.stderr
    assert peak < CHECK_MEMORY_BOUND_MB, f"peak {peak:.0f} MB"
    assert not (project / "params/heshuo/2024.yaml").exists()


def test_new_from_reads_the_sheet_names_of_last_years_workbook(project):
    from openpyxl import Workbook

    heshuo_2023_in(project)
    kept = Workbook()
    kept.active.title = "基本信息"
    for name in ("培训", "重点绩效评价", "未知的表"):
        kept.create_sheet(name).append(["x"])
    kept.save(project / "data/heshuo/2023.xlsx")
    written = new_year(project, "heshuo", 2024, 2023)
    assert load_workbook(written.data).sheetnames == ["说明", "基本信息", "重点绩效评价", "培训"]


def test_every_refusal_is_a_coded_perflib_error(project):
    with pytest.raises(PerflibError) as refused:
        new_county(project, "c", 2024, "某县\n某县")  # a trailing line break is trimmed, an inner one refused
    assert refused.value.code == "E162"


def test_a_declared_type_with_a_quote_gets_no_broken_list_validation(project):
    """Excel's list validation is ``"a,b"``: a value holding 「"」 or 「,」 would break it (Excel then
    calls the workbook damaged), so that column keeps only its comment listing the values."""
    heshuo_2023_in(project)
    path = project / "params/heshuo/2023.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["evaluation_types"] = [{"name": '甲"乙', "kind": "项目"}, {"name": "部门整体评价", "kind": "部门整体"}]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    written = new_year(project, "heshuo", 2024, 2023)
    sheet = load_workbook(written.data)["重点绩效评价"]
    formulas = [v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert formulas and all(f.count('"') == 2 for f in formulas), formulas
    assert '甲"乙' in sheet.cell(row=1, column=3).comment.text
