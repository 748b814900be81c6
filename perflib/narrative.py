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
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from . import safety
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


def environment(params: Params) -> SandboxedEnvironment:
    """The template environment: the county's folder first, then perflib's defaults."""
    loaders = [ConfinedLoader(str(params.templates))] if params.templates else []
    loaders.append(PackageLoader("perflib", "templates"))
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=False,  # plain text: every renderer escapes for its own format
        keep_trailing_newline=False,
    )


def load_outline(params: Params) -> Outline:
    """The outline (``outline.yaml``): the county's if it has one, else perflib's, with the parts
    its params choose (perflib.outline.read_outline)."""
    return read_outline(params)


# A figure cited in rendered text: private-use characters around its name, taken out again by
# ``runs`` (the only place that reads them). Data and params text never carry these characters.
_CITE_OPEN, _CITE_CLOSE = "\ue000", "\ue001"
_CITED = re.compile(f"{_CITE_OPEN}([^{_CITE_OPEN}{_CITE_CLOSE}]+){_CITE_CLOSE}")


class Cite:
    """A figure as a template sees it: ``{{ f["x"] }}`` cites it; ``f["x"].value`` and ``.unit``
    are there for conditions (``{% if f["x"].value %}``)."""

    def __init__(self, figure: Figure):
        self.figure = figure

    def __str__(self) -> str:
        return f"{_CITE_OPEN}{self.figure.key}{_CITE_CLOSE}"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.figure, name)


def cited(value: Any) -> Any:
    """``value`` with every figure inside it (lists, dicts, tuples) turned into a ``Cite``."""
    if isinstance(value, Figure):
        return Cite(value)
    if isinstance(value, dict):
        return {k: cited(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cited(v) for v in value]
    if isinstance(value, tuple):
        return tuple(cited(v) for v in value)
    return value


def runs(text: str) -> tuple[str | FigureRef, ...]:
    """Rendered text as runs: plain text, and a ``FigureRef`` wherever a figure was cited."""
    parts: list[str | FigureRef] = []
    last = 0
    for match in _CITED.finditer(text):
        if match.start() > last:
            parts.append(text[last:match.start()])
        parts.append(FigureRef(match.group(1)))
        last = match.end()
    if last < len(text):
        parts.append(text[last:])
    return tuple(parts)


def type_breakdown(types: list, zero_style: str) -> str:
    """「部门整体评价1个、……，以及其他重大项目3个」, or with zero_style 'none' 「……；无政府采购项目、……」;
    "" when the county declares a single type (the breakdown would repeat the total). A type name
    holding 、 quotes every name of the list (``formatting.names_in_list``): 「“重点政策、项目”2个」."""
    types = list(zip(fmt.names_in_list([name for name, _ in types]), [f for _, f in types]))
    if len(types) < 2 or not any(f.value for _, f in types):
        return ""
    shown = types if zero_style == "zero" else [(k, f) for k, f in types if f.value]
    absent = [] if zero_style == "zero" else [k for k, f in types if not f.value]
    parts = [f"{kind}{Cite(figure)}" for kind, figure in shown]
    text = "、".join(parts[:-1]) + "，以及" + parts[-1] if len(parts) > 1 else "".join(parts)
    if absent:
        text += ("；" if text else "") + "无" + "、".join(absent)
    return text


def context(figures: Figures, params: Params) -> dict[str, Any]:
    """What every template may use: cited figures ``f``, lists, and params' text."""
    w = params.wording
    return {
        "f": {key: Cite(figure) for key, figure in figures.items.items()},
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
        "types": cited(figures.lists.get("key_evaluations.types", [])),  # (name, count) in the county's order
        "grades": cited(figures.lists.get("grades", {}) if params.settings.print_grades else {}),
        "all_grades": cited(figures.lists.get("grades", {})),  # for county templates, whatever print_grades says
        "text": dict(params.text),
        "third_party_quality_rating": params.third_party_quality_rating,
        "type_breakdown": type_breakdown(figures.lists["key_evaluations.types"], params.settings.zero_count_style),
        "documents": figures.lists["documents.titles"],
        "batches": cited(figures.lists["monitoring.batches"]),
        "indicator_system": params.indicator_system.name if params.indicator_system else "",
        "pre_assessment_rule": params.pre_assessment_rule,
        "policy_basis": params.policy_basis,
        "third_party_scope": params.third_party_scope,
        "evaluation_remarks": params.evaluation_remarks,
        # 与上年对比 (perflib.history): comparison items by report part, empty without the previous year
        "yoy": {i.part: cited(figures.lists.get("yoy.parts", {}).get(i.part, [])) for i in MAIN_INDICATORS},
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


def render_text(env: SandboxedEnvironment, source: str, values: dict[str, Any]) -> str:
    """A short template string (a heading) rendered with the same environment."""
    try:
        return env.from_string(source).render(values).strip()
    except TemplateError as error:
        raise _problem(f"outline.yaml 中的标题「{source}」", error) from None


def render_paragraphs(env: SandboxedEnvironment, template: str, values: dict[str, Any]) -> list[tuple[str | FigureRef, ...]]:
    """A narrative template's output as paragraphs (blank lines separate them), each as runs."""
    name = f"narrative/{template}"
    try:
        text = env.get_template(name).render(values)
    except TemplateError as error:
        raise _problem(name, error) from None
    return [runs(" ".join(p.split("\n")).strip()) for p in text.split("\n\n") if p.strip()]
