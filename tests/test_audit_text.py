"""``perflib audit-text``: a hand-written report against the sample data, a generated report,
and small texts with one mistake each.

``tests/fixtures/handwritten_report.txt`` is the project's own text, written the way a county
writes its report, with the two mistakes of the reference report (evaluation types adding to
1+0+1+0+0+0+4 = 6 against 5 objects and 5 reports; the heading number 「二、」 repeated). The
reference report itself is audited too when it is beside the project (optional)."""
from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, SEED, needs_seed

import perflib
from perflib.audit_text import ARITHMETIC, DATA_MISMATCH, HEADING, NO_SOURCE, PERCENT, UNITS, audit_file, audit_lines
from perflib.cli import main


@pytest.fixture(scope="module")
def heshuo():
    return perflib.make_report(perflib.load_params("heshuo", 2023))


HANDWRITTEN = FIXTURES / "handwritten_report.txt"


@pytest.fixture(scope="module")
def seed_audit():
    return audit_file(HANDWRITTEN, "heshuo", 2023)


def seed_line(starting: str, text=HANDWRITTEN) -> int:
    lines = text.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(starting))


def known_problems_are_found(audit, text) -> None:
    """Exactly the reference report's two mistakes, seen three ways, at their lines of ``text``."""
    problems = {(p.kind, p.line) for p in audit.problems}
    evaluations = seed_line("2024 年度，和硕县财政", text)
    second_two = [i for i, line in enumerate(text.read_text(encoding="utf-8").splitlines(), start=1) if line.startswith("二、")][1]
    assert problems == {(DATA_MISMATCH, evaluations), (ARITHMETIC, evaluations), (HEADING, second_two)}
    by_kind = {p.kind: p for p in audit.problems}
    # 1+0+1+0+0+0+4 = 6, while the text says 5 objects and 5 reports
    assert "1+0+1+0+0+0+4=6个" in by_kind[ARITHMETIC].message and "总数5个" in by_kind[ARITHMETIC].message
    assert "形成了5个评价报告" in by_kind[ARITHMETIC].message
    # the same mistake seen from the data: the sample data classifies 3 其他重大项目 (data/heshuo/README.md)
    assert by_kind[DATA_MISMATCH].figure == "key_evaluations.type.7" and "4个" in by_kind[DATA_MISMATCH].message
    assert by_kind[HEADING].excerpt.startswith("二、全面实施预算绩效管理存在问题") and "应为「三、」" in by_kind[HEADING].message


def test_handwritten_report_shows_exactly_its_known_problems(seed_audit):
    known_problems_are_found(seed_audit, HANDWRITTEN)


@needs_seed
def test_reference_report_shows_exactly_its_known_problems():
    audit = audit_file(SEED, "heshuo", 2023)
    known_problems_are_found(audit, SEED)
    matched = {(t.line, t.raw): f.key for t, f in audit.agreements}
    assert matched[(seed_line("（四）预算绩效监控情况", SEED), "46%")] == "monitoring.2023-05.progress"
    assert matched[(seed_line("绩效评估，涉及资金", SEED), "75万元")] == "pre_assessments.amount"
    assert len(audit.agreements) == 35  # every count, amount and percentage of the reference but 「4个」


def test_reference_figures_that_agree_are_matched_to_the_right_figure(seed_audit):
    matched = {(t.line, t.raw): f.key for t, f in seed_audit.agreements}
    monitoring = seed_line("（四）预算绩效监控情况")
    assert matched[(monitoring, "46%")] == "monitoring.2023-05.progress"
    assert matched[(monitoring, "68%")] == "monitoring.2023-08.progress"
    assert matched[(monitoring, "55个")] == "monitoring.departments"
    assert matched[(seed_line("（三）预算绩效目标情况"), "55个")] == "target_reviews.departments"
    assert matched[(seed_line("（一）制度建设方面"), "277条")] == "indicators.items"
    assert matched[(seed_line("（二）事前绩效评估情况"), "75万元")] == "pre_assessments.amount"
    assert matched[(seed_line("（八）预算绩效管理培训工作"), "380人次")] == "trainings.attendees"
    assert len(seed_audit.agreements) == 35  # every count, amount and percentage of the text but 「4个」


def test_generated_report_text_has_no_problem(heshuo):
    audit = audit_lines(heshuo.document.text().split("\n"), heshuo)
    assert audit.problems == []
    assert len(audit.agreements) >= 30


def test_a_word_document_is_read_with_its_table(seed_audit, tmp_path):
    import docx

    document = docx.Document()
    lines = HANDWRITTEN.read_text(encoding="utf-8").splitlines()
    table_rows = [line.split("\t") for line in lines if "\t" in line and line.split("\t")[0] in ("序号", "1", "2", "3", "4", "5")]
    for line in lines:
        if "\t" in line:
            continue
        if line.startswith("2023 年度和硕县财政重点绩效评价报告"):
            document.add_paragraph(line)
            table = document.add_table(rows=0, cols=2)
            for row in table_rows:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = row[0], row[1]
        elif line.strip():
            document.add_paragraph(line)
    path = tmp_path / "report.docx"
    document.save(path)
    audit = audit_file(path, "heshuo", 2023)
    assert sorted(p.kind for p in audit.problems) == sorted(p.kind for p in seed_audit.problems)
    assert len(audit.agreements) == len(seed_audit.agreements)


def test_markdown_headings_and_tables_are_read(tmp_path):
    path = tmp_path / "report.md"
    path.write_text("# 2023年和硕县预算绩效管理工作情况\n\n## 一、公开重大政策\n\n| 序号 | 评价报告 |\n|---|---|\n| 1 | 甲 |\n\n"
                    "## 三、存在问题\n\n**（一）甲**\n", encoding="utf-8")
    audit = audit_file(path, "heshuo", 2023)
    assert [(p.kind, p.line) for p in audit.problems] == [(HEADING, 9)]


@pytest.mark.parametrize("text, kind", [
    (["评价资金总额达0.34亿元（4,442万元）。"], UNITS),
    (["共涉及资金1.2亿元（其中甲项目5,000万元、乙项目6,000万元）。"], ARITHMETIC),
    (["5月预算24,066万元，执行11,070万元，执行进度50%。"], PERCENT),
    (["另外，新建共享停车场9个。"], NO_SOURCE),
    (["一、总体情况", "三、存在问题"], HEADING),
    (["一、总体情况", "（一）甲", "（二）乙", "（二）丙"], HEADING),
])
def test_each_kind_of_mistake_is_found(heshuo, text, kind):
    assert kind in {p.kind for p in audit_lines(text, heshuo).problems}


def test_consistent_units_and_percentages_are_not_flagged(heshuo):
    text = ["共涉及资金1.2亿元（其中甲项目5,000万元、乙项目7,000万元）。", "评价资金总额达0.34亿元（3,443万元）。",
            "预算24,066万元，执行11,070万元，执行进度46%。", "一、总体情况", "（一）甲", "（二）乙", "二、问题", "（一）丙"]
    kinds = {p.kind for p in audit_lines(text, heshuo).problems}
    assert not kinds & {UNITS, ARITHMETIC, PERCENT, HEADING}


def test_command_line_lists_problems_and_exits_1_or_0(heshuo, tmp_path, capsys):
    assert main(["audit-text", str(HANDWRITTEN), "--county", "heshuo", "--year", "2023", "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert len(result["problems"]) == 3 and result["county_name"] == "和硕县"
    generated = tmp_path / "ours.md"
    generated.write_text(heshuo.document.text(), encoding="utf-8")
    assert main(["audit-text", str(generated), "--county", "heshuo", "--year", "2023"]) == 0
    assert "未发现问题" in capsys.readouterr().out


def test_unsupported_file_is_a_clear_message(tmp_path, capsys):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert main(["audit-text", str(path), "--county", "heshuo", "--year", "2023"]) == 1
    assert "不支持的文件类型" in capsys.readouterr().err


def _matched(audit) -> dict[str, str]:
    return {t.raw: f.key for t, f in audit.agreements}


def test_a_correct_figure_in_other_words_agrees_by_value_and_unit(heshuo):
    """Matching by value first: a right amount said in words unlike the report's is no false alarm,
    in 亿元 or converted to 万元 as printed."""
    amount = heshuo.figures["key_evaluations.amount"].value  # 亿元
    yi = f"{amount.quantize(__import__('decimal').Decimal('0.01'), rounding='ROUND_HALF_UP')}亿元"
    wan = f"{(amount * 10000).quantize(__import__('decimal').Decimal('1'), rounding='ROUND_HALF_UP'):,}万元"
    audit = audit_lines([f"本年度财政部门牵头组织的各类评估事项，投入{yi}；折合{wan}。"], heshuo)
    assert audit.problems == []
    assert _matched(audit) == {yi: "key_evaluations.amount", wan: "key_evaluations.amount"}


def test_a_figure_after_an_ascii_comma_is_checked(heshuo):
    attendees = heshuo.figures["trainings.attendees"].value
    right = audit_lines([f"组织培训,共{attendees}人次参加。"], heshuo)
    assert _matched(right) == {f"{attendees}人次": "trainings.attendees"} and right.problems == []
    sessions = heshuo.figures["trainings.sessions"].value
    wrong = audit_lines([f"积极组织各部门单位领导、财务及项目人员开展财政业务培训{sessions}次,{attendees + 7}人次。"], heshuo)
    assert [(p.kind, p.figure) for p in wrong.problems] == [(DATA_MISMATCH, "trainings.attendees")]


def test_a_small_wrong_count_is_not_taken_for_another_figure_of_that_value(heshuo):
    """「其他重大项目4个」 where the data has 3: some other count may be 4, but the words say which figure it is."""
    others = heshuo.figures["key_evaluations.type.7"].value
    audit = audit_lines([f"重点绩效评价共选取评价对象，以及其他重大项目{others + 1}个。"], heshuo)
    assert [(p.kind, p.figure) for p in audit.problems] == [(DATA_MISMATCH, "key_evaluations.type.7")]


def test_a_sum_of_types_leaves_out_a_figure_of_another_kind():
    """「涉及部门单位7个」 inside the bracket counts departments: it is not one of the parts."""
    from perflib.audit_text import check_arithmetic, parse_text

    right = parse_text(["共选取10个评价对象（包括项目8个、部门整体2个，涉及部门单位7个）。"])
    assert check_arithmetic(right) == []
    wrong = parse_text(["共选取11个评价对象（包括项目8个、部门整体2个，涉及部门单位7个）。"])
    assert [p.kind for p in check_arithmetic(wrong)] == [ARITHMETIC]
    assert "8+2=10个" in check_arithmetic(wrong)[0].message


@pytest.mark.parametrize("row, kind", [
    ("评价资金\t0.29亿元\t0.34亿元\t增加0.06亿元\t增长20.7%", ARITHMETIC),  # the exact difference, not the printed one
    ("培训人次\t320人次\t380人次\t增加60人次\t增长20.0%", PERCENT),  # 60÷320 is 18.8%
    ("调减资金\t130万元\t95万元\t增加35万元\t增长26.9%", ARITHMETIC),  # it went down
])
def test_a_change_that_disagrees_with_the_values_printed_beside_it_is_found(heshuo, row, kind):
    assert kind in {p.kind for p in audit_lines([row], heshuo).problems}


def test_changes_that_agree_as_printed_are_not_flagged(heshuo):
    rows = ["评价资金\t0.29亿元\t0.34亿元\t增加0.05亿元\t增长17.2%", "培训人次\t320人次\t380人次\t增加60人次\t增长18.8%",
            "调减资金\t130万元\t95万元\t减少35万元\t下降26.9%", "培训次数\t5次\t5次\t持平\t—",
            # in running text, two counts before a change are not its two years
            "评价结论为“优”的1个，“中”的5个。与上年对比，评价对象增加1个，增长16.7%。"]
    kinds = {p.kind for p in audit_lines(rows, heshuo).problems}
    assert not kinds & {ARITHMETIC, PERCENT}
