"""Hostile input, contained: names that become paths, files that are not files, links that lead
out of the project, YAML that expands, characters that hide or break text, and cells that a
spreadsheet would run as formulas. Each check refuses with a finding code and a message in
Chinese (docs/errors.md, "Hostile input"); nothing here changes what a normal run prints.
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import InputRefused  # noqa: F401  (raised here; defined with the other user errors)
from .findings import visible  # noqa: F401  (invisible characters as <U+XXXX> in every message)




# -- county and year: checked before any path is built -------------------------------------------

# A county folder: letters (any script) or digits first, then letters, digits, "_" or "-"; no
# dots, slashes, spaces or invisible characters, at most 64 characters.
_COUNTY = re.compile(r"[^\W_][\w-]{0,63}")
_YEAR = re.compile(r"[0-9]{4}")


def check_county(county: Any) -> str:
    """``county`` if it is a safe folder name, else ``InputRefused`` (E155)."""
    if not isinstance(county, str) or not _COUNTY.fullmatch(county) or not county.isprintable():
        raise InputRefused("E155", f"县目录名「{_shown(county)}」不合法：只能由字母、汉字、数字、下划线和连字符组成"
                                   "（不能含「/」「..」、空格或不可见字符），如 heshuo。")
    return county


def check_year(year: Any) -> int:
    """``year`` as an int if it is a four-digit year (an int, or text of four ASCII digits), else E155."""
    if isinstance(year, bool) or not (isinstance(year, int) and 1000 <= year <= 9999
                                      or isinstance(year, str) and _YEAR.fullmatch(year)):
        raise InputRefused("E155", f"年度「{_shown(year)}」不合法：应为四位数字的年份，如 2023。")
    return int(year)


def _shown(value: Any) -> str:
    """A value for a message, with invisible characters made visible and cut to 80 characters."""
    text = visible(str(value))
    return text if len(text) <= 80 else text[:79] + "…"


# -- files: only regular files are opened; links stay inside ------------------------------------

def require_regular(path: Path, label: str, finding_where: dict | None = None) -> None:
    """Refuse (E151) a path that is not a regular file (a FIFO, a device, a socket): reading one
    may never end. ``finding_where``: also carry a finding located there (data files)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise
    if not stat.S_ISREG(mode):
        kind = "命名管道（FIFO）" if stat.S_ISFIFO(mode) else "设备文件" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) \
            else "套接字" if stat.S_ISSOCK(mode) else "目录" if stat.S_ISDIR(mode) else "特殊文件"
        message = f"{label} 是{kind}，不是普通文件；perflib 只读取普通文件（读取管道或设备可能永远不会结束）。"
        raise InputRefused("E151", message, _finding("E151", f"是{kind}，不是普通文件，已拒绝读取。", label, finding_where,
                                                      "普通文件（不是管道、设备或套接字）"))


def open_regular(path: Path, label: str):
    """Open ``path`` for reading in binary mode only if it is a regular file (E151): opened without
    blocking, checked on the open file (no window between the check and the open)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            require_regular(path, label)  # raises with the kind named
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, label: str, limit: int | None = None, code: str = "E158") -> bytes:
    """The bytes of a regular file (E151 otherwise); with ``limit``, refuse a larger file (``code``)."""
    with open_regular(path, label) as handle:
        if limit is not None:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise InputRefused(code, f"{label} 有 {size / 2**20:.1f} MB，超过上限 {limit / 2**20:.0f} MB，已拒绝读取。")
            data = handle.read(limit + 1)
            if len(data) > limit:  # grew while read
                raise InputRefused(code, f"{label} 超过上限 {limit / 2**20:.0f} MB，已拒绝读取。")
            return data
        return handle.read()


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, its links resolved, lies in ``folder`` (resolved too)."""
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
        return True
    except ValueError:
        return False


def require_inside(path: Path, folder: Path, label: str, finding_where: dict | None = None) -> None:
    """Refuse (E152) a file whose real location, links resolved, is outside ``folder``."""
    if not inside(path, folder):
        message = f"{label} 是指向所在文件夹 {Path(folder).name or folder} 之外的链接（实际位置 {Path(path).resolve()}），已拒绝读取。"
        raise InputRefused("E152", message, _finding("E152", f"是指向所在文件夹之外的链接（实际位置 {Path(path).resolve()}），已拒绝读取。",
                                                      label, finding_where, "文件夹内的普通文件（不是指向外部的链接）"))


def _finding(code: str, message: str, label: str, where: dict | None, expected: str):
    if where is None:
        return None
    from .findings import Finding

    return Finding(code, message, **{"file": label, **where}, expected=expected)


# -- YAML: no anchors or aliases in files people write --------------------------------------------

def refuse_yaml_aliases(text: str, where: str) -> None:
    """Refuse (E156) YAML with anchors (``&a``) or aliases (``*a``): a few lines of nested aliases
    expand to billions of values ("billion laughs"). The events are parsed without building any
    value, so the check itself costs no memory; params files never need anchors."""
    import yaml

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise InputRefused("E156", f"{where} 第 {mark.line + 1} 行使用了 YAML 锚点或别名（&、*）：参数文件中不允许使用，"
                                           "以免展开成极大的数据。请把内容直接写出来。")
    except yaml.YAMLError:
        return  # the loader that follows names the syntax error


# -- characters: control characters refused, bidi controls refused, zero-width removed ------------

# C0 and C1 control characters but tab, line feed and carriage return (text may hold line breaks),
# and the non-characters U+FFFE, U+FFFF (XML, hence Word, cannot hold them either).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Bidirectional embeddings, overrides and isolates: they reorder what is shown ("Trojan Source").
BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Zero-width space, non-joiner, joiner, word joiner, and the byte-order mark inside text.
ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_SUSPECT = re.compile(CONTROL.pattern[:-1] + BIDI.pattern[1:-1] + ZERO_WIDTH.pattern[1:])


def has_suspect(text: str) -> bool:
    return _SUSPECT.search(text) is not None


def describe(chars: Iterable[str]) -> str:
    """「U+0007」, 「U+202E」: the characters found, each once, in order of code point."""
    return "、".join(f"U+{ord(c):04X}" for c in sorted(set(chars)))


def params_text_problems(raw: Any, where: str) -> None:
    """Refuse a params file whose text holds control characters (E153) or bidi controls (E154),
    or zero-width characters (E154 as well: in a file people type, they are never meant);
    the message names the key."""
    for path, text in _texts(raw, ""):
        for pattern, code, what in ((CONTROL, "E153", "控制字符"), (BIDI, "E154", "双向文字控制字符"), (ZERO_WIDTH, "E154", "零宽字符")):
            found = pattern.findall(text)
            if found:
                raise InputRefused(code, f"{where} 中 {path or '（顶层）'} 的文字含有{what} {describe(found)}"
                                         f"（「{visible(text[:60])}」）：请删除这些不可见字符后重新保存。")


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key, path) if isinstance(key, str) and has_suspect(key) else ()
            yield from _texts(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, f"{path}[{i}]")


# -- CSV: no cell a spreadsheet would run as a formula ---------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def _formula_like(text: str) -> bool:
    body = text.lstrip("'")
    return bool(body) and body[0] in _FORMULA_START and not _NUMBER.fullmatch(body)


def csv_cell(text: str) -> str:
    """A cell as written to a CSV file that people open in Excel or WPS (OWASP, CSV injection):
    text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'`` so
    that it shows as text and never runs; a plain number such as ``-5`` or ``-0.25`` stays a
    number. Text already starting with ``'`` before such a character gets one more, so that
    ``csv_value`` gives every value back exactly."""
    return "'" + text if _formula_like(text) else text


def csv_value(text: str) -> str:
    """The value ``csv_cell`` was given (for perflib reading its own CSV files back)."""
    return text[1:] if text.startswith("'") and _formula_like(text[1:]) else text


def scan_column(values: list[Any]) -> tuple[list[Any], list[tuple[int, str, str]], list[int]]:
    """One column's parsed cells: (the cells with zero-width characters removed, the cells refused
    as ``(index, code, message)`` for control characters (E153) or bidi controls (E154), the
    indexes of the cells cleaned). One search over the whole column when it is clean (most are)."""
    try:  # a column of text and blanks (None) is joined as it is, without a list of its texts
        joined = "".join(filter(None, values))
    except TypeError:  # numbers, dates beside the texts
        joined = "".join([v for v in values if type(v) is str])
    # Every suspect character is unprintable (Cc, Cf, Cn): printable text, the usual case, is
    # told by one C-level pass, far faster than the search.
    if joined.isprintable() or not _SUSPECT.search(joined):
        return values, [], []
    refused, cleaned, out = [], [], list(values)
    for i, value in enumerate(values):
        if type(value) is not str or not _SUSPECT.search(value):
            continue
        controls, bidi = CONTROL.findall(value), BIDI.findall(value)
        if controls:
            refused.append((i, "E153", f"单元格含有控制字符 {describe(controls)}（不可见，Word 文档无法保存），已拒绝。"))
        elif bidi:
            refused.append((i, "E154", f"单元格含有双向文字控制字符 {describe(bidi)}（会改变文字的显示顺序），已拒绝。"))
        else:
            out[i] = ZERO_WIDTH.sub("", value)
            cleaned.append(i)
    return out, refused, cleaned


MAX_YAML_BYTES = 1 << 20  # params, layout and outline files are a few KB


def load_yaml(path: Path, label: str) -> Any:
    """A YAML file people write (layout, outline; the rollup's look at a params file): a regular
    file (E151) of at most 1 MB, without anchors or aliases (E156), loaded safely."""
    import yaml

    text = read_regular(path, label, MAX_YAML_BYTES, "E156").decode("utf-8")
    refuse_yaml_aliases(text, label)
    return yaml.safe_load(text)
