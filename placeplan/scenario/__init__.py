"""Scenario files: schema, loading with overrides, tables and consistency checks."""

from placeplan.scenario.load import Scenario, load_scenario

__all__ = ["Scenario", "load_scenario"]
