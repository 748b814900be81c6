"""Figures reach a paragraph out of band: no text from the data or the params becomes a figure,
and private-use characters in the data print as themselves, named to the analyst (W265)."""
from pathlib import Path

import pytest
from conftest import make_params

from perflib.document import Paragraph
from perflib.errors import TemplateProblem
from perflib.figures import FigureRef
from perflib.pipeline import compose, compute
from perflib.validation import load_data

FORGED = "办法\ue000trainings.attendees\ue001号"  # the old in-band sentinel around a figure's name


def document_of(params):
    dataset, findings = load_data(params)
    assert [f for f in findings if f.is_error] == []
    figures, history = compute(params, dataset)
    return compose(params, dataset, findings, figures, history).document, findings


def institutions_paragraph(document):
    [paragraph] = [b for b in document.section("institutions").blocks if isinstance(b, Paragraph)]
    return paragraph


def test_a_data_cell_imitating_a_figure_prints_as_itself(tmp_path):
    params = make_params(tmp_path, {"policy_documents": [[FORGED, "某财预〔2023〕1号", "2023-02-01"]]})
    document, _ = document_of(params)
    paragraph = institutions_paragraph(document)
    assert f"《{FORGED}》" in document.text_of(paragraph.runs)
    assert "《办法30人次号》" not in document.text()  # the cell did not become the ledger figure 30人次
    assert FigureRef("trainings.attendees") not in paragraph.runs


def test_a_data_cell_naming_an_unknown_figure_is_no_error(tmp_path):
    params = make_params(tmp_path, {"policy_documents": [["办法\ue000no.such.figure\ue001", "某财预〔2023〕1号", "2023-02-01"]]})
    document, _ = document_of(params)  # was a bare KeyError when printed
    assert "《办法\ue000no.such.figure\ue001》" in document.text()


def test_private_use_characters_in_a_cell_are_named_by_cell(tmp_path):
    rows = {"policy_documents": [["某某办法", "某财预〔2023〕1号", "2023-02-01"], [FORGED, "某财预〔2023〕2号", "2023-03-01"]]}
    params = make_params(tmp_path, rows)
    _, findings = load_data(params)
    [warning] = [f for f in findings if f.code == "W265"]
    assert not warning.is_error
    assert (warning.file, warning.sheet, warning.row, warning.column) == (params.data_label, "制度文件", 3, "文件名称")
    assert warning.value == "办法⟨U+E000⟩trainings.attendees⟨U+E001⟩号"
    assert "U+E000、U+E001" in warning.message and "第 3 行" in warning.message


def test_supplementary_private_use_planes_are_named_too(tmp_path):
    params = make_params(tmp_path, {"trainings": [["2023-06-01", "培训\U000f0001", 30]]})
    _, findings = load_data(params)
    [warning] = [f for f in findings if f.code == "W265"]
    assert (warning.sheet, warning.row, warning.column) == ("培训", 2, "培训内容")
    assert "U+F0001" in warning.message


def test_clean_data_has_no_private_use_warning(tmp_path):
    _, findings = load_data(make_params(tmp_path))
    assert [f for f in findings if f.code == "W265"] == []


def test_a_placeholder_of_another_render_is_text():
    """Placeholders carry a token drawn for each document: one made elsewhere (or guessed) is text."""
    from perflib.figures import Figure
    from perflib.narrative import Citations

    figure = Figure("trainings.attendees", "参训人次", 30, "人次", "count", "培训")
    mine, other = Citations(), Citations()
    text = f"甲{mine.cite(figure)}乙"
    assert mine.runs(text, "") == ("甲", FigureRef("trainings.attendees"), "乙")
    with pytest.raises(TemplateProblem):  # the other document's placeholder is no figure: a remnant, refused
        other.runs(text, "模板 x ")


def test_a_template_that_cuts_a_cited_figure_is_refused(tmp_path):
    folder = tmp_path / "params" / "demo" / "templates" / "narrative"
    folder.mkdir(parents=True)
    (folder / "trainings.j2").write_text('培训{{ (f["trainings.sessions"] | string)[:5] }}。', encoding="utf-8")
    params = make_params(tmp_path, templates="params/demo/templates")
    with pytest.raises(TemplateProblem, match="trainings.j2"):
        document_of(params)


def test_a_params_title_is_printed_as_written(tmp_path):
    params = make_params(tmp_path, outline=["key_evaluations", {"key": "trainings", "title": "{{ 7*7 }}培训{{ year }}"}])
    document, _ = document_of(params)
    assert document.section("trainings").title == "{{ 7*7 }}培训{{ year }}"
    assert document.title == "2023年示例县预算绩效管理工作情况"  # the outline file's title is still a template


def test_a_params_title_that_would_take_gigabytes_is_text(tmp_path):
    title = "{{ ('x'*100000000)*30 }}"
    params = make_params(tmp_path, outline=["key_evaluations", {"key": "trainings", "title": title}])
    document, _ = document_of(params)
    assert document.section("trainings").title == title


def test_figures_still_print_through_the_placeholders(tmp_path):
    params = make_params(tmp_path)
    document, _ = document_of(params)
    [paragraph] = document.section("trainings").blocks
    assert FigureRef("trainings.attendees") in paragraph.runs
    assert "30人次" in document.text_of(paragraph.runs)
    assert "\x00" not in document.text()


def test_the_reference_report_is_byte_for_byte_the_same_in_its_figure_runs():
    """和硕县 2023: every paragraph's figures are FigureRefs of known figures (no text mistaken for one)."""
    from perflib.params import load_params

    root = Path(__file__).resolve().parents[1]
    document, _ = document_of(load_params("heshuo", 2023, root))
    refs = [r for s in document.walk() for b in s.blocks if isinstance(b, Paragraph) for r in b.runs if isinstance(r, FigureRef)]
    assert len(refs) > 30 and all(r.key in document.figures for r in refs)
    assert "\x00" not in document.text()
