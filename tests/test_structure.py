"""The library's shape: data flows one way (no import cycle, no private name imported across
modules), one error base, and a new report part is one outline entry and one template."""
from __future__ import annotations

import ast
import re
from pathlib import Path
import pytest

from conftest import ROOT

PACKAGE = ROOT / "perflib"


def imports_of(path: Path) -> set[tuple[str, str]]:
    """(module, name) for every ``from .module import name`` and ``from . import module``, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                found.add((node.module, alias.name) if node.module else (alias.name, ""))
    return found


def graph() -> dict[str, set[str]]:
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    return {m: {target for target, _ in imports_of(PACKAGE / f"{m}.py") if target in modules} for m in modules}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_perflib_has_no_import_cycle_even_through_late_imports():
    assert cycles(graph()) == []


def test_no_module_imports_another_modules_private_names():
    private = sorted((p.stem, module, name) for p in PACKAGE.glob("*.py")
                     for module, name in imports_of(p) if name.startswith("_"))
    assert private == []


def test_every_user_error_shares_one_base():
    import perflib.errors as errors
    from perflib.errors import PerflibError

    user_errors = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception) and c is not PerflibError]
    assert {c.__name__ for c in user_errors} >= {"DataError", "ParamsError", "TemplateProblem", "RunFailed", "BatchError", "ManifestError", "UnreadableText"}
    assert all(issubclass(c, PerflibError) and c.code.startswith("E") for c in user_errors)
    defined_elsewhere = [(p.stem, node.name) for p in PACKAGE.glob("*.py") if p.stem != "errors"
                         for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
                         if isinstance(node, ast.ClassDef) and any(getattr(b, "id", "") in ("Exception", "ValueError") for b in node.bases)]
    internal = {("cells", "CellError"), ("xlsx", "NotLikeOpenpyxl"), ("render_pdf", "PdfSkipped"), ("run", "Interrupted"),
                ("workbook_checks", "EncryptedWorkbook"), ("workbook_checks", "LegacyWorkbook"), ("workbook_checks", "OpenDocumentFile")}
    assert set(defined_elsewhere) <= internal  # internal signals, caught inside perflib, never shown to a user


def test_the_notebook_names_no_section_title():
    import nbformat

    from perflib.outline import parse_outline

    nb = nbformat.read(ROOT / "notebooks" / "annual_report.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    outline = parse_outline((PACKAGE / "templates" / "outline.yaml").read_text(encoding="utf-8"))
    titles = [p.title for p in outline.walk()]
    assert titles and [t for t in titles if t in code] == []


NEW_PART = """
  - key: performance_review
    title: 绩效评价复核情况
    template: performance_review.j2
    tables: [trainings]
    figures: [trainings.]
"""


def county_with_a_new_part(project: Path) -> Path:
    """A county templates folder whose outline has one more part, with its one template."""
    templates = project / "params" / "heshuo" / "templates"
    (templates / "narrative").mkdir(parents=True, exist_ok=True)
    outline = (PACKAGE / "templates" / "outline.yaml").read_text(encoding="utf-8")
    at = outline.index("  - {key: problems")
    (templates / "outline.yaml").write_text(outline[:at] + NEW_PART.lstrip("\n") + outline[at:], encoding="utf-8")
    (templates / "narrative" / "performance_review.j2").write_text(
        "依据财预〔2020〕10号，对{{ f[\"trainings.sessions\"] }}培训开展复核。", encoding="utf-8")
    params = project / "params" / "heshuo" / "2023.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("templates: null", "templates: params/heshuo/templates"), encoding="utf-8")
    return templates


def test_a_new_part_is_one_outline_entry_and_one_template(project_copy):
    from docx import Document as Word

    from perflib.params import load_params
    from perflib.pipeline import make_report
    from perflib.render_docx import render_docx
    from perflib.render_html import render_html

    county_with_a_new_part(project_copy)
    report = make_report(load_params("heshuo", 2023, project_copy))
    section = report.document.section("performance_review")
    assert section is not None and section.heading == "三、绩效评价复核情况"
    numbers = [s.number for s in report.document.sections if s.key != "illustrative"]  # 和硕县's 示例数据说明 (issue 23)
    assert numbers[:5] == ["一、", "二、", "三、", "四、", "五、"]  # the rest renumbered
    sessions = report.ledger["trainings.sessions"].printed  # the workbook's 培训 sheet: one row per session
    assert sessions == f"{len(report.dataset.tables['trainings'])}次"
    sentence = f"依据财预〔2020〕10号，对{sessions}培训开展复核。"
    assert sentence in re.sub(r"<[^>]+>", "", render_html(report.document))
    import io
    word = Word(io.BytesIO(render_docx(report.document)))
    assert any(p.text == sentence for p in word.paragraphs)
    ledger = report.ledger
    assert [e.printed for e in ledger.items.values() if e.source == "模板 performance_review.j2"] == ["依据财预〔2020〕10号"]
    assert "heading.三、绩效评价复核情况" not in ledger  # Chinese numerals are not digits: no numbering entry needed


@pytest.mark.e2e
def test_the_notebook_shows_a_new_part_from_the_outline(project_copy, tmp_path):
    """The real notebook, run by papermill: the new part gets its heading, rows, figures and text."""
    import nbformat

    from conftest import plain_papermill

    county_with_a_new_part(project_copy)
    files = tmp_path / "files"
    done = plain_papermill(project_copy, "params/heshuo/2023.yaml", files)
    assert done.returncode == 0, done.stderr[-2000:]
    nb = nbformat.read(files.parent / "out.ipynb", as_version=4)
    shown = "\n".join(str(o.get("data", {}).get("text/markdown", "")) + str(o.get("data", {}).get("text/html", ""))
                      for c in nb.cells for o in c.get("outputs", []))
    assert "### 三、绩效评价复核情况" in shown
    assert re.search(r"依据财预〔2020〕10号，对\d+次培训开展复核", re.sub(r"<[^>]+>", "", shown))
    assert "trainings.sessions" in shown  # its figures, shown before its text


def test_an_outline_without_keys_or_with_an_unknown_block_is_refused_with_the_entry_named(project_copy):
    import pytest

    from perflib.errors import TemplateProblem
    from perflib.outline import parse_outline
    from perflib.params import load_params
    from perflib.pipeline import make_report

    with pytest.raises(TemplateProblem, match="「培训」缺少 key"):
        parse_outline("title: t\nsections:\n  - {title: 培训, template: trainings.j2}\n")
    with pytest.raises(TemplateProblem, match="key「a」出现了两次"):
        parse_outline("title: t\nsections:\n  - {key: a, title: 甲}\n  - {key: a, title: 乙}\n")
    templates = county_with_a_new_part(project_copy)
    outline = templates / "outline.yaml"
    outline.write_text(outline.read_text(encoding="utf-8").replace("figures: [trainings.]\n", "figures: [trainings.]\n    blocks: [chart:nothing]\n", 1), encoding="utf-8")
    with pytest.raises(TemplateProblem, match="未知的表或图「chart:nothing」"):
        make_report(load_params("heshuo", 2023, project_copy))


def test_every_export_audits_its_own_report_and_writes_nothing_when_it_disagrees(project_copy, tmp_path):
    """A county template that types numbers of its own (0.29亿元 → 0.34亿元 「增加0.06亿元」, the exact
    difference rather than the printed one) is caught before a file is written."""
    import pytest

    from perflib.errors import ReportInconsistent
    from perflib.outputs import export
    from perflib.params import load_params
    from perflib.pipeline import make_report

    templates = county_with_a_new_part(project_copy)
    (templates / "narrative" / "performance_review.j2").write_text(
        "复核资金由0.29亿元增至0.34亿元，增加0.06亿元。", encoding="utf-8")
    report = make_report(load_params("heshuo", 2023, project_copy))
    with pytest.raises(ReportInconsistent, match="增加0.06亿元"):
        export(report, tmp_path / "out")
    assert not (tmp_path / "out").exists()
