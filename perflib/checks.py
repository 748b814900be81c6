"""Checks across rows, tables and params, after each table is typed.

Grades against scores (财预〔2020〕10号), executed against budget, one as-of date per monitoring
batch, dates inside the report's year.
"""
from __future__ import annotations

import difflib
from decimal import Decimal
from typing import Iterable

import numpy as np
import pandas as pd

from .figures import Figures
from .findings import Finding
from .inputs import Dataset, normalize_header
from .params import Params
from .rules import GRADE_FLOORS, grade_bands_text, grade_for_score
from .schema import GRADED_TABLES, INFO_COUNTY, INFO_SHEET, INFO_YEAR, PUBLICATION_STATES, TABLES_BY_NAME

RATE_TOLERANCE = Decimal("0.005")  # 执行率 may differ from executed ÷ budget by 0.5 percentage points

# Dates that must fall inside the report's year (other dates, like 评价 done the year after, may not).
DATED_IN_YEAR = {"project_monitoring": "as_of", "trainings": "date", "policy_documents": "issued", "pre_assessments": "date"}


def check_dataset(dataset: Dataset, params: Params) -> list[Finding]:
    """Findings across rows and tables; the typed tables themselves are not changed."""
    found: list[Finding] = []
    for name in GRADED_TABLES:
        if name in dataset.tables:
            found.extend(_grades(dataset, name, params.labels_for(name), params.settings.grade_floors))
    found.extend(_evaluation_types(dataset, params))
    found.extend(_evaluation_states(dataset))
    found.extend(_executed_within_budget(dataset))
    found.extend(_rates_agree(dataset))
    found.extend(_one_as_of_per_batch(dataset))
    found.extend(_withheld_not_published(dataset))
    found.extend(_one_publication_per_report(dataset))
    found.extend(_blank_evaluation_amounts(dataset))
    found.extend(_workbook_is_for(dataset, params))
    for name, column in DATED_IN_YEAR.items():
        found.extend(_dates_in_year(dataset, name, column, params.year))
    return found


def _where(dataset: Dataset, table: str) -> dict:
    return dict(file=dataset.files.get(table, dataset.source), sheet=TABLES_BY_NAME[table].sheet)


def _rows(dataset: Dataset, table: str, *names: str) -> Iterable[tuple]:
    """(Excel row, value, …) for the named columns: plain tuples, fast on a million rows (none for an absent table)."""
    frame = dataset.tables.get(table)
    if frame is None:
        return iter(())
    return zip(frame["excel_row"].tolist(), *(frame[n].tolist() for n in names))


# Each check below first asks the whole columns whether there is anything to find (pandas and
# C-level maps over a million rows); only then does it walk the rows, in order, to name each one.

def _bands_source(floors: tuple) -> str:
    """Whose bands the message quotes: 财预〔2020〕10号's, or the county's own (params settings.grade_floors)."""
    return "财预〔2020〕10号" if tuple(floors) == GRADE_FLOORS else "参数 settings.grade_floors 规定的分数段"


def _grades_agree(frame: pd.DataFrame, labels: tuple[str, ...], floors: tuple) -> bool:
    """Every grade is one of ``labels`` and the grade of its score (blanks aside)."""
    grades = frame["grade"]
    if not grades.isin((*labels, None)).all():
        return False
    scores = frame["score"].tolist()
    try:
        grade_of = {score: grade_for_score(score, labels, floors) for score in set(scores) if score is not None}
    except ValueError:  # a score out of range: the row walk says where
        return False
    expected = np.array(list(map(grade_of.get, scores)), dtype=object)
    graded = grades.notna().to_numpy() & frame["score"].notna().to_numpy()
    return bool((expected[graded] == grades.to_numpy()[graded]).all())


def _grades(dataset: Dataset, table: str, labels: tuple[str, ...], floors: tuple) -> list[Finding]:
    frame = dataset.tables.get(table)
    if frame is None or _grades_agree(frame, labels, floors):
        return []
    spec = TABLES_BY_NAME[table]
    found = []
    header, where = spec.column("grade").header, _where(dataset, table)
    grade_of: dict = {}  # score -> grade: scores repeat, a million rows have about a hundred values
    for row, grade, score in _rows(dataset, table, "grade", "score"):
        if grade is None:
            continue
        at = dict(row=row, column=header, **where)
        if grade not in labels:
            found.append(Finding("E117", "评价等级不在参数规定的等级名称中。", value=grade, expected="以下之一：" + "、".join(labels), **at))
            continue
        if score is None:
            continue
        if score not in grade_of:
            grade_of[score] = grade_for_score(score, labels, floors)
        if grade_of[score] != grade:
            expected = grade_of[score]
            found.append(Finding("E130", f"得分 {score} 对应的等级是「{expected}」（{_bands_source(floors)}：{grade_bands_text(labels, floors)}）。", value=grade, expected=f"「{expected}」或改正得分", **at))
    return found


def _evaluation_types(dataset: Dataset, params: Params) -> list[Finding]:
    """Each 评价类型 is one the county declares (params evaluation_types: name or alias)."""
    if "key_evaluations" not in dataset.tables:
        return []
    written = dict.fromkeys(dataset.tables["key_evaluations"]["type"].tolist())
    if all(kind is None or params.type_of(kind) is not None for kind in written):
        return []
    header = TABLES_BY_NAME["key_evaluations"].column("type").header
    names = "、".join(t.name for t in params.evaluation_types)
    return [Finding("E190", "评价类型不是参数 evaluation_types 中的名称或别名。", row=row, column=header, value=kind,
                    expected=f"以下之一：{names}（或在参数 evaluation_types 中加上这一类型或别名）", **_where(dataset, "key_evaluations"))
            for row, kind in _rows(dataset, "key_evaluations", "type") if kind is not None and params.type_of(kind) is None]


def _evaluation_states(dataset: Dataset) -> list[Finding]:
    """A finished evaluation has its report (title) and publication state; one in progress has no grade yet."""
    if "key_evaluations" not in dataset.tables:
        return []
    frame = dataset.tables["key_evaluations"]
    in_progress = frame["status"] == "进行中"
    if not in_progress.any():  # all finished (the usual case): only titles to look at
        if not frame["title"].isna().any():
            return []
    elif not ((in_progress & (frame["grade"].notna() | frame["score"].notna())) | (~in_progress & frame["title"].isna())).any():
        return []
    spec, where = TABLES_BY_NAME["key_evaluations"], _where(dataset, "key_evaluations")
    found = []
    for row, status, title, publication, grade, score in _rows(dataset, "key_evaluations", "status", "title", "publication", "grade", "score"):
        if status == "进行中":
            if grade is not None or score is not None:
                column = spec.column("grade" if grade is not None else "score").header
                found.append(Finding("E192", "评价状态为「进行中」，却已填写得分或等级。", row=row, column=column, value=str(grade if grade is not None else score),
                                     expected="评价完成后再填写得分、等级，并把评价状态改为「已完成」", **where))
            continue
        if title is None:
            found.append(Finding("E191", "已完成的评价缺少评价报告名称。", row=row, column=spec.column("title").header,
                                 expected="填写评价报告名称；尚未完成的评价在「评价状态」列填「进行中」", **where))
    return found


def _blank_evaluation_amounts(dataset: Dataset) -> list[Finding]:
    """Rows with a blank 评价资金 among filled ones: the report's 评价资金 total sums only the filled
    rows, so each left-out row is named rather than a partial total passing for the whole."""
    frame = dataset.tables.get("key_evaluations")
    if frame is None:
        return []
    blank = frame["amount"].isna()
    if not blank.any() or blank.all():  # all blank: the report states no 评价资金 total at all
        return []
    header = TABLES_BY_NAME["key_evaluations"].column("amount").header
    return [Finding("W260", f"评价资金为空：这一行未计入评价资金合计（合计只含填写了「{header}」的行）。", row=row, column=header,
                    **_where(dataset, "key_evaluations"))
            for row, amount in _rows(dataset, "key_evaluations", "amount") if amount is None]


def _executed_within_budget(dataset: Dataset) -> list[Finding]:
    frame = dataset.tables.get("project_monitoring")
    if frame is None:
        return []
    both = (frame["budget"].notna() & frame["executed"].notna()).to_numpy()
    # an object column of Decimals compares cell by cell, in C
    if not (frame["executed"].array[both] > frame["budget"].array[both]).any():
        return []
    spec = TABLES_BY_NAME["project_monitoring"]
    found = []
    for row, budget, executed in _rows(dataset, "project_monitoring", "budget", "executed"):
        if budget is not None and executed is not None and executed > budget:
            found.append(Finding("E131", f"执行金额大于预算金额 {budget} 万元。", row=row, column=spec.column("executed").header, value=str(executed), expected=f"不大于 {budget}", **_where(dataset, "project_monitoring")))
    return found


def _one_as_of_per_batch(dataset: Dataset) -> list[Finding]:
    frame = dataset.tables.get("project_monitoring")
    if frame is None:
        return []
    pairs = frame[["batch", "as_of"]].drop_duplicates().dropna()  # the few distinct pairs, then their blanks
    if pairs["batch"].is_unique:  # one cut-off per batch
        return []
    spec = TABLES_BY_NAME["project_monitoring"]
    first: dict[str, tuple] = {}
    found = []
    for row, batch, as_of in _rows(dataset, "project_monitoring", "batch", "as_of"):
        if batch is None or as_of is None:
            continue
        if batch not in first:
            first[batch] = (as_of, row)
        elif first[batch][0] != as_of:
            found.append(Finding("E132", f"批次「{batch}」的截止日期与第 {first[batch][1]} 行（{first[batch][0]}）不同。", row=row, column=spec.column("as_of").header, value=str(as_of), expected=str(first[batch][0]), **_where(dataset, "project_monitoring")))
    return found


def _dates_in_year(dataset: Dataset, table: str, column: str, year: int) -> list[Finding]:
    frame = dataset.tables.get(table)
    if frame is None or all(value is None or value.year == year for value in set(frame[column].tolist())):
        return []
    spec = TABLES_BY_NAME[table]
    found = []
    for row, value in _rows(dataset, table, column):
        if value is not None and value.year != year:
            found.append(Finding("E133", f"日期不在报告年度 {year} 年内。", row=row, column=spec.column(column).header, value=str(value), expected=f"{year} 年内的日期", **_where(dataset, table)))
    return found


def _rates_agree(dataset: Dataset) -> list[Finding]:
    frame = dataset.tables.get("project_monitoring")
    if frame is None or frame["rate"].isna().all():
        return []
    spec = TABLES_BY_NAME["project_monitoring"]
    found = []
    for row, rate, budget, executed in _rows(dataset, "project_monitoring", "rate", "budget", "executed"):
        if rate is None or not budget or executed is None:
            continue
        actual = executed / budget
        if abs(rate - actual) > RATE_TOLERANCE:
            found.append(Finding("E137", f"执行金额÷预算金额为 {actual * 100:.2f}%。", row=row, column=spec.column("rate").header,
                                 value=f"{rate * 100:.2f}%", expected=f"{actual * 100:.2f}%（或改正金额）", **_where(dataset, "project_monitoring")))
    return found


def _one_publication_per_report(dataset: Dataset) -> list[Finding]:
    """Rows sharing a report title (one report on several 评价对象) are published or withheld together."""
    frame = dataset.tables.get("key_evaluations")
    if frame is None or frame["title"].dropna().is_unique:  # one row per report: nothing to compare
        return []
    spec = TABLES_BY_NAME["key_evaluations"]
    first: dict[str, tuple[str, int]] = {}
    found = []
    shared = frame[frame["title"].duplicated(keep=False)]  # only the rows whose title another row shares
    for row, title, publication in zip(*(shared[n].tolist() for n in ("excel_row", "title", "publication"))):
        if title is None or publication is None:
            continue
        if title not in first:
            first[title] = (publication, row)
        elif first[title][0] != publication:
            found.append(Finding("E193", f"同一评价报告「{title}」在第 {first[title][1]} 行为「{first[title][0]}」，此处为「{publication}」。", row=row,
                                 column=spec.column("publication").header, value=publication, expected=f"与第 {first[title][1]} 行相同（一份报告或整份公开，或整份不予公开）",
                                 **_where(dataset, "key_evaluations")))
    return found


def _withheld_not_published(dataset: Dataset) -> list[Finding]:
    """A report withheld as 涉密/敏感 must not also carry a publication address."""
    frame = dataset.tables.get("key_evaluations")
    if frame is None or not (frame["publication"].isin(PUBLICATION_STATES[1:]) & frame["url"].notna()).any():
        return []
    spec = TABLES_BY_NAME["key_evaluations"]
    found = []
    for row, publication, url in _rows(dataset, "key_evaluations", "publication", "url"):
        if publication in PUBLICATION_STATES[1:] and url:
            found.append(Finding("E135", f"报告标为「{publication}」不予公开，却填写了公开网址。", row=row,
                                 column=spec.column("url").header, value=url, expected="删除网址，或把公开情况改为「公开」", **_where(dataset, "key_evaluations")))
    return found


def _digits(text: str) -> str:
    import unicodedata

    from .cells import ascii_digits

    return ascii_digits(unicodedata.normalize("NFKC", text)).strip()


def _workbook_is_for(dataset: Dataset, params: Params) -> list[Finding]:
    """The optional 基本信息 sheet names the county and year; they must be the params'."""
    found = []
    for item, expected in ((INFO_COUNTY, params.county_name), (INFO_YEAR, str(params.year))):
        entry = dataset.info.get(normalize_header(item))
        if entry is None:
            continue
        value, row, file = entry
        shown = value.replace("年", "") if item == INFO_YEAR else value
        if item == INFO_YEAR and shown != expected and _digits(shown) == expected:  # ２０２３, ٢٠٢٣: read, and said
            found.append(Finding("W204", "年度中的全角或非 ASCII 数字已转为 0–9。", file=file, sheet=INFO_SHEET, row=row, column=item, value=value))
            shown = expected
        if shown != expected:
            found.append(Finding("E141", f"工作簿写的{item}是「{value}」，参数文件是「{expected}」：是否用错了工作簿？", file=file, sheet=INFO_SHEET,
                                 row=row, column=item, value=value, expected=expected))
    return found


def check_stated_totals(figures: Figures, params: Params) -> list[Finding]:
    """Totals the analyst stated in params (``stated_totals``) against those computed from the data."""
    found = []
    where = f"params/{params.county}/{params.year}.yaml"
    for key, stated in params.stated_totals.items():
        if key not in figures:
            guess = difflib.get_close_matches(key, list(figures.items), n=1, cutoff=0.6)
            hint = f"是否应为「{guess[0]}」？" if guess else "名称见笔记本的数字台账"
            found.append(Finding("E140", f"stated_totals 中的「{key}」不是报告中的数字名称（{hint}）。", file=where, column="stated_totals", value=key))
            continue
        figure = figures[key]
        exponent = stated.as_tuple().exponent
        computed = Decimal(figure.value).quantize(Decimal(1).scaleb(exponent)) if isinstance(exponent, int) else Decimal(figure.value)
        if computed != stated:
            found.append(Finding("E142", f"参数中填写的「{figure.label}」为 {stated}{figure.unit}，按数据计算为 {figure.value}{figure.unit}（工作表「{figure.source}」{len(figure.rows)} 行之和）。",
                                 file=where, column=f"stated_totals.{key}", value=str(stated), expected=str(figure.value)))
    return found
