"""Rules quoted in text (issue 26, item 5): a threshold 「50万元以上」 or 「增幅达到20%」 written in the
params' free text and printed as written is a quotation of the params file, recorded in the ledger
as 引文 with its params key, never taken by the self-audit for a figure without a source."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from conftest import make_params
from perflib.audit_text import audit_lines, self_audit
from perflib.ledger import HOW_QUOTED_PARAMS, QUOTED
from perflib.pipeline import make_report

RULE = "对50万元以上的新增项目开展事前绩效评估"
GROWTH = "预算增幅达到20%的项目列为重点审核对象"
TEMPLATE = ('{{ text.rule }}，{{ text.growth }}。全年组织预算绩效管理培训{{ f["trainings.sessions"] }}、'
            '{{ f["trainings.attendees"] }}。')


def _county(root: Path, template: str = TEMPLATE, **custom):
    folder = root / "params" / "demo" / "templates" / "narrative"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trainings.j2").write_text(template, encoding="utf-8")
    text = {"policy_basis": "依据新党发〔2018〕30号", "custom": {"rule": RULE, "growth": GROWTH, **custom}}
    return make_params(root, templates="params/demo/templates", text=text, illustrative=True)


def _training_line(report) -> str:
    return next(line for line in report.document.text().split("\n") if "培训" in line and RULE in line)


def test_a_rule_in_params_text_is_quoted_not_a_figure_without_source(tmp_path):
    report = make_report(_county(tmp_path))
    line = _training_line(report)
    assert "50万元以上" in line and "20%" in line
    audit = self_audit(report)
    assert audit.problems == []
    assert {(t.raw, key) for t, key in audit.quoted} == {("50万元", "text.custom.rule"), ("20%", "text.custom.growth")}
    # the figures computed from data beside them are still checked against the data
    assert {f.key for _, f in audit.agreements} >= {"trainings.sessions", "trainings.attendees"}


def test_the_ledger_lists_the_rule_numbers_as_quoted_params_text(tmp_path):
    report = make_report(_county(tmp_path))
    quoted = {e.key: e for e in report.ledger.items.values() if e.kind == QUOTED and e.how == HOW_QUOTED_PARAMS}
    rule = [e for k, e in quoted.items() if k.startswith("text.custom.rule.")]
    growth = [e for k, e in quoted.items() if k.startswith("text.custom.growth.")]
    assert [e.printed for e in rule] == [RULE] and [e.printed for e in growth] == [GROWTH]
    assert rule[0].source == "参数" and "text.custom.rule" in rule[0].label


def test_a_figure_typed_in_a_template_is_still_flagged(tmp_path):
    """Only text of the params file is a quotation: a number typed in a template's wording is a
    figure without a source, as before."""
    report = make_report(_county(tmp_path, template='{{ text.rule }}，另有35个项目。培训{{ f["trainings.sessions"] }}。'))
    problems = self_audit(report).problems
    assert len(problems) == 1 and "35个" in problems[0].excerpt


def test_a_computed_figure_equal_to_a_quoted_one_is_still_checked(tmp_path):
    """A quotation covers the params text where it is printed, not every 「30人次」 of the report:
    a rule quoting the same words does not hide the computed figure from the check."""
    report = make_report(_county(tmp_path, template='培训{{ f["trainings.attendees"] }}。{{ text.same }}。', same="30人次"))
    audit = self_audit(report)
    assert audit.problems == []
    assert [(t.raw, key) for t, key in audit.quoted] == [("30人次", "text.custom.same")]
    assert [f.key for t, f in audit.agreements if t.raw == "30人次"] == ["trainings.attendees"]


def test_a_handwritten_text_quoting_the_rule_is_not_flagged(tmp_path):
    report = make_report(_county(tmp_path))
    audit = audit_lines(["一、预算绩效管理培训工作", f"{RULE}，{GROWTH}。全年组织培训1次、30人次。"], report, "手写.txt")
    assert audit.problems == []
    assert len(audit.quoted) == 2 and "text.custom.rule" in audit.report()


@pytest.mark.e2e
def test_a_report_with_rules_in_text_custom_runs_and_its_ledger_quotes_them(project_copy):
    from perflib.run import run_report

    _county(project_copy)
    result = run_report("demo", 2023, root=project_copy, progress=False)
    rows = list(csv.DictReader(io.StringIO((result.output_dir / "figures.csv").read_bytes().decode("utf-8-sig"))))
    quoted = {r["名称"]: r for r in rows if r["类别"] == "引文" and r["计算"] == HOW_QUOTED_PARAMS}
    assert any(k.startswith("text.custom.rule.") and "50万元以上" in r["印刷形式"] for k, r in quoted.items())
    assert any(k.startswith("text.custom.growth.") and "20%" in r["印刷形式"] for k, r in quoted.items())
    html = re.sub(r"<[^>]+>", "", (result.output_dir / "report.html").read_text(encoding="utf-8"))  # the text, not its nobr spans
    assert RULE in html and GROWTH in html
