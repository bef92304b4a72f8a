"""Pupil demand: the cohort-survival projection, its Monte Carlo, and specialist demand.

Pure functions on numpy arrays (no I/O). The flow::

    inputs = demand_inputs(scenario)                     # arrays from the scenario tables
    central = project(inputs)                            # deterministic, one draw
    mc = project(inputs, draws=1000, rng=generator)      # vectorised over draws
    table = to_tidy(mc, scenario.config.policy.quantiles)
"""

from placeplan.demand.cohorts import Ratios, central_ratios
from placeplan.demand.housing import BUILD_UP, extra_pupils
from placeplan.demand.inputs import DemandInputs, demand_inputs
from placeplan.demand.project import Projection, demand_cube, phase_totals, project, to_tidy
from placeplan.demand.ratios import average_ratios, ratio_residuals
from placeplan.demand.send import specialist_demand
from placeplan.demand.uncertainty import UncertaintySettings

__all__ = [
    "BUILD_UP", "DemandInputs", "Projection", "Ratios", "UncertaintySettings", "average_ratios",
    "central_ratios", "demand_cube", "demand_inputs", "extra_pupils", "phase_totals", "project", "ratio_residuals",
    "specialist_demand", "to_tidy",
]
