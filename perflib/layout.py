"""Page layout of the Word document (公文格式, GB/T 9704-2012), in one place a county can override.

The defaults are ``perflib/templates/layout.yaml``. A county puts a ``layout.yaml`` with only the
keys it changes into its templates folder (params: ``templates``); it is merged key by key over
the defaults. Unknown keys and values of the wrong kind are refused with a message that names them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Mapping

import yaml

from .params import Params, ParamsError

LAYOUT_FILE = "layout.yaml"
MM_PER_PT = 25.4 / 72


@dataclass(frozen=True)
class Layout:
    """The merged layout rules; ``rules`` is the nested mapping of ``layout.yaml``."""

    rules: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.rules[key]

    @property
    def text_width_mm(self) -> float:
        page = self.rules["page"]
        return page["width_mm"] - page["margin_left_mm"] - page["margin_right_mm"]

    @property
    def char_spacing_pt(self) -> float:
        """Extra space per character (negative: condensed) so that ``chars_per_line`` body
        characters fill the text width, rounded down to Word's unit of 1/20 pt."""
        pitch = self.text_width_mm / MM_PER_PT / self.rules["chars_per_line"]
        spacing = pitch - self.rules["body"]["size_pt"]
        return math.floor(spacing * 20) / 20


def default_rules() -> dict[str, Any]:
    return yaml.safe_load(files("perflib").joinpath(f"templates/{LAYOUT_FILE}").read_text(encoding="utf-8"))


def load_layout(params: Params | None = None) -> Layout:
    """perflib's layout, with the county's ``layout.yaml`` (if its templates folder has one) over it."""
    rules = default_rules()
    override = params.templates / LAYOUT_FILE if params is not None and params.templates else None
    if override is not None and override.is_file():
        rules = merge(rules, _read(override), _label(override, params))
    return Layout(rules)


def _label(path: Path, params: Params) -> str:
    from .project import relative

    return relative(path, params.root)


def _read(path: Path) -> dict[str, Any]:
    from .safety import load_yaml, require_inside

    require_inside(path, path.parent, f"版式文件 {path.name}")  # a link out of the templates folder (E152)
    try:
        loaded = load_yaml(path, f"版式文件 {path.name}")  # a regular file, no YAML aliases (E151, E156)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParamsError(f"版式文件 {path.name} 无法读取（应为 UTF-8 编码的 YAML）：{exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ParamsError(f"版式文件 {path.name} 的顶层应为键值对（如 page: …, body: …）。")
    return loaded


def merge(defaults: Mapping[str, Any], override: Mapping[str, Any], where: str, prefix: str = "") -> dict[str, Any]:
    """``override`` over ``defaults``, key by key; every key must exist in ``defaults`` with a
    value of the same kind (number, text, yes/no, list, mapping)."""
    merged = dict(defaults)
    for key, value in override.items():
        name = f"{prefix}{key}"
        if key not in defaults:
            raise ParamsError(f"版式文件 {where} 中有未知的键 {name}。可用的键见 perflib/templates/layout.yaml。")
        default = defaults[key]
        if isinstance(default, dict) and key != "pdf_font_fallbacks":
            if not isinstance(value, dict):
                raise ParamsError(f"版式文件 {where} 中 {name} 应为键值对，现为「{value}」。")
            merged[key] = merge(default, value, where, f"{name}.")
        elif key == "pdf_font_fallbacks":
            if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
                raise ParamsError(f"版式文件 {where} 中 {name} 应为「字体名: [替代字体, …]」。")
            merged[key] = {**default, **{str(k): [str(x) for x in v] for k, v in value.items()}}
        else:
            merged[key] = _checked(default, value, where, name)
    return merged


def _checked(default: Any, value: Any, where: str, name: str) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ParamsError(f"版式文件 {where} 中 {name} 应为 true 或 false，现为「{value}」。")
    elif isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ParamsError(f"版式文件 {where} 中 {name} 应为非负数，现为「{value}」。")
    elif isinstance(default, str):
        if not isinstance(value, str) or not value.strip():
            raise ParamsError(f"版式文件 {where} 中 {name} 应为文字，现为「{value}」。")
        if name == "page_number.text" and "{page}" not in value:
            raise ParamsError(f"版式文件 {where} 中 page_number.text 应含 {{page}}（页码所在处），现为「{value}」。")
        if name == "page_number.position" and value not in ("outside", "center"):
            raise ParamsError(f"版式文件 {where} 中 page_number.position 应为 outside 或 center，现为「{value}」。")
    return value
