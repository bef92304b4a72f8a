"""Shared builders for the demand tests: small hand-made DemandInputs (no tests in this file)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from placeplan.demand.inputs import DemandInputs
from placeplan.scenario.schema import Policy


def make_inputs(primary_nor, secondary_nor, births, *, history_years, years, birth_years,
                dwellings=None, planned=None, housing_years=None, yields=(0.28, 0.15, 0.02),
                yields_low=None, yields_high=None, delivery=1.0, births_sd=None, births_kind=None,
                secondary_share=None, window=2, method="mean", weights=None, alpha=0.5) -> DemandInputs:
    """A DemandInputs from plain arrays, with neutral defaults (no housing, actual births)."""
    primary_nor = np.asarray(primary_nor, dtype=float)
    secondary_nor = np.asarray(secondary_nor, dtype=float)
    births = np.asarray(births, dtype=float)
    n_p, n_s = primary_nor.shape[0], secondary_nor.shape[0]
    history_years = np.asarray(history_years)
    years = np.asarray(years)
    birth_years = np.asarray(birth_years)
    if housing_years is None:
        housing_years = np.arange(history_years[-1] - window + 1, years[-1] + 1)
    housing_years = np.asarray(housing_years)
    if dwellings is None:
        dwellings = np.zeros((n_p, len(housing_years)))
    if planned is None:
        planned = np.asarray(housing_years)[None, :].repeat(n_p, 0) > history_years[-1]
    yields = np.asarray(yields, dtype=float)
    policy = Policy(ratio_window=window, ratio_method=method, ratio_weights=weights, smoothing_alpha=alpha)
    return DemandInputs(
        base_year=int(history_years[-1]), years=years, history_years=history_years,
        primary_areas=tuple(f"P{i}" for i in range(n_p)), secondary_areas=tuple(f"S{i}" for i in range(n_s)),
        primary_nor=primary_nor, secondary_nor=secondary_nor, birth_years=birth_years, births=births,
        births_sd=np.zeros_like(births) if births_sd is None else np.asarray(births_sd, dtype=float),
        births_kind=tuple(births_kind or ("actual",) * len(birth_years)),
        housing_years=housing_years, dwellings=np.asarray(dwellings, dtype=float),
        planned=np.asarray(planned, dtype=bool), yields=yields,
        yields_low=yields if yields_low is None else np.asarray(yields_low, dtype=float),
        yields_high=yields if yields_high is None else np.asarray(yields_high, dtype=float),
        delivery_factor=float(delivery),
        secondary_share=np.full((n_p, n_s), 1.0 / max(n_s, 1)) if secondary_share is None else secondary_share,
        policy=policy,
    )


def hand_case(**overrides) -> DemandInputs:
    """Two primary areas (A, B), one secondary area, history 2020-2022, projection 2023-2024, window 2.

    A: every year group holds 100, 110, 121 in 2020, 2021, 2022, so every progression ratio
    is 1.1; births 2015-2017 = 100, 110, 121, so the Reception ratio is 1; births 2018, 2019
    = 130, 140.
    B: every year group holds 50; births 2015-2017 = 50, 50, 40, so Reception ratios are
    1, 1, 1.25 and the window-2 mean is (1 + 1.25) / 2 = 1.125; births 2018, 2019 = 40, 60.
    Secondary: Y7 = 70, 75, 80; Y6 (A + B) = 150, 160, 171, so the transfer ratios of 2021
    and 2022 are 75/150 = 80/160 = 0.5. Y8-Y11 carry their cohort (ratio 1). Y12 = 30, 30, 20
    over Y11 = 60: staying-on 0.5 and 1/3, mean 5/12. Y13 = 25, 27, 27 over Y12 = 30, 30:
    0.9 and 0.9.
    """
    a = np.array([100.0, 110.0, 121.0])
    primary = np.stack([np.tile(a, (7, 1)), np.full((7, 3), 50.0)])
    secondary = np.array([[
        [70, 75, 80], [60, 70, 75], [60, 60, 70], [60, 60, 60], [60, 60, 60], [30, 30, 20], [25, 27, 27],
    ]], dtype=float)
    births = np.array([[100, 110, 121, 130, 140], [50, 50, 40, 40, 60]], dtype=float)
    arguments = dict(history_years=[2020, 2021, 2022], years=[2023, 2024], birth_years=np.arange(2015, 2020))
    arguments.update(overrides)
    return make_inputs(arguments.pop("primary_nor", primary), arguments.pop("secondary_nor", secondary),
                       arguments.pop("births", births), **arguments)


def replace_table(scenario, name: str, table: pd.DataFrame):
    """The scenario with one table swapped (scenarios are frozen; this makes a new one)."""
    return dataclasses.replace(scenario, tables={**scenario.tables, name: table})
