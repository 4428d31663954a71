"""Scenario files: the shipped ones load; bad ones are refused with the file and line of every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from prosperity.scenarios import ScenarioError, load_scenario, parse_scenario, scenario_files
from prosperity.scenarios.spec import MAX_BYTES, METHODS

GOOD = """\
id: a-gap
title: A gap
method: gap_closure
area: E47000004
benchmark: TLB
horizon: 2035
inputs:
  level: {indicator: gross-value-added-per-hour-worked, year: 2023}
  real_index: {indicator: gva-per-hour-worked-cvm-index-itl, area: TLD7, from_year: 2011, to_year: 2021}
  quantity: {indicator: hours-worked-per-week-itl, area: TLD7, scale: 52}
assumptions:
  - {id: target_ratio, label: Parity, value: 1.0, source: The strategy}
"""


def test_every_shipped_scenario_loads_and_names_every_method_once():
    files = scenario_files()
    assert len(files) >= 5
    methods = {load_scenario(p).spec.method for p in files}
    assert methods == set(METHODS)


def test_a_good_scenario():
    s = parse_scenario(GOOD, "good.yaml")
    assert s.input("quantity").scale == 52 and s.assumption("target_ratio").value == 1.0


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, "bad.yaml")
    return e.value.problems


def test_a_missing_input_names_the_method_and_what_it_is_for():
    text = GOOD.replace("  quantity: {indicator: hours-worked-per-week-itl, area: TLD7, scale: 52}\n", "")
    (p,) = _problems(text)
    assert p.startswith("bad.yaml:1:") and "inputs.quantity" in p and "gap_closure" in p


def test_every_problem_with_its_line():
    text = (GOOD.replace("horizon: 2035", "horizon: soon")
            .replace("area: TLD7, from_year", "area: 'not a code', from_year")
            .replace("value: 1.0, source", "value: 1.0, low: 2, high: 3, source")
            + "colour: blue\n")  # fmt: skip
    problems = _problems(text)
    assert any(p.startswith("bad.yaml:6: horizon") for p in problems), problems
    assert any(p.startswith("bad.yaml:9: inputs.real_index.area") for p in problems), problems
    assert any(p.startswith("bad.yaml:12: assumptions.0") and "outside its range" in p for p in problems), problems
    assert any(p.startswith("bad.yaml:13: colour") and "not a field" in p for p in problems), problems


def test_yaml_problems_are_located():
    (p,) = _problems("id: x\ntitle: [unclosed\n")
    assert p.startswith("bad.yaml:") and "not valid YAML" in p
    (p,) = _problems(GOOD + "id: again\n")
    assert p.startswith("bad.yaml:13:") and "duplicate key 'id'" in p
    (p,) = _problems("")
    assert "empty" in p
    (p,) = _problems("- a list\n")
    assert "mapping" in p


def test_anchors_aliases_and_size_are_refused():
    bomb = 'a: &a ["x", "x"]\nb: &b [*a, *a]\nc: [*b, *b]\n'
    (p,) = _problems(bomb)
    assert p.startswith("bad.yaml:1:") and "anchors and aliases" in p
    (p,) = _problems("# " + "x" * MAX_BYTES + "\n")
    assert "larger than" in p


def test_python_tags_are_not_code():
    problems = _problems(GOOD.replace("title: A gap", "title: !!python/object/apply:os.system ['echo hi']"))
    assert problems and all("bad.yaml" in p for p in problems)


def test_files_that_cannot_be_read(tmp_path: Path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "missing.yaml")
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(bad)
    big = tmp_path / "big.yaml"
    big.write_text("#" * (MAX_BYTES + 1))
    with pytest.raises(ScenarioError, match="larger than"):
        load_scenario(big)


def test_identifiers_are_checked_before_they_reach_the_warehouse():
    problems = _problems(GOOD.replace("indicator: gross-value-added-per-hour-worked",
                                      "indicator: \"x'; DROP TABLE observations; --\""))  # fmt: skip
    assert any("inputs.level.indicator" in p for p in problems)
    problems = _problems(GOOD + "vintage: {'../../etc/passwd': abcdefabcdef}\n")
    assert any("vintage" in p for p in problems)
