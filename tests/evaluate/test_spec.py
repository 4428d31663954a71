"""Evaluation files: every problem reported with file and line; limits; nothing from a file becomes code."""

from __future__ import annotations

from pathlib import Path

import pytest

from prosperity.evaluate.spec import MAX_BYTES, SpecError, load_spec, shipped_evaluations

GOOD = """id: test-eval
title: A test
question: Did it work?
intervention: {name: the thing, description: a thing that was done}
treated:
  - {area: E08000015, start: 2021}
outcomes:
  - {indicator: claimant-count}
donors: {group: statistical-neighbours}
windows: {pre: [2011, 2019], post: [2021, 2025]}
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "ev.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_files_load() -> None:
    names = [p.stem for p in shipped_evaluations()]
    assert names == ["lcr-devolution-2017", "town-deals-2021"]
    for p in shipped_evaluations():
        s = load_spec(p).spec
        assert s.releases and all(len(v) == 64 for v in s.releases.values())


def test_a_good_file_loads(tmp_path: Path) -> None:
    s = load_spec(write(tmp_path, GOOD))
    assert s.spec.id == "test-eval" and s.spec.methods == ["synthetic-control", "difference-in-differences"]
    assert len(s.digest) == 64


@pytest.mark.parametrize(("change", "line", "message"), [
    (("  - {area: E08000015, start: 2021}", "  - {area: E08000015, start: 2030}"), 6, "outside the post window"),
    (("  - {indicator: claimant-count}", "  - {indicator: 'DROP TABLE x;'}"), 8, "outcomes.0.indicator"),
    (("windows: {pre: [2011, 2019], post: [2021, 2025]}", "windows: {pre: [2011, 2022], post: [2021, 2025]}"), 10,
     "pre-period must end before"),
    (("donors: {group: statistical-neighbours}", "donors: {group: everyone}"), 9, "donors.group"),
    (("title: A test", "title: A test\ncolour: blue"), 3, "colour: Extra inputs are not permitted"),
    (("treated:\n  - {area: E08000015, start: 2021}", "treated:\n  - {area: ../../etc/passwd, start: 2021}"), 6,
     "treated.0.area"),
])  # fmt: skip
def test_problems_name_the_line(tmp_path: Path, change: tuple[str, str], line: int, message: str) -> None:
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, GOOD.replace(*change)))
    assert any(ln == line and message in msg for ln, msg in e.value.problems), e.value.problems
    assert f"ev.yaml, line {line}" in str(e.value)


def test_anchors_tags_and_size_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="anchors and aliases"):
        load_spec(write(tmp_path, GOOD + "notes: &a [x]\nextra: *a\n"))
    with pytest.raises(SpecError, match="tags"):
        load_spec(write(tmp_path, GOOD.replace("title: A test", "title: !!python/object:os.system x")))
    with pytest.raises(SpecError, match="at most"):
        load_spec(write(tmp_path, GOOD + "#" * MAX_BYTES))
    with pytest.raises(SpecError, match="line 3: not valid YAML"):
        load_spec(write(tmp_path, "id: x\ntitle: [unclosed\n"))
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "missing.yaml")
    with pytest.raises(SpecError, match="duplicate key"):
        load_spec(write(tmp_path, GOOD + "title: again\n"))
