"""Who publishes (issue 26, item 6): the publishing office, its offices and its portal come from
params `wording`; the sentence that reports were published prints only when the data says a report
was published (公开情况 公开), and 「见附表」 only when the report prints that table."""
from __future__ import annotations

from conftest import ROOT, make_params, minimal_rows

from perflib.params import Wording
from perflib.pipeline import make_report
from perflib.scaffold import params_text
from perflib.outline import read_outline
from perflib.params import load_params

NEUTRAL = {"wording": {}}  # make_params starts from 和硕县's params: these tests use the neutral defaults
ROW = minimal_rows()["key_evaluations"][0]  # 评价报告甲, 甲局, 其他重大项目, 100, 91, 优, 公开


def text_of(tmp_path, rows=None, **extra) -> str:
    params = make_params(tmp_path, rows, **{**NEUTRAL, **extra})
    return make_report(params).document.text()


def test_the_default_publisher_is_the_references_bureau(tmp_path):
    text = text_of(tmp_path)
    assert ("示例县财政局组织局相关业务处室、被评价单位已在人民政府门户网站对重点项目绩效评价报告进行了公开"
            "（具体项目见附表，相关报告公开情况可在人民政府门户网站查阅；0个项目报告涉及涉密及敏感信息，不予公开）。") in text


def test_an_office_that_is_not_a_bureau_has_no_局(tmp_path):
    text = text_of(tmp_path, wording={"organ": "财政金融部", "portal": "管委会门户网站"})
    assert "示例县财政金融部组织相关业务处室、被评价单位已在管委会门户网站对重点项目绩效评价报告进行了公开" in text
    assert "组织局" not in text and "人民政府门户网站" not in text
    assert "相关报告公开情况可在管委会门户网站查阅" in text


def test_offices_and_a_full_bureau_name_from_params(tmp_path):
    text = text_of(tmp_path, wording={"bureau": "某新区财政所", "offices": "所内各股室"})
    assert "某新区财政所组织所内各股室、被评价单位已在" in text


def test_offices_follow_the_organ():
    assert Wording().offices_phrase() == "局相关业务处室"
    assert Wording(organ="财政金融部").offices_phrase() == "相关业务处室"
    assert Wording(organ="财政所", offices="").publisher("某镇") == "某镇财政所"
    assert Wording(bureau="天水市财政局", organ="财政金融部").publisher("天水市") == "天水市财政局"


def test_no_portal_says_no_place(tmp_path):
    text = text_of(tmp_path, wording={"portal": ""})
    assert "被评价单位已对重点项目绩效评价报告进行了公开（具体项目见附表；0个项目报告涉及涉密及敏感信息，不予公开）。" in text
    assert "门户网站" not in text


def test_no_publication_sentence_without_publication_data(tmp_path):
    rows = {"key_evaluations": [ROW[:6] + [None]]}  # 公开情况 left blank: the data does not say it was published
    text = text_of(tmp_path, rows)
    assert "形成了1个评价报告" in text
    assert "进行了公开" not in text and "门户网站" not in text and "见附表" not in text


def test_withheld_reports_only_say_they_were_withheld(tmp_path):
    rows = {"key_evaluations": [ROW[:6] + ["涉密"]]}  # the one report is withheld: nothing was published
    text = text_of(tmp_path, rows)
    assert "进行了公开" not in text


def test_see_the_table_only_when_the_report_prints_it(tmp_path):
    outline = [{"key": "key_evaluations", "blocks": ["chart:evaluation_funds"]}]  # the county drops the table
    text = text_of(tmp_path, outline=outline)
    assert "见附表" not in text
    assert "已在人民政府门户网站对重点项目绩效评价报告进行了公开（相关报告公开情况可在人民政府门户网站查阅；0个" in text


def test_heshuo_keeps_the_references_sentence():
    text = make_report(load_params("heshuo", 2023, ROOT)).document.text()
    assert "和硕县财政局组织局相关业务处室、被评价单位已在人民政府门户网站对重点项目绩效评价报告进行了公开（具体项目见附表" in text


def test_perflib_new_writes_the_publisher_keys():
    text = params_text("shiyan", 2024, "试验区", read_outline(None))
    for line in ("organ: 财政局", "offices: ''", "portal: 人民政府门户网站"):
        assert line in text, line
