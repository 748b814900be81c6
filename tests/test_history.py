"""与上年对比: changes computed from two years' data; no previous year, no comparison; a broken
previous year never stops the current report."""
import re
from decimal import Decimal

from conftest import ROOT, make_params, minimal_rows
from openpyxl import load_workbook

from perflib.figures import FigureRef, compute_figures
from perflib.formatting import Printer
from perflib.params import load_params
from perflib.pipeline import make_report
from perflib.validation import load_data
from perflib.history import add_comparisons, load_history

PRINT = Printer()  # the settings of these projects: perflib's defaults


def column_sum(workbook, sheet: str, header: str) -> int:
    """A column's total read straight from the workbook, independently of perflib's loader."""
    ws = load_workbook(workbook, read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    at = list(rows[0]).index(header)
    return sum(Decimal(str(r[at])) for r in rows[1:] if r[at] is not None)


def test_example_2023_compares_trainings_with_2022_workbook():
    report = make_report(load_params("example1", 2023, ROOT))
    now = column_sum(ROOT / "data/example1/2023.xlsx", "培训", "参训人次")
    before = column_sum(ROOT / "data/example1/2022.xlsx", "培训", "参训人次")
    f = report.figures
    assert before != now
    assert f["yoy.trainings.attendees.previous"].value == before
    assert f["yoy.trainings.attendees.change"].value == now - before
    assert f["yoy.trainings.attendees.percent"].value == (now - before) / before
    assert PRINT(f["yoy.trainings.attendees.change"]) == f"增加{now - before}人次"
    assert f["yoy.trainings.attendees.previous"].source.startswith("data/example1/2022.xlsx")
    text = report.document.text()
    assert f"{now}人次，与上年对比，培训次数增加1次，增长33.3%；培训人次增加{now - before}人次" in text


def test_example_2023_compares_budget_cut_and_target_review_amounts():
    f = make_report(load_params("example1", 2023, ROOT)).figures
    cut_now = column_sum(ROOT / "data/example1/2023.xlsx", "结果应用", "调减金额(万元)")
    cut_before = column_sum(ROOT / "data/example1/2022.xlsx", "结果应用", "调减金额(万元)")
    assert f["yoy.results.budget_cut.change"].value == cut_now - cut_before
    reviewed_now = column_sum(ROOT / "data/example1/2023.xlsx", "项目目标审核", "预算金额(万元)")
    reviewed_before = column_sum(ROOT / "data/example1/2022.xlsx", "项目目标审核", "预算金额(万元)")
    assert f["yoy.target_reviews.amount.change"].value == reviewed_now - reviewed_before


def test_heshuo_2023_states_no_year_over_year_change():
    """The reference publishes no 2022 figures: its report compares with nothing (issue 12)."""
    report = make_report(load_params("heshuo", 2023, ROOT))
    assert not (ROOT / "params/heshuo/2022.yaml").exists() and not (ROOT / "data/heshuo/2022.xlsx").exists()
    assert report.figures.frame(PRINT, ("yoy.",)).empty
    assert "与上年对比，培训" not in report.document.text() and "附：" not in report.document.text()


def test_appendix_table_lists_both_years_and_the_chart_is_placed():
    doc = make_report(load_params("example2", 2023, ROOT)).document
    appendix = doc.sections[-1]
    assert doc.sections[0].key == "illustrative" and "示例数据" in doc.text().split("\n")[2]  # invented data says so first
    assert appendix.number == "附：" and [s.number for s in doc.sections[1:5]] == ["一、", "二、", "三、", "四、"]
    table, chart = appendix.blocks[-2], appendix.blocks[-1]
    assert table.columns == ("指标", "2022年", "2023年", "比上年增减", "增减幅度")
    assert ("培训次数", "6次", "7次", "增加1次", "增长16.7%") in [tuple(doc.printed(c) for c in row) for row in table.rows]
    assert chart.key == "history" and "<svg" in chart.svg


def test_without_previous_year_the_report_reads_as_before(project_copy):
    with_history = make_report(load_params("example1", 2023, project_copy)).document
    (project_copy / "params/example1/2022.yaml").unlink()
    alone = make_report(load_params("example1", 2023, project_copy))
    assert [s.number for s in alone.document.sections if s.key != "illustrative"] == ["一、", "二、", "三、", "四、"]
    assert alone.figures.frame(Printer(), ("yoy.",)).empty
    strip = lambda t: re.sub(r"(?<=。)与上年对比，[^。]*。|，与上年对比，[^。]*", "", t)  # noqa: E731
    text = with_history.text().split("\n附：")[0]
    assert "与上年对比，培训次数" in text
    assert strip(text) == strip(alone.document.text())


def test_previous_year_with_errors_is_left_out_with_a_warning(project_copy):
    params_2022 = project_copy / "params/example1/2022.yaml"
    params_2022.write_text(params_2022.read_text(encoding="utf-8").replace("data/example1/2022.xlsx", "data/example1/missing.xlsx"), encoding="utf-8")
    report = make_report(load_params("example1", 2023, project_copy))
    assert [n.code for n in report.document.notes] == ["W220"]
    assert "2022年的数据有 1 处错误" in report.document.notes[0].message
    assert "与上年对比，培训次数" not in report.document.text()
    attendees = column_sum(ROOT / "data/example1/2023.xlsx", "培训", "参训人次")
    assert f"{attendees}人次" in report.document.text()


def two_years(tmp_path, rows_2022, rows_2023, settings=None, **extra):
    earlier = {k: [[c.replace("2023-", "2022-") if isinstance(c, str) else c for c in r] for r in v] for k, v in minimal_rows().items()}
    make_params(tmp_path, earlier | rows_2022, settings, year=2022, **extra)
    params = make_params(tmp_path, rows_2023, settings, year=2023, **extra)
    dataset, findings = load_data(params)
    figures = compute_figures(dataset, params)
    history = load_history(params)
    assert [y.year for y in history.years] == [2022] and history.notes == []
    add_comparisons(figures, history, params)
    return figures


def trainings(*people):
    return {"trainings": [[f"{{year}}-0{i + 1}-01", "培训", n] for i, n in enumerate(people)]}


def rows_for(year, rows):
    return {k: [[c.format(year=year) if isinstance(c, str) else c for c in r] for r in v] for k, v in rows.items()}


def test_decrease_unchanged_and_from_zero(tmp_path):
    before = rows_for(2022, trainings(100, 100)) | {"result_applications": [["甲局", "项目甲", 5]]}
    after = rows_for(2023, trainings(150)) | {"result_applications": [["甲局", "项目甲", 5]]}
    f = two_years(tmp_path, before, after)
    assert PRINT(f["yoy.trainings.sessions.change"]) == "减少1次"
    assert PRINT(f["yoy.trainings.sessions.percent"]) == "下降50.0%"
    assert PRINT(f["yoy.trainings.attendees.change"]) == "减少50人次"
    assert PRINT(f["yoy.results.budget_cut.change"]) == "持平"
    parts = f.lists["yoy.parts"]
    assert [i["percent"] for i in parts["results"]] == [None]  # 持平 carries no percentage


def test_no_percentage_when_the_previous_year_was_zero(tmp_path):
    before = rows_for(2022, {"key_evaluations": [["报告甲", "甲局", "其他重大项目", 0, 91, "优", "公开"]]})
    after = rows_for(2023, {"key_evaluations": [["报告甲", "甲局", "其他重大项目", 40, 91, "优", "公开"]]})
    f = two_years(tmp_path, before, after)
    assert "yoy.key_evaluations.amount.percent" not in f
    # 0.00亿元 then and now as printed: the change, computed from the printed values, is nothing
    # to print, but the amounts did change
    assert PRINT(f["yoy.key_evaluations.amount.change"]) == "基本持平"


def test_a_change_agrees_with_the_two_amounts_as_printed(tmp_path):
    """0.29亿元 → 0.34亿元 is 「增加0.05亿元」 (exactly 2873→3442万元 would round to 0.06) and 增长17.2% (0.05÷0.29)."""
    before = rows_for(2022, {"key_evaluations": [["报告甲", "甲局", "其他重大项目", 2873, 91, "优", "公开"]]})
    after = rows_for(2023, {"key_evaluations": [["报告甲", "甲局", "其他重大项目", 3442, 91, "优", "公开"]]})
    f = two_years(tmp_path, before, after)
    assert (PRINT(f["yoy.key_evaluations.amount.previous"]), PRINT(f["key_evaluations.amount"])) == ("0.29亿元", "0.34亿元")
    assert PRINT(f["yoy.key_evaluations.amount.change"]) == "增加0.05亿元"
    assert PRINT(f["yoy.key_evaluations.amount.percent"]) == "增长17.2%"


def test_copied_example_params_are_marked_illustrative():
    real = {("heshuo", "2023"), ("tianshui", "2021"), ("wuhai_haibowan", "2020")}  # published figures, nothing invented
    for path in sorted((ROOT / "params").glob("*/*.yaml")):
        if (path.parent.name, path.stem) in real:
            params = load_params(path.parent.name, int(path.stem), ROOT)
            # 和硕县 prints a chart split and a date nobody published: it names them, one note each (issue 23)
            assert not params.illustrative or all(what for what, _ in params.illustrative_notes)
            continue
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert "示例" in first or "案例" in first, path
        assert load_params(path.parent.name, int(path.stem), ROOT).illustrative, path
    for folder in ("example1", "example2", "example3"):
        assert "虚构" in (ROOT / "data" / folder / "README.md").read_text(encoding="utf-8")
        for workbook in (ROOT / "data" / folder).glob("*.xlsx"):
            assert "示例数据" in load_workbook(workbook, read_only=True)["说明"]["A1"].value
        for year in (2022, 2023):  # declared illustrative: every output made from them says so
            assert load_params(folder, year, ROOT).illustrative


def test_a_part_without_data_in_one_year_is_left_out_of_the_comparison(tmp_path):
    """A county that did no training in 2023 (no sheet) still gets its comparison of the rest."""
    from perflib.charts import draw_charts
    from perflib.history import history_rows

    before = rows_for(2022, trainings(100))
    after = {"trainings": None}
    f = two_years(tmp_path, before, after)
    assert "yoy.trainings.sessions.change" not in f and "yoy.results.budget_cut.change" in f
    assert "trainings" not in f.lists["yoy.parts"]
    _, rows = history_rows(f, load_params("demo", 2023, tmp_path))
    assert "培训次数" not in [r[0] for r in rows] and rows
    assert "history" in draw_charts(f, PRINT)


def test_a_change_prints_at_the_precision_of_its_figures_own_format(tmp_path):
    """With formats giving 评价资金 one decimal of 亿元, 0.3亿元 → 0.4亿元 is 「增加0.1亿元」, not 「增加0.10亿元」."""
    from perflib.document import Document

    before = rows_for(2022, {"key_evaluations": [["报告甲", "甲局", "其他重大项目", 2873, 91, "优", "公开"]]})
    after = rows_for(2023, {"key_evaluations": [["报告甲", "甲局", "其他重大项目", 4442, 91, "优", "公开"]]})
    f = two_years(tmp_path, before, after, formats={"key_evaluations.amount": {"decimals": 1}})
    params = load_params("demo", 2023, tmp_path)
    shown = Document("", (), figures=f.items, printer=Printer(params.settings))
    printed = [shown.printed(FigureRef(k)) for k in ("yoy.key_evaluations.amount.previous", "key_evaluations.amount",
                                                      "yoy.key_evaluations.amount.change")]
    assert printed == ["0.3亿元", "0.4亿元", "增加0.1亿元"]


def years_of(tmp_path, rows_by_year: dict[int, dict]):
    """A county with one params file and workbook per year (minimal rows, dates moved to the year),
    ``rows_by_year`` replacing tables (None: no sheet); the last year's figures with their history."""
    for year, rows in rows_by_year.items():
        moved = {k: [[c.replace("2023-", f"{year}-") if isinstance(c, str) else c for c in r] for r in v] for k, v in minimal_rows().items()}
        params = make_params(tmp_path, moved | rows, year=year)
    dataset, _ = load_data(params)
    figures = compute_figures(dataset, params)
    history = load_history(params)
    add_comparisons(figures, history, params)
    return figures, params


def _drawn_history(monkeypatch, figures):
    """The matplotlib figure of the history chart, as drawn."""
    from perflib import charts

    import matplotlib

    drawn = {}
    monkeypatch.setattr(charts, "save_chart", lambda fig, key, caption: drawn.setdefault(key, fig))
    charts.use_cjk_font()
    with matplotlib.rc_context(charts.STYLE):
        charts.history_chart(figures, PRINT)
    return drawn["history"]


def test_a_year_without_a_part_prints_no_zero_and_no_change(tmp_path):
    """Training in 2021 and 2023, none in 2022 (no sheet): the appendix shows 「—」 for 2022 and no
    change on the year before; nothing says a change from 0."""
    from perflib.history import history_rows

    f, params = years_of(tmp_path, {2021: rows_for(2021, trainings(40)), 2022: {"trainings": None}, 2023: rows_for(2023, trainings(90))})
    assert "yoy.trainings.attendees.change" not in f and "yoy.trainings.attendees.previous" not in f
    assert f["yoy.trainings.attendees.2021"].value == 40
    columns, rows = history_rows(f, params)
    assert columns == ("指标", "2021年", "2022年", "2023年", "比上年增减", "增减幅度")
    row = next(r for r in rows if r[0] == "培训人次")
    assert row[2:] == ("—", FigureRef("trainings.attendees"), "—", "—")
    assert "yoy.trainings.attendees.2021" == row[1].key
    assert "trainings" not in f.lists["yoy.parts"]


def test_a_part_new_this_year_has_no_row_and_no_change(tmp_path):
    from perflib.history import history_rows

    f, params = years_of(tmp_path, {2022: {"trainings": None}, 2023: rows_for(2023, trainings(90))})
    assert not any(k.startswith("yoy.trainings.") for k in f.items)
    _, rows = history_rows(f, params)
    assert "培训人次" not in [r[0] for r in rows] and rows


def test_the_history_chart_draws_no_bar_for_a_year_without_the_indicator(tmp_path, monkeypatch):
    f, _ = years_of(tmp_path, {2021: rows_for(2021, trainings(40)), 2022: {"trainings": None}, 2023: rows_for(2023, trainings(90))})
    fig = _drawn_history(monkeypatch, f)
    panel = next(ax for ax in fig.axes if ax.get_title() == "培训（人次）")
    heights = [bar.get_height() for bar in panel.patches]
    assert heights == [40.0, 90.0]  # 2021 and 2023; no bar (not even one of 0) for 2022
    assert [t.get_text() for t in panel.get_xticklabels()] == ["2021", "2022", "2023"]
    other = next(ax for ax in fig.axes if ax.get_title() == "重点评价对象（个）")
    assert len(other.patches) == 3


def test_a_history_with_fewer_indicators_draws_only_those_panels(tmp_path, monkeypatch):
    """No 结果应用 sheet in either year: five panels, no empty sixth frame."""
    from perflib.indicators import MAIN_INDICATORS

    f, _ = years_of(tmp_path, {2022: {"result_applications": None}, 2023: {"result_applications": None}})
    fig = _drawn_history(monkeypatch, f)
    expected = [i.title for i in MAIN_INDICATORS if i.headline and i.key != "results.budget_cut"]
    assert [ax.get_title() for ax in fig.axes] == expected and len(expected) == 5
