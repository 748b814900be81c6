"""Writes the workbooks of the development cases: data/<case>/<year>.xlsx.

Each case encodes figures that another county, district or city published (the cases of issue 12;
the published facts are repeated in each params file's header and in tests/test_dev_cases.py).
Only the sheets of the work a case reports are written, so the report has only those parts.
Where the published report gives totals only, rows are split here with a fixed seed (exact
cents, the sums are the published totals); such a case's params say ``illustrative: true`` and
its sheet 「说明」 says which columns are invented. Run: ``python tools/make_case_data.py``.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from perflib.schema import TABLES_BY_NAME  # noqa: E402


def split(total: str, n: int, rng: random.Random, places: int = 2) -> list[Decimal]:
    """``total`` split into ``n`` positive parts of ``places`` decimals that add up exactly."""
    unit = Decimal(1).scaleb(-places)
    units = int(Decimal(total) / unit)
    cuts = sorted(rng.sample(range(1, units), n - 1))
    return [Decimal(b - a) * unit for a, b in zip([0, *cuts], [*cuts, units])]


def workbook(path: Path, note: str, sheets: dict[str, list[list]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        spec = TABLES_BY_NAME[name]
        ws = wb.create_sheet(spec.sheet)
        headers = [c.header for c in spec.columns]
        used = [h for h in headers if any(h in row for row in rows)]
        ws.append(used)
        for row in rows:
            ws.append([row.get(h) for h in used])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    notes = wb.create_sheet("说明")
    notes.append([note])
    wb.properties.creator = "perflib tools/make_case_data.py"
    wb.properties.created = wb.properties.modified = dt.datetime(2024, 12, 31)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def tianshui() -> None:
    """天水市 2021: ten key evaluations (8 项目, 2 部门整体); no amounts, grades or departments published."""
    titles = [
        "2021年构树产业发展及体验服务综合体建设补助资金项目绩效评价报告",
        "陆港委2018年—2021年秦州三阳川隧道项目绩效评价报告",
        "天水市各县区乡镇2021年乡村公益性补贴绩效评价报告",
        "天水市二十里铺大桥及接线工程项目绩效评价报告",
        "天水市卫生学校2021年屋面改造及信息化能力提升建设项目绩效评价报告",
        "天水市食品检验检测中心2021年食品安全监督抽验经费项目绩效评价报告",
        "天水市公安局2021年社会治安防控体系信息化建设项目绩效评价报告",
        "2021年度天水日报社整体搬迁项目绩效评价报告",
        "2021年度天水市残疾人联合会部门整体支出绩效评价报告",
        "天水市公安局交通警察支队部门整体支出绩效评价报告",
    ]
    rows = [{"评价报告名称": t, "评价类型": "部门整体" if "部门整体" in t else "项目"} for t in titles]
    workbook(ROOT / "data/tianshui/2021.xlsx", "依据天水市财政局2022年12月公布的2021年度重点绩效评价情况编制：报告名称与类型均为公布内容，未公布金额、等级和主管部门，故不填。",
             {"key_evaluations": rows})


def wuhai_haibowan() -> None:
    """海勃湾区 2020: six key evaluations chosen, all still in progress (no titles, grades, amounts)."""
    rows = [{"评价状态": "进行中"} for _ in range(6)]
    workbook(ROOT / "data/wuhai_haibowan/2020.xlsx", "依据乌海市海勃湾区2021年公布的情况编制：选取6个评价对象，评价尚在进行，未公布名称、金额和等级，故不填。",
             {"key_evaluations": rows})


def donghai() -> None:
    """东海县 2024: 7 重点项目, 1 部门整体, 1 全成本项目, 3.3亿元 in all (the split is illustrative)."""
    rng = random.Random(2024)
    kinds = ["重点项目"] * 7 + ["部门整体"] + ["全成本项目"]
    amounts = split("33000", len(kinds), rng)
    rows = [{"评价类型": k, "评价资金(万元)": a, "评价状态": "进行中"} for k, a in zip(kinds, amounts)]
    workbook(ROOT / "data/donghai/2024.xlsx", "示例数据：依据东海县2024年公布的重点绩效评价计划（7个重点项目、1家部门整体、1个全成本项目，3.3亿元）编制；各行金额为示意拆分，合计为公布数。",
             {"key_evaluations": rows})


def shunqing() -> None:
    """顺庆区 2024: self-monitoring of 5146 projects of 215 units, 536,376.05万元 (rows illustrative)."""
    rng = random.Random(5146)
    units = [f"顺庆区预算单位{i:03d}" for i in range(1, 216)]
    budgets = split("536376.05", 5146, rng)
    rows = []
    for i, budget in enumerate(budgets):
        executed = (budget * Decimal(rng.randint(30, 90)) / 100).quantize(Decimal("0.01"))
        rows.append({"监控批次": "9月", "截止日期": dt.date(2024, 8, 31), "主管部门": units[i % 215], "项目名称": f"项目{i + 1:04d}",
                     "预算金额(万元)": budget, "执行金额(万元)": executed})
    workbook(ROOT / "data/shunqing/2024.xlsx", "示例数据：依据顺庆区2024年公布的绩效运行监控情况（215个预算单位、5146个项目、536,376.05万元）编制；单位、项目名称、各行金额和执行数为示意数据，合计为公布数。",
             {"project_monitoring": rows})


def daying() -> None:
    """大英县 2023: monitoring batches of 7月 (1-6月 data) and 9月 (1-8月); budget cut 1114.26万元."""
    rng = random.Random(2023)
    rows = []
    for batch, cut_off in (("7月", dt.date(2023, 6, 30)), ("9月", dt.date(2023, 8, 31))):
        for i in range(12):
            budget = Decimal(rng.randint(50, 900))
            rows.append({"监控批次": batch, "截止日期": cut_off, "主管部门": f"大英县部门{i % 6 + 1}", "项目名称": f"监控项目{i + 1:02d}",
                         "预算金额(万元)": budget, "执行金额(万元)": (budget * Decimal(rng.randint(30, 80)) / 100).quantize(Decimal("0.01"))})
    cuts = split("1114.26", 4, rng)
    results = [{"主管部门": f"大英县部门{i + 1}", "项目名称": f"调减项目{i + 1}", "调减金额(万元)": a} for i, a in enumerate(cuts)]
    workbook(ROOT / "data/daying/2023.xlsx", "示例数据：依据大英县2023年公布的情况（7月、9月两批监控分别截至6月末、8月末；调减1114.26万元）编制；项目明细、金额为示意数据。",
             {"project_monitoring": rows, "result_applications": results})


def sichuan_county_monitoring() -> None:
    """A Sichuan county: 58 一级预算单位 monitored, 5 key projects, 16 problems fed back, 2.63万元 cut;
    衔接推进乡村振兴补助资金 191万元 from 5 projects to 2 new (63) and 7 existing (128) projects."""
    rng = random.Random(58)
    departments = [{"部门名称": f"一级预算单位{i:02d}"} for i in range(1, 59)]
    problems = split("16", 5, rng, places=0)
    monitoring = [{"监控批次": "7月", "截止日期": dt.date(2023, 7, 31), "主管部门": f"一级预算单位{i + 1:02d}", "项目名称": f"重点项目{i + 1}",
                   "预算金额(万元)": Decimal(100 + 50 * i), "执行金额(万元)": Decimal(30 + 20 * i), "重点监控": "是", "发现问题(条)": int(p)}
                  for i, p in enumerate(problems)]
    fund = "衔接推进乡村振兴补助资金"
    moves = ([{"调整方向": "调出", "项目名称": f"调出项目{i + 1}", "金额(万元)": a, "资金名称": fund} for i, a in enumerate(split("191", 5, rng, 0))]
             + [{"调整方向": "调入新项目", "项目名称": f"新项目{i + 1}", "金额(万元)": a, "资金名称": fund} for i, a in enumerate(split("63", 2, rng, 0))]
             + [{"调整方向": "调入原有项目", "项目名称": f"原有项目{i + 1}", "金额(万元)": a, "资金名称": fund} for i, a in enumerate(split("128", 7, rng, 0))])
    results = [{"主管部门": "一级预算单位01", "项目名称": "重点项目1", "调减金额(万元)": Decimal("2.63")}]
    workbook(ROOT / "data/sichuan_county_monitoring/2023.xlsx",
             "示例数据：依据四川某县公布的监控和资金调整情况（58个一级预算单位、5个重点项目、16条问题、调减2.63万元；调出191万元、调入新项目63万元和原有项目128万元）编制；年度、单位和项目名称、各行金额为示意数据，合计为公布数。",
             {"department_monitoring": departments, "project_monitoring": monitoring, "reallocations": moves, "result_applications": results})


def qilihe() -> None:
    """七里河区 2024: first-half monitoring (1-6月), all projects, 4 key projects (rows illustrative)."""
    rng = random.Random(4)
    rows = [{"监控批次": "7月", "截止日期": dt.date(2024, 6, 30), "主管部门": f"七里河区部门{i % 5 + 1}", "项目名称": f"项目{i + 1:02d}",
             "预算金额(万元)": Decimal(rng.randint(20, 500)), "执行金额(万元)": Decimal(rng.randint(5, 19)), "重点监控": "是" if i < 4 else "否"}
            for i in range(20)]
    workbook(ROOT / "data/qilihe/2024.xlsx", "示例数据：依据七里河区2024年公布的上半年监控情况（1-6月、全覆盖、4个重点项目）编制；项目明细和金额为示意数据。",
             {"project_monitoring": rows})


if __name__ == "__main__":
    for make in (tianshui, wuhai_haibowan, donghai, shunqing, daying, sichuan_county_monitoring, qilihe):
        make()
