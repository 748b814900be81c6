"""Validated tables: a county-year's data loaded, typed and checked, with every finding about it.

The first step of every report (and of ``perflib check``, the manifest and the earlier years of
与上年对比): params + data → tables and findings. A report is never made from data with errors."""
from __future__ import annotations

from .checks import check_dataset, check_stated_totals
from .errors import DataError
from .figures import compute_figures
from .findings import Finding, errors
from .inputs import Dataset, load_dataset
from .mapping import mapped_specs
from .params import Params


def load_data(params: Params) -> tuple[Dataset, list[Finding]]:
    """The county-year tables and every finding about them (loading and cross-table checks)."""
    dataset = load_dataset(params.data, params.data_label, mapped_specs(params.columns))
    findings = list(dataset.findings)
    if not errors(findings):  # cross-table checks need tables that typed cleanly
        findings += check_dataset(dataset, params)
    if not errors(findings) and params.stated_totals:
        findings += check_stated_totals(compute_figures(dataset, params), params)
    return dataset, findings


def stop_on_errors(findings: list[Finding]) -> None:
    """Raise ``DataError`` listing the errors, if any: a report is never made from bad data."""
    if errors(findings):
        raise DataError(findings)
