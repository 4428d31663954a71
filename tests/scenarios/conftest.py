"""The web tests' browser and live server, for the scenario pages' end-to-end tests."""

import pytest

from tests.web.conftest import browser, live_server  # noqa: F401


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium (installed by .ci/run)")
