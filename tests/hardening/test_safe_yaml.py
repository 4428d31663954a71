"""Safe YAML: alias expansion, nesting depth and size are limited for every YAML the product reads; each refusal
names the file and line; broken commentary never stops the report."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prosperity.cli import app
from prosperity.framework import load_framework, shipped_framework_path
from prosperity.report.commentary import load_commentary
from prosperity.safe_yaml import MAX_BYTES, YamlRefused, load_yaml

runner = CliRunner()


def billion_laughs(levels: int = 9) -> str:
    lines = ['lol0: &lol0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "billion laughs": (billion_laughs(), "aliases expand it to more than"),
    "recursive alias": ("a: &a\n  b: *a\n", "recursive alias"),
    "recursive alias in a list": ("- &x [1, *x]\n", "recursive alias"),
    "20,000 nested brackets": ("a: " + "[" * 20000 + "]" * 20000 + "\n", "nested more than"),
    "deep block nesting": ("a:\n" + "".join("  " * i + "b:\n" for i in range(1, 100)), "nested more than"),
    "not UTF-8": ("strategy: Croissance économique\n".encode("latin-1"), "is not UTF-8 text: byte 0xE9"),
    "not YAML": ("a: [1, 2\nb: 3\n", "not valid YAML"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_yaml_is_refused_with_a_located_message(name: str):
    text, words = HOSTILE[name]
    started = time.perf_counter()
    with pytest.raises(YamlRefused) as e:
        load_yaml(text, "frameworks/x/bad.yaml")
    assert time.perf_counter() - started < 5
    assert str(e.value).startswith("frameworks/x/bad.yaml, line ") and words in str(e.value)


def test_a_file_larger_than_the_limit_is_refused_unread(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * (MAX_BYTES // 5 + 10))
    with pytest.raises(YamlRefused, match="more than the"):
        load_yaml(big, "big.yaml")


def test_an_ordinary_file_with_aliases_loads():
    assert load_yaml("base: &b {unit: '%'}\nx: *b\ny: [*b, *b]\n") == {"base": {"unit": "%"}, "x": {"unit": "%"},
                                                                       "y": [{"unit": "%"}, {"unit": "%"}]}


@pytest.fixture
def framework_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "fw"
    shutil.copytree(shipped_framework_path(), dest)
    return dest


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_framework_file_is_a_located_issue_not_a_crash(framework_copy: Path, name: str):
    text, words = HOSTILE[name]
    path = framework_copy / "hostile.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    started = time.perf_counter()
    fw = load_framework(framework_copy)
    assert time.perf_counter() - started < 30
    issues = [i for i in fw.errors if i.file.endswith("hostile.yaml")]
    assert issues and words in issues[0].message and issues[0].line is not None, fw.errors
    assert fw.strategies  # the other files still load


def test_a_hostile_manifest_is_a_located_issue(framework_copy: Path):
    (framework_copy / "framework.yaml").write_text(billion_laughs(), encoding="utf-8")
    fw = load_framework(framework_copy)
    assert any(i.file.endswith("framework.yaml") and "aliases expand" in i.message for i in fw.errors)


def test_framework_check_prints_the_refusal_without_a_traceback(framework_copy: Path):
    (framework_copy / "hostile.yaml").write_text("a: &a [*a]\n", encoding="utf-8")
    result = runner.invoke(app, ["framework", "check", str(framework_copy)])
    assert result.exit_code != 0 and "recursive alias" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_commentary_is_listed_and_never_stops_the_report(tmp_path: Path, name: str):
    text, words = HOSTILE[name]
    path = tmp_path / "E47000004.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    c = load_commentary(path, "E47000004")
    assert c.notes == {} and len(c.problems) == 1
    assert c.problems[0].startswith(f"{path}, line ") and words in c.problems[0]
    assert c.problems[0].endswith("the report has no commentary")


def test_a_report_with_a_commentary_bomb_is_still_written(warehouse_path: Path, tmp_path: Path):
    from prosperity.report import write_report
    from prosperity.warehouse import Warehouse

    bomb = tmp_path / "E47000004.yaml"
    bomb.write_text(billion_laughs(), encoding="utf-8")
    with Warehouse.open(warehouse_path) as wh:
        result = write_report(wh, "E47000004", tmp_path / "out", commentary=bomb, pdf=False)
    assert result.html.is_file() and any("aliases expand" in m for m in result.messages)
