"""Params validated whole (issue 24): the params file described once (perflib/params_schema.py),
checked at load (check, run, the notebook, papermill's values) with coded messages naming the file,
the line, the key path, the value and what was expected; the cross-checks a schema cannot make
(perflib/mapping.py, perflib/validation.py); docs/params.md's table written from the description."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from perflib.errors import ParamsError, PerflibError, TemplateProblem
from perflib.params import load_params

HESHUO = (ROOT / "params" / "heshuo" / "2023.yaml").read_text(encoding="utf-8")


def project(root: Path, text: str | None = None, **changes) -> Path:
    """A project with 和硕县's data and params: ``changes`` merged into the params, or ``text`` as the whole file."""
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    folder = root / "params" / "heshuo"
    folder.mkdir(parents=True, exist_ok=True)
    if text is None:
        raw = yaml.safe_load(HESHUO)
        raw.update(changes)
        text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    (folder / "2023.yaml").write_text(text, encoding="utf-8")
    (root / "data" / "heshuo").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "data" / "heshuo" / "2023.xlsx", root / "data" / "heshuo" / "2023.xlsx")
    return root


def refused(root: Path, **changes) -> ParamsError:
    project(root, **changes)
    with pytest.raises(ParamsError) as raised:
        load_params("heshuo", 2023, root)
    return raised.value


def with_lines(*lines: str) -> str:
    """和硕县's params with ``lines`` appended at the end (so their line numbers are known)."""
    return HESHUO.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def line_of_appended(i: int) -> int:
    return len(HESHUO.rstrip("\n").splitlines()) + 1 + i


# -- the quoted cases: each passed `check` and failed at `run`, or was silently ignored ----------

@pytest.mark.parametrize("entry, path, value", [
    ("{key: trainings, blocks: 5}", "outline[0].blocks", "5"),            # then TypeError at run
    ("{key: trainings, tables: trainings}", "outline[0].tables", "trainings"),
    ("{key: trainings, title: 123}", "outline[0].title", "123"),
    ("{key: trainings, when: [1]}", "outline[0].when", "[1]"),
])
def test_an_outline_entry_of_the_wrong_type_is_refused_at_load_with_its_line(tmp_path, entry, path, value):
    project(tmp_path, with_lines("outline:", f"  - {entry}"))
    with pytest.raises(ParamsError) as raised:
        load_params("heshuo", 2023, tmp_path)
    message = str(raised.value)
    assert raised.value.code == "E121"
    assert f"参数文件 params/heshuo/2023.yaml 第 {line_of_appended(1)} 行，{path} 应为" in message
    assert f"现为「{value}」" in message


def _nested_sections(depth: int) -> str:
    text = "trainings"
    for i in range(depth):
        text = f"{{key: part{i}, title: 部分, template: a.j2, sections: [{text}]}}"
    return text


def test_a_deeply_nested_outline_is_refused_not_a_recursion_error(tmp_path):
    project(tmp_path, with_lines("outline:", f"  - {_nested_sections(600)}"))
    with pytest.raises(ParamsError) as raised:  # was RecursionError
        load_params("heshuo", 2023, tmp_path)
    assert raised.value.code == "E125" and f"第 {line_of_appended(1)} 行" in str(raised.value)


def test_an_outline_of_five_levels_is_refused_by_its_key_path(tmp_path):
    project(tmp_path, with_lines("outline:", f"  - {_nested_sections(4)}"))
    with pytest.raises(ParamsError) as raised:  # was accepted, then heading_number(5) failed at run
        load_params("heshuo", 2023, tmp_path)
    assert raised.value.code == "E125"
    assert "outline[0].sections[0].sections[0].sections[0].sections 应为不再有下级部分" in str(raised.value)


def test_a_deeply_nested_county_outline_yaml_is_refused():
    from perflib.outline import parse_outline

    deep = "title: t\nsections: " + "[" * 3000 + "]" * 3000 + "\n"
    with pytest.raises(TemplateProblem) as raised:  # was RecursionError
        parse_outline(deep, "outline.yaml")
    assert raised.value.code == "E125" and "第 2 行" in str(raised.value)
    five = "title: t\nsections:\n  - " + _nested_sections(4).replace("template: a.j2, ", "").replace("[trainings]", "[{key: z, title: 末}]") + "\n"
    with pytest.raises(TemplateProblem) as raised:  # was accepted
        parse_outline(five, "outline.yaml")
    assert raised.value.code == "E125" and "最多 4 层" in str(raised.value)


@pytest.mark.parametrize("below, code, shown", [
    ("abc", "E121", "abc"),     # was decimal.InvalidOperation (内部错误)
    ("[1]", "E121", "[1]"),     # was decimal.InvalidOperation
    (".nan", "E122", ".nan"),   # was accepted: every comparison with nan is false
    (".inf", "E122", ".inf"),
])
def test_a_schedule_band_that_is_not_a_finite_number_is_refused(tmp_path, below, code, shown):
    raw = yaml.safe_load(HESHUO)
    raw["settings"]["schedule_phrases"] = "PLACEHOLDER"
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False).replace(
        "schedule_phrases: PLACEHOLDER", f"schedule_phrases:\n  - {{phrase: 低于序时进度, below: {below}}}\n  - {{phrase: 高于序时进度}}")
    project(tmp_path, text)
    with pytest.raises(ParamsError) as raised:
        load_params("heshuo", 2023, tmp_path)
    line = text.splitlines().index(f"  - {{phrase: 低于序时进度, below: {below}}}") + 1
    assert raised.value.code == code
    assert f"第 {line} 行，settings.schedule_phrases[0].below 应为有限的数" in str(raised.value)
    assert f"现为「{shown}」" in str(raised.value)


@pytest.mark.parametrize("name", ["", "."])
def test_a_formats_name_that_names_nothing_is_refused(tmp_path, name):
    error = refused(tmp_path, formats={name: {"decimals": 1}})  # was silently ignored
    assert error.code == "E124" and f"formats 中的名称「{name}」不可用" in str(error)


def test_a_yi_unit_on_a_count_is_an_error_at_check(tmp_path):
    from perflib.validation import load_data

    project(tmp_path, formats={"trainings.sessions": {"unit": "亿元"}, "monitoring.": {"unit": "亿元"}})
    params = load_params("heshuo", 2023, tmp_path)
    found = [f for f in load_data(params)[1] if f.code == "E194"]  # was silently ignored
    assert len(found) == 1, "a prefix that covers amounts applies to them; only the count is wrong"
    assert found[0].column == "formats.trainings.sessions.unit" and found[0].value == "亿元"
    assert "trainings.sessions（培训次数，单位次）" in found[0].message


@pytest.mark.parametrize("value, shown", [([1, 2], "[1, 2]"), (12345, "12345"), (True, "true")])
def test_a_county_name_that_is_not_text_is_refused_never_printed_as_a_repr(tmp_path, value, shown):
    error = refused(tmp_path, county_name=value)  # was printed: 「2023年[1, 2]预算绩效管理工作情况」
    assert error.code == "E121" and f"county_name 应为一行文字（不可为空、不可换行），现为「{shown}」" in str(error)


def test_a_county_name_on_two_lines_is_refused(tmp_path):
    error = refused(tmp_path, county_name="和硕\n县")
    assert error.code == "E129" and "现为「和硕\\n县」" in str(error) and len(str(error).splitlines()) == 1


def test_two_columns_mapped_to_one_export_column_is_an_error(tmp_path):
    error = refused(tmp_path, columns={"项目绩效监控": {"预算金额(万元)": "年初预算数", "执行金额(万元)": "年初预算数"}})
    assert error.code == "E126"  # was W201 only (and both columns read the same values)
    assert "列「预算金额(万元)」、「执行金额(万元)」都对应导出表的同一列「年初预算数」" in str(error)


def test_a_column_mapped_onto_another_column_s_own_header_is_an_error(tmp_path):
    error = refused(tmp_path, columns={"项目绩效监控": {"预算金额(万元)": "执行金额（万元）"}})
    assert error.code == "E126" and "「预算金额(万元)」、「执行金额(万元)」" in str(error)


def test_a_table_mapped_onto_another_table_s_sheet_names_both(tmp_path):
    error = refused(tmp_path, columns={"培训": {"sheet": "项目目标审核"}})
    assert error.code == "E127"  # was a false 「是空的，缺少表头行」 at check
    assert "工作表「项目目标审核」、「培训」都会从导出表的工作表「项目目标审核」读取" in str(error)


def test_a_mapped_sheet_missing_from_the_workbook_is_named(tmp_path):
    from perflib.validation import load_data

    project(tmp_path, columns={"培训": {"sheet": "培训情况表"}})
    findings = load_data(load_params("heshuo", 2023, tmp_path))[1]
    found = [f for f in findings if f.code == "E128"]
    assert found and found[0].sheet == "培训情况表"  # was W250 naming 「培训」, a sheet the workbook has
    assert "工作簿中有工作表「培训」：如果它就是这张表，请删去参数中的 columns.培训.sheet" in found[0].message
    assert not [f for f in findings if f.code in ("E101", "W250") and f.sheet in ("培训", "培训情况表")]


# -- the whole file, every fault, in the file's order ----------------------------------------------

def test_every_fault_is_named_at_once_with_its_code_and_line(tmp_path):
    project(tmp_path, with_lines("outline:", "  - {key: trainings, blocks: 5}", "timing: later", "stated_total: {trainings.sessions: 2}"))
    with pytest.raises(ParamsError) as raised:
        load_params("heshuo", 2023, tmp_path)
    lines = str(raised.value).splitlines()
    assert [line[:7] for line in lines] == ["[E121 错", "[E123 错", "[E170 错"]
    assert f"第 {line_of_appended(2)} 行，timing 应为以下之一：next、same、previous，现为「later」" in lines[1]
    assert f"第 {line_of_appended(3)} 行：有未知的键：stated_total（是否应为 stated_totals？）" in lines[2]
    assert all("参数文件 params/heshuo/2023.yaml" in line for line in lines)


@pytest.mark.parametrize("sample", sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "params").glob("*/*.yaml")))
def test_every_sample_params_file_fits_the_description(sample):
    from perflib.params_schema import Source, problems

    raw = yaml.safe_load((ROOT / sample).read_text(encoding="utf-8"))
    assert problems(raw, Source(sample)) == []
    county, year = Path(sample).parent.name, int(Path(sample).stem)
    assert load_params(county, year, ROOT).county == county


def test_there_are_fourteen_samples():
    assert len(list((ROOT / "params").glob("*/*.yaml"))) == 14


@pytest.mark.parametrize("illustrative", [True, False, "部分数字为示例。", ["评价资金为示例。", "监控批次为示例。"],
                                          {"chart:evaluation_funds": "各类型金额为示意。", "issue_date": "成文日期为示意。"}])
def test_illustrative_may_be_a_flag_a_sentence_or_notes(illustrative):
    from perflib.params_schema import Source, problems

    raw = {**yaml.safe_load(HESHUO), "illustrative": illustrative}
    assert problems(raw, Source("x.yaml")) == []
    assert [c for _, c, _ in problems({**raw, "illustrative": [1]}, Source("x.yaml"))] == ["E121"]


def test_the_description_has_the_keys_the_program_reads():
    from perflib import params as p
    from perflib.params_schema import SCHEMA

    props = SCHEMA["properties"]
    assert set(props) == set(p.TOP_LEVEL_KEYS)
    assert set(props["settings"]["properties"]) == set(p.FormatSettings.__dataclass_fields__) - {"figure_formats"}
    fields = set(p.Params.__dataclass_fields__)
    assert set(props["facts"]["properties"]) <= fields and set(props["text"]["properties"]) - {"custom"} <= fields
    assert set(props["wording"]["properties"]) == set(p.Wording.__dataclass_fields__)
    assert set(props["timing"]["properties"]) == set(p.TIMING_CHOICES)


# -- papermill: the notebook's parameters go through the same validation ---------------------------

def test_the_notebook_passes_every_params_key():
    import nbformat

    from perflib.params import PARAM_KEYS

    nb = nbformat.read(ROOT / "notebooks" / "annual_report.ipynb", as_version=4)
    parameters = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert [k for k in PARAM_KEYS if f"\n{k} = None" not in parameters.source] == []


def test_an_injected_name_that_is_no_key_is_refused():
    from perflib.params import notebook_overrides

    before = {"In", "Out", "get_ipython"}
    namespace = {**dict.fromkeys(before), "county": "heshuo", "year": 2023, "outline": ["monitoring"], "data_root": None}
    assert notebook_overrides(namespace, before)["outline"] == ["monitoring"]
    with pytest.raises(ParamsError) as raised:
        notebook_overrides({**namespace, "outlin": ["monitoring"]}, before)
    assert raised.value.code == "E170" and "outlin（是否应为 outline？）" in str(raised.value)
    later = {**namespace, "dataset": object()}  # a re-run in JupyterLab: names from the last run are not injected
    assert notebook_overrides(later, before | {"dataset"})["outline"] == ["monitoring"]


def _first_cells(tmp_path: Path) -> Path:
    """The report notebook up to its params cell, then a cell printing the outline the params hold."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "annual_report.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "perflib.load_params(" in c.source)
    nb.cells = nb.cells[:at + 1] + [nbformat.v4.new_code_cell("print('OUTLINE', repr(params.outline))")]
    path = tmp_path / "notebooks" / "first_cells.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.e2e
def test_papermill_parameters_are_applied_or_refused_with_a_code(tmp_path, monkeypatch):
    import papermill

    from perflib.run import ensure_kernel

    project(tmp_path)
    monkeypatch.setenv("PERFLIB_ROOT", str(tmp_path))
    notebook = _first_cells(tmp_path)

    def run(**parameters):
        out = tmp_path / "out.ipynb"
        papermill.execute_notebook(str(notebook), str(out), parameters={"county": "heshuo", "year": 2023, **parameters},
                                   kernel_name=ensure_kernel(), cwd=str(tmp_path / "notebooks"), progress_bar=False)
        import nbformat

        printed = [o.get("text", "") for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
        return next(t for t in printed if t.startswith("OUTLINE"))

    # papermill -y 'outline: [...]': applied (it was neither applied nor refused)
    assert "('monitoring', {'key': 'results', 'title': '结果应用情况'" in run(outline=["monitoring", {"key": "results", "title": "结果应用情况"}])
    with pytest.raises(papermill.PapermillExecutionError) as raised:
        run(outline=[{"key": "trainings", "blocks": 5}])
    assert raised.value.ename == "ParamsError" and "[E121 错误] papermill 注入的参数" in raised.value.evalue
    assert "outline[0].blocks" in raised.value.evalue
    with pytest.raises(papermill.PapermillExecutionError) as raised:
        run(outlin=["monitoring"])
    assert "[E170 错误]" in raised.value.evalue and "outlin（是否应为 outline？）" in raised.value.evalue


# -- the doc is written from the description -------------------------------------------------------

def test_params_doc_table_is_what_its_tool_writes():
    import runpy

    tool = runpy.run_path(str(ROOT / "tools" / "write_params_doc.py"), run_name="test")
    doc = (ROOT / "docs" / "params.md").read_text(encoding="utf-8")
    assert doc == tool["document"](doc), "edit perflib/params_schema.py (or the tool) and run tools/write_params_doc.py"
    for key, _, _ in tool["doc_rows"]():
        assert f"| `{key}` |" in doc


def test_a_failing_params_file_is_a_user_error_for_the_command_line(tmp_path, monkeypatch, capsys):
    from perflib.cli import main

    project(tmp_path, county_name=[1, 2])
    monkeypatch.setenv("PERFLIB_ROOT", str(tmp_path))
    assert main(["check", "--county", "heshuo", "--year", "2023"]) == 1
    said = capsys.readouterr().err
    assert "[E121 错误]" in said and "Traceback" not in said and "内部错误" not in said
    assert issubclass(ParamsError, PerflibError)


def test_papermill_values_without_a_params_file_are_validated_the_same(tmp_path):
    project(tmp_path)
    given = {k: v for k, v in yaml.safe_load(HESHUO).items() if k not in ("county", "year")}
    (tmp_path / "params" / "heshuo" / "2023.yaml").unlink()
    assert load_params("heshuo", 2023, tmp_path, overrides=given).county_name == "和硕县"  # -f params.yaml, no file beside
    with pytest.raises(ParamsError) as raised:
        load_params("heshuo", 2023, tmp_path, overrides={**given, "outline": [{"key": "trainings", "blocks": 5}]})
    assert str(raised.value).startswith("[E121 错误] papermill 注入的参数（参数文件 params/heshuo/2023.yaml 之外），outline[0].blocks 应为")
