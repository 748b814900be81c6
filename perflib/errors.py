"""One base for every error a user can cause (bad data, params, templates, a failed run), so that
the command line, the runner and the notebook catch one class. Each carries a finding code and a
message in Chinese; anything else that escapes is a bug in perflib."""
from __future__ import annotations

from pathlib import Path


class PerflibError(Exception):
    """An error the user can act on: ``code`` (see docs/errors.md) and ``message`` (Chinese)."""

    code = "E000"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def _render_traceback_(self) -> list[str]:
        """How IPython shows it in the notebook: the message, no Python traceback."""
        return [str(self)]


class ParamsError(PerflibError, ValueError):
    """A params file is missing or wrong; the message (Chinese) says which key and why (code E140;
    E170 an unknown key, E171 a key written twice, E172 a year that is not a year)."""

    code = "E140"

    def __init__(self, message: str, code: str = "E140"):
        super().__init__(f"[{code} 错误] {message}", code)


class TemplateProblem(PerflibError):
    """A county template that cannot be used; the message (Chinese) names the file and line."""

    code = "E143"


class RunFailed(PerflibError):
    """A report run failed; ``reason`` is one paragraph for the user, ``failed_notebook`` the kept copy."""

    code = "E144"

    def __init__(self, reason: str, failed_notebook: Path | None = None):
        super().__init__(reason)
        self.reason = reason
        self.failed_notebook = failed_notebook


class BatchError(PerflibError):
    """The batch cannot start (nothing selected, scheduler unreachable); the message is for the user."""

    code = "E146"


class ManifestError(PerflibError, ValueError):
    """A manifest that cannot be read; the message (Chinese) names the file."""

    code = "E147"


class UnreadableText(PerflibError, ValueError):
    """The file cannot be read as a report; the message (Chinese) says why."""

    code = "E145"


class ReportInconsistent(PerflibError):
    """The generated report, audited as hand-written text is (perflib.audit_text), says something
    its own numbers or data contradict; nothing is written. Carries the audit's problems."""

    code = "E148"

    def __init__(self, problems: list):
        self.problems = problems
        listed = "\n".join(f"- {p}" for p in problems)
        super().__init__(f"报告自检发现 {len(problems)} 处数字前后不一致，未写出报告文件（多由县的模板中直接写入的数字引起）：\n{listed}")


class ScaffoldError(PerflibError):
    """``perflib new`` cannot write a new county or year (a file exists, a name is unusable); nothing was written."""

    code = "E149"


class RunTimedOut(PerflibError):
    """The run took longer than its time limit; its kernel was ended (code E157)."""

    code = "E157"

    def __init__(self, seconds: float, cell: int | None = None, code: str = ""):
        # The cell that was running names the step that took the time (reading the data, composing
        # the text, exporting); the cause is not guessed (a county template's loop, a long params text).
        where = ""
        if cell:
            where = f"超时时正在执行笔记本第 {cell} 个代码单元格" + (f"「{code}」" if code else "") + "（失败的笔记本中已标出该单元格）。"
        super().__init__(f"[E157 错误] 报告运行超过时限 {seconds:g} 秒，已结束内核。{where}"
                         "时限可用 --time-limit 或环境变量 PERFLIB_RUN_TIMEOUT 设置（默认 600 秒）。")
        self.seconds = seconds
        self.cell = cell


class InputRefused(PerflibError):
    """An input perflib will not read (see the codes E150–E158); ``finding`` locates it when it is
    part of the data, so that ``check`` lists it like any other finding."""

    def __init__(self, code: str, message: str, finding=None):
        super().__init__(f"[{code} 错误] {message}", code)
        self.text = message  # without the code
        self.finding = finding


class LedgerRefused(PerflibError, ValueError):
    """A report's ledger (figures.csv, or the one in its executed notebook) that the rollup will not
    read back: not a ledger, or a cell too long (E180); text where a number is expected (E181).
    The message (Chinese) names the file, row and column."""

    code = "E180"

    def __init__(self, code: str, message: str):
        super().__init__(f"[{code} 错误] {message}", code)


class DataError(PerflibError):
    """The data or params have errors: the report is not made. Carries the findings
    (perflib.findings); its code is the first error's."""

    def __init__(self, findings: list):
        self.findings = findings
        errors = [f for f in findings if f.is_error]
        listed = "\n".join(str(f) for f in errors)
        super().__init__(f"数据有 {len(errors)} 处错误，未生成报告：\n{listed}", errors[0].code if errors else None)


def is_user_error(class_name: str) -> bool:
    """Whether an exception raised in a kernel, known to the runner by its class name only, is one
    of perflib's user errors (its message is written for the user)."""
    found = globals().get(class_name)
    return isinstance(found, type) and issubclass(found, PerflibError)


class OutputNotWritable(RunFailed):
    """The output folder cannot be written (disk full, read-only, no permission): the user's
    environment, not perflib's fault; the message (Chinese) names the folder and the cause."""

    code = "E178"


class KernelDied(RunFailed):
    """The notebook's kernel died during the run (killed, out of memory, ``os._exit``)."""

    code = "E179"


class ConverterOutputInvalid(PerflibError):
    """The PDF converter gave back something that is not a PDF with pages: nothing is written as
    report.pdf and the run fails (its previous outputs stay as they were)."""

    code = "E188"


class NothingToCheck(PerflibError, ValueError):
    """``audit-text`` was given a text with nothing to check (empty, or no figure and no heading
    number): said as such, never as 「未发现问题」."""

    code = "E177"
