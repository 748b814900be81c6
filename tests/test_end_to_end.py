"""The real thing: papermill runs the annual notebook in a Jupyter kernel for 和硕县 2023."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
import yaml
from conftest import FIXTURES, SEED, needs_seed, plain_papermill, tree_hashes

from perflib.run import run_report

pytestmark = pytest.mark.e2e

# Every figure of the reference report, with the words around it, as our report must print them.
REFERENCE_FIGURES = [
    "共选取5个评价对象", "部门整体评价1个", "下级政府财政综合运行绩效评价0个", "财政政策评价1个", "政府采购项目0个",
    "政府购买服务项目0个", "专项债券项目0个", "评价资金总额达0.34亿元", "形成了5个评价报告",
    "0个项目报告涉及涉密及敏感信息",
    "28类277条", "对1个新增项目开展事前绩效评估，涉及资金75万元",
    "完成55个部门整体绩效目标及年初预算107个项目17,076万元绩效目标审核工作",
    "完成55个部门整体绩效监控审核工作", "5、8月绩效监控审核工作",
    "5月项目绩效监控130个24,066万元，总体进度46%，略高于序时进度",
    "8月项目绩效监控307个36,905万元，总体进度68%，略高于序时进度",
    "对2022年部门整体绩效及项目支出绩效开展自评", "53个部门单位69,073万元", "192个54,072万元",
    "2022年10个重点项目涉及6,012万元", "调减预算资金130万元", "随机抽取20个项目", "协助自治区对4个项目",
    "培训6次、380人次", "评价结果为“优秀”", "2024年度", "2023年度",
]
# The reference's numbers and headings, as data (tests/fixtures/reference_report.yaml).
REFERENCE = yaml.safe_load((FIXTURES / "reference_report.yaml").read_text(encoding="utf-8"))
NUMBER_WITH_UNIT = r"\d[\d,.]*(?:万元|亿元|%|类|条|人次|次|个|号)"
REFERENCE_TITLES = [
    "2023年教科局支持学前教育发展资金(新建幼儿园)项目重点项目绩效评价报告",
    "2023年林草局自治区森林植被恢复费项目重点项目绩效评价报告",
    "2023年民政局自治区社会福利补助资金项目重点项目绩效评价报告",
    "2023年农业农村局农业保险保费补贴(中央、自治区、县级)重点项目绩效评价报告",
    "2023年残疾人联合会部门整体支出绩效评价报告",
]


@pytest.fixture(scope="module")
def heshuo_run(tmp_path_factory):
    from conftest import ROOT
    import shutil

    root = tmp_path_factory.mktemp("project")
    for name in ("params", "data", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    inputs_before = tree_hashes(root / "data") | {f"params/{k}": v for k, v in tree_hashes(root / "params").items()}
    result = run_report("heshuo", 2023, root=root, progress=False)
    return root, result, inputs_before


def text_of(html_path: Path) -> str:
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    return re.sub(r"\s+", "", soup.get_text())


def test_run_writes_executed_notebook_and_html(heshuo_run):
    root, result, _ = heshuo_run
    out = root / "outputs" / "heshuo" / "2023"
    assert result.output_dir == out
    assert (out / "annual_report.ipynb").is_file() and (out / "report.html").is_file()
    import nbformat

    nb = nbformat.read(out / "annual_report.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every code cell ran"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'county = "heshuo"' in injected[0].source


def test_html_carries_every_figure_of_the_reference(heshuo_run):
    root, _, _ = heshuo_run
    text = text_of(root / "outputs" / "heshuo" / "2023" / "report.html")
    missing = [f for f in REFERENCE_FIGURES + REFERENCE_TITLES if f not in text]
    assert missing == []


def test_every_number_of_the_reference_appears(heshuo_run):
    """Beyond the list above: each number-with-unit of the reference is somewhere in ours."""
    root, _, _ = heshuo_run
    ours = text_of(root / "outputs" / "heshuo" / "2023" / "report.html")
    tokens = REFERENCE["numbers"]
    assert len(tokens) == len(set(tokens)) == 30
    assert sorted(t for t in tokens if t not in ours) == []


def test_headings_are_the_reference_headings_in_order(heshuo_run):
    root, _, _ = heshuo_run
    soup = BeautifulSoup((root / "outputs" / "heshuo" / "2023" / "report.html").read_text(encoding="utf-8"), "html.parser")
    level1 = [re.sub(r"\s+", "", h.get_text())[2:] for h in soup.find_all("h2") if h.get_text() != "示例数据说明"][:4]
    assert level1 == REFERENCE["headings"]
    run_ins = [re.sub(r"\s+", "", s.get_text())[3:].rstrip("。") for s in soup.select(".run-in")][:9]
    assert run_ins == REFERENCE["work_headings"]


@needs_seed
def test_recorded_reference_facts_are_the_reference_text():
    """The facts kept in tests/fixtures are the reference's (checked when the reference is beside the project)."""
    seed = re.sub(r"\s+", "", SEED.read_text(encoding="utf-8"))
    assert sorted(set(re.findall(NUMBER_WITH_UNIT, seed))) == sorted(REFERENCE["numbers"])
    assert all(h in seed for h in REFERENCE["headings"] + REFERENCE["work_headings"])
    assert all(t in seed for t in REFERENCE_TITLES)


def test_headings_are_numbered_once_each(heshuo_run):
    root, _, _ = heshuo_run
    soup = BeautifulSoup((root / "outputs" / "heshuo" / "2023" / "report.html").read_text(encoding="utf-8"), "html.parser")
    level1 = [h.get_text()[:2] for h in soup.find_all("h2")]
    assert level1 == ["示例", "一、", "二、", "三、", "四、"]  # 示例数据说明 (issue 23), no appendix: 和硕县 has no earlier year (issue 12)
    run_ins = [s.get_text() for s in soup.select(".run-in")]
    assert [r[:3] for r in run_ins[:9]] == ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）", "（八）", "（九）"]
    assert soup.find("h1").get_text() == "2023年和硕县预算绩效管理工作情况"


def test_html_is_publishable_no_code_no_prompts(heshuo_run):
    root, _, _ = heshuo_run
    html = (root / "outputs" / "heshuo" / "2023" / "report.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None
    assert "In [" not in html and "perflib." not in soup.get_text()
    assert len(soup.find_all("table")) == 1  # key evaluation reports (no appendix: 和硕县 has no 2022)
    images = soup.find_all("img")
    assert len(images) == 2 and all(i["src"].startswith("data:image/svg+xml;base64,") for i in images)
    assert not re.search(r'(src|href)="(?!data:)', html), "self-contained: no external resources"


def test_inputs_are_not_modified(heshuo_run):
    root, _, before = heshuo_run
    after = tree_hashes(root / "data") | {f"params/{k}": v for k, v in tree_hashes(root / "params").items()}
    assert after == before


def test_plain_papermill_with_params_file(project_copy, tmp_path):
    """The standard papermill command works with the params file as its parameters file."""
    result = plain_papermill(project_copy, "params/heshuo/2023.yaml", tmp_path / "files")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "24,066万元" in text_of(tmp_path / "files" / "report.html")
