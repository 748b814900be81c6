"""The corpus of bad inputs (tests/bad_inputs/cases.yaml): each gets its documented finding,
pointing at the right place, with no traceback."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, minimal_rows
from openpyxl import Workbook

from perflib.cli import main
from perflib.schema import TABLES

CASES = yaml.safe_load((Path(__file__).parent / "bad_inputs" / "cases.yaml").read_text(encoding="utf-8"))


def _sheets() -> dict[str, list[list]]:
    rows = minimal_rows()
    return {spec.sheet: [list(spec.headers), *[list(r) for r in rows[spec.name]]] for spec in TABLES if spec.name in rows}


def _column(sheet: list[list], header: str) -> int:
    return sheet[0].index(header)


def materialize(case: dict, root: Path) -> None:
    """Write the case's files into a small project at ``root``."""
    sheets, hidden, raw_csv = _sheets(), set(), {}
    params = yaml.safe_load((ROOT / "params" / "heshuo" / "2023.yaml").read_text(encoding="utf-8"))
    csv_format = case.get("format") == "csv"
    params.update(county="demo", year=2023, county_name="示例县", data="data/demo-2023" + ("" if csv_format else ".xlsx"))
    params_text, file_bytes, no_file, extra_files = None, None, False, {}
    fifos, links, padded = set(), set(), {}
    for edit in case.get("edits", []):
        (op, arg), = edit.items()
        if op == "set":
            sheet = sheets[arg["sheet"]]
            row, i = sheet[arg["row"] - 1], _column(sheet, arg["column"])
            row.extend([None] * (i + 1 - len(row)))  # an optional last column may be left out of the rows
            row[i] = arg["value"]
        elif op == "append":
            sheets[arg["sheet"]].append(list(arg["values"]))
        elif op == "drop_sheet":
            del sheets[arg]
        elif op == "clear_rows":
            del sheets[arg][1:]
        elif op == "blank_sheet":
            sheets[arg] = []
        elif op == "drop_column":
            sheet = sheets[arg["sheet"]]
            i = _column(sheet, arg["column"])
            for row in sheet:
                del row[i]
        elif op == "rename_column":
            sheet = sheets[arg["sheet"]]
            sheet[0][_column(sheet, arg["column"])] = arg["to"]
        elif op == "add_column":
            sheet = sheets[arg["sheet"]]
            sheet[0].append(arg["column"])
            for row, value in zip(sheet[1:], arg["values"]):
                row.append(value)
        elif op == "title_row":
            sheets[arg["sheet"]].insert(0, [arg["text"]])
        elif op == "hide_sheet":
            hidden.add(arg)
        elif op == "add_sheet":
            sheets[arg["sheet"]] = [list(r) for r in arg["rows"]]
        elif op == "params":
            params.update(arg)
        elif op == "params_merge":  # {level: {key: value}}: keys added inside a level (text, facts, ...)
            for level, keys in arg.items():
                params[level] = {**params.get(level, {}), **keys}
        elif op == "params_text":
            params_text = arg
        elif op == "file_bytes":
            file_bytes = bytes.fromhex(arg)
        elif op == "file_from":  # a file of the corpus folder replaces the workbook (e.g. a real encrypted one)
            file_bytes = (Path(__file__).parent / "bad_inputs" / arg).read_bytes()
        elif op == "csv_bytes":
            raw_csv[arg["sheet"]] = bytes.fromhex(arg["hex"])
        elif op == "no_file":
            no_file = True
        elif op == "fifo":  # the data file (arg: data) or one CSV sheet (arg: its name) is a FIFO
            fifos.add(arg)
        elif op == "link_outside":  # a CSV sheet is a symbolic link to a file outside the project
            links.add(arg)
        elif op == "pad_sheet":  # a sheet's XML padded with {megabytes} of spaces (inflates, compresses to little)
            padded[arg["sheet"]] = arg["megabytes"]
        elif op == "earlier_year_data":  # a params file for the year before, whose data file is these bytes
            earlier = {**params, "year": 2022, "data": "data/demo-2022.xlsx"}
            extra_files["params/demo/2022.yaml"] = yaml.safe_dump(earlier, allow_unicode=True).encode("utf-8")
            extra_files["data/demo-2022.xlsx"] = bytes.fromhex(arg)
        else:
            raise ValueError(f"unknown edit {op}")
    (root / "notebooks").mkdir()
    (root / "data").mkdir()
    folder = root / "params" / "demo"
    folder.mkdir(parents=True)
    (folder / "2023.yaml").write_text(params_text or yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    for name, data in extra_files.items():
        (root / name).write_bytes(data)
    if no_file:
        return
    if "data" in fifos:
        os.mkfifo(root / "data" / ("demo-2023" if csv_format else "demo-2023.xlsx"))
        return
    if csv_format:
        target = root / "data" / "demo-2023"
        target.mkdir()
        for name, rows in sheets.items():
            path = target / f"{name}.csv"
            if name in fifos:
                os.mkfifo(path)
                continue
            if name in links:
                outside = root.parent / f"{root.name}-outside-{name}.csv"
                outside.write_text("机密\n外部文件的内容\n", encoding="utf-8")
                path.symlink_to(outside)
                continue
            if name in raw_csv:
                path.write_bytes(raw_csv[name])
                continue
            with path.open("w", encoding=case.get("encoding", "utf-8"), newline="") as handle:
                csv.writer(handle, delimiter=case.get("separator", ",")).writerows([["" if v is None else v for v in row] for row in rows])
        return
    target = root / "data" / "demo-2023.xlsx"
    if file_bytes is not None:
        target.write_bytes(file_bytes)
        return
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(target)
    for name, megabytes in padded.items():
        _pad_sheet(target, wb.sheetnames.index(name) + 1, megabytes)


def _pad_sheet(path: Path, number: int, megabytes: int) -> None:
    """Spaces before the end of sheet ``number``'s XML: still a valid workbook, inflating to ``megabytes`` more."""
    import zipfile

    part = f"xl/worksheets/sheet{number}.xml"
    with zipfile.ZipFile(path) as archive:
        parts = {info: archive.read(info.filename) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts.items():
            if info.filename != part:
                archive.writestr(info, data)
                continue
            head, tail = data.rsplit(b"</worksheet>", 1)
            with archive.open(part, "w") as out:
                out.write(head)
                for _ in range(megabytes):
                    out.write(b" " * (1 << 20))
                out.write(b"</worksheet>" + tail)


def test_the_corpus_is_large_and_covers_every_code():
    from perflib.findings import CODES, NOT_FROM_DATA

    assert len(CASES) >= 40
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert set(CODES) - NOT_FROM_DATA - {c["expect"]["code"] for c in CASES} == set()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_gets_its_finding(case, tmp_path, monkeypatch, capsys):
    materialize(case, tmp_path)
    monkeypatch.setenv("PERFLIB_ROOT", str(tmp_path))
    for name, value in case.get("env", {}).items():
        monkeypatch.setenv(name, str(value))
    code = main(["check", *case.get("args", ["--county", "demo", "--year", "2023"])])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output
    assert code == case.get("exit", 1), output
    expect = case["expect"]
    lines = [line for line in output.splitlines() if f"[{expect['code']} " in line]
    assert lines, f"no {expect['code']} in:\n{output}"
    wanted = []
    if "sheet" in expect:
        wanted.append(f"工作表「{expect['sheet']}」")
    if "row" in expect:
        wanted.append(f"第 {expect['row']} 行")
    if "column" in expect:
        wanted.append(f"列「{expect['column']}」")
    if "value" in expect:
        wanted.append(f"值「{expect['value']}」")
    if "text" in expect:
        wanted.append(expect["text"])
    assert any(all(w in line for w in wanted) for line in lines), f"expected {wanted} in one of:\n" + "\n".join(lines)
    if expect["code"].startswith("E") and expect["code"] != "E140" and "file" not in expect or expect.get("file"):
        named = expect.get("file", "data/demo-2023")
        assert any(f"文件 {named}" in line for line in lines), "the message names the file"


def test_sample_data_checks_clean(monkeypatch, capsys):
    monkeypatch.setenv("PERFLIB_ROOT", str(ROOT))
    assert main(["check", "--county", "heshuo", "--year", "2023"]) == 0
    out = capsys.readouterr().out
    assert "0 处错误，0 条提示" in out


def test_debug_shows_the_traceback(tmp_path, monkeypatch, capsys):
    materialize({"edits": [{"params": {"data": "/etc/hosts"}}]}, tmp_path)
    monkeypatch.setenv("PERFLIB_ROOT", str(tmp_path))
    assert main(["--debug", "check", "--county", "demo", "--year", "2023"]) == 1
    assert "Traceback" in capsys.readouterr().err
