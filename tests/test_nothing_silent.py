"""Nothing silent (issue #13), unit level: what a params file or a workbook holds is never
silently dropped, truncated or chosen between; the bad-input corpus has a case for each code."""
from __future__ import annotations

import pytest
import yaml
from conftest import ROOT

from perflib.errors import ParamsError
from perflib.params import load_params


def small_project(root, **changes):
    (root / "notebooks").mkdir()
    params = yaml.safe_load((ROOT / "params" / "heshuo" / "2023.yaml").read_text(encoding="utf-8"))
    params.update(changes)
    (root / "params" / "heshuo").mkdir(parents=True)
    (root / "params" / "heshuo" / "2023.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    (root / "data" / "heshuo").mkdir(parents=True)
    (root / "data" / "heshuo" / "2023.xlsx").write_bytes((ROOT / "data" / "heshuo" / "2023.xlsx").read_bytes())
    return root


@pytest.mark.parametrize("year", [2023.5, "2023; x", True, "二〇二三"])
def test_a_year_that_is_not_a_year_is_refused_not_truncated(tmp_path, year):
    small_project(tmp_path)
    with pytest.raises(ParamsError) as raised:
        load_params("heshuo", year, tmp_path)  # as papermill would inject it into the notebook
    assert raised.value.code == "E172" and f"「{year}」" in str(raised.value)


def test_a_year_written_as_text_of_four_digits_is_read(tmp_path):
    small_project(tmp_path, year="2023")
    assert load_params("heshuo", "2023", tmp_path).year == 2023


def test_a_params_level_that_is_not_a_mapping_is_refused_with_its_name(tmp_path):
    small_project(tmp_path, facts=["indicator_system"])
    with pytest.raises(ParamsError, match="facts 应为键值对"):
        load_params("heshuo", 2023, tmp_path)


def test_papermill_overrides_are_checked_like_the_file(tmp_path):
    small_project(tmp_path)
    with pytest.raises(ParamsError) as raised:
        load_params("heshuo", 2023, tmp_path, overrides={"text": {"policy_basis": "x", "measure": []}})
    assert raised.value.code == "E170" and "text.measure（是否应为 text.measures？）" in str(raised.value)


def test_duplicate_keys_at_any_depth_are_found():
    from perflib.params_yaml import DuplicateKey, load

    with pytest.raises(DuplicateKey) as raised:
        load("text:\n  policy_basis: a\n  problems: []\n  policy_basis: b\n")
    assert (raised.value.key, raised.value.first_line, raised.value.second_line) == ("policy_basis", 2, 4)
    assert load("a: 1\nb: {a: 2}\n") == {"a": 1, "b": {"a": 2}}  # the same key at two levels is fine
