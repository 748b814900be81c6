"""Report parameters: one YAML per county and year, also a valid papermill parameters file.

``params/<county>/<year>.yaml`` holds the metadata, the format settings, the scalars that have no
list in the budget system (the indicator system's 类/条, the third-party quality rating) and the
free text written by people (policy basis, 存在问题, 下一步措施). Values injected by papermill
override the file's.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

import yaml

from . import params_schema, project, safety
from .mapping import parse_mapping
from .params_schema import KEY_EVALUATION_COLUMNS, STANDARD_KINDS, TIMING_CHOICES  # noqa: F401  (STANDARD_KINDS: figures, rollup)
from .rules import DEFAULT_GRADE_LABELS, DEFAULT_SCHEDULE_PHRASES, GRADE_FLOORS, SchedulePhrase, grade_bands_text
from .errors import ParamsError

MAX_PARAMS_BYTES = 1 << 20  # a params file is a few KB (E156 beyond)
# Which year each activity's data is about, relative to the report year Y (params_schema.TIMING_CHOICES):
# key evaluations of Y done in Y+1 (next) or Y (same); self-evaluations and third-party evaluations
# done in Y about Y-1 (previous) or Y (same).
DEFAULT_TIMING = {"key_evaluations": "next", "self_evaluations": "previous", "third_party": "previous"}
ILLUSTRATIVE_NOTICE = "本报告所用数据含示例数据，不是该地区公布的数字，仅供演示，不得作为正式报告使用。"
ILLUSTRATIVE_PARTS_NOTICE = "本报告中下列内容为示意，不是该地区公布的情况："  # before the notes of illustrative: {…} or […]


@dataclass(frozen=True)
class EvaluationType:
    """One evaluation type as the county names it: its aliases in the data, the standard kind of
    中发〔2018〕34号 it maps to, and how the report names its area (「政府采购」) when it has objects."""

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    scope: str = ""  # 「评价类型覆盖…等方面」 names the types with objects by this; "" leaves it out
    measure: str = "个"  # the measure word of its count: 「7个重点项目」, 「1家部门整体」


DEFAULT_EVALUATION_TYPES = (
    EvaluationType("部门整体评价", "部门整体", (), "部门整体"),
    EvaluationType("下级政府财政综合运行绩效评价", "下级政府财政运行", (), "下级政府财政运行"),
    EvaluationType("财政政策评价", "财政政策", (), "财政政策"),
    EvaluationType("政府采购项目", "政府采购", (), "政府采购"),
    EvaluationType("政府购买服务项目", "政府购买服务", (), "政府购买服务"),
    EvaluationType("专项债券项目", "政府债务项目", (), "地方政府专项债券"),
    EvaluationType("其他重大项目", "项目", (), ""),
)


@dataclass(frozen=True)
class FigureFormat:
    """How one figure (or every figure under a name prefix) prints, beside the county's settings:
    ``decimals`` an int or ``"data"`` (as many as the value carries: 340915.5112, 15091.58, 2895),
    ``unit`` 万元 or 亿元 for an amount, ``thousands`` the separator; for a count, ``measure`` its
    measure word (项, 场, 人次 …) and ``approx`` a published approximation (余, 近, 超, 逾) to a
    multiple of ``round_to`` (10 by default): 127 printed 「120余个」 (perflib.counts)."""

    decimals: int | str | None = None
    unit: str | None = None
    thousands: bool | None = None
    approx: str | None = None
    round_to: int | None = None
    measure: str | None = None


@dataclass(frozen=True)
class Wording:
    """Words that differ by place: the level above, this level, the party committee, the bureau.
    Defaults are neutral; 和硕县's params supply the reference's words."""

    superior: str = "上级财政部门"  # the level above as printed: 自治区, 省财政厅
    level: str = ""  # 本级: 县, 区, 市, 旗 (「本县」); "" says the county's name
    we: str = ""  # how the report names its own government: 我县; "" says the county's name
    party: str = ""  # 县委、县政府 (「围绕县委、县政府重大决策部署」); "" leaves the phrase out
    bureau: str = ""  # 和硕县财政局; "" says <county_name><organ>
    staff: str = ""  # who did the checks: 今年各股室; "" leaves the subject out
    organ: str = "财政局"  # the publisher's kind of office, without the place: 财政局, 财政金融部, 财政所
    offices: str = ""  # who in the organ acted with the evaluated units: "" says 局相关业务处室 for a 局, else 相关业务处室
    portal: str = "人民政府门户网站"  # where reports are published (「已在…公开」); "" leaves the place out

    def publisher(self, county_name: str) -> str:
        """The publishing office as printed: ``bureau``, or the place's name and ``organ``."""
        return self.bureau or f"{county_name}{self.organ}"

    def offices_phrase(self) -> str:
        """「局相关业务处室」 for a 局 (the reference), 「相关业务处室」 for an office that is not one."""
        if self.offices:
            return self.offices
        return ("局" if self.organ.endswith("局") else "") + "相关业务处室"


@dataclass(frozen=True)
class FormatSettings:
    """How numbers print; the defaults are the reference report's."""

    amount_decimals: int = 0  # decimals of 万元: 24,066万元
    thousands_separator: bool = True
    yi_decimals: int = 2  # decimals of 亿元: 0.34亿元
    percent_decimals: int = 0  # 46%
    zero_count_style: str = "none"  # none: a zero count is phrased 「无…」 or left out; zero: 「0个」
    grade_labels: tuple[str, ...] = DEFAULT_GRADE_LABELS
    grade_floors: tuple[Decimal, ...] = GRADE_FLOORS  # lowest score of each grade (财预〔2020〕10号: 90, 80, 60, 0)
    schedule_phrases: tuple[SchedulePhrase, ...] = DEFAULT_SCHEDULE_PHRASES
    print_grades: bool = True  # default templates state grade distributions of graded tables
    figure_formats: tuple[tuple[str, FigureFormat], ...] = ()  # (figure name or prefix ending in ".", format)

    def format_of(self, key: str | None) -> FigureFormat | None:
        """The per-figure format of ``key``: its exact name first, then the longest prefix."""
        if not key or not self.figure_formats:
            return None
        best = None
        for name, fmt in self.figure_formats:
            if name == key:
                return fmt
            if name.endswith(".") and key.startswith(name) and (best is None or len(name) > len(best[0])):
                best = (name, fmt)
        return best[1] if best else None


@dataclass(frozen=True)
class IndicatorSystem:
    """核心绩效指标体系: its title and size (类, 条)."""

    name: str
    categories: int
    indicators: int


@dataclass(frozen=True)
class Item:
    """A titled paragraph of free text (one point of 存在问题 or 下一步措施)."""

    title: str
    text: str


@dataclass(frozen=True)
class Params:
    county: str  # folder name, e.g. heshuo
    year: int
    county_name: str  # e.g. 和硕县
    data: Path  # resolved path of the workbook or CSV folder
    data_label: str  # as written in the params file, relative to the project
    settings: FormatSettings
    indicator_system: IndicatorSystem | None
    pre_assessment_rule: str
    third_party_quality_rating: str
    policy_basis: str
    third_party_scope: str
    evaluation_remarks: str
    problems: tuple[Item, ...]
    measures: tuple[Item, ...]
    templates: Path | None
    stated_totals: Mapping[str, Decimal]  # figure name -> total as stated by the analyst, checked (E142)
    root: Path
    source: Path | None
    data_root: Path | None = None  # where data paths may point besides the project (--data-root); earlier years use it too
    columns: Mapping[str, Any] = field(default_factory=dict)  # the county's export names (perflib.mapping)
    issuer: str = ""  # 落款: the issuing office (text.issuer)
    issue_date: date | None = None  # 成文日期 (text.issue_date)
    outline: tuple | None = None  # the county's choice of parts (perflib.outline.select), or None: every part
    illustrative: str = ""  # the notice printed on every output when the data is (partly) invented
    # illustrative as notes: (what, note), what a part key, chart:/table: name, issue_date, or "" (document.illustrative_section)
    illustrative_notes: tuple[tuple[str, str], ...] = ()
    wording: Wording = field(default_factory=Wording)
    evaluation_types: tuple[EvaluationType, ...] = DEFAULT_EVALUATION_TYPES
    grade_labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # table -> labels, beside settings.grade_labels
    timing: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TIMING))  # year relation of each activity (TIMING_CHOICES)
    key_evaluation_columns: tuple[str, ...] = ("序号", "评价报告")  # columns of the key-evaluation table
    text: Mapping[str, str] = field(default_factory=dict)  # further free text, by name, for county templates

    def labels_for(self, table: str) -> tuple[str, ...]:
        """The grade labels (优, 良, 中, 差 in the county's words) of one graded table."""
        return self.grade_labels.get(table, self.settings.grade_labels)

    def grade_bands(self, table: str | None = None) -> str:
        """The score bands in words, with the labels of ``table`` (settings.grade_labels without one):
        「90分（含）以上为优，80分（含）至90分为良，60分（含）至80分为中，60分以下为差」."""
        labels = self.labels_for(table) if table else self.settings.grade_labels
        return grade_bands_text(labels, self.settings.grade_floors)

    def type_of(self, written: str) -> EvaluationType | None:
        """The evaluation type a cell names, by its name or one of its aliases."""
        for t in self.evaluation_types:
            if written == t.name or written in t.aliases:
                return t
        return None

    @property
    def title(self) -> str:
        return f"{self.year}年{self.county_name}预算绩效管理工作情况"


PARAM_KEYS = ("county_name", "data", "settings", "facts", "text", "templates", "stated_totals", "columns", "outline",
              "illustrative", "wording", "evaluation_types", "grades", "formats", "timing", "key_evaluation_table")


def load_params(
    county: str,
    year: int,
    root: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    data_root: Path | None = None,
) -> Params:
    """Read ``params/<county>/<year>.yaml``; keys in ``overrides`` (papermill's values) that are not
    None win. The whole, file and overrides, is validated against ``params_schema.SCHEMA`` before
    anything is built from it: every fault named at once, with its code, line and key path."""
    county, year = safety.check_county(county), safety.check_year(year)  # before any path is built (E155)
    root = (root or project.find_root()).resolve()
    year = check_year(year, "参数")
    path = project.params_path(root, county, year)
    raw: dict[str, Any] = {}
    node = None
    if path.exists():
        safety.require_inside(path, root, project.relative(path, root))  # a link out of the project (E152)
        raw, node = _read_yaml(path)
    elif not overrides:
        raise ParamsError(f"参数文件不存在：{project.relative(path, root)}。请复制已有县的参数文件并修改。")
    injected = {key for key, value in (overrides or {}).items() if value is not None}
    for key in injected:
        raw[key] = overrides[key]
    if not path.exists():  # papermill gave every key but these, which the command or the notebook chose
        raw.setdefault("county", county)
        raw.setdefault("year", year)
    where = project.relative(path, root)
    source = params_schema.Source(where, node, injected)
    params_schema.refuse_deep_value(raw, source)  # before anything recursive reads it (E125)
    if "year" in raw:
        check_year(raw["year"], f"参数文件 {where} 中")
    safety.params_text_problems(raw, f"参数文件 {where}")  # control, bidi, zero-width characters (E153, E154)
    params_schema.validate(raw, source)  # the whole file against its description (E121–E129, E170)
    if str(raw.get("county", county)) != county or int(raw.get("year", year)) != int(year):
        raise ParamsError(
            f"参数文件 {where} 中的 county/year（{raw.get('county')}/{raw.get('year')}）"
            f"与所选的 {county}/{year} 不一致。"
        )
    return _build(raw, county, int(year), root, path if path.exists() else None, where, Path(data_root).resolve() if data_root else None, source)


NOTEBOOK_VARIABLES = ("county", "year", "data_root", "output_dir")  # the report notebook's parameters besides the params keys


def notebook_overrides(namespace: Mapping[str, Any], before: Any = ()) -> dict[str, Any]:
    """The params keys a notebook was given (its parameters cell, and what papermill injected after
    it with ``-f``/``-p``/``-y``), for ``load_params(overrides=...)``: every params key, so that
    ``papermill -y 'outline: [...]'`` is applied and checked like the file. A variable that appeared
    after ``before`` (the names the notebook had before its parameters cell) and is neither a params
    key nor a notebook parameter was injected under a wrong name: refused (E170) with the closest
    key, never ignored. Names starting with ``_`` and modules are skipped."""
    import types

    known = (*PARAM_KEYS, *NOTEBOOK_VARIABLES)
    unknown = sorted(name for name, value in namespace.items()
                     if not name.startswith("_") and name not in known and name not in before
                     and not isinstance(value, types.ModuleType))
    if unknown:
        named = []
        for name in unknown:
            guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            named.append(name + (f"（是否应为 {guess[0]}？）" if guess else ""))
        raise ParamsError(f"papermill 注入的参数中有未知的键：{'、'.join(named)}。可用的键：{'、'.join(known)}（见 docs/params.md）。",
                          code="E170")
    return {key: namespace.get(key) for key in PARAM_KEYS}


def _read_yaml(path: Path) -> tuple[dict[str, Any], yaml.Node]:
    """The params file's values, and its YAML node tree (the line of each key, for messages)."""
    from .params_yaml import DuplicateKey, load

    try:
        text = safety.read_regular(path, f"参数文件 {path.name}", MAX_PARAMS_BYTES, "E156").decode("utf-8")
        safety.refuse_yaml_aliases(text, f"参数文件 {path.name}")  # billion laughs (E156)
        params_schema.refuse_deep_yaml(text, f"参数文件 {path.name}")  # nesting the composer would recurse on (E125)
        loaded = load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except DuplicateKey as exc:
        raise ParamsError(f"参数文件 {path.name} 第 {exc.second_line} 行：键「{exc.key}」在同一层已于第 {exc.first_line} 行出现过，"
                          "YAML 只会保留其中一个。请合并为一处（或删去多余的一处）。", code="E171") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"第 {mark.line + 1} 行" if mark else ""
        raise ParamsError(f"参数文件 {path.name} {line}不是有效的 YAML：{getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise ParamsError(f"参数文件 {path.name} 不是 UTF-8 编码，请另存为 UTF-8。") from None
    if not isinstance(loaded, dict):
        raise ParamsError(f"参数文件 {path.name} 的顶层应为键值对（county: …, year: …）。")
    return loaded, node


TOP_LEVEL_KEYS = ("county", "year", *PARAM_KEYS)
# The keys of the levels below the top, as params_schema.SCHEMA describes them (what `perflib new` writes).
FACTS_KEYS = tuple(params_schema.SCHEMA["properties"]["facts"]["properties"])
INDICATOR_SYSTEM_KEYS = tuple(params_schema.SCHEMA["properties"]["facts"]["properties"]["indicator_system"]["properties"])
TEXT_KEYS = tuple(params_schema.SCHEMA["properties"]["text"]["properties"])


def check_year(value: Any, where: str) -> int:
    """A report year: a whole number of four digits (2023, or the text "2023"); anything else,
    2023.5 or "2023; x" or true, is refused (E172) rather than truncated or crashed on."""
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}", value.strip()):
        return int(value)
    raise ParamsError(f"{where} year 应为四位数字的年度（如 2023），现为「{value}」。", code="E172")


def _build(raw, county, year, root, source, where, data_root, described=None) -> Params:
    """The Params of a params file already validated against params_schema.SCHEMA: conversions, and
    the checks a schema cannot make (paths, the order of schedule bands, names written twice)."""
    facts, text = raw.get("facts") or {}, raw.get("text") or {}
    system = facts.get("indicator_system")
    data_label = str(raw["data"]).strip()
    templates = raw.get("templates")
    settings = _settings(raw.get("settings") or {}, where)
    _check_grade_floors(settings.grade_floors, where, described)
    if not settings.print_grades and "评价等级" in (raw.get("key_evaluation_table") or ()):
        line = described.line(["key_evaluation_table"]) if described is not None else None
        raise ParamsError(f"参数文件 {where}" + (f" 第 {line} 行" if line else "") + "，key_evaluation_table 含「评价等级」列，"
                          "但 settings.print_grades 为 false（不印等级）：两者矛盾。请删去「评价等级」列，或把 print_grades 改为 true。",
                          code="E196")
    formats = _formats(raw.get("formats"))
    if formats:
        settings = FormatSettings(**{**settings.__dict__, "figure_formats": formats})
    return Params(
        county=county,
        year=year,
        county_name=str(raw["county_name"]).strip(),
        data=confine(data_label, data_root or root, where, "data"),
        data_label=data_label,
        settings=settings,
        indicator_system=IndicatorSystem(str(system["name"]).strip(), system["categories"], system["indicators"]) if system else None,
        pre_assessment_rule=str(facts.get("pre_assessment_rule") or "").strip(),
        third_party_quality_rating=str(facts.get("third_party_quality_rating") or "").strip(),
        policy_basis=_plain(text.get("policy_basis") or ""),
        third_party_scope=str(text.get("third_party_scope") or "").strip(),
        evaluation_remarks=str(text.get("evaluation_remarks") or "").strip(),
        problems=_items(text.get("problems")),
        measures=_items(text.get("measures")),
        templates=confine(templates, root, where, "templates") if templates else None,
        stated_totals=_stated_totals(raw.get("stated_totals")),
        root=root,
        source=source,
        data_root=data_root,
        columns=parse_mapping(raw.get("columns"), where, described.line if described else lambda path: None),
        issuer=str(text.get("issuer") or "").strip(),
        issue_date=issue_date_of(text.get("issue_date"), where),
        outline=_outline(raw.get("outline")),
        illustrative=_illustrative(raw.get("illustrative"), where),
        illustrative_notes=_illustrative_notes(raw.get("illustrative"), where),
        wording=Wording(**{k: str(v).strip() for k, v in (raw.get("wording") or {}).items() if v is not None}),
        evaluation_types=_evaluation_types(raw.get("evaluation_types"), where),
        grade_labels={table: tuple(labels) for table, labels in (raw.get("grades") or {}).items()},
        timing=_timing(raw.get("timing")),
        key_evaluation_columns=tuple(raw.get("key_evaluation_table") or ("序号", "评价报告")),
        text={str(k): _plain(v) for k, v in (text.get("custom") or {}).items()},
    )


def _outline(raw: Any) -> tuple | None:
    """``outline:``: the parts the county keeps, in its order: a part key, or {key, title, template,
    tables, sections}; checked against the outline file when the report is built (perflib.outline)."""
    if raw is None:
        return None

    def entry(item: Any) -> Any:
        if isinstance(item, str):
            return item.strip()
        sections = item.get("sections")
        return {**item, "sections": tuple(entry(x) for x in sections) if sections is not None else None}

    return tuple(entry(x) for x in raw)


def _timing(raw: Any) -> dict[str, str]:
    """``timing: same`` (key evaluations only: ``next``, ``same`` or ``previous``), or a mapping per activity."""
    if raw is None:
        return dict(DEFAULT_TIMING)
    if isinstance(raw, str):
        return {**DEFAULT_TIMING, "key_evaluations": raw}
    return {**DEFAULT_TIMING, **{k: v for k, v in raw.items() if v is not None}}


def _illustrative(raw: Any, where: str) -> str:
    """The notice as one text (the notebook's first lines, the manifest)."""
    if raw in (None, False):
        return ""
    if raw is True:
        return ILLUSTRATIVE_NOTICE
    if isinstance(raw, str) and raw.strip():
        return _plain(raw)
    return ILLUSTRATIVE_PARTS_NOTICE + "".join(_sentence(note) for _, note in _illustrative_notes(raw, where))


def _illustrative_notes(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    """``illustrative`` as a list of notes, or a mapping from what is illustrative (a part key,
    chart:<name>, table:<name>, issue_date) to its note; () for true/false/one sentence."""
    if raw in (None, False, True) or (isinstance(raw, str) and raw.strip()):
        return ()
    if isinstance(raw, list) and raw and all(isinstance(n, str) and n.strip() for n in raw):
        return tuple(("", _plain(n)) for n in raw)
    if isinstance(raw, dict) and raw and all(isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip() for k, v in raw.items()):
        return tuple((k.strip(), _plain(v)) for k, v in raw.items())
    raise ParamsError(f"参数文件 {where} 中 illustrative 应为 true/false、一句说明文字、说明文字的列表，"
                      "或「部分的 key、chart:图名、table:表名、issue_date: 说明文字」的对应表（见 docs/params.md）。")


def _sentence(text: str) -> str:
    return text if text.endswith(("。", "！", "？", "；")) else text + "。"


def _evaluation_types(raw: Any, where: str) -> tuple[EvaluationType, ...]:
    """The county's evaluation types; a name (or alias) given to two types is refused."""
    if raw is None:
        return DEFAULT_EVALUATION_TYPES
    types, names = [], set()
    for item in raw:
        aliases = tuple(str(a) for a in item.get("aliases") or ())
        for name in (str(item["name"]), *aliases):
            if name in names:
                raise ParamsError(f"参数文件 {where} 中 evaluation_types 的「{name}」出现了两次。")
            names.add(name)
        types.append(EvaluationType(str(item["name"]), item["kind"], aliases, str(item.get("scope") or ""), str(item.get("measure") or "个")))
    return tuple(types)


def _formats(raw: Any) -> tuple[tuple[str, FigureFormat], ...]:
    """``formats: {figure name or prefix.: {decimals: 2|data, unit: 亿元, thousands: false, measure: 项,
    approx: 余, round_to: 10}}``."""
    return tuple((str(name), FigureFormat(spec.get("decimals"), spec.get("unit"), spec.get("thousands"),
                                          spec.get("approx"), spec.get("round_to"), spec.get("measure")))
                 for name, spec in (raw or {}).items())


def issue_date_of(value: Any, where: str) -> date | None:
    """text.issue_date: a YAML date (2024-03-15) or the printed form 2024年3月15日."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = re.fullmatch(r"\s*(\d{4})\s*(?:-|年)\s*(\d{1,2})\s*(?:-|月)\s*(\d{1,2})\s*日?\s*", str(value))
    try:
        if match:
            return date(*map(int, match.groups()))
    except ValueError:
        pass
    raise ParamsError(f"参数文件 {where} 中 text.issue_date 应为日期（如 2024-03-15 或 2024年3月15日），现为「{value}」。")


def confine(value: Any, root: Path, where: str, key: str) -> Path:
    """A path from a params file, resolved inside ``root``; anything outside is refused."""
    text = str(value).strip()
    candidate = Path(text)
    resolved = (candidate if candidate.is_absolute() else root / candidate).resolve()
    try:
        resolved.relative_to(root.resolve())
    except ValueError:
        raise ParamsError(
            f"参数文件 {where} 中 {key} 的路径「{text}」指向项目目录之外，已拒绝。"
            f"请把文件放在 {root} 之内（或用 --data-root 指定数据目录）。"
        ) from None
    return resolved


def _settings(raw: Mapping[str, Any], where: str) -> FormatSettings:
    values: dict[str, Any] = {k: v for k, v in raw.items() if v is not None}
    if "grade_labels" in values:
        values["grade_labels"] = tuple(values["grade_labels"])
    if "grade_floors" in values:
        values["grade_floors"] = tuple(Decimal(str(v)) for v in values["grade_floors"])
    if "schedule_phrases" in values:
        values["schedule_phrases"] = _phrases(values["schedule_phrases"], where)
    return FormatSettings(**{**FormatSettings().__dict__, **values})


def _check_grade_floors(floors: tuple[Decimal, ...], where: str, described: Any) -> None:
    """The grade bands a schema cannot check (E195): each grade starts below the one before it (the
    bands neither overlap nor leave a gap) and the last starts at 0 (every score has a grade)."""
    descending = all(a > b for a, b in zip(floors, floors[1:]))
    if descending and floors[-1] == 0:
        return
    line = described.line(["settings", "grade_floors"]) if described is not None else None
    at = f"参数文件 {where}" + (f" 第 {line} 行" if line else "")
    shown = "[" + ", ".join(format(f.normalize(), "f") for f in floors) + "]"
    why = ("各等级的最低分应从高到低、互不相同（如 [90, 80, 60, 0]），否则分数段重叠或颠倒" if not descending
           else "最后一个等级（差）的最低分应为 0，否则低于它的得分没有等级")
    raise ParamsError(f"{at}，settings.grade_floors：{why}；现为「{shown}」。", code="E195")


def _phrases(raw: Any, where: str) -> tuple[SchedulePhrase, ...]:
    """The bands of 序时进度 comparison; their order is what a schema cannot check."""
    bands = tuple(SchedulePhrase(str(entry["phrase"]), None if entry.get("below") is None else Decimal(str(entry["below"])))
                  for entry in raw)
    bounds = [b.below for b in bands[:-1]]
    if bands[-1].below is not None or None in bounds or bounds != sorted(bounds):
        raise ParamsError(f"参数文件 {where} 中 settings.schedule_phrases 应为列表，每项含 phrase 和 below（百分点，最后一项不写 below），below 递增。")
    return bands


def _stated_totals(raw: Any) -> dict[str, Decimal]:
    return {str(key): Decimal(str(value).replace(",", "").strip()) for key, value in (raw or {}).items()}


def _items(raw: Any) -> tuple[Item, ...]:
    return tuple(Item(_plain(x["title"]), _plain(x["text"])) for x in raw or ())


def _plain(value: Any) -> str:
    """Free text as one paragraph: YAML line breaks inside a paragraph are not kept."""
    return re.sub(r"\s*\n\s*", "", str(value)).strip()
