"""Extra pupils from new homes, on top of the trend projection.

Pupils from new homes = excess completions x delivery factor x pupil yield, spread evenly
over the provision's year groups (primary 7, secondary 5, sixth form 2) and phased in by a
build-up profile.

Double-counting rule
--------------------
The trend ratios are averaged over the ratio window, so they already carry the housing
growth built at the rate of those years. Only completions ABOVE the mean annual
completions of the ratio-window years (``base_year - window + 1 ... base_year``, per
primary area; years without a row count as 0) add pupils, floored at 0 per area and year:
a trajectory equal to the past rate adds nothing, and under-delivery against the past
rate is not subtracted. Completion years counted are ``base_year ... last projected year``
(homes finished in the base year arrive after the base-year census). The delivery factor
scales planned (trajectory) rows only; actual rows are counted as recorded. The window
mean uses the rows as recorded.

Named sites
-----------
``dwellings`` here are the ``housing`` table's rows plus the named sites of the optional
``housing_sites`` table, summed by primary area and year before this step
(:func:`placeplan.demand.sites.scenario_housing`): a site adds to planned years and to years without a
row, never to a year of recorded actual completions (which already count the site's homes), so the
delivery factor and the window mean above treat a site's homes like the rest of the trajectory.
:func:`placeplan.outputs.housing_text.housing_sentences` states both rules with a run's numbers.

Build-up profile
----------------
``BUILD_UP = (0.5, 1.0)``: 50% of a home's yield is counted in the academic year after
completion and 100% from the second year on, permanently (the homes stay in the stock).
Housing pupils are added to the projection, not rolled forward by the cohort ratios: a
yield is already a steady-state count of pupils per dwelling over all the provision's
year groups.

Secondary and sixth-form pupils of homes in a primary area go to secondary areas by the
``secondary_share`` matrix (primary area x secondary area, rows summing to 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BUILD_UP = (0.5, 1.0)
YEAR_GROUPS = (7, 5, 2)  # primary, secondary, sixth_form


def window_mean_completions(dwellings: np.ndarray, housing_years: np.ndarray, base_year: int,
                            window: int) -> np.ndarray:
    """Mean annual completions of the ratio-window years, per primary area.

    Parameters
    ----------
    dwellings : ndarray, shape (area, housing year)
        Completions [dwellings per year], 0 where no row.
    housing_years : ndarray of int
        Academic years of completion of the second axis.
    base_year, window : int
        The window is ``base_year - window + 1 ... base_year`` [academic years].

    Returns
    -------
    ndarray, shape (area,)
        [dwellings per year].
    """
    in_window = (housing_years > base_year - window) & (housing_years <= base_year)
    return np.asarray(dwellings, dtype=float)[:, in_window].sum(axis=1) / window


def excess_completions(dwellings: np.ndarray, planned: np.ndarray, housing_years: np.ndarray,
                       base_year: int, window: int, delivery: np.ndarray,
                       last_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Completions above the ratio-window rate, per draw, area and year of completion.

    Parameters
    ----------
    dwellings : ndarray, shape (area, housing year)
        Completions [dwellings per year].
    planned : ndarray of bool, shape (area, housing year)
        True where the row is a planned trajectory (the delivery factor applies).
    housing_years : ndarray of int
        Academic years of the housing axis.
    base_year, window : int
        Base year [academic year] and ratio window [years].
    delivery : ndarray, shape (draw,)
        Delivery factor of each draw [fraction of the planned trajectory].
    last_year : int
        Last completion year counted [academic year].

    Returns
    -------
    excess : ndarray, shape (draw, area, completion year)
        ``max(0, built - window mean)`` [dwellings per year].
    completion_years : ndarray of int
        ``base_year ... last_year``.
    """
    completion_years = np.arange(base_year, last_year + 1)
    columns = np.searchsorted(housing_years, completion_years)
    known = (columns < len(housing_years))
    columns = np.clip(columns, 0, len(housing_years) - 1)
    known &= housing_years[columns] == completion_years
    recorded = np.where(known, np.asarray(dwellings, dtype=float)[:, columns], 0.0)
    scaled = np.where(known, np.asarray(planned)[:, columns], False)
    delivery = np.asarray(delivery, dtype=float)[:, None, None]
    built = np.where(scaled, recorded * delivery, recorded)
    mean = window_mean_completions(dwellings, housing_years, base_year, window)
    return np.maximum(built - mean[None, :, None], 0.0), completion_years


def build_up_matrix(completion_years: np.ndarray, years: np.ndarray,
                    profile: Sequence[float] = BUILD_UP) -> np.ndarray:
    """Share of a completion year's homes counted in each projected year.

    Parameters
    ----------
    completion_years, years : ndarray of int
        Academic years of completion and of the projection.
    profile : sequence of float
        Share counted 1, 2, ... years after completion [fraction]; the last value holds
        for every later year.

    Returns
    -------
    ndarray, shape (completion year, year)
        [fraction]; 0 in the completion year itself and before.
    """
    lag = np.asarray(years)[None, :] - np.asarray(completion_years)[:, None]
    shares = np.asarray(profile, dtype=float)
    return np.where(lag >= 1, shares[np.clip(lag - 1, 0, len(shares) - 1)], 0.0)


def housing_pupils(stock: np.ndarray, yields: np.ndarray,
                   secondary_share: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Extra pupils per year group from the built-up stock of excess homes.

    Parameters
    ----------
    stock : ndarray, shape (draw, primary area, year)
        Excess homes counted in each year (after the build-up profile) [dwellings].
    yields : ndarray, shape (draw or 1, 3)
        Pupils per dwelling for primary, secondary, sixth_form [pupils per dwelling].
    secondary_share : ndarray, shape (primary area, secondary area)
        Allocation of a primary area's secondary-age pupils [fraction].

    Returns
    -------
    primary : ndarray, shape (draw, primary area, year)
        Extra pupils in EACH of NCY 0-6 [pupils].
    secondary : ndarray, shape (draw, secondary area, year)
        Extra pupils in EACH of NCY 7-11 [pupils].
    sixth_form : ndarray, shape (draw, secondary area, year)
        Extra pupils in EACH of NCY 12-13 [pupils].
    """
    yields = np.asarray(yields, dtype=float)
    per_group = yields / np.asarray(YEAR_GROUPS, dtype=float)
    primary = stock * per_group[:, 0, None, None]
    secondary_stock = np.einsum("dpy,ps->dsy", stock, secondary_share)
    return (primary, secondary_stock * per_group[:, 1, None, None],
            secondary_stock * per_group[:, 2, None, None])


def extra_pupils(inputs, delivery: np.ndarray, yields: np.ndarray,
                 profile: Sequence[float] = BUILD_UP) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The whole housing step for a ``DemandInputs``: see :func:`housing_pupils` for outputs.

    Parameters
    ----------
    inputs : DemandInputs
    delivery : ndarray, shape (draw,)
        Delivery factor per draw [fraction].
    yields : ndarray, shape (draw or 1, 3)
        Yields per draw [pupils per dwelling].
    profile : sequence of float
        Build-up profile (default ``BUILD_UP``).
    """
    excess, completion_years = excess_completions(
        inputs.dwellings, inputs.planned, inputs.housing_years, inputs.base_year,
        inputs.policy.ratio_window, delivery, int(inputs.years[-1]))
    stock = excess @ build_up_matrix(completion_years, inputs.years, profile)
    return housing_pupils(stock, yields, inputs.secondary_share)
