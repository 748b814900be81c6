"""audit-text refuses a .docx of millions of runs before python-docx builds them (E158)."""
import time
import tracemalloc
import zipfile
from pathlib import Path

import docx
import pytest

from perflib.audit_text import read_lines
from perflib.safety import InputRefused

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_with_runs(folder: Path, runs: int, name: str = "report.docx") -> Path:
    """A real .docx (python-docx's template) whose body is one paragraph of ``runs`` runs, the
    document part written a chunk at a time (never held whole)."""
    plain = folder / "plain.docx"
    docx.Document().save(plain)
    path = folder / name
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                target.writestr(info, source.read(info))
                continue
            part = zipfile.ZipInfo("word/document.xml")
            part.compress_type = zipfile.ZIP_DEFLATED
            with target.open(part, "w", force_zip64=True) as out:
                out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body><w:p>'.encode())
                chunk = b"<w:r><w:t>1</w:t></w:r>" * 10_000
                for _ in range(runs // 10_000):
                    out.write(chunk)
                out.write(b"<w:r><w:t>1</w:t></w:r>" * (runs % 10_000))
                out.write(b"</w:p></w:body></w:document>")
    return path


def test_a_docx_of_a_million_and_a_half_runs_is_refused_early(tmp_path):
    path = docx_with_runs(tmp_path, 1_500_000)
    assert path.stat().st_size < 1_000_000  # small on disk: deflate packs the repeated runs
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(InputRefused) as refused:
            read_lines(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "E158"
    assert "report.docx" in refused.value.message and "word/document.xml" in refused.value.message
    assert "100,000" in refused.value.message
    assert peak < 30 * 2 ** 20  # python-docx took 1 GB for it
    assert time.perf_counter() - start < 60  # it took 105 s; a bound, not a benchmark


def test_a_docx_just_over_the_run_limit_is_refused(tmp_path):
    with pytest.raises(InputRefused) as refused:
        read_lines(docx_with_runs(tmp_path, 100_001))
    assert refused.value.code == "E158"


def test_a_docx_at_the_run_limit_is_read(tmp_path):
    lines = read_lines(docx_with_runs(tmp_path, 1_000))
    assert lines == ["1" * 1_000]


def test_a_docx_with_a_doctype_is_refused(tmp_path):
    plain = tmp_path / "plain.docx"
    docx.Document().save(plain)
    path = tmp_path / "doctype.docx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">]>', 1)
            target.writestr(info, data)
    with pytest.raises(InputRefused) as refused:
        read_lines(path)
    assert refused.value.code == "E158" and "DOCTYPE" in refused.value.message


def test_a_report_made_by_word_is_read_as_before(tmp_path):
    document = docx.Document()
    document.add_paragraph("一、公开重大政策和重点项目绩效执行结果")
    document.add_paragraph("共选取6个评价对象。")
    path = tmp_path / "word.docx"
    document.save(path)
    assert read_lines(path) == ["一、公开重大政策和重点项目绩效执行结果", "共选取6个评价对象。"]


def test_a_long_line_of_figures_is_read_in_one_pass():
    """A line's figures with their words: sentence and clause ends are found once per line. The
    former search copied the line up to each figure and summed the pieces before it: 20,000
    figures on one line took minutes, growing with the square. 10 s is a bound far above the
    fraction of a second it takes, not a benchmark (benchmarks/bench_text_size.py is)."""
    from perflib.audit_text import parse_text

    line = "共12个项目、300万元，占45%；" * 7_000  # 21,000 figures, 126,000 characters
    start = time.perf_counter()
    parsed = parse_text([line])
    assert time.perf_counter() - start < 10
    assert len(parsed.figures) == 21_000
    last = parsed.figures[-1]
    assert (last.raw, last.before, last.clause, last.after) == ("45%", "占", "共#项目、#，占", "")
    middle = parsed.figures[1]
    assert (middle.raw, middle.before, middle.clause, middle.after) == ("300万元", "", "共#项目、", "")


def test_parts_that_do_not_add_up_are_still_found_on_a_long_line():
    """Each 「共…（包括…）」 of a long line is checked with the line's ends found once; the message
    names at most five other places of the same value."""
    from perflib.audit_text import check_arithmetic, parse_text

    sentence = "共选取5个评价对象（包括部门整体1个、其他重大项目3个），占评价资金100万元的46%。"
    start = time.perf_counter()
    problems = check_arithmetic(parse_text([sentence * 2_000]))
    assert time.perf_counter() - start < 10  # the former search: about a minute, growing with the square
    assert len(problems) == 2_000
    assert problems[0].message.startswith("所列各部分相加为 1+3=4个，与所述总数5个不符")
