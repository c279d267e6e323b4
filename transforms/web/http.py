"""HTTP fetching that survives the real web: bounded time and size, retries, robots.txt, politeness, SSRF guard.

    python -m akhbar.transforms.web.http http://127.0.0.1:8000/page.html --kind page --allow-private-hosts

Plain Python (no Beam): the fetch DoFns build one ``HttpClient`` in ``setup()`` and close it
in ``teardown()``. Every failure is a ``FetchError`` whose ``reason`` is a stable code
(``REASON_CODES``) that becomes the reject row's ``reason``.

Decisions, and why:
- urllib3's ``PoolManager`` (the engine under requests) is used directly because it is
  documented thread-safe, while ``requests.Session`` is not; the DoFn calls us from a pool.
- Redirects and retries are ours (``redirect=False, retries=False``) so that every hop is
  checked (scheme, private address, robots.txt, loop) and the whole ``get()`` has a time bound.
- Bodies are decompressed here, not by urllib3, with ``zlib``'s ``max_length``: memory and
  CPU stay bounded by ``max_bytes`` even for a gzip bomb on any urllib3 version (urllib3
  before 2.6 inflated a whole network chunk at once, CVE-2025-66471).
- ``total_timeout`` is enforced by a watchdog thread that shuts the socket down at the
  deadline, because socket timeouts only bound the gap between two packets: a server that
  drips one byte per second (in the headers or the body) would otherwise never time out.
- Addresses are checked twice: before connecting (``getaddrinfo`` of the host; a refused
  host never sees a packet) and on the connected socket's peer address (DNS rebinding:
  the second lookup inside urllib3 could answer differently; then only a TCP handshake
  happened and no request was sent).

Time bound of one ``get()`` (``FetchSettings.max_get_seconds()``):
``(max_retries + 1) * total_timeout + max_retries * max_retry_after`` seconds, where each
attempt (the whole redirect chain, including robots.txt fetches for hosts not seen before)
is cut at ``total_timeout``. Not counted: waiting for a per-host slot (politeness: at most
``per_host_delay`` per request when the host is idle, more when many threads queue for one
host) and the system resolver (``getaddrinfo`` has no timeout argument).
With the defaults that is 4 * 30 + 3 * 60 = 300 s; a Retry-After above ``max_retry_after``
is not waited for: the fetch fails at once with ``http_429``/``http_5xx``.

Politeness is per origin (``scheme://host:port``) and per client, i.e. per DoFn instance:
Beam may run several instances (workers, threads), so the effective rate to one outlet is
at most instances * per_host_concurrency requests in flight.
Memory: a body is held once, so peak per in-flight request is about 2.5 * ``max_bytes``
(growing buffer plus the final copy); a 64 MB gzip bomb costs the same as a 10 MB page.
``FetchError.url`` is always the URL given to ``get()``; a failing redirect hop is named in
``detail``.

robots.txt: fetched once per origin per client and cached. 2xx is parsed (first 512 KiB);
4xx means "no rules" (RFC 9309); 5xx, timeouts and unreachable hosts also mean "allow",
a deliberate departure from RFC 9309 (which says assume disallow) so that one flaky robots
endpoint does not reject a whole outlet for the run; the page fetch itself still has to
succeed. ``Crawl-delay`` / ``Request-rate`` raise that host's minimum delay (capped at
``MAX_CRAWL_DELAY_S``). Python's robotparser applies the first matching rule of a group,
not the longest one (RFC 9309); outlets rarely depend on the difference.
"""

from __future__ import annotations

import argparse
import email.utils
import heapq
import ipaddress
import itertools
import random
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Literal
from urllib import robotparser
from urllib.parse import urljoin, urlsplit, urlunsplit

import urllib3
from urllib3 import exceptions as u3exc
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Kind = Literal["page", "feed", "robots"]


def _package_version() -> str:
    try:
        return metadata.version("akhbar")
    except metadata.PackageNotFoundError:
        return "0.0.0"


DEFAULT_USER_AGENT = f"akhbar/{_package_version()} (+https://github.com/akhbar; Arabic news research crawler)"

REASON_CODES: frozenset[str] = frozenset(
    {
        "http_404",
        "http_410",
        "http_4xx",
        "http_5xx",
        "http_429",
        "timeout",
        "connection_error",
        "too_large",
        "not_html",
        "not_feed",
        "robots_disallowed",
        "private_address",
        "redirect_loop",
        "too_many_redirects",
        "bad_scheme",
        "invalid_url",
        "charset_undecodable",
    }
)

# A robots.txt asking for an hour between requests would stall a whole outlet for the run.
MAX_CRAWL_DELAY_S = 20.0
# RFC 9309 asks crawlers to parse at least 500 KiB of robots.txt; more is ignored.
ROBOTS_MAX_BYTES = 512 * 1024
# Error pages are read (to keep the connection reusable) only when they are this small.
_DRAIN_MAX_BYTES = 64 * 1024
_CHUNK = 64 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRYABLE_REASONS = frozenset({"http_5xx", "http_429", "timeout", "connection_error"})

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
        "application/feed+json",
    }
)
# Types that say nothing about the content: sniff the body instead (WHATWG "unknown").
_UNKNOWN_TYPES = frozenset({"", "application/octet-stream", "unknown/unknown", "application/unknown", "*/*"})
_ACCEPT = {
    "page": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,"
    "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
}
# WHATWG MIME sniffing's HTML signatures (tag name followed by space or '>').
_HTML_SIGNATURES = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<br",
    b"<p",
    b"<!--",
    b"<meta",
)
_FEED_SIGNATURES = (b"<?xml", b"<rss", b"<feed", b"<rdf:rdf")


@dataclass(frozen=True)
class FetchSettings:
    """Knobs of one ``HttpClient``; defaults are polite for the public web.

    ``allowed_private_networks`` lists CIDRs (e.g. ``("127.0.0.1/32",)``) exempted from the
    private-address refusal while ``allow_private_hosts`` stays False: an intranet mirror in
    production, the loopback test server in tests that check refusal of everything else.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 30.0
    max_retries: int = 3
    backoff_factor: float = 0.5
    max_retry_after: float = 60.0
    max_redirects: int = 5
    max_bytes: int = 10_000_000
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_hosts: bool = False
    respect_robots: bool = True
    per_host_delay: float = 1.0
    per_host_concurrency: int = 2
    allowed_private_networks: tuple[str, ...] = ()
    ca_certs: str | None = None  # PEM bundle to trust instead of certifi's (private CAs, tests)

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"FetchSettings.{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("max_retries", "backoff_factor", "max_retry_after", "max_redirects", "per_host_delay"):
            if getattr(self, name) < 0:
                raise ValueError(f"FetchSettings.{name} must be >= 0, got {getattr(self, name)!r}")
        if self.max_bytes < 1:
            raise ValueError(f"FetchSettings.max_bytes must be >= 1, got {self.max_bytes!r}")
        if self.per_host_concurrency < 1:
            raise ValueError(
                f"FetchSettings.per_host_concurrency must be >= 1, got {self.per_host_concurrency!r}"
            )
        for cidr in self.allowed_private_networks:
            ipaddress.ip_network(cidr, strict=False)  # raises ValueError naming the bad entry

    def max_get_seconds(self) -> float:
        """Upper bound of one ``get()`` excluding per-host queueing and DNS (see module doc)."""
        return (self.max_retries + 1) * self.total_timeout + self.max_retries * self.max_retry_after


class FetchError(Exception):
    """A fetch that failed for good; ``reason`` is one of ``REASON_CODES``."""

    def __init__(
        self, reason: str, detail: str = "", status: int | None = None, url: str = "", attempts: int = 0
    ) -> None:
        super().__init__(reason, detail, status, url, attempts)
        self.reason = reason
        self.detail = detail
        self.status = status
        self.url = url
        self.attempts = attempts
        # Set by the client, read by its retry loop: seconds the server asked us to wait,
        # and whether trying again can help (a TLS or NXDOMAIN failure cannot).
        self.retry_after: float | None = None
        self.retryable = reason in _RETRYABLE_REASONS

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.reason, self.detail, self.status, self.url, self.attempts))

    def __str__(self) -> str:
        status = f" [{self.status}]" if self.status is not None else ""
        return f"{self.reason}{status}: {self.detail} ({self.url})"


@dataclass(frozen=True)
class FetchResponse:
    """A successful fetch (2xx, or 304 with an empty body for a conditional GET)."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    content_type: str
    elapsed_s: float
    attempts: int


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def address_is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for globally routable unicast addresses; the refusal rule for ``allow_private_hosts=False``."""
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv6 form can smuggle an IPv4 target (::ffff:127.0.0.1, 2002:7f00:1::).
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not address_is_public(embedded):
            return False
    return ip.is_global and not (
        ip.is_multicast or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified
    )


# --------------------------------------------------------------------------------------------
# Plumbing: per-thread request context, deadline watchdog, guarded connections.

_CTX = threading.local()


class _AddressRefused(Exception):
    """Raised inside urllib3's connect; deliberately not an OSError so urllib3 does not wrap it."""


class _Watchdog:
    """Shuts a socket down when its deadline passes, so a blocked read returns at once."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._socks: dict[int, socket.socket] = {}
        self._fired: set[int] = set()
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def arm(self, sock: socket.socket, deadline: float) -> int:
        with self._cond:
            token = next(self._seq)
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (deadline, token))
            self._socks[token] = sock
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="akhbar-http-watchdog", daemon=True)
                self._thread.start()
            elif earliest is None or deadline < earliest:
                self._cond.notify()
            return token

    def disarm(self, token: int) -> bool:
        """Forget a socket; True if its deadline had already fired."""
        with self._cond:
            self._socks.pop(token, None)
            if token in self._fired:
                self._fired.discard(token)
                return True
            return False

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    _, token = heapq.heappop(self._heap)
                    sock = self._socks.pop(token, None)
                    if sock is not None:
                        self._fired.add(token)
                        try:
                            # The plain-socket method: SSLSocket.shutdown would also drop the
                            # SSL object under the feet of the thread that is reading.
                            socket.socket.shutdown(sock, socket.SHUT_RDWR)
                        except OSError:
                            pass
                self._cond.wait(self._heap[0][0] - now if self._heap else None)

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _GuardMixin:
    """Peer-address check after connect, and deadline arming before the response is read."""

    sock: socket.socket | None

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        policy = getattr(_CTX, "policy", None)
        if policy is not None:
            try:
                peer = sock.getpeername()[0]
            except OSError:
                peer = None
            if peer is not None and policy.refuses(peer):
                sock.close()
                raise _AddressRefused(f"connected peer {peer} is not a public address (DNS rebinding?)")
        return sock

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        watchdog = getattr(_CTX, "watchdog", None)
        if watchdog is not None and self.sock is not None:
            _CTX.tokens.append(watchdog.arm(self.sock, _CTX.deadline))
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _GuardedHTTPConnection(_GuardMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _AddressPolicy:
    def __init__(self, settings: FetchSettings) -> None:
        self._allowed = [ipaddress.ip_network(c, strict=False) for c in settings.allowed_private_networks]

    def refuses(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if address_is_public(ip):
            return False
        return not any(ip.version == net.version and ip in net for net in self._allowed)


class _Budget:
    """Deadline of one attempt; time spent queueing for a host slot pushes it back."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class _HostGate:
    """At most ``concurrency`` requests in flight to one host, starts at least ``delay`` apart."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._next_start = 0.0
        self.delay = delay

    def acquire(self) -> float:
        """Block until this thread may start a request; returns seconds waited."""
        started = time.monotonic()
        self._slots.acquire()
        if self.delay > 0:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self.delay
            if start > now:
                time.sleep(start - now)
        return time.monotonic() - started

    def release(self) -> None:
        self._slots.release()


class _Inflater:
    """Incremental gzip/deflate decoding whose output never exceeds the caller's limit."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._obj: Any = None
        self._pending = b""

    def _new_obj(self, first: bytes) -> Any:
        if self._encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" should be zlib-wrapped (RFC 9110) but many servers send raw deflate.
        if len(first) >= 2 and (first[0] & 0x0F) == 8 and ((first[0] << 8) | first[1]) % 31 == 0:
            return zlib.decompressobj(zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS)

    def feed(self, data: bytes, max_out: int) -> bytes:
        """Inflate ``data``; returns at most ``max_out`` bytes (== max_out means "limit reached")."""
        data = self._pending + data
        self._pending = b""
        out = bytearray()
        while data and len(out) < max_out:
            if self._obj is None:
                if len(data) < 2:
                    self._pending = data
                    break
                self._obj = self._new_obj(data)
            out += self._obj.decompress(data, max_out - len(out))
            if self._obj.unconsumed_tail:
                break  # output limit reached with input left: caller reports too_large
            if self._obj.eof:
                data = self._obj.unused_data
                self._obj = None
                if self._encoding != "gzip" or not data.startswith(b"\x1f\x8b"):
                    break  # trailing garbage after the stream: ignore it like browsers do
            else:
                data = b""
        return bytes(out)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    for signature in _HTML_SIGNATURES:
        if head.startswith(signature):
            rest = head[len(signature) : len(signature) + 1]
            return signature == b"<!--" or rest in (b" ", b">", b"\t", b"\n", b"\r", b"/")
    return False


def _looks_like_feed(body: bytes) -> bool:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    return head.startswith(_FEED_SIGNATURES)


def _normalise_for_loop_check(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url  # _check_url rejects it with invalid_url
    netloc = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != default:
        netloc = f"{netloc}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _decode_location(location: str) -> str:
    # http.client decodes header bytes as Latin-1; a raw UTF-8 Arabic path comes back garbled.
    try:
        return location.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return location


@dataclass
class _Raw:
    status: int
    headers: dict[str, str]
    body: bytes
    content_type: str


class _Robots:
    def __init__(self, parser: robotparser.RobotFileParser | None, delay: float | None, note: str) -> None:
        self.parser = parser
        self.delay = delay
        self.note = note

    def allows(self, user_agent: str, url: str) -> bool:
        return self.parser is None or self.parser.can_fetch(user_agent, url)


# --------------------------------------------------------------------------------------------


class HttpClient:
    """Thread-safe fetcher; build one per DoFn instance in ``setup()``, ``close()`` in ``teardown()``."""

    def __init__(self, settings: FetchSettings | None = None) -> None:
        self.settings = settings or FetchSettings()
        pool_size = max(4, min(self.settings.per_host_concurrency, 64))
        ca_kwargs: dict[str, Any] = {}
        if self.settings.ca_certs:
            ca_kwargs["ca_certs"] = self.settings.ca_certs
        else:
            try:
                import certifi  # same CA bundle as requests, independent of the host's store

                ca_kwargs["ca_certs"] = certifi.where()
            except ImportError:
                pass
        self._pool = urllib3.PoolManager(num_pools=200, maxsize=pool_size, block=False, **ca_kwargs)
        self._policy: _AddressPolicy | None = None
        if not self.settings.allow_private_hosts:
            self._policy = _AddressPolicy(self.settings)
        self._pool.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}
        self._watchdog = _Watchdog()
        self._lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._dns_cache: dict[tuple[str, int], tuple[float, str | None]] = {}
        self._random = random.Random()
        self._closed = False

    # -- public API -------------------------------------------------------------------------

    def get(
        self,
        url: str,
        kind: Kind = "page",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResponse:
        """Fetch ``url``; raises ``FetchError``. 304 (conditional GET) returns an empty body."""
        if kind not in _ACCEPT:
            raise ValueError(f"kind must be one of {sorted(_ACCEPT)}, got {kind!r}")
        if self._closed:
            raise RuntimeError("HttpClient is closed")
        settings = self.settings
        headers = {
            "User-Agent": settings.user_agent,
            "Accept": _ACCEPT[kind],
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "ar,en;q=0.5",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        started = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            try:
                raw, final_url = self._follow(url, kind, headers, _Budget(settings.total_timeout))
            except FetchError as error:
                if error.url and error.url != url:
                    error.detail += f" (at {error.url})"  # a later redirect hop failed
                error.url = url
                error.attempts = attempts
                delay = self._retry_delay(error, attempts)
                if delay is None:
                    raise
                time.sleep(delay)
                continue
            return FetchResponse(
                url=url,
                final_url=final_url,
                status=raw.status,
                headers=raw.headers,
                body=raw.body,
                content_type=raw.content_type,
                elapsed_s=time.monotonic() - started,
                attempts=attempts,
            )

    def close(self) -> None:
        self._closed = True
        self._pool.clear()
        self._watchdog.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- retries ----------------------------------------------------------------------------

    def _retry_delay(self, error: FetchError, attempts: int) -> float | None:
        settings = self.settings
        if not error.retryable or attempts > settings.max_retries:
            return None
        base = settings.backoff_factor * (2 ** (attempts - 1))
        delay = min(settings.max_retry_after, base * self._random.uniform(0.5, 1.0))
        if error.retry_after is not None:
            if error.retry_after > settings.max_retry_after:
                error.detail += (
                    f"; Retry-After {error.retry_after:.0f}s exceeds cap {settings.max_retry_after:g}s"
                )
                return None
            delay = max(delay, error.retry_after)
        return delay

    # -- one attempt: the redirect chain ------------------------------------------------------

    def _follow(self, url: str, kind: Kind, headers: dict[str, str], budget: _Budget) -> tuple[_Raw, str]:
        settings = self.settings
        current = url
        seen = {_normalise_for_loop_check(url)}
        hops = 0
        while True:
            origin, host, port = self._check_url(current)
            self._check_address(current, host, port)
            if kind != "robots" and settings.respect_robots:
                self._check_robots(current, origin, budget)
            raw = self._request(current, origin, kind, headers, budget)
            status = raw.status
            if status in _REDIRECT_STATUSES:
                location = raw.headers.get("location")
                if not location:
                    raise FetchError("http_4xx", f"{status} redirect without Location", status, current)
                target = urljoin(current, _decode_location(location.strip())).split("#", 1)[0]
                key = _normalise_for_loop_check(target)
                if key in seen:
                    raise FetchError(
                        "redirect_loop", f"{current} -> {target} was already visited", status, url
                    )
                hops += 1
                if hops > settings.max_redirects:
                    raise FetchError(
                        "too_many_redirects", f"more than {settings.max_redirects} redirects", status, url
                    )
                seen.add(key)
                current = target
                continue
            if 200 <= status < 300 or status == 304:
                return raw, current
            raise self._status_error(raw, current)

    @staticmethod
    def _status_error(raw: _Raw, url: str) -> FetchError:
        status = raw.status
        if status == 404:
            reason = "http_404"
        elif status == 410:
            reason = "http_410"
        elif status == 429:
            reason = "http_429"
        elif status >= 500:
            reason = "http_5xx"
        else:
            reason = "http_4xx"
        error = FetchError(reason, f"HTTP {status}", status, url)
        if reason in ("http_429", "http_5xx"):
            error.retry_after = parse_retry_after(raw.headers.get("retry-after"))
        return error

    # -- per-hop checks -----------------------------------------------------------------------

    @staticmethod
    def _check_url(url: str) -> tuple[str, str, int]:
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            raise FetchError("invalid_url", str(exc), url=url) from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError("bad_scheme", f"scheme {scheme or '(none)'!r} is not http/https", url=url)
        host = parts.hostname
        if not host:
            raise FetchError("invalid_url", "no host", url=url)
        port = port or (443 if scheme == "https" else 80)
        return f"{scheme}://{host}:{port}", host, port

    def _check_address(self, url: str, host: str, port: int) -> None:
        policy = self._policy
        if policy is None:
            return
        key = (host, port)
        now = time.monotonic()
        cached = self._dns_cache.get(key)
        if cached is not None and cached[0] > now:
            refused = cached[1]
        else:
            refused = None
            try:
                addresses = [str(ipaddress.ip_address(host))]
            except ValueError:
                try:
                    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                except socket.gaierror as exc:
                    error = FetchError("connection_error", f"cannot resolve {host}: {exc}", url=url)
                    error.retryable = exc.errno == socket.EAI_AGAIN
                    raise error from None
                except UnicodeError as exc:
                    raise FetchError("invalid_url", f"bad host name {host!r}: {exc}", url=url) from None
                addresses = [str(info[4][0]) for info in infos]
            for address in addresses:
                if policy.refuses(address):
                    refused = address
                    break
            # Short TTL: enough to spare the resolver on a burst of pages from one outlet.
            self._dns_cache[key] = (now + 60.0, refused)
        if refused is not None:
            raise FetchError(
                "private_address", f"{host} resolves to {refused}; refused before connecting", url=url
            )

    def _check_robots(self, url: str, origin: str, budget: _Budget) -> None:
        robots = self._robots.get(origin)
        if robots is None:
            with self._lock:
                origin_lock = self._robots_locks.setdefault(origin, threading.Lock())
            with origin_lock:
                robots = self._robots.get(origin)
                if robots is None:
                    robots = self._load_robots(url, budget)
                    self._robots[origin] = robots
                    if robots.delay is not None:
                        gate = self._gate(origin)
                        gate.delay = max(gate.delay, min(robots.delay, MAX_CRAWL_DELAY_S))
        if not robots.allows(self.settings.user_agent, url):
            raise FetchError("robots_disallowed", f"robots.txt of {origin} disallows this path", url=url)

    def _load_robots(self, url: str, budget: _Budget) -> _Robots:
        parts = urlsplit(url)
        robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
        headers = {
            "User-Agent": self.settings.user_agent,
            "Accept": _ACCEPT["robots"],
            "Accept-Encoding": "gzip, deflate",
        }
        try:
            raw, _ = self._follow(robots_url, "robots", headers, budget)
        except FetchError as error:
            # 4xx: no rules (RFC 9309). 5xx/unreachable: allow too (see module docstring).
            return _Robots(None, None, f"robots.txt {error.reason}: allow all")
        parser = robotparser.RobotFileParser(robots_url)
        parser.parse(raw.body.decode("utf-8", errors="replace").splitlines())
        delay: float | None = None
        crawl_delay = parser.crawl_delay(self.settings.user_agent)
        if crawl_delay is not None:
            delay = float(crawl_delay)
        rate = parser.request_rate(self.settings.user_agent)
        if rate is not None and rate.requests > 0:
            delay = max(delay or 0.0, rate.seconds / rate.requests)
        return _Robots(parser, delay, "robots.txt parsed")

    def _gate(self, origin: str) -> _HostGate:
        gate = self._gates.get(origin)
        if gate is None:
            with self._lock:
                gate = self._gates.setdefault(
                    origin, _HostGate(self.settings.per_host_concurrency, self.settings.per_host_delay)
                )
        return gate

    # -- one HTTP exchange --------------------------------------------------------------------

    def _request(self, url: str, origin: str, kind: Kind, headers: dict[str, str], budget: _Budget) -> _Raw:
        settings = self.settings
        gate = self._gate(origin)
        budget.deadline += gate.acquire()
        try:
            remaining = budget.remaining()
            if remaining <= 0:
                raise FetchError(
                    "timeout", f"attempt exceeded total_timeout={settings.total_timeout:g}s", url=url
                )
            _CTX.policy = self._policy
            _CTX.watchdog = self._watchdog
            _CTX.deadline = budget.deadline
            _CTX.tokens = []
            response = None
            fired = False
            complete = False
            try:
                try:
                    response = self._pool.request(
                        "GET",
                        url,
                        headers=headers,
                        redirect=False,
                        retries=False,
                        preload_content=False,
                        decode_content=False,
                        timeout=urllib3.Timeout(
                            connect=min(settings.connect_timeout, remaining),
                            read=min(settings.read_timeout, remaining),
                        ),
                    )
                except _AddressRefused as exc:
                    raise FetchError("private_address", str(exc), url=url) from None
                except Exception as exc:  # urllib3/socket/ssl errors: classified, never leaked
                    fired = self._disarm()
                    raise self._transport_error(exc, url, budget, fired) from None
                raw = self._read_response(response, url, kind, budget)
                fired = self._disarm()
                if fired:
                    # The deadline cut the socket: what looked like the end of the body was not.
                    raise self._transport_error(TimeoutError(), url, budget, fired)
                complete = True
                return raw
            finally:
                fired = self._disarm() or fired
                _CTX.policy = None
                _CTX.watchdog = None
                if response is not None:
                    if fired or not complete:
                        # Unread bytes would be taken for the next response on this connection.
                        response.close()
                    response.release_conn()
        finally:
            gate.release()

    @staticmethod
    def _disarm() -> bool:
        fired = False
        watchdog = getattr(_CTX, "watchdog", None)
        tokens = getattr(_CTX, "tokens", None) or []
        if watchdog is not None:
            for token in tokens:
                fired = watchdog.disarm(token) or fired
        _CTX.tokens = []
        return fired

    def _transport_error(self, exc: BaseException, url: str, budget: _Budget, fired: bool) -> FetchError:
        if fired or budget.remaining() <= 0:
            return FetchError(
                "timeout", f"attempt exceeded total_timeout={self.settings.total_timeout:g}s", url=url
            )
        if isinstance(exc, u3exc.NewConnectionError) and not isinstance(exc.__cause__, TimeoutError):
            # urllib3 makes NewConnectionError a ConnectTimeoutError subclass; refused is not slow.
            return FetchError("connection_error", f"{type(exc).__name__}: {exc}", url=url)
        if isinstance(exc, (u3exc.ConnectTimeoutError, u3exc.ReadTimeoutError, TimeoutError, socket.timeout)):
            return FetchError("timeout", f"{type(exc).__name__}: {exc}", url=url)
        if isinstance(exc, (u3exc.LocationValueError, u3exc.LocationParseError)):
            return FetchError("invalid_url", str(exc), url=url)
        error = FetchError("connection_error", f"{type(exc).__name__}: {exc}", url=url)
        if isinstance(exc, (u3exc.SSLError, u3exc.NameResolutionError)):
            error.retryable = False  # certificate/TLS or NXDOMAIN: the same next time
        return error

    def _read_response(self, response: Any, url: str, kind: Kind, budget: _Budget) -> _Raw:
        settings = self.settings
        status = int(response.status)
        headers = {key.lower(): response.headers[key] for key in response.headers}
        content_type = headers.get("content-type", "")
        if not (200 <= status < 300):
            # Redirects and errors: read a small body so the connection can be reused.
            self._read_body(response, url, kind, budget, _DRAIN_MAX_BYTES, truncate=True, drain=True)
            return _Raw(status, headers, b"", content_type)
        media = _media_type(content_type)
        sniff = False
        if kind == "page":
            if media in _UNKNOWN_TYPES:
                sniff = True
            elif media not in _HTML_TYPES:
                raise FetchError("not_html", f"content type {media!r}", status, url)
        elif kind == "feed":
            if media in _UNKNOWN_TYPES:
                sniff = True
            elif not (media in _FEED_TYPES or media.endswith("+xml") or media.startswith("text/")):
                raise FetchError("not_feed", f"content type {media!r}", status, url)
        truncate = kind == "robots"
        limit = ROBOTS_MAX_BYTES if truncate else settings.max_bytes
        length = headers.get("content-length", "")
        if not truncate and length.isdigit() and int(length) > limit:
            raise FetchError("too_large", f"Content-Length {length} > max_bytes={limit}", status, url)
        body = self._read_body(response, url, kind, budget, limit, truncate=truncate)
        if sniff:
            if kind == "page" and not _looks_like_html(body):
                raise FetchError(
                    "not_html", "no content type and the body does not look like HTML", status, url
                )
            if kind == "feed" and not _looks_like_feed(body):
                raise FetchError(
                    "not_feed", "no content type and the body does not look like a feed", status, url
                )
        return _Raw(status, headers, body, content_type)

    def _read_body(
        self,
        response: Any,
        url: str,
        kind: Kind,
        budget: _Budget,
        limit: int,
        truncate: bool,
        drain: bool = False,
    ) -> bytes:
        encoding = (response.headers.get("content-encoding") or "").strip().lower()
        inflater: _Inflater | None = None
        if encoding in ("gzip", "x-gzip"):
            inflater = _Inflater("gzip")
        elif encoding == "deflate":
            inflater = _Inflater("deflate")
        elif encoding not in ("", "identity") and not drain:
            reason = {"page": "not_html", "feed": "not_feed"}.get(kind, "connection_error")
            raise FetchError(reason, f"unsupported Content-Encoding {encoding!r}", response.status, url)
        read = getattr(response, "read1", None) or response.read
        out = bytearray()
        raw_total = 0
        while True:
            if budget.remaining() <= 0:
                raise FetchError(
                    "timeout",
                    f"body not complete within total_timeout={self.settings.total_timeout:g}s",
                    url=url,
                )
            try:
                chunk = read(_CHUNK, decode_content=False)
            except Exception as exc:
                raise self._transport_error(exc, url, budget, self._disarm()) from None
            if not chunk:
                break
            raw_total += len(chunk)
            if inflater is not None and not drain:
                try:
                    out += inflater.feed(chunk, limit + 1 - len(out))
                except zlib.error as exc:
                    error = FetchError(
                        "connection_error", f"corrupt {encoding} body: {exc}", response.status, url
                    )
                    error.retryable = False
                    raise error from None
            else:
                out += chunk
            if len(out) > limit or raw_total > limit:
                if drain:
                    response.close()  # too big to drain: drop the connection instead
                    return b""
                if truncate:
                    return bytes(out[:limit])
                raise FetchError(
                    "too_large", f"body exceeds max_bytes={limit} (decompressed)", response.status, url
                )
        return bytes(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Fetch one URL the way the pipeline does and print the outcome."
    )
    parser.add_argument("url")
    parser.add_argument("--kind", choices=sorted(_ACCEPT), default="page")
    parser.add_argument("--allow-private-hosts", action="store_true")
    parser.add_argument("--no-robots", action="store_true")
    args = parser.parse_args(argv)
    settings = FetchSettings(allow_private_hosts=args.allow_private_hosts, respect_robots=not args.no_robots)
    with HttpClient(settings) as client:
        try:
            response = client.get(args.url, kind=args.kind)
        except FetchError as error:
            print(f"REJECT {error.reason} status={error.status} attempts={error.attempts}: {error.detail}")
            raise SystemExit(1) from None
        print(
            f"OK {response.status} {response.final_url} {len(response.body)} bytes "
            f"{response.content_type!r} in {response.elapsed_s:.3f}s, {response.attempts} attempt(s)"
        )


if __name__ == "__main__":
    main()
