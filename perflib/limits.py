"""Bounds on what perflib reads and runs, so that no input can take all memory or time.

- A zip package (.xlsx data, a .docx for ``audit-text``): every member's inflated size, as
  declared in the zip directory and as actually inflated (counted while streaming, a chunk at a
  time, never held whole), at most ``max_part_bytes`` each and ``max_total_bytes`` together
  (E150). Members that are neither stored nor deflated are refused too (no Office program writes
  them).
- ``audit-text``: the text at most ``MAX_AUDIT_TEXT_BYTES`` (1 MB), a .docx at most 20 MB, inflating to
  at most 100 MB (E158, E150), of at most 100,000 runs and a million XML elements, counted while
  its XML streams by, before python-docx builds anything (E158).
- A report run: ``run_time_limit`` seconds (E157), after which its kernel is ended; the limit
  itself a finite number above 0, and a batch's ``--jobs`` from 1 to 64 (E183).
- A county template: a part's text at most ``MAX_TEMPLATE_OUTPUT_BYTES`` (1 MB), counted while it
  is generated (E165, perflib.narrative).

Each limit has a default that a county's real data stays far below, and an environment variable
to change it (docs/errors.md, docs/params.md).
"""
from __future__ import annotations

import math
import os
import struct
import zipfile
import zlib
from pathlib import Path

from .safety import InputRefused, open_regular

MB = 2 ** 20
# A sheet of a million rows and ten columns is about 300 MB of XML; the whole package may inflate
# to twice that. Zip bombs inflate a thousand times their size: a 1 MB file to a gigabyte.
DEFAULT_MAX_PART_MB = 512
DEFAULT_MAX_TOTAL_MB = 1024
# audit-text: a county's annual report is some 20 KB of text, 100 KB to a few MB as .docx (photos).
MAX_AUDIT_TEXT_BYTES = 1 * MB  # the text (.txt, .md), or the text taken from a .docx
MAX_AUDIT_DOCX_BYTES = 20 * MB  # the .docx file
MAX_AUDIT_DOCX_INFLATED = 100 * MB  # the .docx inflated, per part and in total
# A report's .docx has a few thousand runs (w:r) and some 20,000 XML elements; python-docx takes
# about 700 bytes and 70 µs a run: 1.5 million runs in a 95 KB file cost 105 s and 1 GB.
MAX_AUDIT_DOCX_RUNS = 100_000
MAX_AUDIT_DOCX_ELEMENTS = 1_000_000
_WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DEFAULT_RUN_SECONDS = 600
# A part of a report is a few KB of text; a template generating more than this is runaway (E165).
MAX_TEMPLATE_OUTPUT_BYTES = 1 * MB
_CHUNK = 1 << 16


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise InputRefused("E150", f"环境变量 {name} 应为正数，现为「{value}」。") from None
    if number <= 0:
        raise InputRefused("E150", f"环境变量 {name} 应为正数，现为「{value}」。")
    return number


def max_part_bytes() -> int:
    return int(_env_number("PERFLIB_MAX_INFLATED_PART_MB", DEFAULT_MAX_PART_MB) * MB)


def max_total_bytes() -> int:
    return int(_env_number("PERFLIB_MAX_INFLATED_MB", DEFAULT_MAX_TOTAL_MB) * MB)


MAX_JOBS = 64  # parallel reports of one batch: each is a kernel of some 150 MB and a LibreOffice


def run_time_limit(seconds: float | None = None) -> float:
    """The time limit of one report run: ``seconds`` if given, else ``$PERFLIB_RUN_TIMEOUT``, else 600.
    A limit is a finite number of seconds above 0 (E183): ``nan`` or ``inf`` would disable it."""
    if seconds is not None:
        return _finite_seconds(seconds, "运行时限（--time-limit）")
    value = os.environ.get("PERFLIB_RUN_TIMEOUT", "").strip()
    if not value:
        return float(DEFAULT_RUN_SECONDS)
    return _finite_seconds(value, "环境变量 PERFLIB_RUN_TIMEOUT")


def _finite_seconds(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise InputRefused("E183", f"{what}应为大于 0 的有限秒数（如 600），现为「{value}」；"
                                   "nan、inf 或负数会使时限失效，已拒绝。")
    return number


def batch_jobs(n_jobs: int | None) -> int | None:
    """The number of parallel reports of a batch: None (the machine's cores, at most ``MAX_JOBS``)
    or a whole number from 1 to ``MAX_JOBS`` (E183)."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or not 1 <= n_jobs <= MAX_JOBS:
        raise InputRefused("E183", f"并行进程数（--jobs）应为 1 到 {MAX_JOBS} 之间的整数，现为「{n_jobs}」。")
    return n_jobs


def check_zip(path: Path, label: str, finding_where: dict | None = None, limit: int | None = None) -> None:
    """Refuse (E150) a zip package that inflates beyond the limits; read it only if it is a regular file (E151).

    The declared sizes are checked first (cheap); then every member is inflated once, streaming,
    and its real size counted, because a crafted package can declare small sizes and inflate to
    gigabytes in readers that trust the data over the directory.
    """
    part_limit, total_limit = (limit, limit) if limit is not None else (max_part_bytes(), max_total_bytes())

    def refuse(member: str, size: int, limit: int, what: str) -> None:
        message = (f"压缩包中的「{member}」{what}解压后超过 {size / MB:,.0f} MB，超过上限 {limit / MB:,.0f} MB，已拒绝读取"
                   f"（疑似“压缩炸弹”；如确为正常的大文件，可设置环境变量 PERFLIB_MAX_INFLATED_PART_MB / PERFLIB_MAX_INFLATED_MB 放宽上限）。")
        finding = None
        if finding_where is not None:
            from .findings import Finding

            finding = Finding("E150", f"文件解压后过大：「{member}」{what}超过 {limit / MB:,.0f} MB，已拒绝读取（疑似压缩炸弹）。",
                              file=label, expected=f"每个部件解压后不超过 {part_limit / MB:,.0f} MB、合计不超过 {total_limit / MB:,.0f} MB",
                              **finding_where)
        raise InputRefused("E150", f"{label}：{message}", finding)

    with open_regular(path, label) as handle:
        try:
            archive = zipfile.ZipFile(handle)
        except zipfile.BadZipFile:
            return  # not a zip: the reader names the unreadable file
        with archive:
            members = archive.infolist()
            declared = 0
            for info in members:
                if info.file_size > part_limit:
                    refuse(info.filename, info.file_size, part_limit, "（按压缩包目录）")
                declared += info.file_size
                if declared > total_limit:
                    refuse(info.filename, declared, total_limit, "及之前的部件合计（按压缩包目录）")
            total = 0
            for info in members:
                size = _inflated_size(handle, info, part_limit, min(part_limit, total_limit - total) + 1)
                if size > part_limit:
                    refuse(info.filename, size, part_limit, "")
                total += size
                if total > total_limit:
                    refuse(info.filename, total, total_limit, "及之前的部件合计")


def _inflated_size(handle, info: zipfile.ZipInfo, part_limit: int, stop_after: int) -> int:
    """The member's real inflated size, counted while inflating its raw data a chunk at a time;
    stops counting past ``stop_after`` bytes."""
    if info.flag_bits & 0x1:
        return info.file_size  # encrypted: nothing to inflate here; the reader names it
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return info.file_size  # a broken package: the reader names it
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    remaining = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        return remaining
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise InputRefused("E150", f"压缩包中的「{info.filename}」使用了不支持的压缩方式（{info.compress_type}），已拒绝读取。")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    while remaining > 0 and not inflater.eof:
        chunk = handle.read(min(_CHUNK, remaining))
        if not chunk:
            break
        remaining -= len(chunk)
        data = chunk
        while data and not inflater.eof:
            try:
                out = inflater.decompress(data, _CHUNK)
            except zlib.error:
                return size  # corrupt data: the reader names the unreadable file
            size += len(out)
            if size >= stop_after:
                return size
            data = inflater.unconsumed_tail
    return size


def check_docx_elements(path: Path, label: str, max_runs: int = MAX_AUDIT_DOCX_RUNS,
                        max_elements: int = MAX_AUDIT_DOCX_ELEMENTS) -> None:
    """Refuse (E158) a .docx whose XML parts hold more runs (w:r) or elements than a report can
    have, before python-docx loads it (it builds every element of every part: a 95 KB file of
    1.5 million runs took 105 s and 1 GB). Each XML part is inflated a chunk at a time and parsed
    by expat without building a tree, and counting stops at the first element past a limit.
    Call ``check_zip`` first (the inflated sizes). A document type declaration, which Word never
    writes, is refused too (entities that expand)."""
    from xml.parsers import expat

    run = f"{_WORD} r"
    with open_regular(path, label) as handle:
        try:
            archive = zipfile.ZipFile(handle)
        except zipfile.BadZipFile:
            return  # not a zip: the reader names the unreadable file
        with archive:
            runs = elements = 0
            part = ""

            def refuse(what: str) -> None:
                raise InputRefused("E158", f"{label} 中的「{part}」{what}，不像一篇年度报告（一篇报告只有几千个文字段），"
                                           "已拒绝核对。请只提供报告本身，或在 Word 中另存为新文件后再核对。")

            def start(name: str, attributes) -> None:
                nonlocal runs, elements
                elements += 1
                if name == run:
                    runs += 1
                    if runs > max_runs:
                        refuse(f"文字段（w:r）超过 {max_runs:,} 个")
                if elements > max_elements:
                    refuse(f"XML 元素超过 {max_elements:,} 个")

            def doctype(*_) -> None:
                refuse("含有文档类型声明（DOCTYPE，Word 不会写入）")

            for info in archive.infolist():
                if not info.filename.endswith((".xml", ".rels")) or info.flag_bits & 0x1:
                    continue
                part = info.filename
                parser = expat.ParserCreate(namespace_separator=" ")
                parser.StartElementHandler = start
                parser.StartDoctypeDeclHandler = doctype
                try:
                    with archive.open(info) as stream:
                        while chunk := stream.read(_CHUNK):
                            parser.Parse(chunk, False)
                        parser.Parse(b"", True)
                except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError):
                    return  # a broken part: python-docx names the unreadable file
