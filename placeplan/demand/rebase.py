"""Rebase the projection on later, partial observations: estimate the year groups, hold the totals.

Officers often have newer totals (DfE's county NOR, October funding counts by school) before they
have a full year-group census. For each academic year after the last full year-group history, up
to the base year:

1. **Roll forward** the central projection one year from the year before (the full census, or the
   previous estimated year), with the ratios of the history so far.
2. **Targets.** Observations of that year held *exact* (``observed_totals`` rows with
   ``held = exact``: an authority or planning-area total of a block of year groups) are met
   exactly. Observations held as *shares* (``observed_totals`` rows with ``held = shares``, and
   school counts from ``schools.nor`` in that year, summed into their planning areas where every
   school of the area has one) only divide the total that encloses them: a group of share cells
   under one enclosing total takes that total (or, where they do not cover all of it, the part
   the roll-forward gives them) in proportion to the observed counts. Shares inside shares (key
   stages inside an area's phase) are resolved from the outside in.
3. **Rake** the rolled-forward year groups to every target by iterative proportional fitting
   (:func:`rake`): each target's cells are scaled in turn until all are met; year groups keep the
   proportions the roll-forward gave them within every target. With consistent targets (nested
   or disjoint, as built here) it converges exactly; observations equal to the roll-forward
   change nothing.

Cells are one year's pupils as ``(area, ncy 0-13)``, primary areas first (NCY 0-6 valid), then
secondary areas (NCY 7-13 valid), as in ``demand.project.demand_cube``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TOLERANCE = 1e-9  # relative: a target is met when |sum - target| <= TOLERANCE * max(target, 1)
MAX_SWEEPS = 500


@dataclass(frozen=True, eq=False)
class Target:
    """A total the estimated year groups must meet.

    mask : (area, 14) bool, the cells it covers
    target : pupils [pupils]
    label : (level, code, ncy_low, ncy_high, held, observed) for the record
    """

    mask: np.ndarray
    target: float
    label: tuple


def valid_cells(n_primary: int, n_secondary: int) -> np.ndarray:
    """(area, 14) True where an area holds a year group: NCY 0-6 primary, 7-13 secondary."""
    valid = np.zeros((n_primary + n_secondary, 14), dtype=bool)
    valid[:n_primary, 0:7] = True
    valid[n_primary:, 7:14] = True
    return valid


def rake(cells: np.ndarray, targets: list[Target], tolerance: float = TOLERANCE) -> np.ndarray:
    """Scale ``cells`` (area, 14) [pupils] until every target's cells sum to its total.

    A target whose cells hold no pupils gets its total spread evenly over them. Raises ValueError
    when the targets cannot all be met (they contradict one another).
    """
    out = np.asarray(cells, dtype=float).copy()
    if not targets:
        return out
    for _ in range(MAX_SWEEPS):
        worst = 0.0
        for t in targets:
            current = out[t.mask].sum()
            worst = max(worst, abs(current - t.target) / max(t.target, 1.0))
            if current > 0:
                out[t.mask] *= t.target / current
            elif t.target > 0:
                out[t.mask] = t.target / t.mask.sum()
        if worst <= tolerance:
            return out
    bad = [t.label for t in targets if abs(out[t.mask].sum() - t.target) > tolerance * max(t.target, 1.0) * 10]
    raise ValueError(f"the observed totals contradict one another and cannot all be met: {bad}")


def _block(valid: np.ndarray, rows: np.ndarray, low: int, high: int) -> np.ndarray:
    mask = np.zeros_like(valid)
    mask[rows, low:high + 1] = True
    return mask & valid


def observed_cells(observed: pd.DataFrame | None, year: int, areas: tuple[str, ...], n_primary: int,
                   la_code: str) -> tuple[list[Target], list[tuple[np.ndarray, float, tuple]]]:
    """Exact targets and share cells from the ``observed_totals`` rows of one year."""
    exact, shares = [], []
    if observed is None or observed.empty:
        return exact, shares
    valid = valid_cells(n_primary, len(areas) - n_primary)
    for row in observed[observed["academic_year"] == year].itertuples(index=False):
        if row.level == "authority":
            if str(row.code) != str(la_code):
                continue
            rows = np.arange(len(areas))
        else:
            if row.code not in areas:
                continue
            rows = np.array([areas.index(row.code)])
        mask = _block(valid, rows, int(row.ncy_low), int(row.ncy_high))
        if not mask.any():
            continue
        label = (row.level, str(row.code), int(row.ncy_low), int(row.ncy_high), row.held, float(row.nor))
        if row.held == "exact":
            exact.append(Target(mask, float(row.nor), label))
        else:
            shares.append((mask, float(row.nor), label))
    return exact, shares


def school_cells(school_nor: pd.DataFrame | None, schools: pd.DataFrame, year: int, areas: tuple[str, ...],
                 n_primary: int) -> list[tuple[np.ndarray, float, tuple]]:
    """Share cells from the school counts of one year, summed into planning areas.

    A school's rows are placed in the phase their year groups lie in (a count spanning both phases is
    left out). An area's phase total is used only where every mainstream school of the area teaching
    that phase has a count that year; its blocks (e.g. KS3, KS4) only where all those schools give
    the same blocks.
    """
    if school_nor is None or school_nor.empty:
        return []
    rows = school_nor[school_nor["academic_year"] == year]
    if rows.empty:
        return []
    valid = valid_cells(n_primary, len(areas) - n_primary)
    by_id = schools.set_index("school_id")
    blocks: dict[tuple[str, str], dict[str, dict[tuple[int, int], float]]] = {}
    for r in rows.itertuples(index=False):
        if r.school_id not in by_id.index:
            continue
        low_s, high_s = int(by_id.at[r.school_id, "ncy_low"]), int(by_id.at[r.school_id, "ncy_high"])
        low = low_s if pd.isna(r.ncy_low) else max(int(r.ncy_low), low_s)
        high = high_s if pd.isna(r.ncy_high) else min(int(r.ncy_high), high_s)
        if high > 13:
            high = 13
        if low > high:
            continue
        phase = "primary" if high <= 6 else "secondary" if low >= 7 else None
        area = by_id.at[r.school_id, f"{phase}_planning_area"] if phase else None
        if phase is None or pd.isna(area) or area not in areas:
            continue
        block = blocks.setdefault((phase, area), {}).setdefault(r.school_id, {})
        block[(low, high)] = block.get((low, high), 0.0) + float(r.nor)
    cells = []
    mainstream = schools[schools["kind"] == "mainstream"]
    for (phase, area), by_school in sorted(blocks.items()):
        teaching = mainstream[mainstream[f"{phase}_planning_area"] == area]
        if phase == "primary":
            teaching = teaching[teaching["ncy_low"] <= 6]
        else:
            teaching = teaching[teaching["ncy_high"] >= 7]
        if set(teaching["school_id"]) - set(by_school):
            continue  # an area's share is only known when all its schools are counted
        a = areas.index(area)
        phase_low, phase_high = (0, 6) if phase == "primary" else (7, 11)
        total = sum(sum(b.values()) for b in by_school.values())
        label = ("school counts", area, phase_low, phase_high, "shares", total)
        cells.append((_block(valid, np.array([a]), phase_low, phase_high), total, label))
        shapes = {tuple(sorted(b)) for b in by_school.values()}
        if len(shapes) == 1 and len(next(iter(shapes))) > 1:
            for low, high in next(iter(shapes)):
                value = sum(b[(low, high)] for b in by_school.values())
                cells.append((_block(valid, np.array([a]), low, high), value,
                              ("school counts", area, low, high, "shares", value)))
    return cells


def _maximal(targets: list[Target]) -> list[Target]:
    """The targets not strictly inside another of them."""
    return [t for t in targets
            if not any(o is not t and (o.mask >= t.mask).all() and o.mask.sum() > t.mask.sum() for o in targets)]


def _union(targets: list[Target], like: np.ndarray) -> np.ndarray:
    out = np.zeros_like(like)
    for t in targets:
        out |= t.mask
    return out


def share_targets(exact: list[Target], shares: list[tuple[np.ndarray, float, tuple]],
                  projected: np.ndarray) -> list[Target]:
    """Turn share cells into targets, from the outside in (see the module docstring).

    An exact total wins over a share of the same cells, and of two shares of the same cells the first given
    wins (``observed_totals`` rows come before school counts). A group of share cells under one enclosing total
    takes that total less the exact totals beside it inside the same enclosing total (all of the rest where the
    group covers it, else the part the roll-forward gives it); a group with no enclosing total takes the exact
    totals inside it plus the roll-forward of the rest.
    """
    targets = list(exact)
    masks = [t.mask for t in targets]
    remaining = []
    for share in shares:
        if any((m == share[0]).all() for m in masks):
            continue
        masks.append(share[0])
        remaining.append(share)
    while remaining:
        top = [s for s in remaining
               if not any(o is not s and (o[0] >= s[0]).all() and o[0].sum() > s[0].sum() for o in remaining)]
        groups: dict[int, list] = {}
        for s in top:
            enclosing = [i for i, t in enumerate(targets) if (t.mask >= s[0]).all()]
            parent = min(enclosing, key=lambda i: targets[i].mask.sum()) if enclosing else -1
            groups.setdefault(parent, []).append(s)
        for parent, group in groups.items():
            covered = np.zeros_like(group[0][0])
            for mask, _, label in group:
                if (covered & mask).any():
                    raise ValueError(f"share observations overlap: {label}")
                covered |= mask
            if parent < 0:
                inside = _maximal([t for t in targets if (t.mask <= covered).all()])
                total = sum(t.target for t in inside) + projected[covered & ~_union(inside, covered)].sum()
            else:
                p = targets[parent]
                beside = _maximal([t for t in targets if t is not p and (t.mask <= p.mask).all()
                                   and not (t.mask & covered).any()])
                free = p.mask & ~_union(beside, covered)
                available = p.target - sum(t.target for t in beside)
                whole = projected[free].sum()
                total = available if (covered == free).all() else (
                    available * projected[covered].sum() / whole if whole > 0 else 0.0)
            values = np.array([v for _, v, _ in group], dtype=float)
            if values.sum() <= 0:  # nothing counted: keep the roll-forward's split
                values = np.array([projected[m].sum() for m, _, _ in group], dtype=float)
            weights = values / values.sum() if values.sum() > 0 else np.full(len(group), 1 / len(group))
            targets += [Target(mask, float(total * w), label) for (mask, _, label), w in zip(group, weights)]
        remaining = [s for s in remaining if not any(s is t for t in top)]
    return targets


def record(year: int, targets: list[Target], projected: np.ndarray, estimated: np.ndarray) -> pd.DataFrame:
    """One row per target: what was observed, what was met, and the year groups before and after."""
    rows = [{"academic_year": year, "level": t.label[0], "code": t.label[1], "ncy_low": t.label[2],
             "ncy_high": t.label[3], "held": t.label[4], "observed": t.label[5], "target": t.target,
             "rolled_forward": float(projected[t.mask].sum()), "estimated": float(estimated[t.mask].sum())}
            for t in targets]
    return pd.DataFrame(rows)


def history_table(inputs) -> pd.DataFrame:
    """The pupil history a projection starts from, tidy: one row per planning area, NCY and academic year.

    Columns: academic_year, planning_area, phase (primary | secondary | sixth_form), ncy, nor [pupils],
    status (``census``: the year-group census; ``estimated``: year groups estimated to the year's observed
    totals, ``demand.rebase``).
    """
    frames = []
    estimated = set(inputs.estimated_years)
    for areas, cube, first in ((inputs.primary_areas, inputs.primary_nor, 0),
                               (inputs.secondary_areas, inputs.secondary_nor, 7)):
        n_area, n_ncy, n_year = cube.shape
        frames.append(pd.DataFrame({
            "academic_year": np.tile(np.asarray(inputs.history_years), n_area * n_ncy),
            "planning_area": np.repeat(np.asarray(areas, dtype=object), n_ncy * n_year),
            "ncy": np.tile(np.repeat(np.arange(first, first + n_ncy), n_year), n_area),
            "nor": cube.ravel(),
        }))
    table = pd.concat(frames, ignore_index=True).dropna(subset=["nor"])
    table.insert(2, "phase", np.select([table["ncy"] <= 6, table["ncy"] <= 11], ["primary", "secondary"],
                                       "sixth_form"))
    table["status"] = np.where(table["academic_year"].isin(estimated), "estimated", "census")
    return table.sort_values(["academic_year", "planning_area", "ncy"], kind="stable").reset_index(drop=True)
