"""What a report prints that nobody published is declared on the document itself (issue 23):
params ``illustrative`` as a mapping from what is illustrative (a part, a chart or table, the
落款's date) to a short note, or a list of notes, printed in 「示例数据说明」 before the first part
of the HTML, Word and PDF, and shown in the notebook."""
from __future__ import annotations

import io
import re
import subprocess

import pytest
from conftest import ROOT, make_params

from perflib.errors import ParamsError
from perflib.params import load_params
from perflib.pipeline import make_report

CHART_NOTE = "各评价类型的评价资金为示意拆分"
DATE_NOTE = "示意日期，和硕县公布的报告未写明成文日期"


@pytest.fixture(scope="module")
def heshuo():
    return make_report(load_params("heshuo", 2023, ROOT))


def notice_lines(document) -> list[str]:
    section = document.section("illustrative")
    assert section is not None and section.title == "示例数据说明"
    return [document.text_of(block.runs) for block in section.blocks]


def test_heshuo_declares_its_illustrative_chart_and_date_before_the_first_part(heshuo):
    doc = heshuo.document
    assert doc.sections[0].key == "illustrative"
    chart = next(c for c in doc.charts() if c.key == "evaluation_funds")
    lines = notice_lines(doc)
    assert lines[0].startswith("本报告中下列内容为示意")
    assert f"「{chart.title}」：{CHART_NOTE}" in "\n".join(lines)  # named by the number the chart carries (图1)
    assert chart.title.startswith("图1")
    assert any(line.startswith("落款的成文日期：" + DATE_NOTE) for line in lines)
    assert doc.signature.date == "2024年3月15日"  # the date it speaks of is printed


def test_heshuo_notice_is_in_html_and_word(heshuo):
    from docx import Document as WordDocument

    from perflib.render_docx import render_docx
    from perflib.render_html import render_html

    html = re.sub(r"<[^>]+>", "", render_html(heshuo.document))
    assert "示例数据说明" in html and CHART_NOTE in html and DATE_NOTE in html
    assert html.index("示例数据说明") < html.index("一、公开重大政策")
    word = [p.text for p in WordDocument(io.BytesIO(render_docx(heshuo.document))).paragraphs]
    assert "示例数据说明" in word
    assert any(CHART_NOTE in p and p.startswith("「图1") for p in word)
    assert any(p.startswith("落款的成文日期：") for p in word)


@pytest.mark.e2e
def test_heshuo_notice_is_in_the_pdf(heshuo, tmp_path):
    from perflib.render_docx import render_docx
    from perflib.render_pdf import convert_docx_to_pdf, unavailable_reason

    assert not unavailable_reason(), unavailable_reason()  # LibreOffice is on these machines: the PDF is checked
    (tmp_path / "report.docx").write_bytes(render_docx(heshuo.document))
    convert_docx_to_pdf(tmp_path / "report.docx", tmp_path / "report.pdf", heshuo.document.layout)
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True,
                                             text=True, check=True).stdout)
    assert "示例数据说明" in text and CHART_NOTE in text and DATE_NOTE in text


def test_the_notebook_shows_the_notes_first(monkeypatch):
    from perflib import display as show

    shown = []
    monkeypatch.setattr(show, "display", lambda obj: shown.append(obj))
    show.params_summary(load_params("heshuo", 2023, ROOT))
    first = shown[0].data
    assert "示例数据" in first and CHART_NOTE in first.replace("\\", "") and "落款的成文日期：" + DATE_NOTE in first


def test_the_manifest_says_what_is_illustrative():
    from perflib.manifest import provenance

    said = provenance(load_params("heshuo", 2023, ROOT))["params"]["illustrative"]
    assert CHART_NOTE in said and DATE_NOTE in said


def test_every_number_of_the_notice_is_in_the_ledger(tmp_path):
    """A note may quote a number: the ledger holds it, as any printed number."""
    from perflib.ledger import unsourced_numbers

    params = make_params(tmp_path, illustrative={"issue_date": "示意日期，参照2019年的惯例。"})
    report = make_report(params)
    lines = notice_lines(report.document)
    assert "落款的成文日期：示意日期，参照2019年的惯例。" in lines
    assert unsourced_numbers(lines, report.ledger) == []


def test_a_list_of_notes_prints_each_note(tmp_path):
    params = make_params(tmp_path, illustrative=["各培训的参训人次为示意拆分。", "单位名称为示意"])
    lines = notice_lines(make_report(params).document)
    assert lines[1:] == ["各培训的参训人次为示意拆分。", "单位名称为示意"]
    assert params.illustrative.endswith("各培训的参训人次为示意拆分。单位名称为示意。")


def test_a_note_on_a_part_names_the_part_as_printed(tmp_path):
    params = make_params(tmp_path, illustrative={"trainings": "各次培训的参训人次为示意拆分。"})
    lines = notice_lines(make_report(params).document)
    assert lines[1] == "「二（八）预算绩效管理培训工作」：各次培训的参训人次为示意拆分。"


def test_a_note_on_a_part_left_out_is_not_printed(tmp_path):
    params = make_params(tmp_path, {"trainings": None},
                         illustrative={"trainings": "示意。", "key_evaluations": "评价资金为示意。"})
    lines = notice_lines(make_report(params).document)
    assert lines[1:] == ["「一、公开重大政策和重点项目绩效执行结果」：评价资金为示意。"]


def test_a_note_on_something_the_report_does_not_know_is_refused(tmp_path):
    params = make_params(tmp_path, illustrative={"chart:nonsense": "示意。"})
    with pytest.raises(ParamsError, match="chart:nonsense"):
        make_report(params)


@pytest.mark.parametrize("value", [[1, 2], {"trainings": ""}, [], 3])
def test_a_malformed_illustrative_is_refused(tmp_path, value):
    with pytest.raises(ParamsError, match="illustrative"):
        make_params(tmp_path, illustrative=value)
