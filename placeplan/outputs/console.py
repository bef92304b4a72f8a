"""Console summaries of results and problems (rich tables)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from rich import box
from rich.console import Console
from rich.segment import Segment
from rich.table import Table

from placeplan.outputs.fmt import gbp


NAME_FLOOR = 8  # characters a name column keeps, breaking inside words, when even whole words do not fit
ROWS_MEASURED = 200  # rows whose wrapped height decides the widths (a longer table is laid out like its start)
BOX = box.MINIMAL_HEAVY_HEAD  # column rules only: three characters between columns, none at the edges


def _table(title: str, **kwargs) -> Table:
    """A console table: title on the left, a heavy rule under the header, a thin rule between columns."""
    return Table(title=title, title_justify="left", box=BOX, show_edge=False, pad_edge=False, **kwargs)


def _column(table: Table, header: str, justify: str = "left", *, name: bool = False) -> None:
    """Add a column whose cells wrap at spaces; a name column (``name``) gets the room the others leave."""
    table.add_column(header, justify=justify, overflow="fold", no_wrap=False)
    table.columns[-1].placeplan_name = name


def _texts(column, header: bool = True) -> list[str]:
    return ([str(column.header)] if header else []) + [str(cell) for cell in column.cells]


def _chrome(console: Console, table: Table) -> int:
    """Characters the table's borders and padding take on a line (rendered with every column 1 wide)."""
    probe = Table(box=table.box, show_edge=table.show_edge, pad_edge=table.pad_edge, padding=table.padding,
                  show_header=False)
    for _ in table.columns:
        probe.add_column(width=1)
    probe.add_row(*["x"] * len(table.columns))
    lines = Segment.split_lines(console.render(probe, console.options))
    return max(Segment.get_line_length(line) for line in lines) - len(table.columns)


def wrapped_lines(text: str, width: int) -> int:
    """Lines ``text`` takes in a cell ``width`` characters wide, wrapped at spaces (a longer word folds)."""
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0
        for word in paragraph.split():
            size = len(word)
            if size > width:  # folded over several lines, starting on a fresh one
                lines += (1 if used else 0) + (size - 1) // width
                used = size % width or width
            elif used == 0:
                used = size
            elif used + 1 + size <= width:
                used += 1 + size
            else:
                lines, used = lines + 1, size
        total += lines
    return total


def _fewest_lines(widths: list[int], natural: list[int], cells: list[list[str]], spare: int) -> int:
    """Give ``spare`` characters, a few at a time, where they take most lines off the table's height (the sum
    over rows of each row's tallest cell; ``cells[c]`` is column c's cells, a row each); returns what is left
    once no width saves a line. ``widths`` is changed in place."""
    cache: dict[tuple[int, int], np.ndarray] = {}

    def lines(c: int, width: int) -> np.ndarray:
        if (c, width) not in cache:
            cache[c, width] = np.array([wrapped_lines(text, width) for text in cells[c]], dtype=int)
        return cache[c, width]

    if not cells or not cells[0]:
        return spare
    while spare > 0:
        stack = np.vstack([lines(c, w) for c, w in enumerate(widths)])
        height = int(stack.max(axis=0).sum())
        best = None
        for c in range(len(widths)):
            others = np.delete(stack, c, axis=0).max(axis=0) if len(widths) > 1 else np.zeros(stack.shape[1], int)
            for extra in range(1, min(spare, natural[c] - widths[c]) + 1):
                saved = height - int(np.maximum(others, lines(c, widths[c] + extra)).sum())
                if saved > 0 and (best is None or saved / extra > best[0]):
                    best = (saved / extra, c, extra)
        if best is None:
            break
        _, c, extra = best
        widths[c] += extra
        spare -= extra
    return spare


def column_widths(natural: list[int], words: list[int], names: list[bool], room: int,
                  cells: list[list[str]] | None = None) -> list[int] | None:
    """Content widths for columns that must share ``room`` characters, or None when every column fits unwrapped.

    Every column gets at least its longest word (so no number or word is broken). With the cells (``cells[c]``:
    column c's header and cells, a row each), the room left goes where it takes most lines off the table
    (`_fewest_lines`); what then saves no line goes first to the name columns, then to the others, each group
    in proportion to what its columns lack of their natural (unwrapped) width. Only when even the longest words
    do not fit do the name columns break inside words, down to ``NAME_FLOOR`` characters, and then, if need be,
    the widest columns, so the table is as narrow as it can be made.
    """
    if sum(natural) <= room:
        return None
    widths = list(words)
    spare = room - sum(widths)
    if spare < 0:
        for i in sorted((i for i in range(len(widths)) if names[i]), key=lambda i: -widths[i]):
            cut = min(-spare, max(widths[i] - NAME_FLOOR, 0))
            widths[i] -= cut
            spare += cut
        while spare < 0 and max(widths) > 3:  # still too wide: narrow the widest column, a character at a time
            widths[widths.index(max(widths))] -= 1
            spare += 1
        return widths
    if cells is not None:
        spare = _fewest_lines(widths, natural, cells, spare)
    for group in ([i for i in range(len(widths)) if names[i]], [i for i in range(len(widths)) if not names[i]]):
        lacking = {i: natural[i] - widths[i] for i in group if natural[i] > widths[i]}
        total = sum(lacking.values())
        if not total or spare <= 0:
            continue
        if total <= spare:
            for i, lack in lacking.items():
                widths[i] += lack
            spare -= total
            continue
        shares = {i: spare * lack / total for i, lack in lacking.items()}
        given = {i: int(share) for i, share in shares.items()}
        left = spare - sum(given.values())
        for i in sorted(shares, key=lambda i: (given[i] - shares[i], i))[:left]:  # largest remainders
            given[i] += 1
        for i, extra in given.items():
            widths[i] += extra
        spare = 0
    return widths


def _print(console: Console, table: Table) -> None:
    """Print ``table`` within the console's width, wrapping cells at spaces and never inside a word or number
    while whole words fit (rich alone would narrow the widest columns first, breaking names mid-word)."""
    texts = [_texts(column, table.show_header) for column in table.columns]
    natural = [max((len(line) for text in column for line in text.split("\n")), default=1) for column in texts]
    words = [max((len(word) for text in column for word in text.split()), default=1) for column in texts]
    names = [bool(getattr(column, "placeplan_name", False)) for column in table.columns]
    cells = [column[:ROWS_MEASURED] for column in texts]
    widths = column_widths(natural, words, names, console.width - _chrome(console, table), cells)
    if widths is not None:
        for column, width in zip(table.columns, widths):
            column.width = width
    console.print(table)


def _num(value, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "-"
    return f"{value:,.{digits}f}"


def print_base_position(console: Console, results) -> None:
    """The base-year position by planning area, then authority totals, then the capital programme."""
    meta = results.scenario.config.meta
    position = results.base_position
    year = f"{meta.base_year}/{str(meta.base_year + 1)[-2:]}"
    cap_years = sorted({int(y) for y in position["capacity_year"].dropna()})
    cap_label = ", ".join(f"{y}/{str(y + 1)[-2:]}" for y in cap_years)
    table = _table(f"{meta.title}: pupils on roll ({year}) against places ({cap_label})")
    for header in ("Planning area", "Name", "Provision", "On roll", "Places", "Spare", "Short", "Spare %"):
        _column(table, header, "right" if header in ("On roll", "Places", "Spare", "Short", "Spare %") else "left",
                name=header == "Name")
    for row in position.itertuples(index=False):
        label = row.planning_area + (" (sub-area)" if row.kind == "sub_area" else "")
        table.add_row(label, row.name, row.provision, _num(row.nor), _num(row.net_capacity),
                      _num(row.spare_places), _num(row.places_needed), _num(row.spare_pct, 1))
    for row in results.totals.itertuples(index=False):
        table.add_row("Total", "sum of official areas", row.provision, _num(row.nor), _num(row.net_capacity),
                      _num(row.spare_places), _num(row.places_needed), _num(row.spare_pct, 1), style="bold")
    _print(console, table)
    projects = _table("Capital programme")
    for header in ("Project", "Status", "Provision", "Places", "Planned opening", "Cost"):
        _column(projects, header, "right" if header in ("Places", "Cost") else "left", name=header == "Project")
    for row in results.capital_projects.itertuples(index=False):
        projects.add_row(row.name, row.status, row.provision or "-", f"{row.places_change:+d}",
                         row.planned_opening, gbp(row.cost_gbp))
    _print(console, projects)


def _ay(year) -> str:
    return "-" if year is None or pd.isna(year) else f"{int(year)}/{str(int(year) + 1)[-2:]}"


def print_sufficiency(console: Console, results, years_ahead: tuple[int, ...] = (1, 3, 5)) -> None:
    """Places needed by planning area in chosen years, with the chance of a shortfall."""
    table = results.sufficiency
    base = results.scenario.config.meta.base_year
    years = [base + k for k in years_ahead if base + k in set(table["academic_year"])]
    margin = results.scenario.config.policy.operating_margin
    out = _table(f"Places needed (central, chance of any shortfall), operating margin {margin:.0%}")
    _column(out, "Planning area", name=True)
    _column(out, "Phase")
    for year in years:
        _column(out, _ay(year), "right")
    _column(out, "Likely short from", "right")
    first = results.first_shortfall.set_index(["planning_area", "phase"])["first_year_p_over_half"]
    for (area, phase), rows in table.groupby(["planning_area", "phase"], sort=False):
        by_year = rows.set_index("academic_year")
        cells = [f"{by_year.at[y, 'places_needed_central']:,.0f} ({by_year.at[y, 'p_shortfall']:.0%})"
                 for y in years]
        out.add_row(f"{area} {rows['name'].iloc[0]}", phase, *cells, _ay(first.get((area, phase))))
    _print(console, out)
    print_housing(console, results)


def print_housing(console: Console, results) -> None:
    """The housing step in two sentences: netting-out of trend growth, then the delivery factor."""
    from placeplan.outputs.housing_text import housing_sentences

    for sentence in housing_sentences(results):
        console.print(f"Housing: {sentence}", highlight=False, markup=False)


def print_programme(console: Console, results) -> None:
    """Simulated delivery of the live capital programme."""
    out = _table("Capital programme as simulated (academic year places open)")
    for header in ("Project", "Places", "Planned", "On time", "Likely (5-95%)", "Council cost p50",
                   "Total cost p50"):
        _column(out, header, "left" if header == "Project" else "right", name=header == "Project")
    for row in results.programme.itertuples(index=False):
        out.add_row(row.name, f"{row.places_change:+d} {row.provision}", _ay(row.planned_opening_year),
                    row.delivery_state if pd.isna(row.p_on_time) else f"{row.p_on_time:.0%}",
                    _likely(row.opening_year_p50, row.opening_year_p05, row.opening_year_p95),
                    gbp(getattr(row, "council_cost_gbp_p50", None)), gbp(row.cost_gbp_p50))
    _print(console, out)


def _likely(p50, p05, p95) -> str:
    """Opening year: the median, then the 5-95% range where it is known and not that one year."""
    if _ay(p05) == "-" or _ay(p95) == "-" or _ay(p05) == _ay(p95) == _ay(p50):
        return _ay(p50)
    return f"{_ay(p50)} ({_ay(p05)} to {_ay(p95)})"


def print_comparison(console: Console, comparison) -> None:
    """The choices ranked by value for money, then the what-ifs against the base (``capital.appraisal``)."""
    from placeplan.capital.appraisal import RULE, SUB_AREAS, ranking_unmet_columns

    summary = comparison.summary
    if "rank" not in summary or "unmet_window" not in summary:
        return
    columns = ranking_unmet_columns(summary)
    labels = [c.removeprefix("window_unmet_").replace(SUB_AREAS, " (sub-areas)") for c in columns]
    window = f"{_ay(summary['window_first_year'].iloc[0])} to {_ay(summary['window_last_year'].iloc[0])}"
    kinds = summary["kind"] if "kind" in summary else pd.Series("choice", index=summary.index)
    out = _table(f"Choices ranked by net council cost per unmet place-year avoided ({window}; common random "
                      "numbers)", caption=f"Rule: {RULE}.", caption_justify="left")
    for header in ("Rank", "Option", "Unmet place-years", "Avoided", "Council cost p50 (borrowing)",
                   "Net extra cost", "Per place-year avoided"):
        _column(out, header, "left" if header == "Option" else "right", name=header == "Option")
    for row in summary[kinds != "what_if"].itertuples(index=False):
        v = row._asdict()
        unmet = "\n".join(f"{label} {v[c]:,.0f}" for label, c in zip(labels, columns))
        per = v.get("cost_per_place_year_avoided_gbp")
        out.add_row(f"{v['rank']:.0f}", f"{row.option}: {row.description}", unmet, _num(v["avoided"]),
                    f"{_num(v.get('council_capital_cost_gbp_p50'))}\n({_num(v.get('borrowing_cost_gbp_mean'))})",
                    _num(v["extra_cost_gbp"]), "–" if pd.isna(per) else _num(per))
    _print(console, out)
    what_ifs = summary[kinds == "what_if"]
    if what_ifs.empty:
        return
    base = summary[summary["option"] == "base"].iloc[0]
    out = _table(f"What-ifs against the base ({window}): not chosen, so not ranked")
    for header in ("What if", "Change in unmet place-years", "Change in spare place-years", "Change in council cost"):
        _column(out, header, "left" if header == "What if" else "right", name=header == "What if")
    spare = [c for c in ("window_spare_place_years_primary", "window_spare_place_years_secondary_sub_areas"
                         if "window_spare_place_years_secondary_sub_areas" in summary else
                         "window_spare_place_years_secondary") if c in summary]
    for row in what_ifs.itertuples(index=False):
        v = row._asdict()
        change = "\n".join(f"{label} {v[c] - base[c]:+,.0f}" for label, c in zip(labels, columns))
        spare_change = "\n".join(f"{c.removeprefix('window_spare_place_years_').replace(SUB_AREAS, ' (sub-areas)')} "
                                  f"{v[c] - base[c]:+,.0f}" for c in spare)
        cost = v.get("council_capital_cost_gbp_mean", 0.0) - base.get("council_capital_cost_gbp_mean", 0.0)
        out.add_row(f"{row.option}: {row.description}", change, spare_change, f"{cost:+,.0f}")
    _print(console, out)


def print_specialist(console: Console, results) -> None:
    """Specialist demand against specialist places, when the scenario has SEND data."""
    table = results.specialist_sufficiency
    if table.empty:
        return
    out = _table("Specialist places (R-Y11): pupils needing one against places; the gap is likely "
                      "out-of-county or independent placements")
    for header in ("Year", "Demand (central)", "Places (planned)", "Gap (central)", "Gap 5-95%", "P(gap)"):
        _column(out, header, "right")
    for row in table.itertuples(index=False):
        values = row._asdict()
        out.add_row(_ay(row.academic_year), _num(row.specialist_demand_central), _num(row.specialist_places_planned),
                    _num(row.places_needed_central),
                    f"{_num(values.get('places_needed_p05'))}-{_num(values.get('places_needed_p95'))}",
                    f"{row.p_shortfall:.0%}")
    _print(console, out)


def print_entry_pressure(console: Console, results, every: int = 2) -> None:
    """Reception / Year 7 pupils against admission places: the chance of exceeding them, every other year."""
    table = results.entry_pressure
    if table.empty:
        return
    years = sorted(table["academic_year"].unique())[::every]
    out = _table("Entry years: chance that Reception (primary) or Year 7 (secondary) pupils exceed the "
                      "admission places (PAN + places projects add)")
    _column(out, "Planning area", name=True)
    _column(out, f"Places {_ay(years[0])}", "right")
    for year in years:
        _column(out, _ay(year), "right")
    for area, rows in table.groupby("planning_area", sort=False):
        by_year = rows.set_index("academic_year")
        first = rows.iloc[0]
        out.add_row(f"{area} {first['name']}", _num(first["entry_places_planned"]),
                    *[f"{by_year.at[y, 'demand_central']:,.0f} ({by_year.at[y, 'p_over_pan']:.0%})" for y in years])
    _print(console, out)


def print_scap(console: Console, scap) -> None:
    """A SCAP return in brief: the round, its years and censuses, and whether it passes the guide's rules."""
    from placeplan.outputs.scap import area_census

    window, tables = scap.window, scap.tables
    schools = tables["school_capacity"]
    planned = tables["planned_places"]
    out = _table(f"{window.name} return", show_header=False)
    _column(out, "item")
    _column(out, "value")
    fy = window.forecast_years
    out.add_row("Capacity as at", f"{window.capacity_date:%d %B %Y}".lstrip("0"))
    out.add_row("Forecast years", f"primary {_ay(fy['primary'][0])}-{_ay(fy['primary'][-1])}, secondary "
                                  f"{_ay(fy['secondary'][0])}-{_ay(fy['secondary'][-1])}")
    out.add_row("NOR census", f"expected {window.expected_nor_census}; used: planning areas "
                              f"{area_census(scap.results)}, schools "
                              + (", ".join(sorted(set(schools["nor_census"].dropna()))) or "-"))
    out.add_row("Capacity", f"primary {_num(schools['capacity_primary'].sum())}, secondary "
                            f"{_num(schools['capacity_secondary'].sum())}, sixth form "
                            f"{_num(schools['sixth_form_capacity'].sum())}")
    totals = planned.groupby("academic_year")[["additional_places", "bulge_places", "removed_places"]].sum()
    out.add_row("Planned places", "; ".join(f"{_ay(y)}: +{int(r.additional_places)} additional, "
                                            f"+{int(r.bulge_places)} bulge, {int(r.removed_places)} removed"
                                            for y, r in totals.iterrows()) or "none in the round's years")
    count = len(scap.breaches)
    out.add_row("Validation", "passes every checkable rule of the SCAP guide" if not count else
                f"{count} breach{'es' if count != 1 else ''} of the SCAP guide's rules")
    _print(console, out)


def print_breaches(console: Console, breaches, most: int | None = None) -> None:
    """Every breach (or the first ``most``), one a line: sheet, row, column, what is wrong [rule]."""
    shown = list(breaches) if most is None else list(breaches)[:most]
    for breach in shown:
        console.print(f"  - {breach}", highlight=False, markup=False, soft_wrap=True)
    if len(shown) < len(breaches):
        console.print(f"  ... and {len(breaches) - len(shown)} more (scap_validation.csv)", highlight=False)
