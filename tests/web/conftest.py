"""Fixtures for the web tests: the app over the session's warehouse, a test client, and a live server."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from prosperity.framework import shipped_framework_path
from prosperity.web import create_app
from prosperity.web.limits import Limits

CHROMIUM = os.environ.get("PROSPERITY_CHROMIUM", "/usr/bin/chromium")
AXE_DIRS = [os.environ.get("AXE_CORE_DIR", ""), "/tmp/prosperity-axe", str(Path.home() / ".cache" / "prosperity-axe")]
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium (installed by .ci/run)")


#: Limits loose enough for the whole suite from one test client (tests of the limits make their own app).
LOOSE = {"concurrency": 4, "per_minute": 100_000, "burst": 10_000}


@pytest.fixture(scope="session")
def app(warehouse_path: Path):  # type: ignore[no-untyped-def]
    return create_app(warehouse_path, limits=Limits(**LOOSE))


@pytest.fixture(scope="session")
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def hostile_framework(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped framework with a hostile strategy title, outcome title and indicator label."""
    dest = tmp_path_factory.mktemp("framework") / "fw"
    shutil.copytree(shipped_framework_path(), dest)
    gp = dest / "growth-plan-2025.yaml"
    text = gp.read_text(encoding="utf-8")
    text = text.replace("title: productivity\n", f"title: '{HOSTILE} productivity'\n", 1)
    gp.write_text(text, encoding="utf-8")
    ind = dest / "indicators.yaml"
    text = ind.read_text(encoding="utf-8")
    text = text.replace("label: GVA per hour worked\n", f"label: '{HOSTILE} GVA per hour'\n", 1)
    ind.write_text(text, encoding="utf-8")
    return dest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_in_thread(config) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Runs a uvicorn server for ``config`` in a thread until the generator is closed."""
    import uvicorn

    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(warehouse_path: Path) -> Iterator[str]:
    """The app served by uvicorn on a loopback port for the browser tests."""
    import uvicorn

    port = _free_port()
    app = create_app(warehouse_path, limits=Limits(**LOOSE))
    running = serve_in_thread(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    next(running)
    yield f"http://127.0.0.1:{port}"
    next(running, None)


def axe_script() -> Path | None:
    for d in AXE_DIRS:
        if d:
            p = Path(d) / "node_modules" / "axe-core" / "axe.min.js"
            if p.exists():
                return p
    return None


def launch_chromium() -> Iterator:  # type: ignore[type-arg]
    """Debian's Chromium through Playwright, closed when the generator ends; skips without it (fails in CI)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is not at {CHROMIUM}; .ci/run installs it (apt-get install chromium)")
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); .ci/run installs it")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])  # fmt: skip
        yield b
        b.close()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    yield from launch_chromium()


def serious_axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical findings (WCAG 2.2 AA and best practice) on the page as it stands; skips
    where axe-core is not installed, and fails in CI, which installs it."""
    script = axe_script()
    if script is None:
        if os.environ.get("CI"):
            pytest.fail("axe-core is not installed; .ci/run installs it with npm")
        pytest.skip("axe-core is not installed (npm install axe-core in /tmp/prosperity-axe)")
    page.add_script_tag(path=str(script))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                                            'wcag22aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    return bad
