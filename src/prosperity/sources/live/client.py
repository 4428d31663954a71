"""The polite HTTP client every live connector uses, and its declared settings.

Polite means: a descriptive User-Agent on every request; connect and read timeouts; retries with exponential
backoff on server errors (5xx), timeouts, dropped connections and truncated bodies; waiting as long as a 429
response's ``Retry-After`` asks (up to a limit, beyond which the fetch gives up and says so); and a cap on
requests per second for each service, within what the service publishes (ONS: 120 requests per 10 s and 200
per minute; Nomis, Fingertips and GOV.UK publish no figure, so the caps are modest).

Every setting is declared once in :data:`SETTINGS` with its help text; each can be overridden by an environment
variable ``PROSPERITY_<NAME>`` (upper case), which is how tests make the waits short.

A Nomis API key travels as the ``uid`` query parameter. It is never written to a message, a log record, the
dry-run listing or the warehouse: :func:`redact` removes it from every URL this module reports, and a filter
on the ``httpx`` and ``httpcore`` loggers removes it from their records.
"""

from __future__ import annotations

import email.utils
import logging
import os
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, NamedTuple
from urllib.parse import urlsplit

import httpx

from prosperity import __version__
from prosperity.errors import SourceError

log = logging.getLogger(__name__)

USER_AGENT = (
    f"prosperity/{__version__} (open-source outcomes monitor for city-region strategies; "
    "+https://github.com/prosperity-monitor/prosperity)"
)


class Setting(NamedTuple):
    """One declared setting: its name, default and help text (as Datasette declares its settings)."""

    name: str
    default: float | int | str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("connect_timeout", 10.0, "Seconds to wait for a connection to a live service."),
    Setting("read_timeout", 60.0, "Seconds to wait for the next bytes of a response before retrying."),
    Setting("retries", 4, "Further attempts after a server error (5xx), a timeout, a dropped connection or a "
            "truncated body; 429 responses count as attempts too."),  # fmt: skip
    Setting("backoff", 1.0, "Seconds before the first retry; each further retry waits twice as long."),
    Setting("max_backoff", 60.0, "Longest wait between two retries, in seconds."),
    Setting("max_retry_after", 300.0, "Longest wait a 429 response's Retry-After may ask for, in seconds; a "
            "longer one ends the fetch with a message instead of waiting."),  # fmt: skip
    Setting("request_deadline", 600.0, "Longest one request may take, body included, in seconds: a server that "
            "sends a few bytes at a time cannot hold an attempt longer."),  # fmt: skip
    Setting("fetch_deadline", 1800.0, "Longest one file's fetch may take, every request, page, retry and wait "
            "included, in seconds; then that file is reported unavailable and the others go on."),  # fmt: skip
    Setting("max_response_bytes", 64 * 1024 * 1024, "Largest response read into memory (an API answer, a Nomis "
            "page), in bytes, counted as it arrives."),  # fmt: skip
    Setting("max_download_bytes", 2 * 1024 * 1024 * 1024, "Largest file streamed into the raw cache, in bytes, "
            "counted as it arrives (compressed and decompressed)."),  # fmt: skip
    Setting("nomis_rate", 2.0, "Requests per second to Nomis (no published limit; nomisr advises few, small "
            "queries)."),  # fmt: skip
    Setting("ons_rate", 3.0, "Requests per second to the ONS API (published limits: 120 per 10 s, 200 per "
            "minute; 3 per second stays inside both)."),  # fmt: skip
    Setting("ons_download_rate", 1.0, "Requests per second to ONS download hosts (published limit for high "
            "demand assets: 15 per 10 s)."),  # fmt: skip
    Setting("fingertips_rate", 2.0, "Requests per second to the OHID Fingertips API (no published limit)."),
    Setting("govuk_rate", 3.0, "Requests per second to the GOV.UK content API and its asset host."),
    Setting("other_rate", 5.0, "Requests per second to any other host (raw files on GitHub)."),
    Setting("nomis_page_size", 25000, "Rows per Nomis request: the guest limit is 25,000; pages are fetched "
            "with recordoffset until RECORD_COUNT rows have arrived."),  # fmt: skip
    Setting("nomis_max_pages", 60, "Most pages one Nomis query may take; a larger query is refused with a "
            "message rather than sent."),  # fmt: skip
    Setting("nomis_geography", "TYPE424,E47000004,E92000001", "Areas asked of Nomis: TYPE424 is every local "
            "authority (district and unitary, April 2023); GSS codes add the combined authority and England."),
    Setting("nomis_api_key_env", "NOMIS_API_KEY", "Environment variable holding an optional Nomis API key "
            "(sent as uid=0x…; never logged or stored)."),  # fmt: skip
    Setting("nomis_base", "https://www.nomisweb.co.uk/api/v01", "Root of the Nomis API (a recorded replay can "
            "stand in for it)."),  # fmt: skip
    Setting("ons_api_base", "https://api.beta.ons.gov.uk/v1", "Root of the ONS API."),
    Setting("ons_site_base", "https://www.ons.gov.uk", "Root of the ONS website (dataset pages and their files)."),
    Setting("fingertips_base", "https://fingertips.phe.org.uk/api", "Root of the OHID Fingertips API."),
    Setting("govuk_base", "https://www.gov.uk", "Root of the GOV.UK content API."),
    Setting("ees_api_base", "https://api.education.gov.uk/statistics", "Root of the Explore Education Statistics "
            "public API (DfE)."),  # fmt: skip
    Setting("ofcom_base", "https://www.ofcom.org.uk", "Root of Ofcom's website (Connected Nations data pages)."),
)


@dataclass(frozen=True)
class LiveSettings:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 4
    backoff: float = 1.0
    max_backoff: float = 60.0
    max_retry_after: float = 300.0
    request_deadline: float = 600.0
    fetch_deadline: float = 1800.0
    max_response_bytes: int = 64 * 1024 * 1024
    max_download_bytes: int = 2 * 1024 * 1024 * 1024
    nomis_rate: float = 2.0
    ons_rate: float = 3.0
    ons_download_rate: float = 1.0
    fingertips_rate: float = 2.0
    govuk_rate: float = 3.0
    other_rate: float = 5.0
    nomis_page_size: int = 25000
    nomis_max_pages: int = 60
    nomis_geography: str = "TYPE424,E47000004,E92000001"
    nomis_api_key_env: str = "NOMIS_API_KEY"
    nomis_base: str = "https://www.nomisweb.co.uk/api/v01"
    ons_api_base: str = "https://api.beta.ons.gov.uk/v1"
    ons_site_base: str = "https://www.ons.gov.uk"
    fingertips_base: str = "https://fingertips.phe.org.uk/api"
    govuk_base: str = "https://www.gov.uk"
    ees_api_base: str = "https://api.education.gov.uk/statistics"
    ofcom_base: str = "https://www.ofcom.org.uk"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LiveSettings:
        """The declared defaults, overridden by ``PROSPERITY_<NAME>`` environment variables."""
        env = os.environ if env is None else env
        values: dict[str, float | int | str] = {}
        for f in fields(cls):
            raw = env.get(f"PROSPERITY_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            kind = {"int": int, "float": float}.get(str(f.type), str)
            try:
                values[f.name] = kind(raw)
            except ValueError:
                raise SourceError(f"PROSPERITY_{f.name.upper()}={raw!r} is not a number; "
                                  f"expected {kind.__name__}") from None  # fmt: skip
        return cls(**values)  # type: ignore[arg-type]


# The declaration and the dataclass must agree; checked when the module is imported (and by a test).
if [s.name for s in SETTINGS] != [f.name for f in fields(LiveSettings)] or any(
    s.default != getattr(LiveSettings(), s.name) for s in SETTINGS
):
    raise RuntimeError("SETTINGS and LiveSettings disagree")  # pragma: no cover


# ---- services ------------------------------------------------------------------------------------------------
SERVICE_HOSTS: dict[str, str] = {
    "www.nomisweb.co.uk": "nomis",
    "api.beta.ons.gov.uk": "ons",
    "api.ons.gov.uk": "ons",
    "download.beta.ons.gov.uk": "ons_download",
    "download.ons.gov.uk": "ons_download",
    "www.ons.gov.uk": "ons_download",
    "fingertips.phe.org.uk": "fingertips",
    "www.gov.uk": "govuk",
    "assets.publishing.service.gov.uk": "govuk",
    "api.education.gov.uk": "ees",
    "www.ofcom.org.uk": "ofcom",
}


def service_of(url: str) -> str:
    return SERVICE_HOSTS.get(urlsplit(url).hostname or "", "other")


class RateLimiter:
    """At most ``rate`` requests per second: each request waits until ``1 / rate`` s after the previous one."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] | None = None):  # fmt: skip
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> float:
        with self._lock:
            now = self.clock()
            delay = max(0.0, self._next - now)
            self._next = max(now, self._next) + self.interval
        if delay:
            (self.sleep or _sleep)(delay)
        return delay


_LIMITERS: dict[tuple[str, float], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(service: str, rate: float) -> RateLimiter:
    """One limiter per service for the whole process, so separate fetches share the service's cap."""
    with _LIMITERS_LOCK:
        key = (service, rate)
        if key not in _LIMITERS:
            _LIMITERS[key] = RateLimiter(rate)
        return _LIMITERS[key]


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


# ---- redaction -----------------------------------------------------------------------------------------------
_SECRET_PARAM = re.compile(r"(?i)([?&](?:uid|api_key|apikey|key)=)[^&#\s\"']*")


def redact(url: str) -> str:
    """The URL with any API key replaced by ``***``."""
    return _SECRET_PARAM.sub(r"\1***", str(url))


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(a) if isinstance(a, str | httpx.URL) else a for a in args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_RedactFilter())


# ---- errors --------------------------------------------------------------------------------------------------
class LiveFetchError(SourceError):
    """A live request failed for good. The message names the URL (without any key) and what went wrong."""

    def __init__(self, url: str, problem: str):
        self.url = redact(url)
        self.problem = problem
        super().__init__(f"{self.url}: {problem}")


_STATUS_HINTS = {
    400: "the service rejected the query (400 Bad Request); check the dataset and dimension codes",
    401: "not authorised (401); check the API key in the environment",
    403: "refused (403 Forbidden); the service may have blocked this address for too many requests",
    404: "not found (404)",
    410: "gone (410); the service has retired this address",
}


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# ---- the client ----------------------------------------------------------------------------------------------
#: Hosts (host:port) no connection could be made to in this process, with why: their other requests fail at once,
#: so that a build without a network reports every source in seconds rather than retrying each file.
UNREACHABLE: dict[str, str] = {}


class _Body:
    """Where a response's bytes go, and what each attempt must respect: a size cap and a deadline."""

    def __init__(self, write: Callable[[bytes], object], reset: Callable[[], object], cap: int, cap_setting: str):
        self.write = write
        self.reset = reset
        self.cap = cap
        self.cap_setting = cap_setting


class _GiveUp(Exception):
    """A failure that retrying cannot cure (too large, a redirect loop, the overall deadline)."""


class _Retry(Exception):
    """A failure worth another attempt (a corrupt or cut compressed body, a request past its deadline)."""


class _Decoder:
    """Content-Encoding decoded here rather than by httpx, so that a compressed body cut short is noticed."""

    def __init__(self, encoding: str):
        enc = encoding.strip().lower()
        if enc in ("", "identity"):
            self.z = None
        elif enc in ("gzip", "x-gzip"):
            self.z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif enc == "deflate":
            self.z = zlib.decompressobj()
        else:
            raise _GiveUp(f"the response is encoded as {encoding!r}, which this client does not read")

    def feed(self, chunk: bytes) -> bytes:
        if self.z is None:
            return chunk
        try:
            return self.z.decompress(chunk)
        except zlib.error as e:
            raise _Retry(f"the compressed body is corrupt ({e})") from None

    def finish(self) -> bytes:
        if self.z is None:
            return b""
        if not self.z.eof:
            raise _Retry("the compressed body ended early (it was cut short)")
        return self.z.flush()


class PoliteClient:
    """GET requests to one service, politely, within deadlines and size caps.

    Each response is streamed: its bytes are counted as they arrive (a response larger than the cap is refused
    without reading the rest), compressed bodies are decoded here and must end properly, and the length is
    checked against Content-Length. One request may take at most ``request_deadline`` seconds, body included;
    everything the client does (requests, retries, waits) ends by its ``deadline`` (``fetch_deadline`` seconds
    after it was made, unless given).

    :param service: the service's name, which chooses its rate cap (``nomis``, ``ons``, ``fingertips`` …)
    :param client: an ``httpx.Client`` to send through (tests pass one with a mock transport); one is made if not
    :param sleep: how to wait (tests pass a recorder so that nothing really waits)
    :param deadline: a ``time.monotonic()`` moment by which every request must have ended (shared by the clients of
        one fetch)

    Example::

        polite = PoliteClient("ons")
        versions = polite.get_json("https://api.beta.ons.gov.uk/v1/datasets/cpih01/editions")
    """

    def __init__(self, service: str, client: httpx.Client | None = None, settings: LiveSettings | None = None,
                 sleep: Callable[[float], None] | None = None, limiter: RateLimiter | None = None,
                 deadline: float | None = None):  # fmt: skip
        self.service = service
        self.settings = settings or LiveSettings.from_env()
        self._own = client is None
        self.client = client or new_client()
        self._sleep = sleep
        rate = float(getattr(self.settings, f"{service}_rate", self.settings.other_rate))
        self.limiter = limiter or shared_limiter(service, rate)
        self.deadline = deadline if deadline is not None else time.monotonic() + self.settings.fetch_deadline
        self.requests = 0  # requests sent, for tests and the summary

    def close(self) -> None:
        if self._own:
            self.client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sleep(self, seconds: float) -> None:
        (self._sleep or _sleep)(seconds)

    @property
    def timeout(self) -> httpx.Timeout:
        s = self.settings
        left = max(0.001, self.deadline - time.monotonic())
        return httpx.Timeout(min(s.read_timeout, left), connect=min(s.connect_timeout, left))

    def get(self, url: str, params: Mapping[str, str] | None = None) -> bytes:
        """The whole body of a successful GET (at most ``max_response_bytes``)."""
        chunks: list[bytes] = []
        self._send(url, params, _Body(chunks.append, chunks.clear, int(self.settings.max_response_bytes),
                                      "PROSPERITY_MAX_RESPONSE_BYTES"))  # fmt: skip
        return b"".join(chunks)

    def get_json(self, url: str, params: Mapping[str, str] | None = None) -> object:
        import json

        body = self.get(url, params)
        try:
            return json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise LiveFetchError(_full(url, params), f"the response is not JSON ({type(e).__name__}: {e}); "
                                 f"it begins {body[:80]!r}") from None  # fmt: skip

    def download(self, url: str, out: IO[bytes], params: Mapping[str, str] | None = None) -> int:
        """Stream a successful GET into ``out`` (rewound on each retry; at most ``max_download_bytes``); returns the
        bytes written."""

        def reset() -> None:
            out.seek(0)
            out.truncate()

        return self._send(url, params, _Body(out.write, reset, int(self.settings.max_download_bytes),
                                             "PROSPERITY_MAX_DOWNLOAD_BYTES"))  # fmt: skip

    def _receive(self, resp: httpx.Response, body: _Body, started: float) -> int:
        """Stream one response's body into ``body``: counted, capped, decoded, within the deadlines."""
        s = self.settings
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > body.cap:
            raise _GiveUp(f"the response is {int(declared):,} bytes, more than the {body.cap:,} allowed "
                          f"({body.cap_setting})")  # fmt: skip
        body.reset()
        if resp.is_stream_consumed:  # a response already read into memory (a test transport): httpx decoded it
            if len(resp.content) > body.cap:
                raise _GiveUp(f"the response is larger than the {body.cap:,} bytes allowed ({body.cap_setting})")
            body.write(resp.content)
            return len(resp.content)
        decoder = _Decoder(resp.headers.get("content-encoding", ""))
        n = 0
        ends = min(started + s.request_deadline, self.deadline)
        for chunk in resp.iter_raw():
            if time.monotonic() > ends:
                if ends == self.deadline:
                    raise _GiveUp(f"the fetch took longer than its {s.fetch_deadline:g} s deadline "
                                  "(PROSPERITY_FETCH_DEADLINE)")  # fmt: skip
                raise _Retry(f"the response took longer than {s.request_deadline:g} s "
                             "(PROSPERITY_REQUEST_DEADLINE)")  # fmt: skip
            data = decoder.feed(chunk)
            n += len(data)
            if n > body.cap or resp.num_bytes_downloaded > body.cap:
                raise _GiveUp(f"the response is larger than the {body.cap:,} bytes allowed ({body.cap_setting}); "
                              "stopped reading it")  # fmt: skip
            body.write(data)
        tail = decoder.finish()
        n += len(tail)
        body.write(tail)
        if declared and declared.isdigit() and resp.num_bytes_downloaded != int(declared):
            raise _Retry(f"the body ended early ({resp.num_bytes_downloaded:,} of {int(declared):,} bytes)")
        return n

    def _send(self, url: str, params: Mapping[str, str] | None, body: _Body) -> int:
        s = self.settings
        shown = _full(url, params)
        host = httpx.URL(url).netloc.decode()
        if host in UNREACHABLE:
            raise LiveFetchError(shown, f"not tried: {host} could not be reached earlier in this run ({UNREACHABLE[host]})")
        attempts = s.retries + 1
        last = "no attempt was made"
        connect_failed = False
        for attempt in range(attempts):
            wait = min(s.backoff * 2**attempt, s.max_backoff)
            if time.monotonic() >= self.deadline:
                raise LiveFetchError(shown, f"the fetch reached its {s.fetch_deadline:g} s deadline "
                                     f"(PROSPERITY_FETCH_DEADLINE); the last failure: {last}")  # fmt: skip
            self.limiter.wait()
            self.requests += 1
            started = time.monotonic()
            try:
                with self.client.stream("GET", url, params=dict(params or {}), timeout=self.timeout,
                                        headers={"User-Agent": USER_AGENT,
                                                 "Accept-Encoding": "gzip, deflate"}) as resp:  # fmt: skip
                    code = resp.status_code
                    if code == 429:
                        asked = retry_after_seconds(resp.headers.get("retry-after"))
                        if asked is not None and asked > s.max_retry_after:
                            raise LiveFetchError(shown, f"the service asked us to wait {asked:.0f} s (429 Too Many "
                                                 f"Requests), longer than the {s.max_retry_after:.0f} s limit "
                                                 "(PROSPERITY_MAX_RETRY_AFTER); try again later")  # fmt: skip
                        last = "429 Too Many Requests"
                        wait = asked if asked is not None else wait
                        log.info("%s: 429 Too Many Requests; waiting %.1f s", shown, wait)
                    elif code >= 500:
                        last = f"server error {code} {resp.reason_phrase}".rstrip()
                    elif code >= 400 or code < 200 or code >= 300:
                        problem = _STATUS_HINTS.get(code, f"HTTP {code} {resp.reason_phrase}".rstrip())
                        raise LiveFetchError(shown, problem)
                    else:
                        return self._receive(resp, body, started)
            except _GiveUp as e:
                raise LiveFetchError(shown, str(e)) from None
            except _Retry as e:
                last = str(e)
            except httpx.TooManyRedirects:
                raise LiveFetchError(shown, "too many redirects (a redirect loop?); the address needs checking") from None
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as e:
                raise LiveFetchError(shown, f"cannot follow the address ({e})") from None
            except httpx.TimeoutException as e:
                last = f"timed out ({type(e).__name__}; read timeout {s.read_timeout:g} s)"
            except httpx.RemoteProtocolError as e:
                last = f"the body ended early or the connection broke ({e})"
            except httpx.TransportError as e:
                last = f"network error ({type(e).__name__}: {redact(str(e))})"
                connect_failed = isinstance(e, httpx.ConnectError)
            except httpx.HTTPError as e:  # anything else httpx raises (a bad header, a decoding error)
                last = f"{type(e).__name__}: {redact(str(e))}"
            if attempt + 1 < attempts:
                if time.monotonic() + wait >= self.deadline:
                    raise LiveFetchError(shown, f"waiting {wait:.0f} s more would pass the fetch's {s.fetch_deadline:g} s "
                                         f"deadline (PROSPERITY_FETCH_DEADLINE); the last failure: {last}")  # fmt: skip
                log.info("%s: %s; retrying in %.1f s (attempt %d of %d)", shown, last, wait, attempt + 2, attempts)
                self.sleep(wait)
        if connect_failed:  # no connection at all: the host's other files fail fast for the rest of the run
            UNREACHABLE[host] = last
        raise LiveFetchError(shown, f"gave up after {attempts} attempts; the last failure: {last}")


def new_client() -> httpx.Client:
    """The ``httpx.Client`` live fetches use: redirects followed (at most 10), our User-Agent."""
    return httpx.Client(follow_redirects=True, max_redirects=10, headers={"User-Agent": USER_AGENT})


def _full(url: str, params: Mapping[str, str] | None) -> str:
    """The URL with its query, as people read it (and with any key redacted)."""
    shown = str(httpx.URL(url, params=dict(params))) if params else str(url)
    return redact(shown.replace("%2C", ","))


@contextmanager
def fetch_errors(url: str, cache: Path) -> Iterator[None]:
    """Turn whatever a fetch into ``cache`` raises into a :class:`LiveFetchError` naming the URL: that file is then
    reported unavailable, and the other files go on."""
    try:
        yield
    except SourceError:
        raise
    except MemoryError:
        raise LiveFetchError(url, "could not be fetched: the machine ran out of memory; nothing was cached") from None
    except OSError as e:
        raise LiveFetchError(url, f"could not be written to the cache {cache} ({e.strerror or e}); nothing was "
                             "cached") from None  # fmt: skip
    except (httpx.HTTPError, zlib.error, ValueError, KeyError, TypeError, IndexError, RecursionError) as e:
        raise LiveFetchError(url, f"could not be fetched ({type(e).__name__}: {redact(str(e))})") from None


def write_atomically(dest: Path, fill: Callable[[IO[bytes]], object]) -> None:
    """Write ``dest`` through a temporary file beside it, renamed into place only when ``fill`` has finished."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{dest.name}.part-{os.getpid()}-{threading.get_ident()}")
    try:
        with tmp.open("w+b") as fh:
            fill(fh)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
