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
    check = sub.add_parser("check", help="只检查数据，不生成报告")
    check.add_argument("--county", required=True)
    check.add_argument("--year", required=True, type=int)
    return parser


def _run(args) -> int:
    from .project import find_root, relative
    from .run import run_report

    started = time.monotonic()
    result = run_report(args.county, args.year, progress=not args.no_progress)
    root = find_root()
    print(f"完成：{args.county} {args.year}，用时 {time.monotonic() - started:.1f} 秒，输出在 {relative(result.output_dir, root)}/")
    for path in result.files:
        print(f"  {relative(path, root)}")
    _say_if_pdf_skipped(result)
    return 0


def _say_if_pdf_skipped(result) -> None:
    """A run without report.pdf says why (the notebook's export cell printed it too)."""
    from .render_pdf import unavailable_reason
    from .report import REPORT_PDF

    if not (result.output_dir / REPORT_PDF).exists():
        reason = unavailable_reason() or "LibreOffice 转换失败，原因见 annual_report.ipynb 的导出单元格。"
        print(f"未生成 {REPORT_PDF}：{reason}")


def _check(args) -> int:
    from .findings import errors
    from .params import load_params
    from .report import load_data

    params = load_params(args.county, args.year)
    _, findings = load_data(params)
    for finding in findings:
        print(finding)
    n_errors = len(errors(findings))
    print(f"检查完成：{n_errors} 处错误，{len(findings) - n_errors} 条提示。")
    return 1 if n_errors else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .findings import DataError
    from .params import ParamsError
    from .run import RunFailed

    try:
        return {"run": _run, "check": _check}[args.command](args)
    except KeyboardInterrupt:
        print("已中断，未改动原有输出。", file=sys.stderr)
        return 130
    except (RunFailed, DataError, ParamsError, FileNotFoundError) as exc:
        if args.debug:
            traceback.print_exc()
        print(f"失败：{exc}", file=sys.stderr)
        kept = getattr(exc, "failed_notebook", None)
        if kept:
            print(f"失败时执行到的笔记本已保存：{kept}（出错的单元格已标出）", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
