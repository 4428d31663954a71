"""The framework loader and its checks: the shipped framework, and each class of error on small broken files."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prosperity.framework import load_framework, load_frameworks, shipped_framework_path
from prosperity.framework.cli import app
from prosperity.framework.coverage import StaticCatalogue, check_bindings, coverage
from prosperity.framework.located import load_located
from prosperity.framework.model import DerivedBinding, LiveBinding, NoSource, WarehouseBinding

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture(scope="module")
def shipped():
    return load_framework(shipped_framework_path())


# ---- the shipped Liverpool City Region framework ------------------------------------------------------------
def test_shipped_framework_loads_with_no_errors_or_warnings(shipped):
    assert [str(i) for i in shipped.issues] == []
    assert shipped.documents_dir is not None and shipped.documents_dir.is_dir()


def test_shipped_framework_holds_every_strategy_of_the_brief(shipped):
    s = shipped.strategies
    assert set(s) == {"lis-framework-2019", "lis-2020", "plan-for-prosperity-2022", "growth-plan-2025", "igp-2018"}
    assert {k: v.area for k, v in s.items()} == {
        "lis-framework-2019": "E47000004", "lis-2020": "E47000004", "plan-for-prosperity-2022": "E47000004",
        "growth-plan-2025": "E47000004", "igp-2018": "E08000012"}  # fmt: skip
    assert s["lis-2020"].supersedes == "lis-framework-2019"


def test_lis_has_its_28_by_2040_outcomes_in_order(shipped):
    lis = shipped.strategies["lis-2020"]
    by2040 = [o.id for o in lis.outcomes() if o.horizon == "2040"]
    assert by2040 == [f"lis-o{n:02d}" for n in range(1, 29)]
    # every outcome is measured by at least one indicator, as the strategy says
    assert all(o.indicators for o in lis.outcomes())
    # the inventory's 66 atomic indicators map to 60 indicator references stated by the text (some atomic ones,
    # e.g. "absolute and percentage change" or GovERD/HERD/BERD, share a series); every stated one is there
    stated = {r.indicator for o in lis.outcomes() for r in o.indicators if r.basis == "stated"}
    for expected in ("housing-completions", "homes-retrofitted", "healthy-life-expectancy-male", "neet-16-17",
                     "qualifications-level-4-plus", "no-qualifications", "economic-inactivity", "employment-rate",
                     "gva-per-filled-job", "business-birth-rate", "business-survival-3-year", "trade-to-gva",
                     "goverd", "herd", "berd", "gigabit-coverage", "bus-patronage", "renewable-generation",
                     "co2-emissions-transport", "co2-emissions-domestic", "co2-emissions-industry",
                     "co2-emissions-commercial", "household-recycling-rate", "open-datasets"):  # fmt: skip
        assert expected in stated, expected


def test_igp_has_6_aims_31_priorities_136_outcomes(shipped):
    igp = shipped.strategies["igp-2018"]
    assert [t.kind for t in igp.themes] == ["aim"] * 6
    assert sum(len(a.themes) for a in igp.themes) == 31
    assert len(igp.outcomes()) == 136


def test_net_zero_2035_supersedes_2040_and_both_are_kept(shipped):
    targets = shipped.targets()
    old, new = targets["lis-net-zero-2040"], targets["gp-net-zero-2035"]
    assert (old.kind, old.year, new.kind, new.year) == ("zero", 2040, "zero", 2035)
    assert new.supersedes == old.id and old.indicator == new.indicator == "ghg-emissions-per-head"


def test_rd_target_and_its_claimed_impacts(shipped):
    t = shipped.targets()["pfp-rd-5pc-gva-2030"]
    assert (t.kind, t.value, t.unit, t.year) == ("level", 5.0, "% of GVA", 2030)
    assert [(i.value, i.unit, i.indicator) for i in t.claimed_impacts] == [
        (19.7, "£ billion", "gva-total"), (6.5, "%", "filled-jobs"), (10.0, "%", "gva-per-hour-worked")]


def test_one_indicator_serves_several_strategies(shipped):
    strategies = {o.strategy for o in shipped.uses("gva-per-hour-worked")}
    assert {"growth-plan-2025", "plan-for-prosperity-2022", "igp-2018"} <= strategies


def test_every_citation_names_a_seed_document(shipped):
    from prosperity.framework.load import all_citations

    docs = {p.name for p in SEEDS.glob("*.txt")}
    cites = list(all_citations(shipped))
    assert len(cites) > 300
    assert {c.document for c, _ in cites} <= docs


# ---- coverage -------------------------------------------------------------------------------------------------
def test_coverage_numbers_add_up_without_a_warehouse(shipped):
    report = coverage(shipped)
    statuses = [i.data.status for i in shipped.indicators.values()]
    ind = report["indicators"]
    assert ind == {"data": statuses.count("data"), "elsewhere": 0, "live": statuses.count("live"),
                   "none": statuses.count("none"), "unresolved": 0, "total": len(shipped.indicators)}  # fmt: skip
    assert report["outcomes"]["total"] == len(shipped.outcomes())
    for group in [report["indicators"], report["outcomes"]] + [s[k] for s in report["strategies"]
                                                                for k in ("outcomes", "indicators")]:  # fmt: skip
        assert group["data"] + group["elsewhere"] + group["live"] + group["none"] + group["unresolved"] == group["total"]
    for s in report["strategies"]:
        tops = [t for t in s["themes"] if t["depth"] == 0]
        assert sum(t["outcomes"]["total"] for t in tops) == s["outcomes"]["total"]
        for t in s["themes"]:
            assert sum(t["outcomes"][k] for k in ("data", "elsewhere", "live", "none", "unresolved")) == \
                t["outcomes"]["total"]
    assert len(report["items"]["indicators"]) == ind["total"]
    assert len(report["items"]["outcomes"]) == report["outcomes"]["total"]


def test_coverage_with_a_catalogue_marks_missing_series_unresolved(shipped):
    present: dict[str, set[str]] = {}
    for i in shipped.indicators.values():
        if isinstance(i.data, WarehouseBinding) and i.id != "gva-per-hour-worked":
            present.setdefault(i.data.warehouse, set()).add(i.data.breakdown)
    report = coverage(shipped, StaticCatalogue(present))
    row = next(i for i in report["items"]["indicators"] if i["id"] == "gva-per-hour-worked")
    assert row["status"] == "unresolved"
    assert report["indicators"]["unresolved"] == 1


def test_check_bindings_names_unknown_ids_and_breakdowns(shipped):
    cat = StaticCatalogue({"co2-emissions": {"Total Emissions", "Transport Total"}})
    issues = check_bindings(shipped, cat)
    msgs = {i.message.split(":")[0].split(" ")[1] for i in issues}
    assert "'co2-emissions-domestic'" in msgs and "'co2-emissions-transport'" not in msgs
    assert all(i.line and i.file.endswith("indicators.yaml") for i in issues)


# ---- error classes, each with file and line, all in one run ----------------------------------------------------
INDICATORS = """\
indicators:
  - id: jobs
    label: Jobs
    polarity: higher_is_better
    unit: jobs
    data: {warehouse: filled-jobs-itl}
  - id: jobs
    label: Jobs again
    polarity: higher_is_better
    unit: jobs
    data: {none: not yet}
  - id: rate
    label: A rate
    polarity: upwards
    unit: "%"
    data: {live: {source: nomis, dataset: NM_17_5}}
"""

STRATEGY = """\
strategy:
  id: s1
  title: A strategy
  publisher: Someone
  date: 2020-03
  area: E47000004
  source: {document: doc.txt, title: The document}
  cite: {document: doc.txt, lines: "1"}
themes:
  - id: t1
    kind: aim
    title: First aim
    cite: {document: doc.txt, lines: "2"}
    parent: t2
    outcomes:
      - id: o1
        title: More jobs
        cite: {document: doc.txt, lines: 2-40}
        indicators:
          - jobs
          - not-an-indicator
          - indicator: jobs2
            targets:
              - id: tg1
                kind: level
                value: 10
                set_by: Someone
                cite: {document: missing.txt, lines: "3"}
              - id: tg2
                kind: zero
                date: 2030
                set_by: Someone
                supersedes: tg3
                cite: {document: doc.txt, lines: "3", quote: words that are not there}
              - id: tg3
                kind: zero
                date: 2040
                set_by: Someone
                supersedes: tg2
                cite: {document: doc.txt, lines: "3"}
      - id: o1
        title: Duplicate outcome id
        cite: {document: doc.txt, lines: "1"}
  - id: t2
    kind: aim
    title: Second aim
    parent: t1
    cite: {document: doc.txt, lines: "1"}
"""


def _write(tmp: Path, files: dict[str, str], name: str = "fw") -> Path:
    fw = tmp / name
    docs = tmp / "docs"
    fw.mkdir(parents=True)
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "doc.txt").write_text("A strategy\nFirst aim and more jobs\nthird line\n", encoding="utf-8")
    (fw / "framework.yaml").write_text("id: test\ntitle: Test framework\ndocuments_dir: ../docs\n")
    for name, text in files.items():
        (fw / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return fw


def _by_code(fw) -> dict[str, list[tuple[str, int | None, str]]]:
    out: dict[str, list[tuple[str, int | None, str]]] = {}
    for i in fw.issues:
        out.setdefault(i.code, []).append((Path(i.file).name, i.line, i.message))
    return out


def test_every_class_of_error_is_reported_with_file_and_line_in_one_run(tmp_path):
    fw = load_framework(_write(tmp_path, {"indicators.yaml": INDICATORS, "s1.yaml": STRATEGY}))
    codes = _by_code(fw)
    # schema: a bad polarity (indicators.yaml line 12 is the item; the field is on line 14)
    assert ("indicators.yaml", 14) in [(f, ln) for f, ln, _ in codes["schema"]]
    assert any("polarity" in m and "upwards" in m for _, _, m in codes["schema"])
    # schema: a live binding without its reason
    assert any("reason" in m for f, ln, m in codes["schema"] if f == "indicators.yaml" and ln == 16)
    # duplicate ids: the second indicator "jobs" (line 7) and the second outcome "o1"
    dups = codes["duplicate-id"]
    assert ("indicators.yaml", 7) in [(f, ln) for f, ln, _ in dups]
    assert any(f == "s1.yaml" and "'o1'" in m and "s1.yaml:16" in m for f, ln, m in dups)
    # unknown indicator ids, at the line of the reference
    unknown = {(f, ln) for f, ln, _ in codes["unknown-indicator"]}
    assert unknown == {("s1.yaml", 21), ("s1.yaml", 22)}
    # a target without a date
    assert [(f, ln) for f, ln, _ in codes["target-without-date"]] == [("s1.yaml", 24)]
    # citations that point nowhere: a missing document, lines past the end, a quote not found
    cit = codes["citation"]
    assert any(ln == 28 and "missing.txt" in m for _, ln, m in cit)
    assert any(ln == 18 and "has only 3 lines" in m for _, ln, m in cit)
    assert any(ln == 34 and "not in" in m and "quote" in m for _, ln, m in cit)
    # cycles: theme parents and target supersedes
    cycles = [m for _, _, m in codes["cycle"]]
    assert any("theme parents form a loop" in m and "t1" in m and "t2" in m for m in cycles)
    assert any("target `supersedes` chain loops" in m for m in cycles)
    # what was valid still loaded
    assert "jobs" in fw.indicators and "s1" in fw.strategies and not fw.ok


def test_unknown_fields_and_yaml_errors_name_the_line(tmp_path):
    bad_yaml = "indicators:\n  - id: x\n    label: [unclosed\n"
    typo = INDICATORS.replace("    unit: jobs\n    data: {warehouse", "    unti: jobs\n    data: {warehouse", 1)
    fw = load_framework(_write(tmp_path, {"a.yaml": bad_yaml, "b.yaml": typo}))
    codes = _by_code(fw)
    assert codes["yaml"][0][0] == "a.yaml" and codes["yaml"][0][1] in (3, 4)
    schema = {(f, ln): m for f, ln, m in codes["schema"]}
    assert "unknown field 'unti'" in schema[("b.yaml", 5)]
    assert "required field 'unit' is missing" in schema[("b.yaml", 2)]


def test_duplicate_yaml_keys_are_errors(tmp_path):
    text = "indicators:\n  - id: x\n    label: X\n    label: Y\n    polarity: no_judgement\n    unit: n\n" \
           "    data: {none: why}\n"  # fmt: skip
    fw = load_framework(_write(tmp_path, {"a.yaml": text}))
    assert [(i.code, i.line) for i in fw.errors] == [("yaml", 4)]
    assert fw.indicators["x"].label == "X"


def test_a_broken_file_does_not_stop_the_others(tmp_path):
    fw_dir = _write(tmp_path, {"indicators.yaml": INDICATORS.split("  - id: jobs\n    label: Jobs again")[0],
                               "broken.yaml": "strategy: [this is: not, a: mapping\n"})  # fmt: skip
    fw = load_framework(fw_dir)
    assert "jobs" in fw.indicators
    assert [i.code for i in fw.errors] == ["yaml"] and fw.errors[0].file.endswith("broken.yaml")


def test_a_broken_framework_does_not_stop_other_frameworks(tmp_path):
    root = tmp_path / "frameworks"
    _write(root, {"indicators.yaml": INDICATORS.split("  - id: jobs\n    label: Jobs again")[0]}, name="good")
    _write(root, {"x.yaml": ": : :\n"}, name="bad")
    frameworks = {f.path.name: f for f in load_frameworks(root)}
    assert set(frameworks) == {"good", "bad"}
    assert frameworks["good"].ok and "jobs" in frameworks["good"].indicators
    assert not frameworks["bad"].ok


def test_verbatim_titles_are_checked_against_the_document(tmp_path):
    s = STRATEGY.replace("date: 2020-03", "date: 2020-03\n  verbatim_titles: true").split("  - id: t2")[0]
    s = s.replace("    parent: t2\n", "")
    fw = load_framework(_write(tmp_path, {"indicators.yaml": INDICATORS, "s.yaml": s}))
    bad = [i for i in fw.issues if i.code == "citation" and "word for word" in i.message]
    assert {i.message.split("'")[1] for i in bad} == {"Duplicate outcome id"}  # "First aim" and "More jobs" match


def test_missing_documents_folder_is_a_warning_not_an_error(tmp_path):
    fw_dir = _write(tmp_path, {"indicators.yaml": INDICATORS.split("  - id: jobs\n    label: Jobs again")[0]})
    fw = load_framework(fw_dir, documents_dir=tmp_path / "nowhere")
    assert fw.ok and any(i.code == "citation" and i.severity == "warning" for i in fw.issues)


def test_binding_kinds_and_target_kinds_are_validated(tmp_path):
    text = INDICATORS.split("  - id: jobs\n    label: Jobs again")[0] + (
        "  - id: two\n    label: Two bindings\n    polarity: no_judgement\n    unit: n\n"
        "    data: {warehouse: a, none: b}\n"
        "  - id: src\n    label: Unknown live source\n    polarity: no_judgement\n    unit: n\n"
        "    data: {live: {source: carrier-pigeon, dataset: x}, reason: y}\n"
        "  - id: ok\n    label: Fine\n    polarity: no_judgement\n    unit: n\n    data: {none: why}\n")
    fw = load_framework(_write(tmp_path, {"i.yaml": text}))
    msgs = " | ".join(i.message for i in fw.errors)
    assert "exactly one of" in msgs and "unknown live source 'carrier-pigeon'" in msgs
    assert isinstance(fw.indicators["jobs"].data, WarehouseBinding)


def test_model_binding_variants_report_their_status(shipped):
    kinds = {type(i.data) for i in shipped.indicators.values()}
    assert kinds == {WarehouseBinding, LiveBinding, NoSource, DerivedBinding}
    women = shipped.indicators["employment-rate-women"].data
    assert isinstance(women, LiveBinding) and women.live.source == "nomis" and women.live.dataset == "NM_17_5"
    assert all(i.data.why for i in shipped.indicators.values() if isinstance(i.data, NoSource))


def test_located_yaml_lines():
    data = load_located("a: 1\nb:\n  - x\n  - {c: 2}\n")
    assert (data.key_line("a"), data.key_line("b"), data["b"].item_line(1), data["b"][1].line) == (1, 2, 4, 4)


# ---- the command line ----------------------------------------------------------------------------------------
runner = CliRunner()


def test_cli_check_shipped_framework_passes(tmp_path, monkeypatch):
    monkeypatch.delenv("PROSPERITY_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["frameworks"][0]["outcomes"] == 197


def test_cli_check_broken_framework_exits_1_with_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROSPERITY_DB", raising=False)
    fw_dir = _write(tmp_path, {"indicators.yaml": INDICATORS, "s1.yaml": STRATEGY})
    result = runner.invoke(app, ["check", str(fw_dir)])
    assert result.exit_code == 1
    assert "s1.yaml:24" in result.stdout and "target-without-date" in result.stdout
    as_json = runner.invoke(app, ["check", str(fw_dir), "--format", "json"])
    errors = json.loads(as_json.stdout)["frameworks"][0]["errors"]
    assert {"file", "line", "code", "message", "severity"} <= set(errors[0])


def test_cli_coverage_json_and_show_without_a_warehouse(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROSPERITY_DB", raising=False)
    cov = runner.invoke(app, ["coverage", "--format", "json"])
    assert cov.exit_code == 0, cov.output
    report = json.loads(cov.stdout)
    assert report["warehouse_checked"] is False and report["indicators"]["total"] > 150
    shown = runner.invoke(app, ["show", "growth-plan-2025", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    tree = json.loads(shown.stdout)
    assert tree["themes"][0]["outcomes"][0]["indicators"][0]["indicator"] == "gva-per-hour-worked"
    missing = runner.invoke(app, ["show", "growth-plan"])
    assert missing.exit_code == 2 and "growth-plan-2025" in missing.output


def test_every_schema_field_is_documented_in_the_guide():
    from prosperity.framework import model

    guide = (Path(__file__).resolve().parents[1] / "frameworks" / "README.md").read_text(encoding="utf-8")
    classes = [model.Manifest, model.Citation, model.Indicator, model.WarehouseBinding, model.LiveSource,
               model.LiveBinding, model.NoSource, model.Strategy, model.SourceDocument, model.Theme, model.Outcome,
               model.IndicatorRef, model.Target, model.Baseline, model.Milestone, model.Impact]  # fmt: skip
    missing = {f"{c.__name__}.{f}" for c in classes for f in c.model_fields if f"`{f}`" not in guide}
    assert missing == set()
    for kind in model.TARGET_KINDS + model.POLARITIES + tuple(model.LIVE_SOURCES):
        assert f"`{kind}`" in guide, kind
