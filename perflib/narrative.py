"""Narrative: the report's wording, from Jinja2 templates that receive figures already printed.

The default templates (``perflib/templates``) follow the reference report's wording. A county
overrides any of them by putting a file of the same name in its own templates folder (params:
``templates``). Templates run in Jinja2's sandbox, and values from data are inserted as text,
never evaluated: a project named ``{{ 7*7 }}`` prints as that.
"""
from __future__ import annotations

from typing import Any

import yaml
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from . import safety
from .figures import Figures
from .params import Params
from .yoy import COMPARED
from .errors import TemplateProblem


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


def load_outline(params: Params) -> dict[str, Any]:
    """The outline (``outline.yaml``): the county's if it has one, else perflib's."""
    env = environment(params)
    source, _, _ = env.loader.get_source(env, "outline.yaml")
    safety.refuse_yaml_aliases(source, "模板 outline.yaml")  # billion laughs (E156)
    return yaml.safe_load(source)


def type_breakdown(types: list, zero_style: str) -> str:
    """「部门整体评价1个、……，以及其他重大项目3个」, or with zero_style 'none' 「……；无政府采购项目、……」."""
    shown = types if zero_style == "zero" else [(k, f) for k, f in types if f.value]
    absent = [] if zero_style == "zero" else [k for k, f in types if not f.value]
    parts = [f"{kind}{figure}" for kind, figure in shown]
    text = "、".join(parts[:-1]) + "，以及" + parts[-1] if len(parts) > 1 else "".join(parts)
    if absent:
        text += ("；" if text else "") + "无" + "、".join(absent)
    return text


def context(figures: Figures, params: Params) -> dict[str, Any]:
    """What every template may use: printed figures ``f``, lists, and params' text."""
    return {
        "f": figures.items,
        "county_name": params.county_name,
        "year": params.year,
        "type_breakdown": type_breakdown(figures.lists["key_evaluations.types"], params.settings.zero_count_style),
        "documents": figures.lists["documents.titles"],
        "batches": figures.lists["monitoring.batches"],
        "indicator_system": params.indicator_system.name,
        "pre_assessment_rule": params.pre_assessment_rule,
        "policy_basis": params.policy_basis,
        "third_party_scope": params.third_party_scope,
        "evaluation_remarks": params.evaluation_remarks,
        # 与上年对比 (perflib.yoy): comparison items by report part, empty without the previous year
        "yoy": {part: figures.lists.get("yoy.parts", {}).get(part, []) for part, _, _ in COMPARED},
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


def render_paragraphs(env: SandboxedEnvironment, template: str, values: dict[str, Any]) -> list[str]:
    """A narrative template's output as paragraphs (blank lines separate them)."""
    name = f"narrative/{template}"
    try:
        text = env.get_template(name).render(values)
    except TemplateError as error:
        raise _problem(name, error) from None
    return [" ".join(p.split("\n")).strip() for p in text.split("\n\n") if p.strip()]
