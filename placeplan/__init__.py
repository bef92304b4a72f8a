"""placeplan: school place planning and capital-programme simulation for English councils.

The pipeline: scenario -> demand -> capacity (capital programme) -> sufficiency -> outputs.
``placeplan.run(scenario)`` does it in memory and returns a ``Results`` object.
"""

__version__ = "0.1.0"

from placeplan.api import Results, run  # noqa: E402
from placeplan.errors import Problem, ScenarioError  # noqa: E402
from placeplan.scenario import Scenario, load_scenario  # noqa: E402

__all__ = ["Problem", "Results", "Scenario", "ScenarioError", "__version__", "load_scenario", "run"]
