"""Admission of expensive requests: a server-wide concurrency limit and a rate limit per client.

Most requests read stored figures and cost milliseconds. A few make the server compute: assessments of an area
the build did not store (about 1-2 s of CPU), anything ``as_of`` a past date (seconds), user-defined groups
(seconds to a minute). Each request that reaches such work takes, once, a token from its client's bucket
(``burst`` tokens, refilled at ``per_minute``) and one of ``concurrency`` slots, held until the response is sent.
Ordinary requests that need a worker thread (anything not answered from the cache) share ``WORKER_THREADS``
threads; the rest wait their turn without holding a thread.

Without a token the answer is 429 with ``Retry-After`` (when the next token comes); when every slot is busy the
request waits up to ``queue_wait`` seconds behind at most ``max_waiting`` others, and is otherwise answered 429
with ``Retry-After``. Requests whose answer is already cached never get here.

The request's :class:`Ticket` travels in a context variable set by the ASGI middleware
(:class:`prosperity.web.middleware.Admission`), so the code that computes (``Site``, ``queries``) only says
``site.expensive()`` where the work starts, however deep it is.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from prosperity.errors import ProsperityError

#: Every setting, its default and its environment variable (``PROSPERITY_<NAME>``).
SETTINGS = {
    "EXPENSIVE_CONCURRENCY": (max(1, os.cpu_count() or 1), "expensive requests computed at once, server-wide"),
    "EXPENSIVE_PER_MINUTE": (6.0, "expensive requests a client may start per minute (the bucket's refill rate)"),
    "EXPENSIVE_BURST": (10, "expensive requests a client may start at once before the rate applies"),
    "EXPENSIVE_QUEUE_WAIT": (5.0, "seconds an expensive request may wait for a free slot"),
    "EXPENSIVE_MAX_WAITING": (max(1, os.cpu_count() or 1), "expensive requests allowed to wait for a slot at once"),
    "WORKER_THREADS": (max(8, 4 * (os.cpu_count() or 1)), "requests handled at once in worker threads (the rest "
                       "wait their turn; answers from the cache need none)"),
}


class Busy(ProsperityError):
    """An expensive request refused for now: answered 429 with ``Retry-After: retry_after``."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


@dataclass
class Ticket:
    """One request's admission: who asked, and whether it holds a slot."""

    client: str
    limits: Limits | None = None
    holding: bool = False
    what: list[str] = field(default_factory=list)

    def release(self) -> None:
        if self.holding and self.limits is not None:
            self.holding = False
            self.limits.release()


TICKET: ContextVar[Ticket | None] = ContextVar("prosperity_ticket", default=None)


def _setting(name: str) -> float:
    default, _ = SETTINGS[name]
    raw = os.environ.get(f"PROSPERITY_{name}")
    if raw is None or raw == "":
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        raise ProsperityError(f"PROSPERITY_{name}={raw!r} is not a number ({SETTINGS[name][1]})") from None
    if value < 0 or not math.isfinite(value):
        raise ProsperityError(f"PROSPERITY_{name}={raw!r} must be zero or more ({SETTINGS[name][1]})")
    return value


class Limits:
    """The concurrency slots and the per-client token buckets (thread-safe)."""

    MAX_CLIENTS = 10_000  # buckets remembered; the least recently seen are forgotten (a full bucket again)

    def __init__(self, concurrency: int | None = None, per_minute: float | None = None, burst: int | None = None,
                 queue_wait: float | None = None, max_waiting: int | None = None):  # fmt: skip
        self.concurrency = int(concurrency if concurrency is not None else _setting("EXPENSIVE_CONCURRENCY")) or 1
        self.per_minute = per_minute if per_minute is not None else _setting("EXPENSIVE_PER_MINUTE")
        self.burst = int(burst if burst is not None else _setting("EXPENSIVE_BURST")) or 1
        self.queue_wait = queue_wait if queue_wait is not None else _setting("EXPENSIVE_QUEUE_WAIT")
        self.max_waiting = int(max_waiting if max_waiting is not None else _setting("EXPENSIVE_MAX_WAITING"))
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client → (tokens, at)
        self._waiting = 0
        self.refused = 0  # counted for the soak benchmark and logs

    # ---- the per-client bucket ------------------------------------------------------------------------------
    def _take_token(self, client: str) -> None:
        now = time.monotonic()
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, at = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                self.refused += 1
                wait = math.inf if rate <= 0 else (1.0 - tokens) / rate
                raise Busy(f"too many requests that need computing from your address: at most {self.burst} at "
                           f"once and {self.per_minute:g} a minute; try again in {math.ceil(wait)} seconds",
                           math.ceil(min(wait, 3600)))  # fmt: skip
            self._buckets[client] = (tokens - 1.0, now)
            while len(self._buckets) > self.MAX_CLIENTS:
                self._buckets.popitem(last=False)

    def _refund(self, client: str) -> None:
        with self._lock:
            if client in self._buckets:
                tokens, at = self._buckets[client]
                self._buckets[client] = (min(float(self.burst), tokens + 1.0), at)

    # ---- the server-wide slots -------------------------------------------------------------------------------
    def _take_slot(self) -> None:
        if self._slots.acquire(blocking=False):
            return
        with self._lock:
            queue = self._waiting < self.max_waiting and self.queue_wait > 0
            if queue:
                self._waiting += 1
        try:
            if queue and self._slots.acquire(timeout=self.queue_wait):
                return
        finally:
            if queue:
                with self._lock:
                    self._waiting -= 1
        with self._lock:
            self.refused += 1
        retry = max(1, math.ceil(self.queue_wait) or 5)
        raise Busy(f"the server is busy computing {self.concurrency} other requests; try again in {retry} seconds",
                   retry)  # fmt: skip

    def release(self) -> None:
        self._slots.release()
        trim_memory()

    def admit(self, ticket: Ticket, what: str) -> None:
        """Admit ``ticket``'s request to expensive work (once per request), or raise :class:`Busy`."""
        if ticket.holding:
            return
        self._take_token(ticket.client)
        try:
            self._take_slot()
        except Busy:
            self._refund(ticket.client)
            raise
        ticket.limits, ticket.holding = self, True
        ticket.what.append(what)


def _libc() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None  # glibc only


_LIBC: list[Any] = []


def trim_memory() -> None:
    """Give memory freed by a computation back to the system (glibc's ``malloc_trim``; a no-op elsewhere).

    An assessment computed live allocates about 100 MB for a moment; without a trim the allocator keeps it.
    """
    if not _LIBC:
        _LIBC.append(_libc())
    if _LIBC[0] is not None:
        _LIBC[0].malloc_trim(0)


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Ask glibc for at most ``arenas`` malloc arenas, so that worker threads do not each keep a heap of their own
    (call before threads start; a no-op elsewhere)."""
    if not _LIBC:
        _LIBC.append(_libc())
    if _LIBC[0] is not None and hasattr(_LIBC[0], "mallopt"):
        _LIBC[0].mallopt(-8, arenas)  # M_ARENA_MAX


def worker_threads() -> int:
    """How many requests may run in worker threads at once: few, so that Python work in threads (which holds the
    interpreter lock) leaves the event loop, which answers cached requests, its share of the processor."""
    return max(1, int(_setting("WORKER_THREADS")))


def expensive(limits: Limits, what: str) -> None:
    """Say that the current request is about to do expensive work (a no-op outside a served request)."""
    ticket = TICKET.get()
    if ticket is not None:
        limits.admit(ticket, what)
