"""Writes the illustrative sample workbook data/heshuo/2023.xlsx.

The reference report (和硕县 2023) gives totals only; the project-level rows here are invented so
that every total the report prints equals the reference's. Amounts are split with a fixed seed,
in exact cents, so the sums are exact. Run: ``python tools/make_sample_data.py``.
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
from perflib.scaffold import write_table_sheet  # noqa: E402
from perflib.schema import TABLES_BY_NAME  # noqa: E402

NOTE = "示例数据：本工作簿依据《2023年和硕县预算绩效管理工作情况》所载合计数编制，项目明细为示意数据，仅用于演示和测试。"

DEPARTMENTS = [
    "和硕县财政局", "和硕县发展和改革委员会", "和硕县教育和科学技术局", "和硕县林业和草原局", "和硕县民政局",
    "和硕县农业农村局", "和硕县残疾人联合会", "和硕县卫生健康委员会", "和硕县人力资源和社会保障局", "和硕县水利局",
    "和硕县住房和城乡建设局", "和硕县交通运输局", "和硕县自然资源局", "和硕县文化体育广播电视和旅游局", "和硕县公安局",
    "和硕县司法局", "和硕县应急管理局", "和硕县市场监督管理局", "和硕县统计局", "和硕县审计局",
    "和硕县退役军人事务局", "和硕县医疗保障局", "和硕县商务和工业信息化局", "和硕县乡村振兴局", "和硕县人民法院",
    "和硕县人民检察院", "和硕县委办公室", "和硕县人民政府办公室", "和硕县人大常委会办公室", "和硕县政协办公室",
    "和硕县纪委监委", "和硕县委组织部", "和硕县委宣传部", "和硕县委统战部", "和硕县委政法委",
    "和硕县总工会", "共青团和硕县委", "和硕县妇女联合会", "和硕县科学技术协会", "和硕县档案馆",
    "和硕县融媒体中心", "和硕县疾病预防控制中心", "和硕县人民医院", "和硕县中医医院", "和硕县第一中学",
    "和硕县第二中学", "和硕县特吾里克镇人民政府", "和硕县塔哈其镇人民政府", "和硕县曲惠镇人民政府", "和硕县乌什塔拉回族乡人民政府",
    "和硕县苏哈特乡人民政府", "和硕县新塔热乡人民政府", "和硕县乃仁克尔乡人民政府", "和硕县马兰办事处", "和硕县机关事务服务中心",
]
assert len(DEPARTMENTS) == 55 and len(set(DEPARTMENTS)) == 55

PROJECT_WORDS = ["基础设施维护", "公共服务运行", "民生保障补助", "设备购置", "信息化建设", "人才培养", "环境整治",
                 "安全生产", "产业发展扶持", "防灾减灾", "文化惠民", "卫生健康服务", "社会救助", "农田水利建设",
                 "道路养护", "乡村振兴衔接", "就业创业扶持", "教育均衡发展", "草原生态保护", "城乡供水保障"]

KEY_EVALUATIONS = [
    ("2023年教科局支持学前教育发展资金(新建幼儿园)项目重点项目绩效评价报告", "和硕县教育和科学技术局", "其他重大项目", "1260.50", "92.5", "优"),
    ("2023年林草局自治区森林植被恢复费项目重点项目绩效评价报告", "和硕县林业和草原局", "其他重大项目", "418.36", "88", "良"),
    ("2023年民政局自治区社会福利补助资金项目重点项目绩效评价报告", "和硕县民政局", "其他重大项目", "596.30", "85.5", "良"),
    ("2023年农业农村局农业保险保费补贴(中央、自治区、县级)重点项目绩效评价报告", "和硕县农业农村局", "财政政策评价", "865.20", "91", "优"),
    ("2023年残疾人联合会部门整体支出绩效评价报告", "和硕县残疾人联合会", "部门整体评价", "302.45", "90", "优"),
]
DOCUMENTS = [
    ("和硕县全面实施预算绩效管理工作实施方案", "和政办发〔2019〕25号", dt.date(2023, 3, 10)),
    ("和硕县部门预算绩效目标管理暂行办法", "和财预〔2023〕8号", dt.date(2023, 4, 6)),
    ("和硕县实施预算绩效管理工作考核暂行办法", "和财预〔2023〕15号", dt.date(2023, 6, 20)),
]
THIRD_PARTY = ["煤改电项目", "现代种业提升工程", "农村低保补助资金", "城乡居民基本医疗保险补助", "高标准农田建设",
               "老旧小区改造", "乡村道路建设", "饮水安全巩固提升", "学生营养改善计划", "困难群众临时救助"]
TRAININGS = [
    (dt.date(2023, 3, 21), "预算绩效管理政策解读", 80), (dt.date(2023, 4, 18), "项目绩效目标编制", 65),
    (dt.date(2023, 6, 8), "绩效运行监控填报", 45), (dt.date(2023, 7, 13), "绩效自评与部门评价", 70),
    (dt.date(2023, 9, 19), "核心绩效指标体系应用", 60), (dt.date(2023, 11, 23), "绩效评价结果应用", 60),
]


def split(total: str, n: int, rng: random.Random, low: float = 0.3, high: float = 1.7) -> list[Decimal]:
    """``n`` amounts in cents that add up to ``total`` exactly."""
    cents = int(Decimal(total) * 100)
    weights = [rng.uniform(low, high) for _ in range(n)]
    parts = [int(cents * w / sum(weights)) for w in weights]
    parts[-1] += cents - sum(parts)
    assert all(p > 0 for p in parts) and sum(parts) == cents
    return [Decimal(p) / 100 for p in parts]


def projects(rng: random.Random, n: int, prefix: str = "") -> list[tuple[str, str]]:
    names = []
    for i in range(n):
        dept = DEPARTMENTS[rng.randrange(len(DEPARTMENTS))]
        names.append((dept, f"{prefix}{PROJECT_WORDS[i % len(PROJECT_WORDS)]}项目（{i + 1:03d}）"))
    return names


def executed_for(budgets: list[Decimal], ratio: str, rng: random.Random) -> list[Decimal]:
    """Executed amounts, each within its budget, whose total is exactly ``ratio`` of the budgets'."""
    goal = int(sum(budgets) * Decimal(ratio) * 100)
    caps = [int(b * 100) for b in budgets]
    shares = [rng.uniform(0.2, 0.75) for _ in budgets]
    parts = [int(c * s) for c, s in zip(caps, shares)]
    missing = goal - sum(parts)
    for i in sorted(range(len(parts)), key=lambda i: -caps[i]):
        step = max(-parts[i], min(caps[i] - parts[i], missing))
        parts[i] += step
        missing -= step
        if missing == 0:
            break
    assert missing == 0 and all(0 <= p <= c for p, c in zip(parts, caps))
    return [Decimal(p) / 100 for p in parts]


def money(value: Decimal) -> float | int:
    """Amounts as Excel stores them (numbers); exact because they have two decimals."""
    return int(value) if value == value.to_integral_value() else float(value)


def build() -> Workbook:
    rng = random.Random(20231231)
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append([NOTE])
    notes.append(["各工作表的列说明见 docs/data-format.md。金额单位为万元。"])
    info = wb.create_sheet("基本信息")
    info.append(["项目", "内容"])
    info.append(["县（市、区）", "和硕县"])
    info.append(["年度", 2023])
    sheets: dict[str, list[list]] = {}

    sheets["key_evaluations"] = [[t, d, k, money(Decimal(a)), float(s) if "." in s else int(s), g, "公开"] for t, d, k, a, s, g in KEY_EVALUATIONS]
    sheets["policy_documents"] = [[t, n, d] for t, n, d in DOCUMENTS]
    sheets["pre_assessments"] = [["和硕县城区老旧供热管网改造项目", "和硕县住房和城乡建设局", 75, dt.date(2023, 4, 20), "予以支持"]]
    sheets["department_target_reviews"] = [[d] for d in DEPARTMENTS]
    reviewed = projects(rng, 107)
    sheets["project_target_reviews"] = [[d, p, money(a)] for (d, p), a in zip(reviewed, split("17076", 107, rng))]
    sheets["department_monitoring"] = [[d] for d in DEPARTMENTS]
    may_projects = projects(rng, 130, "年初")
    may_budget = split("24066", 130, rng)
    added = projects(rng, 177, "追加")
    aug_budget = may_budget + split(str(Decimal(36905) - Decimal(24066)), 177, rng)
    monitoring = []
    for (d, p), b, e in zip(may_projects, may_budget, executed_for(may_budget, "0.46", rng)):
        monitoring.append(["5月", dt.date(2023, 5, 31), d, p, money(b), money(e)])
    for (d, p), b, e in zip(may_projects + added, aug_budget, executed_for(aug_budget, "0.68", rng)):
        monitoring.append(["8月", dt.date(2023, 8, 31), d, p, money(b), money(e)])
    sheets["project_monitoring"] = monitoring
    graded = lambda: (lambda s: [s, "优" if s >= 90 else "良" if s >= 80 else "中" if s >= 60 else "差"])(rng.randint(72, 98))  # noqa: E731
    sheets["department_self_evaluations"] = [[d, money(a), *graded()] for d, a in zip(DEPARTMENTS[:53], split("69073", 53, rng))]
    self_evaluated = projects(rng, 192, "2022年")
    sheets["project_self_evaluations"] = [[d, p, money(a), *graded()] for (d, p), a in zip(self_evaluated, split("54072", 192, rng))]
    sheets["third_party_evaluations"] = [
        [f"2022年{p}", DEPARTMENTS[rng.randrange(len(DEPARTMENTS))], money(a), "新疆示例项目管理咨询有限公司", *graded()]
        for p, a in zip(THIRD_PARTY, split("6012", 10, rng))
    ]
    sheets["result_applications"] = [
        ["和硕县交通运输局", "农村公路养护项目", 45], ["和硕县文化体育广播电视和旅游局", "文化惠民演出项目", 50],
        ["和硕县商务和工业信息化局", "电子商务进农村项目", 35],
    ]
    checked = projects(rng, 24, "核查")
    sheets["authenticity_checks"] = [[p, d, "本级抽查" if i < 20 else "协助自治区核查"] for i, (d, p) in enumerate(checked)]
    sheets["trainings"] = [list(t) for t in TRAININGS]

    for name, rows in sheets.items():  # the same sheets as `perflib new` writes (perflib.scaffold)
        write_table_sheet(wb, TABLES_BY_NAME[name], rows, data_rows=0)
    fixed = dt.datetime(2024, 3, 1)
    wb.properties.creator = "perflib 示例数据"
    wb.properties.created = wb.properties.modified = fixed
    return wb


if __name__ == "__main__":
    target = ROOT / "data" / "heshuo" / "2023.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    build().save(target)
    print(f"wrote {target.relative_to(ROOT)}")
