"""Back-testing the pupil projection: how far off would it have been?

Rolling-origin back-test of a scenario (:func:`backtest`), with the forecast-vs-outturn ledger of
the same runs (``ledger``, outturns from ``outturn``), the same over every English LA
(:func:`national_backtest`), the accuracy measures (``metrics``) and plain-text tables
(:func:`format_comparison`, :func:`format_ledger`, :func:`format_national`). Pure functions on scenarios and
DataFrames, no I/O, except :func:`read_national_tables`, which reads the committed CSVs.

    result = backtest(load_scenario("scenarios/herefordshire.yaml"), draws=200)
    print(format_comparison(result))
    national = national_backtest(*read_national_tables("scenarios/national"), draws=100)
    print(format_national(national))
"""

from placeplan.backtest.core import BacktestResult, backtest, base_years, naive_policy
from placeplan.backtest.ledger import build_ledger, ledger_view
from placeplan.backtest.metrics import coverage, dfe_accuracy_pct, mape_pct
from placeplan.backtest.national import (NationalResult, la_inputs, la_scenario, national_backtest,
                                         read_national_tables)
from placeplan.backtest.outturn import outturn_totals
from placeplan.backtest.report import format_comparison, format_ledger, format_national
from placeplan.backtest.truncate import allowed_base_years, truncate

__all__ = [
    "BacktestResult", "NationalResult", "allowed_base_years", "backtest", "base_years", "build_ledger", "coverage",
    "dfe_accuracy_pct", "format_comparison", "format_ledger", "format_national", "la_inputs", "la_scenario",
    "ledger_view", "mape_pct", "naive_policy", "national_backtest", "outturn_totals", "read_national_tables",
    "truncate",
]
