"""The dashboard for any place uses the framework that belongs to it (issue 16, point 4)."""

from __future__ import annotations

import pytest

GREATER_MANCHESTER, PRESTON = "E47000001", "E07000123"


@pytest.mark.parametrize("area", [GREATER_MANCHESTER, PRESTON])
def test_a_home_page_for_another_place_uses_its_own_framework(client, area: str):
    page = client.get("/", params={"area": area})
    assert page.status_code == 200
    assert "Explore Local Statistics" in page.text
    assert "Plan for Prosperity" not in page.text and "Inclusive Growth Plan" not in page.text
    profile = client.get(f"/areas/{area}")
    assert profile.status_code == 200
    assert "GVA per hour worked" in profile.text and "Claimant count" in profile.text
