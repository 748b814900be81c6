"""The report's years, said once and kept consistent: ``year`` is the report year Y, ``timing`` the
year each activity's data is about (params), ``text.issue_date`` the publication date. A report
cannot be published before the work it reports was done (E138)."""
from __future__ import annotations

from .findings import Finding
from .inputs import Dataset
from .params import Params


def work_year(params: Params, has_key_evaluations: bool) -> int:
    """The last year the reported work was done in: the key evaluations' year when they are done
    the year after the report year (timing next), else the report year."""
    if has_key_evaluations and params.timing["key_evaluations"] == "next":
        return params.year + 1
    return params.year


def year_findings(dataset: Dataset, params: Params) -> list[Finding]:
    found = []
    where = f"params/{params.county}/{params.year}.yaml"
    has_key = "key_evaluations" in dataset.tables
    done_in = work_year(params, has_key)
    if params.issue_date is not None and params.issue_date.year < done_in:
        because = (f"重点评价于 {done_in} 年开展（timing key_evaluations: next，即次年评价报告年度 {params.year} 年的支出）"
                   if done_in > params.year else f"报告年度为 {params.year} 年")
        fix = ("若通报在评价当年发布，请将 timing 的 key_evaluations 改为 previous（当年评价上年支出）或 same，并核对 year；否则改正成文日期"
               if done_in > params.year else "改正成文日期，或核对参数 year")
        found.append(Finding("E138", f"成文日期早于报告所述工作的年度：{because}。", file=where, column="text.issue_date",
                             value=params.issue_date.isoformat(), expected=f"{done_in} 年或之后的日期；{fix}"))
    return found
