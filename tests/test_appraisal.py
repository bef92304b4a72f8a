"""Value for money of options: the ranking rule on a hand-made comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from placeplan.capital.appraisal import appraise, cost_column


def summary():
    # base leaves 100 unmet place-years; A avoids 60 for £3m (£50k each), B avoids 80 for £8m (£100k each),
    # C avoids nothing for £1m, D avoids 20 for nothing extra (£0 each)
    return pd.DataFrame({
        "option": ["base", "A", "B", "C", "D"],
        "window_unmet_primary": [70.0, 30.0, 20.0, 70.0, 50.0],
        "window_unmet_specialist": [30.0, 10.0, 0.0, 30.0, 30.0],
        "window_p_any_shortfall_primary": [0.9, 0.5, 0.3, 0.9, 0.8],
        "window_p_any_shortfall_specialist": [1.0, 0.6, 0.1, 1.0, 1.0],
        "capital_cost_gbp_mean": [10e6, 13e6, 18e6, 11e6, 10e6],
        "places_added_primary": [100.0, 160.0, 100.0, 100.0, 130.0],
        "places_added_specialist": [0.0, 0.0, 40.0, 10.0, 0.0],
    })


def test_ranking_rule_by_hand():
    out = appraise(summary()).set_index("option")
    assert out.loc["A", "avoided"] == 60 and out.loc["B", "avoided"] == 80 and out.loc["C", "avoided"] == 0
    assert out.loc["A", "cost_per_place_year_avoided_gbp"] == pytest.approx(3e6 / 60)
    assert out.loc["B", "cost_per_place_year_avoided_gbp"] == pytest.approx(8e6 / 80)
    assert out.loc["D", "cost_per_place_year_avoided_gbp"] == 0
    assert np.isnan(out.loc["C", "cost_per_place_year_avoided_gbp"])
    assert out.loc["A", "cost_per_place_gbp"] == pytest.approx(3e6 / 60)  # 60 primary places more than the base
    assert out.loc["B", "cost_per_place_gbp"] == pytest.approx(8e6 / 40)
    # D (£0 per place-year avoided), A (£50k), B (£100k); then those that avoid none: base (£0 extra), C (£1m extra)
    assert out["rank"].sort_values().index.tolist() == ["D", "A", "B", "base", "C"]
    assert out.loc["B", "p_any_shortfall_window"] == 0.3


def test_council_cost_is_used_where_the_comparison_has_it():
    frame = summary().assign(council_capital_cost_gbp_mean=[5e6, 5e6, 5e6, 5e6, 9e6])
    assert cost_column(frame) == "council_capital_cost_gbp_mean"
    out = appraise(frame).set_index("option")
    # to the council A and B cost nothing more: each avoids place-years for £0; D now costs £4m for 20
    assert out.loc["A", "extra_cost_gbp"] == 0 and out.loc["D", "cost_per_place_year_avoided_gbp"] == 4e6 / 20
    assert out["rank"].sort_values().index.tolist()[:2] == ["B", "A"]  # both £0 per place-year: B is less risky


def test_no_base_row_is_refused():
    with pytest.raises(ValueError, match="base"):
        appraise(summary().iloc[1:])


def test_appraisal_horizon_holds_the_latest_opening():
    import datetime as dt
    from types import SimpleNamespace

    from placeplan.capital.appraisal import appraisal_horizon

    def config(*openings, status="committed"):
        return SimpleNamespace(capital_projects={str(i): SimpleNamespace(status=status, planned_opening=d)
                                                 for i, d in enumerate(openings)})

    base = config(dt.date(2027, 9, 1))
    late = config(dt.date(2031, 9, 1), dt.date(2032, 1, 1))  # January 2032 is in academic year 2031
    # 2031 + 3 years of places = 2034, nine years after the base year 2025: the horizon of 5 is extended
    assert appraisal_horizon([base, late], 2025, 5) == 9
    assert appraisal_horizon([base, late], 2025, 12) == 12  # already long enough: kept
    assert appraisal_horizon([base, late], 2025, 5, last_birth_year=2028) == 8  # Reception 2033 needs 2028's births
    assert appraisal_horizon([config(dt.date(2045, 9, 1))], 2025, 5) == 15  # at most 15 years
    assert appraisal_horizon([config(dt.date(2045, 9, 1), status="proposed")], 2025, 5) == 5  # not in the run


def test_temporary_places_meanwhile_are_summed_beside_the_ranking():
    frame = summary().assign(window_temporary_cost_gbp_primary=[1e6, 0.5e6, 0.2e6, 1e6, 0.8e6])
    out = appraise(frame).set_index("option")
    assert out.loc["A", "temporary_places_cost_gbp"] == 0.5e6
    assert out["rank"].sort_values().index.tolist() == ["D", "A", "B", "base", "C"]  # the rule is unchanged


def test_residual_value_by_hand():
    from placeplan.capital.appraisal import residual_value

    cost = np.array([[60e6, 1e6, 6e6, 3e6]])
    opening = np.array([[2030, 2034, -1, 2036]])  # the window ends with academic year 2035
    life = np.array([60.0, 10.0, 60.0, 60.0])
    out = residual_value(cost, opening, 2035, life)[0]
    # 2030..2035 is 6 years of 60: 54/60 left; 2034..2035 is 2 of 10: 8/10 left; never open and opening after the
    # window keep their whole cost (their places serve beyond it)
    assert out.tolist() == pytest.approx([60e6 * 54 / 60, 1e6 * 0.8, 6e6, 3e6])
    assert residual_value(np.array([[1e6]]), np.array([[2000]]), 2035, np.array([10.0]))[0, 0] == 0.0  # used up


def test_what_ifs_are_set_against_the_base_but_not_ranked():
    frame = summary().assign(kind=["base", "choice", "choice", "choice", "what_if"])
    out = appraise(frame).set_index("option")
    assert np.isnan(out.loc["D", "rank"]) and out.loc["D", "avoided"] == 20  # still set against the base
    assert out["rank"].dropna().sort_values().index.tolist() == ["A", "B", "base", "C"]
    assert appraise(frame)["option"].iloc[-1] == "D"  # listed after the ranked choices


def test_sub_areas_replace_their_phase_in_the_ranking():
    # the county secondary area shows nothing unmet, its sub-areas do: the ranking counts the sub-areas
    frame = summary().assign(window_unmet_secondary=[0.0] * 5,
                             window_unmet_secondary_sub_areas=[40.0, 40.0, 40.0, 0.0, 40.0],
                             window_p_any_shortfall_secondary_sub_areas=[0.5, 0.5, 0.5, 0.0, 0.5])
    out = appraise(frame).set_index("option")
    assert out.loc["base", "unmet_window"] == 70 + 30 + 40
    assert out.loc["C", "avoided"] == 40 and out.loc["C", "cost_per_place_year_avoided_gbp"] == pytest.approx(1e6 / 40)
    assert out.loc["C", "p_any_shortfall_window"] == 1.0  # its specialist chance: the largest over the phases counted


def test_net_council_cost_ranks_when_the_comparison_has_it():
    # B's places open late and keep most of their value: net of residual value it costs £2m more, not £8m
    frame = summary().assign(council_capital_cost_gbp_mean=[10e6, 13e6, 18e6, 11e6, 10e6],
                             council_net_cost_gbp_mean=[4e6, 6e6, 6e6, 5e6, 4e6])
    assert cost_column(frame) == "council_net_cost_gbp_mean"
    out = appraise(frame).set_index("option")
    assert out.loc["B", "extra_cost_gbp"] == 2e6 and out.loc["B", "cost_per_place_year_avoided_gbp"] == 2e6 / 80
    assert out["rank"].sort_values().index.tolist() == ["D", "B", "A", "base", "C"]  # B £25k, A £33k per place-year
