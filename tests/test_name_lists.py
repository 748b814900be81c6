"""A list of names where a name holds 、 (issue 26): 「包括重点政策、项目2个、单位整体支出1个」 reads as
three types; every name of such a list is quoted, so the list reads one way only."""
from __future__ import annotations

from conftest import make_params
from perflib.audit_text import self_audit
from perflib.formatting import names_in_list
from perflib.pipeline import make_report

TYPES = [{"name": "重点政策、项目", "kind": "项目", "scope": "重点政策、项目"},
         {"name": "单位整体支出", "kind": "部门整体", "scope": "单位整体支出"}]


def test_names_are_quoted_only_when_one_holds_the_separator():
    assert names_in_list(["项目", "部门整体"]) == ["项目", "部门整体"]
    assert names_in_list(["重点政策、项目", "单位整体支出"]) == ["“重点政策、项目”", "“单位整体支出”"]
    assert names_in_list(["“甲、乙”", "丙"]) == ["“甲、乙”", "“丙”"]


def test_a_type_name_with_the_separator_is_quoted_in_the_report(tmp_path):
    rows = {"key_evaluations": [["评价报告甲", "甲局", "重点政策、项目", 100, 91, "优", "公开"],
                                ["评价报告乙", "乙局", "重点政策、项目", 50, 88, "良", "公开"],
                                ["评价报告丙", "丙局", "单位整体支出", 30, 85, "良", "公开"]]}
    report = make_report(make_params(tmp_path, rows, evaluation_types=TYPES, illustrative=True))
    text = report.document.text()
    assert "（包括“重点政策、项目”2个，以及“单位整体支出”1个）" in text
    assert "评价类型覆盖“重点政策、项目”、“单位整体支出”等方面" in text
    assert self_audit(report).problems == []
