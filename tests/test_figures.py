"""From project rows to the report's counts and sums, exactly."""
from decimal import Decimal

from conftest import make_params

from perflib.figures import compute_figures
from perflib.formatting import Printer
from perflib.validation import load_data


def figures_for(tmp_path, rows=None, settings=None):
    """The figures of a small project, and the printer of its settings (how the report prints them)."""
    params = make_params(tmp_path, rows, settings)
    dataset, findings = load_data(params)
    assert [f for f in findings if f.is_error] == []
    return compute_figures(dataset, params), Printer(params.settings)


def test_amounts_are_exact_decimal_sums(tmp_path):
    # 0.1 + 0.2 is not 0.3 in binary floats; the report must print the exact sum
    rows = {"project_target_reviews": [["甲局", "项目甲", 0.1], ["甲局", "项目乙", 0.2], ["乙局", "项目丙", 17075.7]]}
    f, PRINT = figures_for(tmp_path, rows, settings={"amount_decimals": 4})
    assert f["target_reviews.amount"].value == Decimal("17076.0")
    assert PRINT(f["target_reviews.amount"]) == "17,076.0000万元"
    assert f["target_reviews.projects"].value == 3
    assert f["target_reviews.projects"].rows == (2, 3, 4)


def test_key_evaluations_count_by_type_and_total_in_yi(tmp_path):
    rows = {"key_evaluations": [
        ["报告一", "甲局", "部门整体评价", 302.45, 90, "优", "公开"],
        ["报告二", "乙局", "财政政策评价", 865.2, 91, "优", "公开"],
        ["报告三", "丙局", "其他重大项目", 1260.5, 92.5, "优", "涉密"],
        ["报告四", "丁局", "其他重大项目", 1014.3, 85, "良", "公开"],
    ]}
    f, PRINT = figures_for(tmp_path, rows)
    assert f["key_evaluations.objects"].value == 4
    assert f["key_evaluations.reports"].value == 4
    assert [(kind, fig.value) for kind, fig in f.lists["key_evaluations.types"]] == [
        ("部门整体评价", 1), ("下级政府财政综合运行绩效评价", 0), ("财政政策评价", 1), ("政府采购项目", 0),
        ("政府购买服务项目", 0), ("专项债券项目", 0), ("其他重大项目", 2)]
    assert f["key_evaluations.amount"].value == Decimal("3442.45") / 10000
    assert PRINT(f["key_evaluations.amount"]) == "0.34亿元"
    assert f["key_evaluations.withheld"].value == 1
    assert f.lists["key_evaluations.published"] == ["报告一", "报告二", "报告四"]


def test_monitoring_batches_progress_and_phrase(tmp_path):
    rows = {"project_monitoring": [
        ["8月", "2023-08-31", "甲局", "项目甲", 100, 70],
        ["5月", "2023-05-31", "甲局", "项目甲", 100, 40],
        ["5月", "2023-05-31", "乙局", "项目乙", 100, 52],
        ["8月", "2023-08-31", "乙局", "项目乙", 200, 134],
    ]}
    f, PRINT = figures_for(tmp_path, rows)
    batches = f.lists["monitoring.batches"]
    assert [b["label"] for b in batches] == ["5月", "8月"]  # ordered by as-of date, not by row
    may, august = batches
    assert (may["projects"].value, may["amount"].value, PRINT(may["progress"])) == (2, Decimal(200), "46%")
    assert (august["projects"].value, august["amount"].value, PRINT(august["progress"])) == (2, Decimal(300), "68%")
    assert may["phrase"] == august["phrase"] == "略高于序时进度"
    assert f["monitoring.2023-05.progress"].value == Decimal("0.46")


def test_trainings_sum_attendees_and_count_sessions(tmp_path):
    f, PRINT = figures_for(tmp_path, {"trainings": [["2023-03-01", "甲", 200], ["2023-04-01", "乙", 180]]})
    assert PRINT(f["trainings.sessions"]) == "2次"
    assert PRINT(f["trainings.attendees"]) == "380人次"


def test_authenticity_checks_split_by_kind(tmp_path):
    rows = {"authenticity_checks": [["项目甲", "甲局", "本级抽查"], ["项目乙", "甲局", "本级抽查"], ["项目丙", "乙局", "协助自治区核查"]]}
    f, PRINT = figures_for(tmp_path, rows)
    assert (f["authenticity.own"].value, f["authenticity.region"].value) == (2, 1)


def test_zero_count_style_none_writes_wu(tmp_path):
    from perflib.document import Document
    from perflib.narrative import Citations, type_breakdown

    f, PRINT = figures_for(tmp_path, settings={"zero_count_style": "none"})
    citations = Citations()
    cited = citations.runs(type_breakdown(f.lists["key_evaluations.types"], "none", citations), "")
    text = Document("", (), figures=f.items, printer=PRINT).text_of(cited)
    assert text == "其他重大项目1个；无部门整体评价、下级政府财政综合运行绩效评价、财政政策评价、政府采购项目、政府购买服务项目、专项债券项目"
    assert PRINT(f["key_evaluations.withheld"]) == "无"


def test_a_blank_evaluation_amount_is_left_out_of_the_total_and_named(tmp_path):
    rows = {"key_evaluations": [
        ["报告一", "甲局", "部门整体评价", 302.45, 90, "优", "公开"],
        ["报告二", "乙局", "财政政策评价", None, 91, "优", "公开"],
        ["报告三", "丙局", "财政政策评价", 1260.5, 92.5, "优", "公开"],
    ]}
    params = make_params(tmp_path, rows)
    dataset, findings = load_data(params)
    f = compute_figures(dataset, params)
    assert f["key_evaluations.amount_wan"].value == Decimal("1562.95")
    assert f["key_evaluations.amount_wan"].rows == (2, 4)  # the rows summed
    funds = dict(f.lists["key_evaluations.funds_by_type"])
    assert funds["财政政策评价"].value == Decimal("1260.5") and funds["财政政策评价"].rows == (4,)
    [warning] = [x for x in findings if x.code == "W260"]
    assert (warning.sheet, warning.row, warning.column) == ("重点绩效评价", 3, "评价资金(万元)")
    assert warning.file and "未计入评价资金合计" in str(warning) and not warning.is_error


def test_evaluation_amounts_all_blank_give_no_total_and_no_warning(tmp_path):
    rows = {"key_evaluations": [["报告一", "甲局", "部门整体评价", None, 90, "优", "公开"]]}
    params = make_params(tmp_path, rows)
    dataset, findings = load_data(params)
    assert "key_evaluations.amount" not in compute_figures(dataset, params)
    assert "W260" not in {x.code for x in findings}
