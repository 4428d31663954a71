"""Open formats out, validated against the standards' own published schemas (read in place from
../shared/reference/standards), and an IATI example round-tripped through import and export."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import xmlschema
from jsonschema import Draft202012Validator
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from prosperity.programmes.export import ExportError, giving_json, iati_xml
from prosperity.programmes.importer import ReturnUnreadable, read_iati
from prosperity.programmes.portfolio import review_round
from prosperity.programmes.store import pictures
from tests.programmes.conftest import DATA, ROUND, STANDARDS, TODAY, check, import_file, import_iati

NOW = datetime(2026, 1, 15, 12, 0, 0)
EXAMPLE = DATA / "iati-2.03-example.xml"


@pytest.fixture(scope="module")
def iati_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(STANDARDS / "iati-2.03" / "iati-activities-schema.xsd"))


@pytest.fixture(scope="module")
def giving_validator() -> Draft202012Validator:
    grant = json.loads((STANDARDS / "360giving" / "360-giving-schema.json").read_text())
    package = json.loads((STANDARDS / "360giving" / "360-giving-package-schema.json").read_text())
    res = Resource(contents=grant, specification=DRAFT202012)
    # the package schema of 1.4.3 refers to the grant schema by its 1.4.2 address
    reg = Registry().with_resources([(grant["$id"], res), (grant["$id"].replace("1.4.3", "1.4.2"), res)])
    return Draft202012Validator(package, registry=reg, format_checker=Draft202012Validator.FORMAT_CHECKER)


def export(store, kind: str, **kw):
    with store.session() as s:
        pf = review_round(s, ROUND)
        pics = pictures(s, pf.submissions.values())
        return iati_xml(pf, pics, now=NOW, **kw) if kind == "iati" else giving_json(pf, pics, now=NOW)


def test_the_example_return_exports_valid_iati(copy, store, fw, iati_schema, tmp_path: Path) -> None:
    import_file(copy(), store, fw)
    xml = export(store, "iati")
    errors = list(iati_schema.iter_errors(etree.fromstring(xml)))
    assert errors == [], [e.reason for e in errors[:3]]
    root = etree.fromstring(xml)
    ids = [a.findtext("iati-identifier") for a in root.findall("iati-activity")]
    assert ids == ["GB-LAE-EXA-EX-TC", "GB-LAE-EXA-EX-TC-01", "GB-LAE-EXA-EX-TC-02"]
    refs = {r.get("code") for r in root.iter("reference")}
    assert refs == {"indicator:town-centre-vacancy", "outcome:lis-o03", "indicator:filled-jobs"}
    # a broken export is caught by the same schema: the check can fail
    bad = etree.fromstring(xml)
    bad.find("iati-activity/title").addprevious(etree.Element("budget"))
    assert not iati_schema.is_valid(bad)


def test_the_example_return_exports_valid_360giving(copy, store, fw, giving_validator) -> None:
    import_file(copy(), store, fw)
    data = export(store, "360")
    assert list(giving_validator.iter_errors(data)) == []
    [grant] = data["grants"]  # only the shopfront grants are delivered by another organisation
    assert grant["recipientOrganization"] == [{"id": "GB-CHC-1234567", "name": "Example Town Centre Partnership"}]
    assert grant["amountAwarded"] == 500_000
    broken = json.loads(json.dumps(data))
    del broken["grants"][0]["fundingOrganization"]
    assert list(giving_validator.iter_errors(broken))


def test_an_iati_example_round_trips_through_import_and_export(store, fw, iati_schema) -> None:
    assert iati_schema.is_valid(str(EXAMPLE))
    ret, stored = import_iati(EXAMPLE, store, fw)
    assert stored is not None, [str(i) for i in ret.errors]
    xml = export(store, "iati", org_ref="AA-AAA-123456789")
    doc = etree.fromstring(xml)
    assert iati_schema.is_valid(doc), [e.reason for e in iati_schema.iter_errors(doc)][:3]
    src = etree.parse(str(EXAMPLE)).getroot().find("iati-activity")
    out = next(a for a in etree.fromstring(xml).findall("iati-activity") if a.get("hierarchy") == "2")

    def values(act, path):
        return [(e.find("period-start").get("iso-date"),
                 e.find("period-end").get("iso-date"), float(e.findtext("value")), e.get("type")) for e in act.findall(path)]

    assert out.findtext("iati-identifier") == src.findtext("iati-identifier") == "AA-AAA-123456789-ABC123"
    assert out.find("title/narrative").text == "Activity title"
    assert values(out, "budget") == values(src, "budget")  # original 3000 and revised 3500 for 2024-25
    assert [(b.get("type"), b.get("status")) for b in out.findall("budget")] == [("1", "1"), ("2", "2")]
    assert values(out, "planned-disbursement") == values(src, "planned-disbursement")
    assert out.find("capital-spend").get("percentage") == "88.8"

    def transactions(act):
        return sorted((t.get("ref"), t.find("transaction-type").get("code"), t.find("transaction-date").get("iso-date"),
                       float(t.findtext("value"))) for t in act.findall("transaction"))  # fmt: skip

    assert transactions(out) == transactions(src)
    si, oi = src.find("result/indicator"), out.find("result/indicator")
    assert (oi.get("measure"), oi.get("ascending")) == (si.get("measure"), si.get("ascending"))
    assert {r.get("code") for r in oi.findall("reference")} == {"indicator:town-centre-vacancy", "outcome:lis-o03"}
    assert (oi.find("baseline").get("value"), oi.find("baseline").get("iso-date")) == ("10", "2024-04-01")
    periods = lambda i: [(p.find("period-start").get("iso-date"), p.find("target").get("value"),  # noqa: E731
                          p.find("actual").get("value") if p.find("actual") is not None else None)
                         for p in i.findall("period")]
    assert periods(oi) == periods(si) == [("2024-04-01", "10", "11"), ("2025-04-01", "20", None)]


def test_iati_1x_is_refused_with_its_line(tmp_path) -> None:
    # The standard's own worked-example.xml is in the 1.0x form (<iati-activity> at the root, budget-planned)
    with pytest.raises(ReturnUnreadable, match=r'worked-example.xml, line 3: not IATI 2.0x activity XML: the root '
                                               r'element is <iati-activity>; expected <iati-activities version="2.03">'):
        read_iati(STANDARDS / "iati-2.03" / "worked-example.xml", round_id=ROUND, fund="local", programme="P",
                  organisation="O", submitted_by="S")  # fmt: skip


@pytest.mark.parametrize(("find", "attr", "rule"), [
    ("baseline", "value", "iati-8.8.1"),
    ("period/target", "value", "iati-8.9.1"),
    ("period/actual", "value", "iati-8.10.1"),
])  # fmt: skip
def test_iati_result_rules_fire_on_edited_copies(tmp_path, store, fw, find, attr, rule) -> None:
    tree = etree.parse(str(EXAMPLE))
    del tree.getroot().find(f"iati-activity/result/indicator/{find}").attrib[attr]
    path = tmp_path / "edited.xml"
    tree.write(str(path))
    ret = check(read_iati(path, round_id=ROUND, fund="local", programme="AA-PROG", organisation="O", submitted_by="S",
                          today=TODAY), store, fw)  # fmt: skip
    hits = [i for i in ret.errors if i.rule == rule]
    assert hits and hits[0].sheet == "<indicator>" if rule == "iati-8.8.1" else hits[0].sheet == "<period>"
    assert hits[0].row is not None  # the line of the element in the XML file


def test_export_without_an_organisation_identifier_says_what_to_do(copy, store, fw) -> None:
    import_file(copy({("Programmes", "E2"): None}), store, fw)
    with pytest.raises(ExportError, match="give one on the Programmes sheet, or --org-ref"):
        export(store, "iati")
