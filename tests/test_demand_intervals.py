"""Empirical intervals from a record of past errors (placeplan.demand.intervals), on hand-made records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from placeplan.demand.intervals import (GRID, ErrorInputs, draw_errors, error_inputs, fit_error_model, known_at,
                                        normal_cdf, projection_errors, size_model, split_errors)


def record(rows):
    return pd.DataFrame(rows, columns=["unit", "base_year", "horizon", "ncy", "forecast", "actual"])


def test_normal_cdf_known_values():
    assert normal_cdf(0.0) == pytest.approx(0.5, abs=1e-7)
    assert normal_cdf(1.959964) == pytest.approx(0.975, abs=1e-6)
    assert normal_cdf(-1.644854) == pytest.approx(0.05, abs=1e-6)


def test_split_errors_by_hand():
    # two units, one origin: all-unit error (110 + 170) / (100 + 200) - 1 = -1/15
    table = split_errors(record([("A", 2015, 1, 0, 100, 110), ("B", 2015, 1, 0, 200, 170)]))
    assert table["error"].tolist() == pytest.approx([0.10, -0.15])
    assert table["common"].tolist() == pytest.approx([-1 / 15, -1 / 15])
    assert table["deviation"].tolist() == pytest.approx([0.10 + 1 / 15, -0.15 + 1 / 15])
    # forecast-weighted deviations add to nothing: what all missed together is in `common`
    assert (table["deviation"] * table["forecast"]).sum() == pytest.approx(0)


def test_known_at_keeps_only_outcomes_seen_by_the_base_year():
    rows = record([("A", 2015, 1, 0, 1, 1), ("A", 2015, 2, 0, 1, 1), ("A", 2016, 1, 0, 1, 1)])
    assert known_at(rows, 2016)[["base_year", "horizon"]].values.tolist() == [[2015, 1]]
    assert len(known_at(rows, 2017)) == 3


def test_size_model_recovers_a_known_scale():
    rng = np.random.default_rng(3)
    forecast = rng.uniform(20, 5000, 40_000)
    a, b = 0.0004, 0.5  # sd 2% for a big unit, sqrt(0.0004 + 0.5 / 50) = 10% for a cell of 50
    deviation = rng.standard_normal(forecast.size) * np.sqrt(a + b / forecast)
    fit_a, fit_b = size_model(deviation, forecast)
    assert fit_a == pytest.approx(a, rel=0.15)
    assert fit_b == pytest.approx(b, rel=0.15)


def test_size_model_never_negative():
    # deviations that shrink with size faster than 1/sqrt(n) would want a < 0: one term is fitted instead
    forecast = np.array([10.0, 10, 1000, 1000])
    a, b = size_model(np.array([0.3, -0.3, 0.0, 0.0]), forecast, bins=2)
    assert a == 0 and b > 0


def toy_record():
    """Ten units, two origins, horizons 1-2, NCY 0 only; deviations +-4% at h=1 and +-8% at h=2."""
    rows = []
    for base in (2014, 2015):
        for unit in range(10):
            sign = 1 if unit % 2 else -1
            for h, dev in ((1, 0.04), (2, 0.08)):
                rows.append((f"U{unit}", base, h, 0, 1000.0, 1000.0 * (1 + sign * dev)))
    return record(rows)


def test_fit_uses_only_what_was_known_at_the_base_year():
    rec = toy_record()
    later = rec.copy()
    later.loc[later["base_year"] + later["horizon"] > 2016, "actual"] *= 3  # outcomes after 2016 changed
    one, two = fit_error_model(rec, 2016), fit_error_model(later, 2016)
    assert np.array_equal(one.quantiles, two.quantiles) and np.array_equal(one.size_a, two.size_a)
    assert fit_error_model(rec, 2014) is None  # nothing known yet


def test_interval_quantiles_on_a_toy_record():
    model = fit_error_model(toy_record(), 2017, rho=1.0)
    assert model.horizons == 2
    assert model.common_rms[0] == pytest.approx([0.0, 0.0])
    # all units the same size: size model gives a flat scale; standardised pools are +-1 in scale units
    forecast = np.full((1, 1, 4), 1000.0)
    errors = draw_errors(model, forecast, np.arange(1, 5), 20_000, np.random.default_rng(0))
    assert errors.shape == (20_000, 1, 1, 4)
    for column, dev in ((0, 0.04), (1, 0.08), (2, 0.12), (3, 0.16)):  # horizons 3, 4 scale linearly from 2
        low, high = np.quantile(errors[:, 0, 0, column], [0.1, 0.9])
        assert low == pytest.approx(-dev, rel=0.02) and high == pytest.approx(dev, rel=0.02)


def test_draws_persist_over_the_horizon():
    # a draw that is high at one horizon is as high, in rank, at every other (u is drawn once per unit)
    model = fit_error_model(toy_record(), 2017)
    rng = np.random.default_rng(1)
    errors = draw_errors(model, np.full((3, 1, 5), 1000.0), np.arange(1, 6), 500, rng, common=False)
    ranks = np.argsort(np.argsort(errors[:, :, 0, :], axis=0), axis=0)
    for year in range(1, 5):
        assert np.corrcoef(ranks[..., 0].ravel(), ranks[..., year].ravel())[0, 1] > 0.99


def test_same_generator_same_errors():
    model = fit_error_model(toy_record(), 2017)
    one = draw_errors(model, np.full((2, 14, 3), 500.0), np.arange(1, 4), 50, np.random.default_rng(9))
    two = draw_errors(model, np.full((2, 14, 3), 500.0), np.arange(1, 4), 50, np.random.default_rng(9))
    assert np.array_equal(one, two)


def test_area_deviations_add_nothing_to_the_authority_total():
    model = fit_error_model(toy_record(), 2017)
    errors = ErrorInputs(authority=None, local=model)
    primary = np.array([[[100.0] * 3] * 7, [[300.0] * 3] * 7])  # two areas, 7 year groups, 3 years
    secondary = np.full((1, 7, 3), 200.0)
    alone_p, _ = projection_errors(errors, primary, secondary, 200, np.random.default_rng(2))
    assert np.abs((alone_p * primary).sum(axis=1)).max() > 1  # on its own the local model moves the total
    both = ErrorInputs(authority=model, local=model)
    with_authority, _ = projection_errors(both, primary, secondary, 200, np.random.default_rng(2))
    authority_only, _ = projection_errors(ErrorInputs(model, None), primary, secondary, 200,
                                          np.random.default_rng(2))
    # the area parts are centred: each draw's authority total is the authority draw's
    assert np.allclose((with_authority * primary).sum(axis=1)[:, 0], (authority_only * primary).sum(axis=1)[:, 0])


def test_error_inputs_counts_local_horizons_from_the_census():
    rec = toy_record()
    inputs = error_inputs(None, rec, 2019, last_census=2016)
    assert inputs.local_lag == 3 and inputs.authority is None
    assert error_inputs(None, rec.iloc[0:0], 2019) is None
    assert len(GRID) == 1000


def test_range_notes_by_hand():
    from placeplan.demand.project import FLOOR_NOTE, OUTSIDE_NOTE, range_notes

    draws = np.array([[0.0, 10.0, 0.0], [0.0, 11.0, 0.0], [0.0, 12.0, 1.0]])  # 3 draws, 3 cells
    notes = range_notes(draws, np.array([0.0, 20.0, 5.0]))
    assert notes.tolist() == ["", OUTSIDE_NOTE, FLOOR_NOTE]


def test_every_default_central_lies_inside_its_range_or_says_why(hereford_results):
    """Every planning area x year group x year of the default: central within its draws' 5-95%, or a note."""
    demand = hereford_results.demand
    inside = (demand["central"] >= demand["p05"] - 1e-6) & (demand["central"] <= demand["p95"] + 1e-6)
    assert (inside | (demand["range_note"] != "")).all()
    assert (demand.loc[inside, "range_note"] == "").all()
    sixth = demand[demand["phase"] == "sixth_form"]
    assert len(sixth) and inside[sixth.index].all()  # sixth form no longer sits below its own range


def test_default_draws_come_from_the_record(hereford_results):
    """The default's ranges are drawn from the national and local records, not from resampled ratios."""
    from placeplan.backtest.record import scenario_errors

    errors = scenario_errors(hereford_results.scenario)
    assert errors.authority is not None and errors.local is not None
    # the year-group census runs to January 2023, the schools' October 2024 counts fix each area's pupils then
    assert errors.local_lag == hereford_results.scenario.config.meta.base_year - 2024
    from placeplan.demand import phase_totals

    totals = phase_totals(hereford_results.projection)["primary"][:, 0]  # draws of the county's primary, 1 year on
    central = phase_totals(hereford_results.projection, central=True)["primary"][0]
    low, median, high = np.quantile(totals, [0.05, 0.5, 0.95])
    # one year ahead the county's primary range is a few per cent wide around a median close to the centre
    assert 0.005 < (high - low) / central < 0.08
    assert abs(median / central - 1) < 0.005


def test_area_observed_year_counts_every_census_year():
    """A back-test base inside the year-group census has no lag, even with school counts from an earlier year."""
    import dataclasses

    from placeplan.backtest.record import area_observed_year
    from placeplan.scenario.load import load_scenario

    scenario = load_scenario("scenarios/herefordshire.yaml")
    nor = scenario.tables["school_nor"]
    early = nor[nor["ncy_low"].notna()].assign(academic_year=2015)  # block counts in a year the census also covers
    tables = {**scenario.tables, "school_nor": pd.concat([nor, early], ignore_index=True)}
    changed = dataclasses.replace(scenario, tables=tables)
    for base in (2016, 2018, 2020, 2022):  # census years (the pupils table runs 2011-2022)
        assert area_observed_year(changed, base) == base
    assert area_observed_year(changed, 2023) == 2022  # after the census: its last year
    assert area_observed_year(changed, 2025) == 2024  # the October 2024 school counts


def test_a_horizon_with_no_deviations_takes_its_neighbours_pool():
    rec = toy_record()
    rec = rec[rec["horizon"] == 2]  # horizon 1 never recorded
    model = fit_error_model(rec, 2017)
    assert model.counts[0, 0] == 0 and model.counts[0, 1] > 0
    np.testing.assert_array_equal(model.quantiles[0, 0], model.quantiles[0, 1])
    assert model.size_a[0, 0] == model.size_a[0, 1] and model.size_b[0, 0] == model.size_b[0, 1]
