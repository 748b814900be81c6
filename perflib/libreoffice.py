"""LibreOffice on this machine: where it is (``soffice``), why there is no PDF without it, and the
fontconfig file that gives each 公文 font a distinct Simplified-Chinese substitute. Used by the
per-report conversion and the long-lived converter (perflib.render_pdf)."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from xml.sax.saxutils import escape

from .layout import Layout


def soffice() -> str | None:
    """LibreOffice's ``soffice``: ``$PERFLIB_SOFFICE`` if set (``none`` turns PDF output off),
    else the one on PATH."""
    chosen = os.environ.get("PERFLIB_SOFFICE", "").strip()
    if chosen.lower() == "none":
        return None
    if chosen:
        return shutil.which(chosen)
    return shutil.which("soffice") or shutil.which("libreoffice")


def unavailable_reason() -> str | None:
    """Why no PDF can be made on this machine, or None when LibreOffice is there."""
    if os.environ.get("PERFLIB_SOFFICE", "").strip().lower() == "none":
        return "已按环境变量 PERFLIB_SOFFICE=none 关闭 PDF 输出。"
    if soffice() is None:
        return ("未找到 LibreOffice（soffice 命令），因此未生成 report.pdf；其余文件已生成。"
                f"安装方法：apt-get install {' '.join(INSTALL_PACKAGES)}，或用 Word/WPS 打开 report.docx 另存为 PDF。")
    return None


# The Debian packages of the faces layout.yaml's pdf_font_fallbacks name for the 公文 fonts
# (docs/publication.md): the README's and .ci/run's install line is LibreOffice and these.
FONT_PACKAGES = {
    "Noto Serif CJK SC": "fonts-noto-cjk",       # 仿宋 (body, tables); 小标宋 in bold (title)
    "Noto Sans CJK SC": "fonts-noto-cjk",        # 黑体 (一、 headings, captions, table headers)
    "AR PL UKai CN": "fonts-arphic-ukai",        # 楷体 (（一） headings)
    "AR PL UMing CN": "fonts-arphic-uming",      # 宋体 (page numbers)
    "Liberation Serif": "fonts-liberation2",     # Times New Roman (digits, Latin letters)
}
INSTALL_PACKAGES = ("libreoffice-writer-nogui", *dict.fromkeys(FONT_PACKAGES.values()))

# The fonts a layout's parts name, with what they are for (the warning says which text changes face).
FONT_ROLES = (("title", "font", "标题"), ("heading1", "font", "一级标题「一、」"), ("heading2", "font", "二级标题「（一）」"),
              ("body", "font", "正文"), ("table", "font", "表格文字"), ("table", "header_font", "表头"),
              ("caption", "font", "图表标题"), ("page_number", "font", "页码"))


def chosen_face(font: str, layout: Layout, installed: frozenset[str]) -> str | None:
    """The face the PDF uses for ``font``: the first installed entry of its ``pdf_font_fallbacks``
    list (the font itself where it has no list and is installed); None: LibreOffice's own choice."""
    entries = [family for family, _ in map(_fallback, layout["pdf_font_fallbacks"].get(font, [font]))]
    return next((family for family in entries if family.casefold() in installed), None)


def font_fallbacks(layout: Layout, installed: frozenset[str] | None = None) -> list:
    """W270: each font the layout names whose face of choice is not installed, so that the PDF
    prints it in a later face of its list (the 楷体 headings in the body's Noto Serif, …) or in
    whatever LibreOffice picks. The face of choice is the first entry of the font's list that is
    installed or that perflib's install line provides (FONT_PACKAGES): on a machine set up as the
    README says, no warning; a county's own licensed font (方正仿宋_GBK …) warns only when none of
    the faces before it in its list is there either. ``installed``: the installed family names,
    case-folded (default: fontconfig's ``fc-list``); where fontconfig is absent nothing is checked."""
    from .findings import Finding

    installed = installed_families() if installed is None else installed
    if installed is None:
        return []
    packaged = {family.casefold(): package for family, package in FONT_PACKAGES.items()}
    roles: dict[str, list[str]] = {}
    for part, key, role in FONT_ROLES:
        roles.setdefault(layout[part][key], []).append(role)
    roles.setdefault(layout["latin_font"], []).append("数字和西文")
    found = []
    for font, used_for in roles.items():
        entries = [family for family, _ in map(_fallback, layout["pdf_font_fallbacks"].get(font, [font]))]
        wanted = next((family for family in entries if family.casefold() in installed or family.casefold() in packaged), None)
        chosen = chosen_face(font, layout, installed)
        if wanted is None or chosen == wanted:
            continue
        package = packaged.get(wanted.casefold())
        how = f"安装 {wanted}（apt-get install {package}）" if package else f"安装 {wanted}"
        instead = f"改用 {chosen}" if chosen else "由 LibreOffice 自行选用字体"
        found.append(Finding(
            "W270", f"PDF 中「{font}」（{'、'.join(used_for)}）应使用 {wanted}，本机未安装，已{instead}，"
                    f"印出的字体与版式不同；{how}后重新运行即可（见 docs/publication.md）。"))
    return found


def fontconfig_file(layout: Layout) -> str:
    """A fontconfig file: the system's configuration plus one rule per 公文 font (and the Latin
    font): the font's name is replaced by the first installed font of its ``pdf_font_fallbacks``
    list, in the weight the entry names (``Noto Serif CJK SC:bold``: a heavy Song for 小标宋).
    Where fontconfig's ``fc-list`` is not there, the whole list is given as preferred families."""
    installed = installed_families()
    rules = []
    for font, fallbacks in layout["pdf_font_fallbacks"].items():
        entries = [_fallback(entry) for entry in fallbacks]
        if installed is None:
            prefer = "".join(f"<family>{escape(family)}</family>" for family, _ in entries)
            rules.append(f'  <alias binding="strong"><family>{escape(font)}</family><prefer>{prefer}</prefer></alias>')
            continue
        chosen = next(((family, weight) for family, weight in entries if family.casefold() in installed), None)
        if chosen is None:
            continue  # none installed: LibreOffice's own substitution
        family, weight = chosen
        edit_weight = (f'<edit name="weight" mode="assign" binding="strong"><const>{weight}</const></edit>'
                       if weight else "")
        rules.append(f'  <match target="pattern"><test name="family"><string>{escape(font)}</string></test>'
                     f'<edit name="family" mode="assign" binding="strong"><string>{escape(family)}</string></edit>'
                     f"{edit_weight}</match>")
    return ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
            + "\n".join(rules) + "\n</fontconfig>\n")


_WEIGHTS = ("light", "regular", "medium", "demibold", "bold", "black")


def _fallback(entry: str) -> tuple[str, str | None]:
    """``Family`` or ``Family:weight`` (a fontconfig weight name: bold, black, …)."""
    family, _, weight = str(entry).partition(":")
    weight = weight.strip().lower()
    return family.strip(), weight if weight in _WEIGHTS else None


@functools.lru_cache(maxsize=1)
def installed_families() -> frozenset[str] | None:
    """Every installed font family name (case-folded, all its names), from ``fc-list``; None
    where fontconfig's tools are not installed."""
    if shutil.which("fc-list") is None:
        return None
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    try:
        listed = subprocess.run(["fc-list", "--format", "%{family}\\n"], capture_output=True, text=True,
                                timeout=60, env=env).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return frozenset(name.strip().casefold() for line in listed.splitlines() for name in line.split(",") if name.strip())


# writer_pdf_Export's FilterData, the same in both ways of converting (the long-lived converter and
# ``--convert-to``, whose filter options take it as JSON since LibreOffice 7.4). The charts are
# made at print resolution and placed at their print size, never enlarged, so they need no
# resampling: LibreOffice's default (ReduceImageResolution to 300 dpi) resampled them anyway and
# spent half the conversion on it; and they are line art with text, kept lossless (PNG data,
# Flate) instead of LibreOffice's default JPEG at quality 90.
FILTER_DATA = {"ReduceImageResolution": False, "UseLosslessCompression": True}


def filter_options() -> str:
    """``--convert-to``'s filter: writer_pdf_Export with FILTER_DATA as LibreOffice's typed JSON."""
    import json

    typed = {name: {"type": "boolean", "value": "true" if value else "false"} for name, value in FILTER_DATA.items()}
    return "pdf:writer_pdf_Export:" + json.dumps(typed, separators=(",", ":"))
