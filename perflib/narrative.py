"""Narrative: the report's wording, from Jinja2 templates that cite figures.

A template writes ``{{ f["trainings.sessions"] }}``; what it renders there is a reference to the
figure, not its text, and a paragraph comes out as a sequence of text runs and figure references
(``Paragraph.runs``). Renderers print the figures with the county's settings.

The default templates (``perflib/templates``) follow the reference report's wording. A county
overrides any of them by putting a file of the same name in its own templates folder (params:
``templates``). Templates run in Jinja2's sandbox, and values from data are inserted as text,
never evaluated: a project named ``{{ 7*7 }}`` prints as that.
"""
from __future__ import annotations

import re
import secrets
from typing import Any, Iterator

from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from . import limits, safety
from .figures import Figure, FigureRef, Figures
from .indicators import MAIN_INDICATORS
from .outline import Outline, read_outline
from .params import Params
from .errors import TemplateProblem
from . import formatting as fmt


class ConfinedLoader(FileSystemLoader):
    """A county's templates folder: a template is read only if its real location, links resolved,
    is inside the folder (E152). (A FIFO or device is not a file to Jinja2: the default is used.)"""

    def get_source(self, environment, template):
        import os

        from jinja2.loaders import split_template_path

        from .safety import require_inside

        folder = self.searchpath[0]
        filename = os.path.join(folder, *split_template_path(template))
        if os.path.isfile(filename):
            require_inside(filename, folder, f"模板 {template}")
        return super().get_source(environment, template)


class ReportSandbox(SandboxedEnvironment):
    """Jinja2's sandbox, with the operators that make large values from small ones bounded:
    ``'x' * n``, ``[…] * n``, ``a + b`` of texts or lists and ``a ** b`` may not make a value past
    ``limits.MAX_TEMPLATE_OUTPUT_BYTES`` (E165), so that ``{{ ('x' * 100000000) * 30 }}`` stops
    before it takes the memory (Jinja2's documented operator interception)."""

    intercepted_binops = frozenset({"*", "+", "**"})

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        limit = limits.MAX_TEMPLATE_OUTPUT_BYTES
        sized = (str, list, tuple)
        if operator == "*" and isinstance(left, sized) != isinstance(right, sized):
            sequence, times = (left, right) if isinstance(left, sized) else (right, left)
            if isinstance(times, int) and len(sequence) * times > limit:
                raise _too_large(context.name or "字符串")
        elif operator == "+" and isinstance(left, sized) and isinstance(right, sized):
            if len(left) + len(right) > limit:
                raise _too_large(context.name or "字符串")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 4096:
            raise _too_large(context.name or "字符串")  # 10 ** 10 ** 9: a number of a billion digits
        return super().call_binop(context, operator, left, right)


def environment(params: Params) -> SandboxedEnvironment:
    """The template environment: the county's folder first, then perflib's defaults."""
    loaders = [ConfinedLoader(str(params.templates))] if params.templates else []
    loaders.append(PackageLoader("perflib", "templates"))
    return ReportSandbox(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=False,  # plain text: every renderer escapes for its own format
        keep_trailing_newline=False,
    )


def load_outline(params: Params) -> Outline:
    """The outline (``outline.yaml``): the county's if it has one, else perflib's, with the parts
    its params choose (perflib.outline.read_outline)."""
    return read_outline(params)


class Citations:
    """The figures cited while a document's templates render, carried out of band.

    Jinja2 renders text, so a cited figure has to pass through the output as text: as a
    placeholder ``\\x00<token><n>\\x00`` whose ``n`` indexes this table and whose ``token`` is drawn at
    random for each document. Text from the data or the params cannot imitate a placeholder (it
    would have to guess the token, and control characters are refused in both, E153), so every
    other character, private-use ones (U+E000…) included, prints as itself. ``runs`` takes the
    placeholders out again; nothing else reads them."""

    def __init__(self) -> None:
        self._token = secrets.token_hex(16)
        self._placeholder = re.compile(f"\x00{self._token}(\\d+)\x00")
        self._keys: list[str] = []  # placeholder n -> figure key
        self._index: dict[str, int] = {}

    def cite(self, figure: Figure) -> "Cite":
        return Cite(figure, self)

    def placeholder(self, key: str) -> str:
        if key not in self._index:
            self._index[key] = len(self._keys)
            self._keys.append(key)
        return f"\x00{self._token}{self._index[key]}\x00"

    def runs(self, text: str, where: str) -> tuple[str | FigureRef, ...]:
        """Rendered text as runs: plain text, and a ``FigureRef`` wherever a figure was cited. A
        placeholder cut or changed by a template (``f["x"] | string | truncate``) is an error of
        that template (E143), never printed."""
        parts: list[str | FigureRef] = []
        last = 0
        for match in self._placeholder.finditer(text):
            if match.start() > last:
                parts.append(text[last:match.start()])
            parts.append(FigureRef(self._keys[int(match.group(1))]))
            last = match.end()
        if last < len(text):
            parts.append(text[last:])
        if any(isinstance(p, str) and "\x00" in p for p in parts):  # a placeholder's remnant
            raise TemplateProblem(f"{where}把引用的数字（f[…]）当作文字截取或改写了；数字只能整体引用，如 {{{{ f[\"trainings.sessions\"] }}}}。")
        return tuple(parts)


class Cite:
    """A figure as a template sees it: ``{{ f["x"] }}`` cites it; ``f["x"].value`` and ``.unit``
    are there for conditions (``{% if f["x"].value %}``)."""

    def __init__(self, figure: Figure, citations: Citations):
        self.figure = figure
        self._citations = citations

    def __str__(self) -> str:
        return self._citations.placeholder(self.figure.key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.figure, name)


def cited(value: Any, citations: Citations) -> Any:
    """``value`` with every figure inside it (lists, dicts, tuples) turned into a ``Cite``."""
    if isinstance(value, Figure):
        return citations.cite(value)
    if isinstance(value, dict):
        return {k: cited(v, citations) for k, v in value.items()}
    if isinstance(value, list):
        return [cited(v, citations) for v in value]
    if isinstance(value, tuple):
        return tuple(cited(v, citations) for v in value)
    return value


def type_breakdown(types: list, zero_style: str, citations: Citations) -> str:
    """「部门整体评价1个、……，以及其他重大项目3个」, or with zero_style 'none' 「……；无政府采购项目、……」;
    "" when the county declares a single type (the breakdown would repeat the total). A type name
    holding 、 quotes every name of the list (``formatting.names_in_list``): 「“重点政策、项目”2个」."""
    types = list(zip(fmt.names_in_list([name for name, _ in types]), [f for _, f in types]))
    if len(types) < 2 or not any(f.value for _, f in types):
        return ""
    shown = types if zero_style == "zero" else [(k, f) for k, f in types if f.value]
    absent = [] if zero_style == "zero" else [k for k, f in types if not f.value]
    parts = [f"{kind}{citations.cite(figure)}" for kind, figure in shown]
    text = "、".join(parts[:-1]) + "，以及" + parts[-1] if len(parts) > 1 else "".join(parts)
    if absent:
        text += ("；" if text else "") + "无" + "、".join(absent)
    return text


def context(figures: Figures, params: Params, citations: Citations) -> dict[str, Any]:
    """What every template may use: cited figures ``f``, lists, and params' text (``citations``
    keeps what the templates cite, see ``Citations``)."""
    w = params.wording

    def cite(value: Any) -> Any:
        return cited(value, citations)

    return {
        "f": {key: citations.cite(figure) for key, figure in figures.items.items()},
        "county_name": params.county_name,
        "year": params.year,
        # words that differ by place (params wording); neutral by default
        "wording": w,
        "we": w.we or params.county_name,
        "bureau": w.publisher(params.county_name),
        "offices": w.offices_phrase(),  # 「组织局相关业务处室、被评价单位」 (params wording.organ, wording.offices)
        "portal": w.portal,  # 「已在人民政府门户网站…公开」; "" leaves the place out
        "timing": dict(params.timing),  # the year relation of each activity (params timing)
        # 公开情况 says at least one report was published: only then does the text say reports were published
        "reports_published": bool(figures.lists.get("key_evaluations.public")),
        "printed": set(),  # the tables and charts the report prints, by block name (set by document.build_document)
        "zeros": params.settings.zero_count_style == "zero",  # print 「0个」 (the reference) rather than leave zeros out
        "scopes": figures.lists.get("key_evaluations.scopes", []),
        "types": cite(figures.lists.get("key_evaluations.types", [])),  # (name, count) in the county's order
        "grades": cite(figures.lists.get("grades", {}) if params.settings.print_grades else {}),
        "all_grades": cite(figures.lists.get("grades", {})),  # for county templates, whatever print_grades says
        "text": dict(params.text),
        "third_party_quality_rating": params.third_party_quality_rating,
        "type_breakdown": type_breakdown(figures.lists["key_evaluations.types"], params.settings.zero_count_style, citations),
        "documents": figures.lists["documents.titles"],
        "batches": cite(figures.lists["monitoring.batches"]),
        "indicator_system": params.indicator_system.name if params.indicator_system else "",
        "pre_assessment_rule": params.pre_assessment_rule,
        "policy_basis": params.policy_basis,
        "third_party_scope": params.third_party_scope,
        "evaluation_remarks": params.evaluation_remarks,
        # 与上年对比 (perflib.history): comparison items by report part, empty without the previous year
        "yoy": {i.part: cite(figures.lists.get("yoy.parts", {}).get(i.part, [])) for i in MAIN_INDICATORS},
        "history_span": _span(figures.lists.get("yoy.years") or []),
    }


def _span(years: list) -> str:
    """「2022年至2023年」 for the years the appendix compares ("" without any); each year is a ledger figure."""
    if not years:
        return ""
    first, last = years[0][0], years[-1][0]
    return f"{first}年至{last}年" if first != last else f"{first}年"


def _problem(name: str, error: TemplateError) -> TemplateProblem:
    line = f"第 {error.lineno} 行" if isinstance(error, TemplateSyntaxError) and error.lineno else ""
    return TemplateProblem(f"模板 {name} {line}有误：{error.message or type(error).__name__}。请对照 docs/templates.md 修改该模板。")


def _too_large(name: str) -> TemplateProblem:
    limit = limits.MAX_TEMPLATE_OUTPUT_BYTES // limits.MB
    return TemplateProblem(f"[E165 错误] 模板 {name} 生成的文字超过 {limit} MB（一份年度报告的一个部分只有几 KB），已停止生成。"
                           "请检查该模板中的循环和重复（如 {% for %}、字符串乘法），或其引用的参数文字是否过长。", "E165")


def _streamed(name: str, chunks: Iterator[str]) -> str:
    """A template's output, read as Jinja2 generates it and counted as it comes: past
    ``limits.MAX_TEMPLATE_OUTPUT_BYTES`` (UTF-8) generation stops at once (E165), so a runaway
    template never holds more than the limit and one chunk."""
    limit = limits.MAX_TEMPLATE_OUTPUT_BYTES
    out: list[str] = []
    size = 0
    try:
        for chunk in chunks:
            size += len(chunk) if len(chunk) > limit else len(chunk.encode("utf-8"))
            if size > limit:
                raise _too_large(name)
            out.append(chunk)
    except TemplateError as error:
        raise _problem(name, error) from None
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # a generator stopped early ends here
    return "".join(out)


def render_text(env: SandboxedEnvironment, source: str, values: dict[str, Any], citations: Citations) -> str:
    """A short template string of an outline file (a heading) rendered with the same environment.
    A heading is plain text: a figure cited in it is an error (E143)."""
    name = f"outline.yaml 中的标题「{source[:40]}」"
    try:
        template = env.from_string(source)
    except TemplateError as error:
        raise _problem(name, error) from None
    runs = citations.runs(_streamed(name, template.generate(values)).strip(), f"模板 {name} ")
    if any(isinstance(r, FigureRef) for r in runs):
        raise TemplateProblem(f"模板 {name} 引用了数字（f[…]）：标题中不能引用数字，请写在该部分的模板中。")
    return "".join(runs)


def render_paragraphs(env: SandboxedEnvironment, template: str, values: dict[str, Any],
                      citations: Citations) -> list[tuple[str | FigureRef, ...]]:
    """A narrative template's output as paragraphs (blank lines separate them), each as runs."""
    name = f"narrative/{template}"
    try:
        compiled = env.get_template(name)
    except TemplateError as error:
        raise _problem(name, error) from None
    text = _streamed(name, compiled.generate(values))
    return [citations.runs(" ".join(p.split("\n")).strip(), f"模板 {name} ") for p in text.split("\n\n") if p.strip()]
