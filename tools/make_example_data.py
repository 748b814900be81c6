"""Writes the illustrative workbooks for batch runs, year-over-year comparison and the rollup.

- ``data/example1|2|3/2022.xlsx, 2023.xlsx``: three fictitious counties (示例一县, 示例二县,
  示例三县) of different sizes and habits: 示例一县 is small and has no 财政政策评价; 示例二县 is
  large, monitors in three batches and prints amounts with two decimals; 示例三县 writes zero
  counts as 「无…」 and grades as 优秀/良好/中/差 (params settings).

Every figure here is invented; each workbook says so in its sheet 「说明」, each data folder in its
README.md, each params file in its header comment. ``data/heshuo/2023.xlsx`` (real totals) is
written by ``tools/make_sample_data.py`` and not touched here. Fixed seeds: reruns give the same
rows. Run: ``python tools/make_example_data.py``.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
from make_sample_data import DEPARTMENTS as HESHUO_DEPARTMENTS  # noqa: E402
from make_sample_data import PROJECT_WORDS, executed_for, money, split  # noqa: E402

from perflib.rules import grade_for_score  # noqa: E402
from perflib.schema import TABLES_BY_NAME  # noqa: E402

NOTE = "示例数据（虚构）：本工作簿的全部数字和名称均为示意，不是任何县的真实数据，仅用于演示批量生成、与上年对比和汇总分析。"
BUREAUS = [
    "财政局", "发展和改革委员会", "教育局", "林业和草原局", "民政局", "农业农村局", "残疾人联合会", "卫生健康委员会",
    "人力资源和社会保障局", "水利局", "住房和城乡建设局", "交通运输局", "自然资源局", "文化体育广播电视和旅游局",
    "公安局", "司法局", "应急管理局", "市场监督管理局", "统计局", "审计局", "退役军人事务局", "医疗保障局",
    "商务和工业信息化局", "乡村振兴局", "人民法院", "人民检察院", "委办公室", "人民政府办公室", "人大常委会办公室",
    "政协办公室", "纪委监委", "委组织部", "委宣传部", "委统战部", "委政法委", "总工会", "妇女联合会", "科学技术协会",
    "档案馆", "融媒体中心", "疾病预防控制中心", "人民医院", "中医医院", "第一中学", "第二中学", "第三中学",
    "第一小学", "第二小学", "机关事务服务中心", "生态环境分局",
]
TOWNS = ["东城镇", "西城镇", "南湖镇", "北山镇", "河东乡", "河西乡", "草原乡", "新村乡", "红柳乡", "胡杨乡",
         "沙枣乡", "雪松乡", "天池乡", "清泉乡", "金沙乡", "白杨乡", "果园乡", "绿洲乡", "牧场乡", "湖滨乡",
         "山前乡", "山后乡", "沿河乡", "新城乡", "老城乡", "东风乡", "向阳乡", "团结乡", "光明乡", "建设乡"]


@dataclass
class CountyYear:
    """The made-up totals of one county and year; rows are drawn to add up to them."""

    folder: str
    name: str
    year: int
    departments: int
    key_evaluations: list[tuple[str, str, str, str, str]]  # (bureau, subject, type, amount, publication)
    documents: list[tuple[str, str, tuple[int, int]]]  # (title, number, (month, day))
    pre_assessments: list[tuple[str, str]]  # (project, amount)
    target_projects: tuple[int, str]
    monitoring: list[tuple[str, tuple[int, int], int, str, str]]  # (batch, (month, day), projects, budget, ratio)
    self_departments: tuple[int, str]
    self_projects: tuple[int, str]
    third_party: tuple[int, str]
    budget_cuts: list[str]
    authenticity: tuple[int, int]
    trainings: list[tuple[tuple[int, int], str, int]]
    grade_labels: tuple[str, ...] = ("优", "良", "中", "差")
    department_names: list[str] = field(default_factory=list)

    def __post_init__(self):
        if not self.department_names:
            names = [f"{self.name}{b}" for b in BUREAUS] + [f"{self.name}{t}人民政府" for t in TOWNS]
            self.department_names = names[: self.departments]
        assert len(self.department_names) >= self.departments


def _grade(rng: random.Random, labels) -> list:
    score = rng.randint(68, 98)
    return [score, grade_for_score(score, labels)]


def _projects(rng: random.Random, departments: list[str], n: int, prefix: str = "") -> list[tuple[str, str]]:
    return [(departments[rng.randrange(len(departments))], f"{prefix}{PROJECT_WORDS[i % len(PROJECT_WORDS)]}项目（{i + 1:03d}）")
            for i in range(n)]


def build(spec: CountyYear, seed: int) -> Workbook:
    rng = random.Random(seed)
    y = spec.year
    depts = spec.department_names[: spec.departments]
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append([NOTE])
    notes.append([f"由 tools/make_example_data.py 生成（{spec.name} {y} 年）。各工作表的列说明见 docs/data-format.md。金额单位为万元。"])
    info = wb.create_sheet("基本信息")
    info.append(["项目", "内容"])
    info.append(["县（市、区）", spec.name])
    info.append(["年度", y])
    sheets: dict[str, list[list]] = {}
    short = lambda d: d.removeprefix(spec.name)  # noqa: E731
    sheets["key_evaluations"] = [
        [f"{y}年{short(d)}{subject}{'绩效评价报告' if kind == '部门整体评价' else '重点项目绩效评价报告'}", d, kind, money(Decimal(a)),
         *_grade(rng, spec.grade_labels), publication]
        for d, subject, kind, a, publication in spec.key_evaluations
    ]
    sheets["policy_documents"] = [[t, n, dt.date(y, m, d)] for t, n, (m, d) in spec.documents]
    sheets["pre_assessments"] = [[p, depts[rng.randrange(len(depts))], money(Decimal(a)), dt.date(y, 4, 10 + i), "予以支持"]
                                 for i, (p, a) in enumerate(spec.pre_assessments)]
    sheets["department_target_reviews"] = [[d] for d in depts]
    n, amount = spec.target_projects
    sheets["project_target_reviews"] = [[d, p, money(a)] for (d, p), a in zip(_projects(rng, depts, n), split(amount, n, rng))]
    sheets["department_monitoring"] = [[d] for d in depts]
    monitored: list[tuple[str, str]] = []
    budgets: list[Decimal] = []
    rows = []
    for batch, (m, d), count, total_budget, ratio in spec.monitoring:
        added = count - len(monitored)
        monitored += _projects(rng, depts, added, f"{batch}新增")
        budgets += split(str(Decimal(total_budget) - sum(budgets, Decimal(0))), added, rng)
        for (dept, project), b, e in zip(monitored, budgets, executed_for(budgets, ratio, rng)):
            rows.append([batch, dt.date(y, m, d), dept, project, money(b), money(e)])
    sheets["project_monitoring"] = rows
    n, amount = spec.self_departments
    sheets["department_self_evaluations"] = [[d, money(a), *_grade(rng, spec.grade_labels)] for d, a in zip(depts[:n], split(amount, n, rng))]
    n, amount = spec.self_projects
    sheets["project_self_evaluations"] = [[d, p, money(a), *_grade(rng, spec.grade_labels)]
                                          for (d, p), a in zip(_projects(rng, depts, n, f"{y - 1}年"), split(amount, n, rng))]
    n, amount = spec.third_party
    sheets["third_party_evaluations"] = [
        [f"{y - 1}年{p}", d, money(a), "示例项目管理咨询有限公司（虚构）", *_grade(rng, spec.grade_labels)]
        for (d, p), a in zip(_projects(rng, depts, n), split(amount, n, rng))
    ]
    sheets["result_applications"] = [[d, p, money(Decimal(a))] for (d, p), a in zip(_projects(rng, depts, len(spec.budget_cuts), "调减"), spec.budget_cuts)]
    own, region = spec.authenticity
    sheets["authenticity_checks"] = [[p, d, "本级抽查" if i < own else "协助自治区核查"] for i, (d, p) in enumerate(_projects(rng, depts, own + region, "核查"))]
    sheets["trainings"] = [[dt.date(y, m, d), topic, people] for (m, d), topic, people in spec.trainings]
    for name, rows in sheets.items():
        table = TABLES_BY_NAME[name]
        ws = wb.create_sheet(table.sheet)
        ws.append([c.header for c in table.columns if c.required or c.name not in ("url", "rate")])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        for cells in ws.iter_cols(min_row=1, max_row=1):
            ws.column_dimensions[cells[0].column_letter].width = 16
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    wb.properties.creator = "perflib 示例数据（虚构）"
    wb.properties.created = wb.properties.modified = dt.datetime(y + 1, 3, 1)
    return wb


POLICY = "和硕县财政局关于进一步加强预算绩效管理的通知"
COUNTIES: list[CountyYear] = [
]
for y, scale in ((2022, 0), (2023, 1)):
    COUNTIES.append(CountyYear(  # small; no 财政政策评价
        "example1", "示例一县", y, 28 + 2 * scale,
        key_evaluations=[
            ("示例一县教育局", "部门整体支出", "部门整体评价", "210.50", "公开"),
            ("示例一县农业农村局", "高标准农田建设", "其他重大项目", "486.20", "公开"),
            ("示例一县水利局", "小型水库维修养护", "其他重大项目", "301.75", "公开"),
        ] + ([("示例一县民政局", "社区养老服务采购", "政府购买服务项目", "128.40", "公开")] if scale else []),
        documents=[(f"示例一县预算绩效管理办法（{'试行' if not scale else '修订'}）", f"示财预〔{y}〕{3 + scale}号", (4, 12))],
        pre_assessments=[("示例一县乡村道路硬化项目", "45")] + ([("示例一县中小学食堂改造项目", "38.5")] if scale else []),
        target_projects=(46 + 6 * scale, str(6120 + 770 * scale)),
        monitoring=[("5月", (5, 31), 40 + 4 * scale, str(5200 + 380 * scale), "0.40" if not scale else "0.44"),
                    ("8月", (8, 31), 78 + 9 * scale, str(8350 + 610 * scale), "0.62" if not scale else "0.69")],
        self_departments=(26 + 2 * scale, str(23500 + 1800 * scale)), self_projects=(84 + 11 * scale, str(18640 + 1315 * scale)),
        third_party=(4 + scale, str(1830 + 420 * scale)),
        budget_cuts=["40"] if not scale else ["30", "25"], authenticity=(8 + 2 * scale, 2),
        trainings=[((4, 8), "预算绩效管理基础", 45), ((6, 16), "绩效目标编制", 40), ((10, 11), "绩效自评", 42)]
        + ([((12, 5), "绩效评价结果应用", 38)] if scale else []),
    ))
    COUNTIES.append(CountyYear(  # large; three monitoring batches; amounts with two decimals
        "example2", "示例二县", y, 80,
        key_evaluations=[
            ("示例二县卫生健康委员会", "部门整体支出", "部门整体评价", "1520.36", "公开"),
            ("示例二县东城镇人民政府", "财政综合运行", "下级政府财政综合运行绩效评价", "3205.18", "公开"),
            ("示例二县农业农村局", "种粮农民一次性补贴政策", "财政政策评价", "2860.44", "公开"),
            ("示例二县教育局", "教学设备集中采购", "政府采购项目", "980.25", "公开"),
            ("示例二县住房和城乡建设局", "老旧小区改造专项债券", "专项债券项目", "3126.80", "公开"),
            ("示例二县公安局", "视频监控系统运维", "其他重大项目", "1122.53", "涉密" if scale else "公开"),
        ] + ([("示例二县文化体育广播电视和旅游局", "公共文化服务购买", "政府购买服务项目", "655.92", "公开")] if scale else []),
        documents=[("示例二县全面实施预算绩效管理实施细则", f"示二政办发〔{y}〕{12 + scale}号", (2, 27)),
                   ("示例二县事前绩效评估管理办法", f"示二财预〔{y}〕{5 + scale}号", (5, 9)),
                   ("示例二县绩效评价结果应用办法", f"示二财预〔{y}〕{18 + scale}号", (9, 21))],
        pre_assessments=[("示例二县城市供水管网改造项目", "1260.5"), ("示例二县智慧教育平台项目", "830.25"), ("示例二县垃圾处理厂扩建项目", "2410")][: 2 + scale],
        target_projects=(210 + 25 * scale, str(Decimal("58210.37") + Decimal("6180.55") * scale)),
        monitoring=[("5月", (5, 31), 180 + 12 * scale, str(Decimal("41820.56") + 2300 * scale), "0.39" if not scale else "0.42"),
                    ("8月", (8, 31), 320 + 18 * scale, str(Decimal("66305.12") + 3100 * scale), "0.61" if not scale else "0.64"),
                    ("10月", (10, 31), 365 + 20 * scale, str(Decimal("72510.88") + 3350 * scale), "0.80" if not scale else "0.84")],
        self_departments=(78, str(Decimal("215630.42") + Decimal("9815.3") * scale)),
        self_projects=(420 + 30 * scale, str(Decimal("168205.73") + Decimal("10220.18") * scale)),
        third_party=(16 + 2 * scale, str(Decimal("12815.56") + Decimal("1650.4") * scale)),
        budget_cuts=["320.5", "215", "180.25"] + (["96"] if scale else []), authenticity=(40 + 5 * scale, 6 + scale),
        trainings=[((3, 15), "预算绩效管理政策解读", 160), ((4, 20), "绩效目标编制", 140), ((6, 12), "运行监控", 120),
                   ((8, 16), "部门整体自评", 130), ((10, 18), "第三方评价质量", 90), ((12, 6), "结果应用", 110)]
        + ([((11, 8), "专项债券绩效管理", 85)] if scale else []),
    ))
    COUNTIES.append(CountyYear(  # zero counts as 「无…」, grades 优秀/良好/中/差
        "example3", "示例三县", y, 40,
        key_evaluations=[
            ("示例三县林业和草原局", "草原生态保护补助奖励政策", "财政政策评价", "760.30", "公开"),
            ("示例三县卫生健康委员会", "基本公共卫生服务", "其他重大项目", "540.12", "公开"),
        ] + ([("示例三县民政局", "部门整体支出", "部门整体评价", "330.08", "公开"),
              ("示例三县应急管理局", "应急物资储备", "其他重大项目", "215.60", "敏感")] if scale else []),
        documents=[("示例三县预算绩效管理工作规程", f"示三财预〔{y}〕{7 + scale}号", (5, 6))],
        pre_assessments=[("示例三县农贸市场改造项目", "88")],
        target_projects=(120 + 8 * scale, str(13250 + 950 * scale)),
        monitoring=[("6月", (6, 30), 95 + 5 * scale, str(10840 + 560 * scale), "0.52" if not scale else "0.49"),
                    ("9月", (9, 30), 150 + 8 * scale, str(16320 + 820 * scale), "0.73" if not scale else "0.77")],
        self_departments=(38 + scale, str(41260 + 2210 * scale)), self_projects=(132 + 14 * scale, str(30410 + 2650 * scale)),
        third_party=(6, str(2480 + 310 * scale)),
        budget_cuts=["65"] if not scale else ["72", "18"], authenticity=(12 + 3 * scale, 1 + scale),
        trainings=[((3, 28), "预算绩效管理政策解读", 60), ((7, 7), "绩效监控与自评", 72)] + ([((11, 15), "绩效评价结果应用", 55)] if scale else []),
        grade_labels=("优秀", "良好", "中", "差"),
    ))


README = """# {name}示例数据（虚构）

**本目录的数据全部是示意数据，{name}是虚构的县**：名称、部门、项目、金额、得分都是编造的，
只用于演示 `perflib batch`（批量生成）、「与上年对比」和 `perflib rollup`（汇总分析）。
每个工作簿的「说明」工作表和 `params/{folder}/` 下参数文件的首行注释也写明了这一点。

由 `tools/make_example_data.py` 生成（固定随机种子，重新生成结果相同）；请修改脚本再生成，不要手改工作簿。

这个县的特点：{habits}
"""
HABITS = {
    "example1": "规模小（约 30 个部门）；重点绩效评价中没有财政政策评价。",
    "example2": "规模大（80 个部门）；项目绩效监控分 5月、8月、10月三个批次；金额保留两位小数、不用千分位（`17815.56万元`）。",
    "example3": "零计数写作「无…」（`settings.zero_count_style: none`）；等级写作优秀/良好/中/差（`settings.grade_labels`）；监控批次为 6月、9月；百分比保留一位小数。",
}


def main() -> None:
    for i, spec in enumerate(COUNTIES):
        target = ROOT / "data" / spec.folder / f"{spec.year}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        build(spec, seed=spec.year * 100 + i).save(target)
        print(f"wrote {target.relative_to(ROOT)}")
        if spec.folder in HABITS:
            readme = target.parent / "README.md"
            readme.write_text(README.format(name=spec.name, folder=spec.folder, habits=HABITS[spec.folder]), encoding="utf-8")


if __name__ == "__main__":
    main()
