"""Scenarios: what it would take to reach a strategy's goals, and whether its quantified claims add up.

A scenario is a YAML file beside the framework (``frameworks/<name>/scenarios/``) naming the figures it needs
(warehouse figures at a pinned release), its assumptions with values, ranges and cited sources, its horizon and
its method: closing a gap with a benchmark (:mod:`~prosperity.scenarios.gap`), a gap in people, a claim check
(:mod:`~prosperity.scenarios.claims`), a shift-share decomposition (:mod:`~prosperity.scenarios.shiftshare`) or
emissions pathways (:mod:`~prosperity.scenarios.emissions`). The methods are pure functions citing their
sources; :mod:`~prosperity.scenarios.run` applies them to the warehouse and writes results that regenerate byte
for byte at the scenario's vintage.
"""

from prosperity.scenarios.read import ScenarioDataError
from prosperity.scenarios.run import result_json, run_scenario, write_results
from prosperity.scenarios.spec import (
    LoadedScenario,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
    scenario_files,
    shipped_scenarios_path,
)

__all__ = [
    "LoadedScenario",
    "Scenario",
    "ScenarioDataError",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
    "result_json",
    "run_scenario",
    "scenario_files",
    "shipped_scenarios_path",
    "write_results",
]
