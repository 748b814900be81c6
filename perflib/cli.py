"""``perflib``: the command line, a thin layer over the functions the notebook calls."""
from __future__ import annotations

import argparse
import sys
import time
import traceback

from . import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perflib", description="生成《YYYY年XX县预算绩效管理工作情况》报告。")
    parser.add_argument("--version", action="version", version=f"perflib {__version__}")
    parser.add_argument("--debug", action="store_true", help="出错时显示完整的 Python 调用栈")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="执行笔记本，生成一个县一个年度的报告到 outputs/<县>/<年度>/")
    run.add_argument("--county", required=True, help="params/ 下的县目录名，如 heshuo")
    run.add_argument("--year", required=True, type=int, help="报告年度，如 2023")
    run.add_argument("--no-progress", action="store_true", help="不显示进度条")
    run.add_argument("--data-root", help="数据目录：参数文件中的 data 路径可位于此目录内（默认只允许项目目录内）")
    run.add_argument("--time-limit", type=float, default=None, metavar="秒",
                     help="运行时限（秒）；超时结束内核，失败的笔记本保存在 failed/（默认：环境变量 PERFLIB_RUN_TIMEOUT，否则 600）")
    check = sub.add_parser("check", help="只检查数据，不生成报告")
    check.add_argument("--county", required=True, help="params/ 下的县目录名，如 heshuo")
    check.add_argument("--year", required=True, type=int, help="报告年度，如 2023")
    check.add_argument("--data-root", help="数据目录（同 run）")
    _add_batch_parser(sub)
    _add_rollup_parser(sub)
    _add_audit_commands(sub)
    new = sub.add_parser("new", help="新县或新年度：写出带注释的参数文件和空白输入工作簿（不覆盖已有文件）")
    new.add_argument("--county", required=True, help="县目录名（小写英文字母、数字、- 或 _），如 heshuo")
    new.add_argument("--year", required=True, help="报告年度，如 2024")
    given = new.add_mutually_exclusive_group(required=True)
    given.add_argument("--name", help="新县：县（市、区）名称，如 和硕县")
    given.add_argument("--from", dest="from_year", help="新年度：沿用本县哪一年的参数，如 2023")
    return parser


def _new(args) -> int:
    from .project import find_root
    from .scaffold import new_county, new_year

    root = find_root()
    if args.from_year is not None:
        written = new_year(root, args.county, args.year, args.from_year)
    else:
        written = new_county(root, args.county, args.year, args.name)
    print(written.message(root, args.county, int(args.year)))
    return 0


def _add_audit_commands(sub) -> None:
    verify = sub.add_parser("verify", help="核验输出文件夹：输入是否改变，重新生成是否逐字节相同")
    verify.add_argument("folder", help="输出文件夹，如 outputs/heshuo/2023")
    verify.add_argument("--progress", action="store_true", help="重新生成时显示进度条")
    audit = sub.add_parser("audit-text", help="对照数据核对一篇人工撰写的报告（.txt/.md/.docx）")
    audit.add_argument("file", help="报告文件")
    audit.add_argument("--county", required=True)
    audit.add_argument("--year", required=True, type=int)
    audit.add_argument("--json", action="store_true", help="以 JSON 输出结果")


def _add_rollup_parser(sub) -> None:
    rollup = sub.add_parser("rollup", help="汇总：各县已生成报告的对比（先运行 batch），写到 outputs/rollup/")
    rollup.add_argument("--county", action="append", default=[], help="只汇总这个县（可重复；默认为 params/rollup.yaml 的 counties）")
    rollup.add_argument("--year", action="append", type=int, default=[], help="只汇总这个年度（可重复；默认为 params/rollup.yaml 的 years）")
    rollup.add_argument("--region-name", default="", help="州（地区）名称，如 巴音郭楞蒙古自治州")
    rollup.add_argument("--no-progress", action="store_true", help="不显示进度条")


def _rollup(args) -> int:
    from .project import find_root, relative
    from .rollup import collect, run_rollup, scope_findings

    root = find_root()
    # params/rollup.yaml (E182) and the ledgers (E180, E181) are checked before a kernel starts
    left_out = scope_findings(collect(root, args.county, args.year))
    files = run_rollup(root, args.county, args.year, args.region_name, progress=not args.no_progress)
    print("汇总完成，输出：")
    for path in files:
        print(f"  {relative(path, root)}")
    if any(path.suffix == ".pdf" for path in files):
        _say_font_fallbacks(None)
    for finding in left_out:  # W280–W282: a report of the rollup's set that it could not include
        print(finding)
    return 0


def _add_batch_parser(sub) -> None:
    batch = sub.add_parser("batch", help="批量生成：所有（或筛选出的）县和年度，并行运行，最后给出汇总 outputs/batch-summary.csv")
    batch.add_argument("--county", action="append", default=[], help="只运行这个县（可重复）")
    batch.add_argument("--year", action="append", type=int, default=[], help="只运行这个年度（可重复）")
    batch.add_argument("--glob", help="只运行匹配的参数文件，如 'params/example*/2023.yaml'")
    batch.add_argument("--jobs", "-j", type=int, default=None, help="并行进程数（默认：CPU 核数）")
    batch.add_argument("--scheduler", help="在 dask 分布式集群上运行：调度器地址，如 tcp://10.0.0.5:8786（见 docs/batch.md）")
    batch.add_argument("--start-timeout", type=int, default=60, help="内核启动超时（秒，默认 60）；超时的报告重试一次")
    batch.add_argument("--no-progress", action="store_true", help="不显示进度条")
    batch.add_argument("--data-root", help="数据目录（同 run）")
    batch.add_argument("--time-limit", type=float, default=None, metavar="秒", help="每份报告的运行时限（秒，同 run）；超时的报告失败，其余继续")
    batch.add_argument("--resume", action="store_true",
                       help="跳过输出已是最新的报告（上次成功且输入未改变），只运行其余的；用于继续中断的批量（见 docs/batch.md）")


def _batch(args) -> int:
    from .batch import find_jobs, run_batch
    from .project import find_root

    root = find_root()
    jobs = find_jobs(root, args.county, args.year, args.glob)
    try:
        outcomes = run_batch(root, jobs, n_jobs=args.jobs, scheduler=args.scheduler, progress=not args.no_progress,
                             data_root=args.data_root, start_timeout=args.start_timeout, time_limit=args.time_limit,
                             resume=args.resume)
    except KeyboardInterrupt as exc:  # run_batch said what finished and how to go on
        from .stop_signals import signal_of

        return 128 + signal_of(exc)
    return 0 if all(o.ok for o in outcomes) else 1


def _run(args) -> int:
    from .project import find_root, relative
    from .run import run_report

    started = time.monotonic()
    result = run_report(args.county, args.year, progress=not args.no_progress, data_root=args.data_root, time_limit=args.time_limit)
    root = find_root()
    print(f"完成：{args.county} {args.year}，用时 {time.monotonic() - started:.1f} 秒，输出在 {relative(result.output_dir, root)}/")
    for path in result.files:
        print(f"  {relative(path, root)}")
    _say_if_pdf_skipped(result)
    if (result.output_dir / "report.pdf").exists():
        from .params import load_params

        _say_font_fallbacks(load_params(args.county, args.year, root, data_root=args.data_root))
    say_parts_left_out(result.output_dir)
    return 0


def _say_font_fallbacks(params) -> None:
    """W270: a font of the layout printed in another face than the one it maps to (the notebook's
    export cell said it too), e.g. the （一） headings in the body's face without AR PL UKai."""
    from .layout import load_layout
    from .libreoffice import font_fallbacks

    for fallback in font_fallbacks(load_layout(params)):
        print(fallback)


LEFT_OUT = ("W250", "W251", "W252")  # a part of the report left out, and why (validation.absent_sheets)


def say_parts_left_out(folder) -> None:
    """The parts the report leaves out, as the run's notebook recorded them (manifest.json)."""
    from .manifest import read_manifest

    try:
        messages = read_manifest(folder).get("findings", {}).get("messages", [])
    except (OSError, ValueError):
        return  # no manifest: nothing recorded to say
    left_out = [m for m in messages if any(m.startswith(f"[{code} ") for code in LEFT_OUT)]
    if left_out:
        print("报告不写的部分：")
        for message in left_out:
            print(f"  {message}")


def _say_if_pdf_skipped(result) -> None:
    """A run without report.pdf says why (the notebook's export cell printed it too)."""
    from .render_pdf import unavailable_reason
    from .outputs import REPORT_PDF

    if not (result.output_dir / REPORT_PDF).exists():
        reason = unavailable_reason() or "LibreOffice 转换失败，原因见 annual_report.ipynb 的导出单元格。"
        print(f"未生成 {REPORT_PDF}：{reason}")


def _check(args) -> int:
    from .faults import tidy_outputs
    from .findings import errors
    from .history import load_history
    from .mapping import mapped_specs, suggest_mapping
    from .params import load_params
    from .validation import load_data

    params = load_params(args.county, args.year, data_root=args.data_root)
    tidy_outputs(params.root, args.county, args.year)  # an interrupted publish is restored (and said)
    dataset, findings = load_data(params)
    if not errors(findings):  # earlier years that cannot be compared (W220)
        findings += load_history(params).notes
    for finding in findings:
        print(finding)
    n_errors = len(errors(findings))
    print(f"检查完成：{n_errors} 处错误，{len(findings) - n_errors} 条提示。")
    suggestion = suggest_mapping(findings, mapped_specs(params.columns))
    if suggestion:
        print("\n表头与数据格式不一致。若这些是本县导出表的列名，可把下面的对应关系加入参数文件 "
              f"params/{args.county}/{args.year}.yaml（请逐项核对；已有 columns 时合并进去）：\n\n{suggestion}")
    return 1 if n_errors else 0


def _verify(args) -> int:
    from pathlib import Path

    from .verify import verify

    result = verify(Path(args.folder), progress=args.progress)
    print(result.verdict())
    return 0 if result.ok else 1


def _audit_text(args) -> int:
    import json
    from pathlib import Path

    from .audit_text import audit_file

    audit = audit_file(Path(args.file), args.county, args.year)
    print(json.dumps(audit.to_json(), ensure_ascii=False, indent=2) if args.json else audit.report())
    return 1 if audit.problems else 0


def main(argv: list[str] | None = None) -> int:
    """Exit codes: 0 success, 1 the data or params have errors or the run failed, 2 an internal
    error (a bug: rerun with --debug and report it), 128 + the signal when stopped by one (130
    Ctrl-C, 143 SIGTERM)."""
    args = _parser().parse_args(argv)
    from .run import skip_unused_imports

    skip_unused_imports()
    from .errors import PerflibError
    from .stop_signals import signal_of, stopped_message, stopping

    try:
        with stopping():  # SIGTERM or Ctrl-C at any moment: said, never a silent death (E187)
            return COMMANDS[args.command](args)
    except KeyboardInterrupt as exc:
        print(stopped_message(exc, _root_or_none()), file=sys.stderr)
        return 128 + signal_of(exc)
    except (PerflibError, FileNotFoundError) as exc:
        if args.debug:
            traceback.print_exc()
        print(f"失败：{exc}", file=sys.stderr)
        kept = getattr(exc, "failed_notebook", None)
        if kept:
            print(f"失败时执行到的笔记本已保存：{kept}（出错的单元格已标出）。原有的报告未改动。", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: say so plainly; the traceback only on request
        if args.debug:
            traceback.print_exc()
        refused = _refused_by_the_machine(exc)
        if refused:  # disk full, read-only, no permission: the user's environment, not a bug
            print(f"失败：{refused}", file=sys.stderr)
            return 1
        print(f"内部错误：{type(exc).__name__}: {exc}。这是 perflib 的问题而不是数据的问题；"
              "请加 --debug 重新运行，并把输出发给维护者。", file=sys.stderr)
        return 2


def _root_or_none():
    from .project import find_root

    try:
        return find_root()
    except Exception:  # outside a project: paths are said in full
        return None


def _refused_by_the_machine(exc: BaseException) -> str | None:
    """The Chinese message (E178) for an OSError the machine caused (disk full, read-only file
    system, no permission) anywhere in a command (a batch summary, the rollup, verify's temporary
    folder), naming the path; None for anything else."""
    import errno

    from .files import write_failure

    if not isinstance(exc, OSError):
        return None
    cause = "没有访问权限（EACCES）" if exc.errno == errno.EACCES else write_failure(exc.errno)
    if cause is None:
        return None
    where = exc.filename or "输出文件夹"
    return f"[E178 错误] 无法写入或读取 {where}：{cause}。请腾出磁盘空间或改正权限（或换一个可写的位置）后重新运行。"


COMMANDS = {"run": _run, "check": _check, "verify": _verify, "audit-text": _audit_text, "batch": _batch, "rollup": _rollup, "new": _new}


if __name__ == "__main__":
    sys.exit(main())
