"""Bounds on templates and params text: a county template's part stops at 1 MB while it is being
generated (E165); params text is never a template; quoting params text is linear in its length."""
import random
import re
import tracemalloc

import pytest
from conftest import make_params

from perflib.errors import TemplateProblem
from perflib.pipeline import compose, compute
from perflib.validation import load_data


def county_template(tmp_path, name: str, source: str, **extra):
    folder = tmp_path / "params" / "demo" / "templates" / "narrative"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(source, encoding="utf-8")
    return make_params(tmp_path, templates="params/demo/templates", **extra)


def compose_of(params):
    dataset, findings = load_data(params)
    figures, history = compute(params, dataset)
    return compose(params, dataset, findings, figures, history)


def test_a_runaway_loop_stops_at_one_megabyte_while_generating(tmp_path):
    # 2,000 × 1,000 × 10 characters: 20 MB of text if it were generated whole
    params = county_template(tmp_path, "trainings.j2", "{% for i in range(2000) %}{% for j in range(1000) %}一二三四五六七八九十{% endfor %}{% endfor %}")
    tracemalloc.start()
    try:
        with pytest.raises(TemplateProblem) as raised:
            compose_of(params)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert raised.value.code == "E165"
    assert "narrative/trainings.j2" in raised.value.message and "1 MB" in raised.value.message
    assert peak < 12 * 2 ** 20  # stopped at the limit, not after the 20 MB (60 MB of UTF-8) were made


def test_string_multiplication_past_the_limit_is_refused_before_it_is_made(tmp_path):
    params = county_template(tmp_path, "trainings.j2", "{{ ('x' * 100000000) * 30 }}")
    tracemalloc.start()
    try:
        with pytest.raises(TemplateProblem) as raised:
            compose_of(params)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert raised.value.code == "E165" and "narrative/trainings.j2" in raised.value.message
    assert peak < 50 * 2 ** 20  # not the 100 MB text, nor the 3 GB one


def test_a_huge_power_is_refused(tmp_path):
    params = county_template(tmp_path, "trainings.j2", "{{ 10 ** 100000000 }}")
    with pytest.raises(TemplateProblem) as raised:
        compose_of(params)
    assert raised.value.code == "E165"


def test_a_part_under_the_limit_is_printed_whole(tmp_path):
    params = county_template(tmp_path, "trainings.j2", "{% for i in range(3000) %}培训{% endfor %}{{ f['trainings.sessions'] }}。")
    report = compose_of(params)
    [paragraph] = report.document.section("trainings").blocks
    assert report.document.text_of(paragraph.runs) == "培训" * 3000 + "1次。"


def test_an_outline_title_of_the_county_is_capped_too(tmp_path):
    outline = (tmp_path / "params" / "demo" / "templates")
    outline.mkdir(parents=True)
    (outline / "outline.yaml").write_text(
        "title: \"{% for i in range(100000) %}{% for j in range(100) %}标题{% endfor %}{% endfor %}\"\n"
        "sections:\n  - {key: trainings, title: 培训, template: trainings.j2, tables: [trainings]}\n", encoding="utf-8")
    params = make_params(tmp_path, templates="params/demo/templates")
    with pytest.raises(TemplateProblem) as raised:
        compose_of(params)
    assert raised.value.code == "E165" and "outline.yaml" in raised.value.message


def test_params_text_quoted_in_a_template_is_not_evaluated(tmp_path):
    params = county_template(tmp_path, "trainings.j2", "{{ text.note }}", text={"custom": {"note": "{{ ('x'*100000000)*30 }}"}})
    report = compose_of(params)
    [paragraph] = report.document.section("trainings").blocks
    assert paragraph.runs == ("{{ ('x'*100000000)*30 }}",)


# -- quoting numbers from params text: linear in its length -----------------------------------

_OLD = re.compile(r"[^\s，。；：、,;:（）()《》“”\"'【】]*\d[^\s，。；：、,;:（）()《》“”\"'【】]*")


def test_quoted_tokens_are_what_the_single_pattern_found():
    """Same tokens as the former pattern (which backtracked), on random texts of separators,
    digits, letters and Chinese."""
    from perflib.ledger import quoted_tokens

    rng = random.Random(24)
    alphabet = "，。；、 ()《》“”年号第〔〕0123456789abc预算绩效-/."
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert quoted_tokens(text) == _OLD.findall(text), text
    assert quoted_tokens("依据新党发〔2018〕30号、和财预〔2023〕12号，共3个") == ["依据新党发〔2018〕30号", "和财预〔2023〕12号", "共3个"]


def test_a_long_params_text_is_quoted_in_the_ledger_without_delay(tmp_path):
    """The ledger quotes the numbers of params text. The former pattern retried a stretch without
    digits from each of its characters: 20,000 characters took 3.4 s, 80,000 about a minute,
    300,000 several minutes. 20 s for the whole compose is a bound far above what it takes (about
    a second), not a benchmark (benchmarks/bench_text_size.py is)."""
    import time

    text = "预算绩效管理" * 13_000 + "，第3号"  # 78,000 characters, one stretch without a digit
    params = make_params(tmp_path, text={"custom": {"long": text}})
    start = time.perf_counter()
    report = compose_of(params)
    assert time.perf_counter() - start < 20
    assert report.ledger.items["text.custom.long.1"].printed == "第3号"


# -- the time limit's message names the step, not a guessed cause ---------------------------------

def test_the_time_limit_message_names_the_running_cell_not_a_guess():
    from perflib.errors import RunTimedOut

    error = RunTimedOut(600, 7, "report = perflib.compose(params, dataset, findings, figures, history)")
    assert error.code == "E157"
    assert "第 7 个代码单元格「report = perflib.compose(params, dataset, findings, figures, history)」" in error.message
    assert "循环" not in error.message  # the former message blamed 「县模板中的循环」 whatever took the time
    assert "循环" not in RunTimedOut(600).message


def test_the_running_cell_is_read_from_the_notebook():
    import nbformat

    from perflib.faults import running_code

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in
                ("import perflib", "# 撰写文字\nreport = perflib.compose(params)  # 图表和台账", "perflib.export(report)")]
    for cell, status in zip(nb.cells, ("completed", "running", "pending")):
        cell.metadata["papermill"] = {"status": status}
    assert running_code(nb) == "report = perflib.compose(params)"


@pytest.mark.e2e
def test_a_run_over_its_time_limit_names_the_cell_that_was_running(project_copy):
    import os
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    folder = project_copy / "params" / "heshuo" / "templates" / "narrative"
    (folder / "trainings.j2").write_text("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}培训。", encoding="utf-8")
    path = project_copy / "params" / "heshuo" / "2023.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["templates"] = "params/heshuo/templates"
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    run = subprocess.run([str(Path(sys.executable).parent / "perflib"), "run", "--county", "heshuo", "--year", "2023",
                          "--time-limit", "20", "--no-progress"], cwd=project_copy, capture_output=True, text=True,
                         timeout=400, env={**os.environ, "PERFLIB_ROOT": str(project_copy)})
    assert run.returncode == 1 and "[E157 错误]" in run.stderr, run.stderr
    assert "代码单元格「report = perflib.compose(" in run.stderr, run.stderr
