"""Finding an area: by name however it is punctuated, by postcode (live from ONS), and never an abolished
combined authority offered as a current one (issue 16, point 7)."""

from __future__ import annotations

import json

import httpx
import pytest

from prosperity.web import postcodes

ABOLISHED = {"E47000005", "E47000010", "E47000011"}  # two former "North East"s and North of Tyne
ST_HELENS = "E08000013"


@pytest.mark.parametrize("text", ["St Helens", "st. helens", "ST HELENS", "st.helens", "  St   Helens "])
def test_area_search_finds_st_helens_however_it_is_written(client, text: str):
    page = client.get("/areas", params={"search": text})
    assert page.status_code == 200
    first = page.text.index("/areas/E")  # the first result is the council, not a parish or a constituency
    assert page.text[first:first + 16] == f"/areas/{ST_HELENS}"


def test_pickers_offer_only_current_combined_authorities(client):
    for url in ("/areas", "/indicators/gva-per-hour-worked", "/compare"):
        page = client.get(url)
        assert page.status_code == 200
        current = page.text.split("Former combined authorities")[0]
        offered = {code for code in ABOLISHED if f'"{code}"' in current or f"/areas/{code}\"" in current}
        assert not offered, f"{url} offers abolished areas as current: {offered}"
        assert current.count(">North East</option>") <= 1 and current.count(">North East</a>") <= 1, url
    listing = client.get("/areas").text
    assert "Former combined authorities" in listing and "North of Tyne" in listing.split("Former combined")[1]


# A replay of the ONS Postcode Directory feature service's answer for one postcode (ArcGIS REST JSON, fields as
# the service names them); the field for the council carries the boundary year.
ANSWER = {"objectIdFieldName": "FID", "features": [{"attributes": {
    "PCDS": "WA10 1HP", "DOINTR": "198001", "DOTERM": None, "LAD24CD": "E08000099", "LAD25CD": ST_HELENS,
    "RGN25CD": "E12000002", "CTRY25CD": "E92000001"}}]}


def _replay(body: object, status: int = 200, seen: list[httpx.Request] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, content=json.dumps(body).encode(), headers={"content-type": "application/json"})

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_a_postcode_is_asked_of_ons_and_gives_the_council_of_the_newest_boundaries():
    seen: list[httpx.Request] = []
    found = postcodes.lookup("wa101hp", client=_replay(ANSWER, seen=seen))
    assert found == postcodes.Postcode("WA10 1HP", ST_HELENS, None)
    (request,) = seen
    assert request.url.host == "services1.arcgis.com" and "ONSPD" in request.url.path
    assert request.url.params["where"] == "PCDS='WA10 1HP'" and request.url.params["f"] == "json"
    assert postcodes.lookup("WA10 1HP", client=_replay({"features": []})) is None


@pytest.mark.parametrize("text", ["not a postcode", "WA10 1HP'; DROP", "12345"])
def test_only_postcode_shaped_text_is_sent(text: str):
    assert postcodes.normalise(text) is None
    with pytest.raises(ValueError):
        postcodes.lookup(text, client=_replay(ANSWER))


@pytest.mark.parametrize("body,status", [({"error": {"code": 500, "message": "Unable to complete operation."}}, 200),
                                         ({"nothing": 1}, 200), ("down", 503)])
def test_a_service_that_fails_is_said_plainly(body: object, status: int):
    with pytest.raises(postcodes.PostcodeUnavailable):
        postcodes.lookup("WA10 1HP", client=_replay(body, status))


def test_the_areas_page_finds_a_council_by_postcode_or_says_ons_cannot_be_reached(client, monkeypatch):
    monkeypatch.setattr(postcodes, "lookup", lambda text, client=None: postcodes.parse(ANSWER, "WA10 1HP"))
    page = client.get("/areas", params={"search": "wa10 1hp"})
    assert page.status_code == 200 and f"/areas/{ST_HELENS}" in page.text and "Liverpool City Region" in page.text
    assert "ONS Postcode Directory" in page.text

    def unreachable(text: str, client: object = None) -> None:
        raise postcodes.PostcodeUnavailable("the ONS Postcode Directory could not be reached (no route to host)")

    monkeypatch.setattr(postcodes, "lookup", unreachable)
    page = client.get("/areas", params={"search": "L2 3SW"})
    assert page.status_code == 200
    assert "could not be looked up just now" in page.text and "could not be reached" in page.text
