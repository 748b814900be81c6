"""The outline (``outline.yaml``): the report's parts, in order, each with a stable key, its title,
its template, the input tables it draws on, the figures it prints, and the tables and charts placed
after its text. Everything shaped by sections derives from it: the document's headings, the
notebook's per-part view for the auditor, the ledger's template quotes, the docs.

A county copies the file into its own templates folder (params: ``templates``) to rename, reorder,
drop or add parts; adding a part is one entry here and one narrative template.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .errors import TemplateProblem

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
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise TemplateProblem(f"模板 {name} 不是有效的 YAML：{getattr(exc, 'problem', exc)}。") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("title"), str) or not isinstance(raw.get("sections"), list):
        raise TemplateProblem(f"模板 {name} 应含 title（报告标题）和 sections（各部分的列表）。")
    seen: set[str] = set()

    def part(entry: Any, where: str) -> Part:
        if not isinstance(entry, dict) or not isinstance(entry.get("title"), str):
            raise TemplateProblem(f"模板 {name} 中 {where} 应含 title（标题）。")
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
            parts=tuple(part(child, f"「{entry['title']}」的第 {i} 个下级部分") for i, child in enumerate(entry.get("sections") or [], start=1)),
        )

    return Outline(raw["title"], tuple(part(e, f"第 {i} 个部分") for i, e in enumerate(raw["sections"], start=1)))
