"""Any place answers from what the build stored, and what the server computes (groups, dates) it reads once:
the engine it shares between requests gives the same assessments as a fresh one."""

from __future__ import annotations

import json

from prosperity.assess import Assessor

CORNWALL, GLASGOW = "E06000052", "S12000049"
FIFTY = ["E06000001", "E06000002", "E06000003", "E07000008", "E08000001", "E09000001"]


def test_a_council_far_from_liverpool_is_served_from_the_stored_assessments(app, client):
    site = app.fastapi.state.sites.site
    assert {CORNWALL, GLASGOW, "E12000002", "E92000001"} <= site.stored_areas
    got = client.get("/api/v1/assessments", params={"area": CORNWALL, "limit": 500}).json()["data"]
    with site.warehouse() as wh:
        rows = wh.con.execute("SELECT indicator, CAST(assessment AS TEXT) FROM assessments WHERE area = ?",
                              [CORNWALL]).fetchall()  # fmt: skip
    stored = {ind: json.loads(text) for ind, text in rows}
    assert got and {a["indicator"]: a for a in got} == stored


def test_one_engine_per_moment_serves_groups_as_a_fresh_engine_would(app, client):
    site = app.fastapi.state.sites.site
    first = client.get("/api/v1/groups", params={"name": "Six places", "members": ",".join(FIFTY), "limit": 500})
    assert first.status_code == 200
    with site.warehouse() as wh, site.engine(wh) as shared:
        assert site._engines.get(None) is shared  # the engine the request used is kept for the next
    again = client.get("/api/v1/groups", params={"name": "Six again", "members": ",".join(reversed(FIFTY)),
                                                 "limit": 500}).json()["data"]  # fmt: skip
    with site.warehouse() as wh:
        fresh = Assessor(wh)
        for a in again:
            want = fresh.assess(site.specs[a["indicator"]], "Six again", area_name="Six again",
                                members=list(reversed(FIFTY))).as_dict()  # fmt: skip
            assert a == want, a["indicator"]
    assert len(again) == len(first.json()["data"]) == len(site.specs)


def test_as_of_the_last_load_is_the_current_warehouse(app, client):
    site = app.fastapi.state.sites.site
    with site.warehouse() as wh:
        last = wh.con.execute("SELECT CAST(max(loaded_at) AS DATE) FROM releases").fetchone()[0].isoformat()
        rows = wh.con.execute("SELECT indicator, CAST(assessment AS TEXT) FROM assessments WHERE area = ?",
                              [GLASGOW]).fetchall()  # fmt: skip
    got = client.get("/api/v1/assessments", params={"area": GLASGOW, "as_of": last, "limit": 500}).json()["data"]
    # computed now, as the warehouse stood at its last load, by the engine of the current warehouse
    assert {a["indicator"]: a for a in got} == {ind: json.loads(text) for ind, text in rows}
    with site.warehouse() as wh:
        assert None in site._engines and site._latest_load(wh) not in site._engines  # no second engine for it
