"""Value for money of the options compared: what each avoids against the base, at what cost, and a stated ranking.

The comparison (``placeplan.compare``) gives each option's expected unmet place-years over the
appraisal window (future years only: the academic years that start after the reference date, to the
end of a projection long enough to hold every option's openings) and its capital cost still to spend.
This module sets each option against the base and ranks the **choices** (options the council can
decide; what-ifs, such as a slip or a DfE decision, are set against the base but not ranked) by one
rule an officer can say aloud:

    **Net council cost per unmet place-year avoided, lowest first.** An option's extra cost to the
    council over the base, net of the value its places still hold at the end of the window, divided
    by the expected unmet place-years it avoids over the window, all phases together (secondary
    counted in sub-areas where the scenario has them, so that spare places in one town do not offset
    a shortfall in another). Options that avoid at least one place-year come first, cheapest per
    place-year avoided first; then the base and the options that avoid none, by extra cost, lowest
    first. Ties go to the lower chance of any shortfall.

A place-year is one pupil without a place for one year. **Residual value**: places keep serving after
the window ends, so an option is charged only for the part of its cost the window uses: its council
cost less straight-line depreciation over the asset's life (``programme.asset_life_years``, or
``temporary_asset_life_years`` for temporary places) from the academic year it opens to the window's
end; a project that opens after the window (or never, in a simulation) keeps its whole cost as residual
value, since its places serve beyond the window. Costs are cash, not discounted. Pure functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

YEARS_AFTER_OPENING = 3  # the window holds at least this many years of the latest planned opening's places
MAX_HORIZON = 15  # meta.horizon_years' upper bound
RANKED_KINDS = ("base", "choice")


def residual_value(cost: np.ndarray, opening_year: np.ndarray, last_year: int, life: np.ndarray) -> np.ndarray:
    """Value left in each project's places at the end of academic year ``last_year`` [GBP], (draw, project).

    cost × max(0, 1 − years used ÷ life), the years used being ``last_year + 1 − opening_year`` for places open
    by then (straight-line depreciation from the September they open); the whole cost for places that open after
    ``last_year`` or never (``opening_year`` −1).

    cost : (draw, project) [GBP]; opening_year : (draw, project) [academic year, −1: never]; life : (project,) [years]
    """
    opening_year = np.asarray(opening_year)
    open_by_then = (opening_year >= 0) & (opening_year <= last_year)
    used = np.where(open_by_then, last_year + 1 - opening_year, 0)
    return np.asarray(cost, dtype=float) * np.clip(1.0 - used / np.asarray(life, dtype=float)[None, :], 0.0, 1.0)


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


RULE = ("net council cost per unmet place-year avoided over the appraisal window (extra cost to the council over the "
        "base, less the value its places still hold at the window's end, ÷ expected unmet place-years avoided, all "
        "phases, secondary in sub-areas where there are any), lowest first; choices that avoid none come after, by "
        "extra cost; what-ifs are not ranked")
COST_COLUMNS = ("council_net_cost_gbp_mean", "council_capital_cost_gbp_mean", "capital_cost_gbp_mean")
SUB_AREAS = "_sub_areas"


def cost_column(summary: pd.DataFrame) -> str:
    """The cost the ranking uses: the council's net cost where the comparison has it, else its cost, else the whole."""
    for column in COST_COLUMNS:
        if column in summary:
            return column
    raise KeyError(f"the comparison has no cost column (expected one of {', '.join(COST_COLUMNS)})")


def ranking_unmet_columns(summary: pd.DataFrame) -> list[str]:
    """The ``window_unmet_*`` columns the ranking sums: one a phase, its sub-areas' where the comparison has them."""
    columns = [c for c in summary.columns if c.startswith("window_unmet_") and not c.endswith(SUB_AREAS)]
    return [c + SUB_AREAS if c + SUB_AREAS in summary.columns else c for c in columns]


def appraise(summary: pd.DataFrame, base: str = "base") -> pd.DataFrame:
    """Each option against the base, the choices ranked by :data:`RULE`.

    Parameters
    ----------
    summary : DataFrame
        One row per option (``placeplan.compare.Comparison.summary``): ``option``, ``kind`` (base, choice or
        what_if; blank: every option a choice), ``window_unmet_<phase>`` [place-years] (and
        ``window_unmet_<phase>_sub_areas``), ``window_p_any_shortfall_<phase>`` [probability], a cost column
        (:func:`cost_column`) [GBP] and ``places_added_<provision>`` [places].
    base : str
        The option the others are set against.

    Returns
    -------
    DataFrame
        The summary with ``unmet_window`` [place-years, all phases: :func:`ranking_unmet_columns`], ``avoided``
        [place-years, base minus option], ``extra_cost_gbp`` [GBP, option minus base, on the ranking's cost],
        ``extra_places`` [places added beyond the base's], ``cost_per_place_gbp`` [GBP per extra place],
        ``cost_per_place_year_avoided_gbp`` [GBP per place-year; NaN when none is avoided],
        ``p_any_shortfall_window`` [the largest over phases], ``temporary_places_cost_gbp`` [GBP: temporary places
        for each unit's peak shortfall in the window at DfE's temporary benchmark, summed over phases with a
        benchmark, sub-areas where counted; the expected cost of bridging what the option leaves unmet, shown beside
        the ranking, not in it], ``rank`` (1 = best; blank for what-ifs), sorted by rank, what-ifs last.
    """
    frame = summary.copy()
    if "kind" not in frame:
        frame["kind"] = np.where(frame["option"] == base, "base", "choice")
    unmet = ranking_unmet_columns(frame)
    chance = [c.replace("window_unmet_", "window_p_any_shortfall_") for c in unmet]
    chance = [c for c in chance if c in frame.columns]
    added = [c for c in frame.columns if c.startswith("places_added_")]
    cost = cost_column(frame)
    temporary = [c.replace("window_unmet_", "window_temporary_cost_gbp_") for c in unmet]
    temporary = [c for c in temporary if c in frame.columns]
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
    ranked = frame["kind"].isin(RANKED_KINDS).to_numpy()
    helps = (frame["avoided"] >= 1).to_numpy()
    key = np.where(helps, frame["cost_per_place_year_avoided_gbp"], np.inf)
    order = np.lexsort((frame["p_any_shortfall_window"].to_numpy(), frame["extra_cost_gbp"].to_numpy(),
                        key, ~helps, ~ranked))
    frame = frame.iloc[order].reset_index(drop=True)
    n = int(ranked.sum())
    frame["rank"] = np.concatenate([np.arange(1, n + 1), np.full(len(frame) - n, np.nan)])
    return frame
