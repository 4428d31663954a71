"""The polite client against a loopback server: retries, Retry-After, timeouts, truncated bodies, clean failures."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from prosperity.sources.base import FileRef
from prosperity.sources.fetch import fetch_file
from prosperity.sources.live.client import (
    SETTINGS,
    USER_AGENT,
    LiveFetchError,
    LiveSettings,
    PoliteClient,
    RateLimiter,
    redact,
    retry_after_seconds,
)

from .conftest import Reply

HOST = "api.beta.ons.gov.uk"
URL = f"https://{HOST}/v1/datasets"


def polite(server) -> PoliteClient:
    return PoliteClient("ons", server.client(), LiveSettings.from_env(), limiter=RateLimiter(0))


def test_429_retry_after_is_honoured_then_the_body_arrives(server, fast_settings):
    server.route(HOST, "/v1/datasets", [Reply(429, headers={"Retry-After": "0.2"}), Reply(200, b'{"items": []}')])
    assert polite(server).get_json(URL) == {"items": []}
    assert fast_settings == [0.2]  # waited as long as asked, not the (shorter) backoff
    assert len(server.hits(HOST, "/v1/datasets")) == 2
    assert server.requests[0][3]["User-Agent"] == USER_AGENT


def test_server_errors_are_retried_with_exponential_backoff(server, fast_settings):
    server.route(HOST, "/v1/datasets", [Reply(500), Reply(503), Reply(502), Reply(200, b"{}")])
    assert polite(server).get_json(URL) == {}
    assert fast_settings == [0.01, 0.02, 0.04]


def test_persistent_server_errors_give_up_naming_the_url_and_the_failure(server):
    server.route(HOST, "/v1/datasets", Reply(500))
    with pytest.raises(LiveFetchError) as e:
        polite(server).get(URL, {"limit": "10"})
    msg = str(e.value)
    assert msg.startswith(f"{URL}?limit=10: gave up after 4 attempts") and "server error 500" in msg
    assert len(server.hits(HOST, "/v1/datasets")) == 4  # bounded


def test_a_timeout_is_retried_and_a_persistent_one_reported(server):
    server.route(HOST, "/v1/datasets", [Reply(200, b"{}", delay=0.5), Reply(200, b'{"ok": 1}')])
    assert polite(server).get_json(URL) == {"ok": 1}
    server.route(HOST, "/v1/slow", Reply(200, b"{}", delay=0.5))
    with pytest.raises(LiveFetchError, match=r"/v1/slow: gave up after 4 attempts; the last failure: timed out"):
        polite(server).get(f"https://{HOST}/v1/slow")


def test_a_truncated_body_is_retried_and_never_accepted(server):
    body = b"a,b\n" + b"1,2\n" * 1000
    server.route(HOST, "/v1/t", [Reply(200, body, truncate=100), Reply(200, body)])
    assert polite(server).get(f"https://{HOST}/v1/t") == body
    server.route(HOST, "/v1/always", Reply(200, body, truncate=100))
    with pytest.raises(LiveFetchError, match="ended early"):
        polite(server).get(f"https://{HOST}/v1/always")


def test_client_errors_are_not_retried(server):
    server.route(HOST, "/v1/datasets", Reply(404))
    with pytest.raises(LiveFetchError, match=r"datasets: not found \(404\)"):
        polite(server).get(URL)
    assert len(server.hits(HOST, "/v1/datasets")) == 1


def test_a_retry_after_beyond_the_limit_ends_the_fetch_at_once(server, fast_settings):
    server.route(HOST, "/v1/datasets", Reply(429, headers={"Retry-After": "3600"}))
    with pytest.raises(LiveFetchError, match="asked us to wait 3600 s .*longer than the 5 s limit"):
        polite(server).get(URL)
    assert len(server.hits(HOST, "/v1/datasets")) == 1 and 3600 not in fast_settings


def test_retry_after_as_an_http_date():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30
    assert retry_after_seconds("7", now) == 7 and retry_after_seconds("soon", now) is None


def test_rate_limiter_spaces_requests_by_the_service_cap():
    t = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        t[0] += s

    lim = RateLimiter(2.0, clock=lambda: t[0], sleep=sleep)
    for _ in range(3):
        lim.wait()
    assert waits == [0.5, 0.5]


def test_settings_are_declared_with_help_and_read_from_the_environment(monkeypatch):
    assert all(s.help.endswith((".", ")")) for s in SETTINGS)
    monkeypatch.setenv("PROSPERITY_NOMIS_PAGE_SIZE", "1000")
    assert LiveSettings.from_env().nomis_page_size == 1000
    monkeypatch.setenv("PROSPERITY_RETRIES", "many")
    with pytest.raises(Exception, match="PROSPERITY_RETRIES='many' is not a number"):
        LiveSettings.from_env()


def test_fetch_file_writes_whole_files_only(server, tmp_path: Path):
    body = b"x" * 5000
    server.route("raw.githubusercontent.com", "/a/b.csv", Reply(200, body, truncate=10))
    ref = FileRef("els/b/b.csv", "https://raw.githubusercontent.com/a/b.csv")
    with pytest.raises(LiveFetchError, match="ended early"):
        fetch_file(ref, tmp_path, server.client())
    assert list(tmp_path.rglob("*")) == [tmp_path / "els", tmp_path / "els/b"]  # nothing half-written
    server.route("raw.githubusercontent.com", "/a/b.csv", Reply(200, body))
    assert fetch_file(ref, tmp_path, server.client()).read_bytes() == body


def test_download_rewinds_on_retry(server):
    server.route(HOST, "/v1/d", [Reply(200, b"abcdef", truncate=3), Reply(200, b"abcdef")])
    out = io.BytesIO()
    polite(server).download(f"https://{HOST}/v1/d", out)
    assert out.getvalue() == b"abcdef"


def test_redact_hides_keys():
    assert redact("https://x/y.csv?a=1&uid=0xabc&b=2") == "https://x/y.csv?a=1&uid=***&b=2"


def test_ons_observations_query_reads_the_documented_shape(server):
    from prosperity.sources.live.ons_api import OnsApi

    path = "/v1/datasets/cpih01/editions/time-series/versions/6/observations"
    server.route(HOST, path, Reply(200, b'{"dimensions": {"aggregate": {"option": {"id": "cpih1dim1A0"}}, '
                                        b'"geography": {"option": {"id": "K02000001"}}, "time": {"option": '
                                        b'{"id": "Oct-11"}}}, "limit": 10000, "observations": [{"observation": '
                                        b'"105.1"}], "offset": 0, "total_observations": 1}'))  # fmt: skip
    api = OnsApi(polite(server), f"https://{HOST}/v1")
    obs = api.observations("cpih01", "time-series", 6, {"time": "Oct-11", "geography": "K02000001",
                                                        "aggregate": "cpih1dim1A0"})  # fmt: skip
    assert obs == [({"aggregate": "cpih1dim1A0", "geography": "K02000001", "time": "Oct-11"}, "105.1")]
    assert server.hits(HOST, path)[0] == {"time": "Oct-11", "geography": "K02000001", "aggregate": "cpih1dim1A0"}
    with pytest.raises(ValueError, match="at most one wildcard"):
        api.observations("cpih01", "time-series", 6, {"time": "*", "geography": "*"})


def test_a_host_that_cannot_be_reached_fails_fast_for_the_rest_of_the_run(fast_settings):
    import httpx

    from prosperity.sources.live import client as live_client

    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise httpx.ConnectError("Name or service not known", request=request)

    polite = live_client.PoliteClient("other", httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(live_client.LiveFetchError, match="gave up after 4 attempts"):
        polite.get("https://nowhere.example/a.csv")
    tried = len(calls)
    with pytest.raises(live_client.LiveFetchError, match="could not be reached earlier in this run"):
        polite.get("https://nowhere.example/b.csv")
    assert len(calls) == tried == 4
