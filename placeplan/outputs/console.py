"""Console summaries of results and problems (rich tables)."""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Console
from rich.table import Table


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
    table = Table(title=f"{meta.title}: pupils on roll ({year}) against places ({cap_label})",
                  title_justify="left")
    for header in ("Planning area", "Name", "Provision", "On roll", "Places", "Spare", "Short", "Spare %"):
        table.add_column(header, justify="right" if header in ("On roll", "Places", "Spare", "Short",
                                                                  "Spare %") else "left")
    for row in position.itertuples(index=False):
        label = row.planning_area + (" (sub-area)" if row.kind == "sub_area" else "")
        table.add_row(label, row.name, row.provision, _num(row.nor), _num(row.net_capacity),
                      _num(row.spare_places), _num(row.places_needed), _num(row.spare_pct, 1))
    for row in results.totals.itertuples(index=False):
        table.add_row("Total", "sum of official areas", row.provision, _num(row.nor), _num(row.net_capacity),
                      _num(row.spare_places), _num(row.places_needed), _num(row.spare_pct, 1), style="bold")
    console.print(table)
    projects = Table(title="Capital programme", title_justify="left")
    for header in ("Project", "Status", "Provision", "Places", "Planned opening", "Cost (GBP)"):
        projects.add_column(header, justify="right" if header in ("Places", "Cost (GBP)") else "left")
    for row in results.capital_projects.itertuples(index=False):
        projects.add_row(row.name, row.status, row.provision or "-", f"{row.places_change:+d}",
                         row.planned_opening, _num(row.cost_gbp))
    console.print(projects)
