"""Value for money of the options compared: what each avoids against the base, at what cost, and a stated ranking.

The comparison (``placeplan.api.compare``) gives each option's expected unmet place-years over the
appraisal window (future years only: the academic years that start after the reference date, to the
end of the projection) and its capital cost still to spend. This module sets each option against the
base and ranks the options by one rule an officer can say aloud:

    **Cost per unmet place-year avoided, lowest first.** An option's extra cost over the base
    (council cost where the comparison has it, else total capital cost still to spend, mean over
    simulations) divided by the expected unmet place-years it avoids over the window, all phases
    together. Options that avoid at least one place-year come first, cheapest per place-year avoided
    first; then the base and the options that avoid none, by extra cost, lowest first. Ties go to the
    lower chance of any shortfall.

A place-year is one pupil without a place for one year. An option whose places open after the window
ends (in some simulations) is flagged: its places count for nothing beyond it. Pure functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

YEARS_AFTER_OPENING = 3  # the window holds at least this many years of the latest planned opening's places
MAX_HORIZON = 15  # meta.horizon_years' upper bound


def academic_year_of(date) -> int:
    """Academic year a date falls in (the year its September falls in)."""
    return date.year if date.month >= 9 else date.year - 1


def appraisal_horizon(configs, base_year: int, horizon: int, last_birth_year: int | None = None) -> int:
    """Projection horizon for a comparison: long enough that every option's places count for a while.

    The window must hold the latest planned opening of any live project of any option plus
    :data:`YEARS_AFTER_OPENING` years; the scenario's own horizon is kept when it already does. The
    projection is then carried on by the same method, as far as the births table allows (Reception in
    year t needs the births of year t - 5) and at most :data:`MAX_HORIZON` years [years].
    """
    latest = max((academic_year_of(p.planned_opening) for config in configs
                  for p in config.capital_projects.values() if p.status == "committed"), default=base_year)
    wanted = max(int(horizon), latest + YEARS_AFTER_OPENING - int(base_year))
    if last_birth_year is not None:
        wanted = min(wanted, int(last_birth_year) + 5 - int(base_year))
    return max(int(horizon), min(wanted, MAX_HORIZON))


RULE = ("cost per unmet place-year avoided over the appraisal window (extra cost over the base ÷ expected "
        "unmet place-years avoided, all phases), lowest first; options that avoid none come after, by extra cost")
COST_COLUMNS = ("council_capital_cost_gbp_mean", "capital_cost_gbp_mean")


def cost_column(summary: pd.DataFrame) -> str:
    """The cost the ranking uses: the council's own cost where the comparison has it, else the whole cost."""
    for column in COST_COLUMNS:
        if column in summary:
            return column
    raise KeyError(f"the comparison has no cost column (expected one of {', '.join(COST_COLUMNS)})")


def appraise(summary: pd.DataFrame, base: str = "base") -> pd.DataFrame:
    """Each option against the base, ranked by :data:`RULE`.

    Parameters
    ----------
    summary : DataFrame
        One row per option (``placeplan.api.Comparison.summary``): ``option``, ``window_unmet_<phase>``
        [place-years], ``window_p_any_shortfall_<phase>`` [probability], a cost column
        (:func:`cost_column`) [GBP] and ``places_added_<provision>`` [places].
    base : str
        The option the others are set against.

    Returns
    -------
    DataFrame
        The summary with ``unmet_window`` [place-years, all phases], ``avoided`` [place-years, base minus
        option], ``extra_cost_gbp`` [GBP, option minus base], ``extra_places`` [places added beyond the
        base's], ``cost_per_place_gbp`` [GBP per extra place], ``cost_per_place_year_avoided_gbp``
        [GBP per place-year; NaN when none is avoided], ``p_any_shortfall_window`` [the largest over
        phases], ``temporary_places_cost_gbp`` [GBP: temporary places for each area's peak shortfall in
        the window at DfE's temporary benchmark, summed over phases with a benchmark; the expected cost of
        bridging what the option leaves unmet, shown beside the ranking, not in it], ``rank`` (1 = best),
        sorted by rank.
    """
    frame = summary.copy()
    unmet = [c for c in frame.columns if c.startswith("window_unmet_")]
    chance = [c for c in frame.columns if c.startswith("window_p_any_shortfall_")]
    added = [c for c in frame.columns if c.startswith("places_added_")]
    cost = cost_column(frame)
    temporary = [c for c in frame.columns if c.startswith("window_temporary_cost_gbp_")]
    frame["temporary_places_cost_gbp"] = frame[temporary].sum(axis=1) if temporary else 0.0
    frame["unmet_window"] = frame[unmet].sum(axis=1) if unmet else 0.0
    frame["p_any_shortfall_window"] = frame[chance].max(axis=1) if chance else 0.0
    frame["places_added_total"] = frame[added].fillna(0).sum(axis=1) if added else 0.0
    reference = frame.loc[frame["option"] == base]
    if reference.empty:
        raise ValueError(f"no {base!r} row to set the options against")
    ref = reference.iloc[0]
    frame["avoided"] = ref["unmet_window"] - frame["unmet_window"]
    frame["extra_cost_gbp"] = frame[cost] - ref[cost]
    frame["extra_places"] = frame["places_added_total"] - ref["places_added_total"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["cost_per_place_gbp"] = np.where(frame["extra_places"] > 0,
                                               frame["extra_cost_gbp"] / frame["extra_places"], np.nan)
        frame["cost_per_place_year_avoided_gbp"] = np.where(frame["avoided"] >= 1,
                                                            frame["extra_cost_gbp"] / frame["avoided"], np.nan)
    helps = frame["avoided"] >= 1
    key = np.where(helps, frame["cost_per_place_year_avoided_gbp"], np.inf)
    order = np.lexsort((frame["p_any_shortfall_window"].to_numpy(), frame["extra_cost_gbp"].to_numpy(),
                        key, ~helps.to_numpy()))
    frame = frame.iloc[order].reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame
