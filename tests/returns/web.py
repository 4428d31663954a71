"""A signed-in test client for the returns service's pages and API."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.returns.conftest import PASSWORD


def form_token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


class User:
    """One browser: its own cookies, signed in as ``name``."""

    def __init__(self, app: Any, name: str, password: str = PASSWORD):
        self.client = TestClient(app, follow_redirects=False)
        self.name = name
        r = self.client.get("/returns/sign-in")
        r = self.client.post("/returns/sign-in", data={"username": name, "password": password,
                                                       "csrf_token": form_token(r.text)})  # fmt: skip
        assert r.status_code == 303, r.text
        self.csrf = self.client.get("/api/v1/returns-session").json()["csrf_token"]

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kw: Any):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf
        return self.client.post(path, data=data, **kw)

    def api(self, path: str, body: dict[str, Any], *, csrf: bool = True):  # type: ignore[no-untyped-def]
        return self.client.post(path, json=body, headers={"x-csrf-token": self.csrf} if csrf else {})

    def get(self, path: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.get(path, **kw)

    def state(self, rid: int) -> dict[str, Any]:
        return self.client.get(f"/api/v1/returns/{rid}").json()
