"""The outline (``outline.yaml``): the report's parts, in order, each with a stable key, its title,
its template, the input tables it draws on, the figures it prints, and the tables and charts placed
after its text. Everything shaped by sections derives from it: the document's headings, the
notebook's per-part view for the auditor, the ledger's template quotes, the docs.

A county copies the file into its own templates folder (params: ``templates``) to rename, reorder,
drop or add parts; adding a part is one entry here and one narrative template.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import yaml

from .errors import ParamsError, TemplateProblem

ENTRY_KEYS = {"key", "title", "template", "tables", "figures", "blocks", "items", "when", "appendix", "sections"}
ITEMS = ("problems", "measures")  # free text from params, one titled paragraph each


@dataclass(frozen=True)
class Part:
    """One part of the report as the outline declares it."""

    key: str  # stable name (the notebook, the ledger and tests refer to parts by it, never by title)
    title: str  # a template string: 「{{ year }}年预算绩效工作开展情况说明」
    template: str | None = None  # narrative/<template>
    tables: tuple[str, ...] = ()  # input tables (perflib.schema names) the part draws on
    figures: tuple[str, ...] = ()  # figure-name prefixes the part prints
    blocks: tuple[str, ...] = ()  # table:<name> and chart:<name> placed after the text
    items: str | None = None  # "problems" or "measures": params text as titled sub-parts
    when: str | None = None  # a context value that must be non-empty for the part to exist
    appendix: bool = False  # 附：, not numbered
    parts: tuple["Part", ...] = ()
    chosen: bool = False  # named in the params' outline: its sheets are required (one at least)
    title_is_template: bool = True  # False for a title from the params: printed as written, never evaluated

    def walk(self):
        yield self
        for part in self.parts:
            yield from part.walk()


@dataclass(frozen=True)
class Outline:
    title: str
    parts: tuple[Part, ...]

    def walk(self):
        """Every part, depth first, in reading order."""
        for part in self.parts:
            yield from part.walk()

    def templates(self) -> list[str]:
        return list(dict.fromkeys(p.template for p in self.walk() if p.template))

    def __getitem__(self, key: str) -> Part:
        found = next((p for p in self.walk() if p.key == key), None)
        if found is None:
            raise KeyError(key)
        return found


def parse_outline(source: str, name: str = "outline.yaml") -> Outline:
    """The outline from the text of ``outline.yaml``; a malformed entry is a ``TemplateProblem``
    naming the entry."""
    from .params_schema import OUTLINE_LEVELS, refuse_deep_yaml

    try:
        refuse_deep_yaml(source, f"模板 {name}")  # before the YAML composer recurses into it (E125)
    except ParamsError as exc:
        raise TemplateProblem(exc.message, code="E125") from None
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise TemplateProblem(f"模板 {name} 不是有效的 YAML：{getattr(exc, 'problem', exc)}。") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("title"), str) or not isinstance(raw.get("sections"), list):
        raise TemplateProblem(f"模板 {name} 应含 title（报告标题）和 sections（各部分的列表）。")
    seen: set[str] = set()

    def part(entry: Any, where: str, level: int = 1) -> Part:
        if not isinstance(entry, dict) or not isinstance(entry.get("title"), str):
            raise TemplateProblem(f"模板 {name} 中 {where} 应含 title（标题）。")
        if level > OUTLINE_LEVELS:
            raise TemplateProblem(f"[E125 错误] 模板 {name} 中「{entry['title']}」是第 {level} 层：报告的标题最多 {OUTLINE_LEVELS} 层"
                                  "（一、（一）1.（1）），请减少 sections 的嵌套。", code="E125")
        unknown = sorted(set(entry) - ENTRY_KEYS)
        if unknown:
            raise TemplateProblem(f"模板 {name} 中「{entry['title']}」有未知的键：{'、'.join(unknown)}（可用的键见 docs/templates.md）。")
        key = entry.get("key")
        if not isinstance(key, str) or not key:
            raise TemplateProblem(f"模板 {name} 中「{entry['title']}」缺少 key（该部分的固定名称，如 trainings）。")
        if key in seen:
            raise TemplateProblem(f"模板 {name} 中 key「{key}」出现了两次；每个部分的 key 应唯一。")
        seen.add(key)
        if entry.get("items") is not None and entry["items"] not in ITEMS:
            raise TemplateProblem(f"模板 {name} 中「{entry['title']}」的 items 应为 problems 或 measures。")
        return Part(
            key=key, title=entry["title"], template=entry.get("template"),
            tables=tuple(entry.get("tables") or ()), figures=tuple(entry.get("figures") or ()),
            blocks=tuple(entry.get("blocks") or ()), items=entry.get("items"), when=entry.get("when"),
            appendix=bool(entry.get("appendix")),
            parts=tuple(part(child, f"「{entry['title']}」的第 {i} 个下级部分", level + 1)
                        for i, child in enumerate(entry.get("sections") or [], start=1)),
        )

    return Outline(raw["title"], tuple(part(e, f"第 {i} 个部分") for i, e in enumerate(raw["sections"], start=1)))


def read_outline(params: Any) -> Outline:
    """The county's outline: its templates folder's ``outline.yaml`` (else perflib's), then the
    parts its params choose (``outline:``, see ``select``)."""
    folder = getattr(params, "templates", None)
    if folder is not None and (folder / "outline.yaml").is_file():
        from . import safety

        name = f"{folder.name}/outline.yaml"
        safety.require_inside(folder / "outline.yaml", folder, f"模板 {name}")  # a link out of the folder (E152)
        source = (folder / "outline.yaml").read_text(encoding="utf-8")
        safety.refuse_yaml_aliases(source, f"模板 {name}")  # billion laughs (E156)
    else:
        source, name = resources.files("perflib").joinpath("templates/outline.yaml").read_text(encoding="utf-8"), "outline.yaml"
    outline = parse_outline(source, name)
    choice = getattr(params, "outline", None)
    return select(outline, choice, f"params/{params.county}/{params.year}.yaml") if choice else outline


def select(outline: Outline, choice: tuple, where: str = "参数文件") -> Outline:
    """The parts a county keeps, in its order, with its titles: each entry of ``choice`` is a part
    key of ``outline`` (with its sub-parts), or ``{key, title, template, tables, figures, blocks,
    when, sections}`` overriding a known part or adding a new one (then title and template are
    needed). ``sections`` chooses the sub-parts the same way. Chosen parts are marked ``chosen``."""
    known = {p.key: p for p in outline.walk()}
    seen: set[str] = set()

    def pick(entries: tuple) -> tuple[Part, ...]:
        parts = []
        for entry in entries:
            spec = {"key": entry} if isinstance(entry, str) else dict(entry)
            key = spec["key"]
            if key in seen:
                raise ParamsError(f"{where} 的 outline 中「{key}」出现了两次。")
            seen.add(key)
            base = known.get(key)
            if base is None:
                if not spec.get("title") or not spec.get("template"):
                    raise ParamsError(f"{where} 的 outline 中「{key}」不是已有的部分（已有：{'、'.join(known)}）；"
                                      f"新增的部分须写 title 和 template。")
                base = Part(key=key, title=str(spec["title"]))
            changes: dict[str, Any] = {"chosen": True}
            for name in ("title", "template", "when"):
                if spec.get(name) is not None:
                    changes[name] = str(spec[name])
            if spec.get("title") is not None:
                changes["title_is_template"] = False  # params text is not a template (docs/templates.md)
            for name in ("tables", "figures", "blocks"):
                if spec.get(name) is not None:
                    changes[name] = tuple(spec[name])
            if spec.get("sections") is not None:
                changes["parts"] = pick(spec["sections"])
            else:
                changes["parts"] = base.parts  # its sub-parts as the outline has them (kept when they have data)
            parts.append(replace(base, **changes))
        return tuple(parts)

    return Outline(outline.title, pick(tuple(choice)))


def tables_in(outline: Outline) -> dict[str, list[Part]]:
    """Each input table the outline draws on, with the parts that draw on it."""
    found: dict[str, list[Part]] = {}
    for part in outline.walk():
        for table in part.tables:
            found.setdefault(table, []).append(part)
    return found
