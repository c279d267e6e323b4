"""HttpClient against the fault-injection server on 127.0.0.1 (no mocks of requests/urllib3).

    /work/main/.venv/bin/pytest tests/test_http.py -q

Settings are shrunk (timeouts under 2 s, tiny backoff) so that every failure mode runs in
bounded time; the whole file takes about 10 s.
"""

from __future__ import annotations

import pickle
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from email.utils import formatdate

import pytest
from faultserver import ARTICLES, FaultServer, Reply, gzip_bomb, html_page

from akhbar.transforms.web.charset import CharsetError, decode_html
from akhbar.transforms.web.http import (
    DEFAULT_USER_AGENT,
    REASON_CODES,
    FetchError,
    FetchSettings,
    HttpClient,
    address_is_public,
    parse_retry_after,
)

FAST = FetchSettings(
    connect_timeout=1.0,
    read_timeout=1.0,
    total_timeout=1.5,
    max_retries=2,
    backoff_factor=0.01,
    max_retry_after=2.0,
    max_bytes=1_000_000,
    allow_private_hosts=True,
    per_host_delay=0.0,
    per_host_concurrency=16,
)
LIBRARY_SENTENCE = "افتتحت بلدية المدينة صباح يوم الأحد مكتبة عامة جديدة"


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


@pytest.fixture
def make_client() -> Iterator[Callable[..., HttpClient]]:
    clients: list[HttpClient] = []

    def build(**overrides: object) -> HttpClient:
        client = HttpClient(replace(FAST, **overrides))
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def _error(client: HttpClient, url: str, kind: str = "page") -> FetchError:
    with pytest.raises(FetchError) as caught:
        client.get(url, kind=kind)  # type: ignore[arg-type]
    assert caught.value.reason in REASON_CODES
    return caught.value


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# One row per failure mode: (path or absolute URL, kind, settings overrides, expected reason).
FAILURES = [
    ("/status/404", "page", {}, "http_404"),
    ("/status/410", "page", {}, "http_410"),
    ("/status/403", "page", {}, "http_4xx"),
    ("/status/500", "page", {"max_retries": 1}, "http_5xx"),
    ("/ratelimit/429-long.html", "page", {}, "http_429"),
    ("/slow/drip.html", "page", {"total_timeout": 0.5, "max_retries": 0}, "timeout"),
    ("http://127.0.0.1:{closed}/x", "page", {"max_retries": 1}, "connection_error"),
    ("/big/20mb.html", "page", {}, "too_large"),
    ("/files/report.pdf", "page", {}, "not_html"),
    ("/files/report.pdf", "feed", {}, "not_feed"),
    ("/private/secret.html", "page", {}, "robots_disallowed"),
    ("/ok/ar-utf8.html", "page", {"allow_private_hosts": False}, "private_address"),
    ("/redirect/loop-a", "page", {}, "redirect_loop"),
    ("/redirect/chain/9", "page", {}, "too_many_redirects"),
    ("/redirect/to-ftp", "page", {}, "bad_scheme"),
    ("http://127.0.0.1:99999/x", "page", {}, "invalid_url"),
]


@pytest.mark.parametrize(
    ("target", "kind", "overrides", "reason"), FAILURES, ids=[f"{r}:{t}" for t, _, _, r in FAILURES]
)
def test_each_failure_has_its_reason_code(server, make_client, target, kind, overrides, reason):
    client = make_client(**overrides)
    url = target.format(closed=_closed_port()) if target.startswith("http") else server.url(target)
    started = time.monotonic()
    error = _error(client, url, kind)
    assert error.reason == reason, error
    assert time.monotonic() - started <= client.settings.max_get_seconds() + 0.5


def test_every_reason_code_is_exercised():
    # charset_undecodable comes from akhbar.transforms.web.charset (tested in test_charset.py).
    assert {row[3] for row in FAILURES} | {CharsetError.reason} == REASON_CODES


def test_good_page_fields_and_request_headers(server, make_client):
    client = make_client()
    response = client.get(server.url("/ok/ar-utf8.html?case=fields"))
    assert response.status == 200 and response.attempts == 1
    assert response.final_url == response.url == server.url("/ok/ar-utf8.html?case=fields")
    assert response.content_type == "text/html; charset=utf-8"
    assert response.headers["content-length"] == str(len(response.body))
    assert all(key == key.lower() for key in response.headers)
    assert LIBRARY_SENTENCE in decode_html(response.body, response.content_type)[0]
    sent = [r for r in server.requests if r.query == "case=fields"][-1].headers
    assert sent["user-agent"] == DEFAULT_USER_AGENT and sent["user-agent"].startswith("akhbar/")
    assert sent["accept-encoding"] == "gzip, deflate"


# -- retries ---------------------------------------------------------------------------------


def test_500_then_success_is_retried_once(server, make_client):
    response = make_client().get(server.url("/flaky/500-then-ok.html?case=retry"))
    assert response.status == 200 and response.attempts == 2
    assert server.hits("/flaky/500-then-ok.html?case=retry") == 2


def test_retries_stop_at_max_retries(server, make_client):
    error = _error(make_client(max_retries=1), server.url("/flaky/503-twice-then-ok.html?case=cap"))
    assert (error.reason, error.status, error.attempts) == ("http_5xx", 503, 2)
    assert server.hits("/flaky/503-twice-then-ok.html?case=cap") == 2
    response = make_client(max_retries=2).get(server.url("/flaky/503-twice-then-ok.html?case=enough"))
    assert response.attempts == 3


def test_backoff_is_exponential_with_jitter(server, make_client):
    # Sleeps are drawn from [b/2, b] with b = 0.2, 0.4: together between 0.3 and 0.6 s.
    started = time.monotonic()
    error = _error(make_client(backoff_factor=0.2, max_retries=2), server.url("/status/500?case=backoff"))
    elapsed = time.monotonic() - started
    assert error.attempts == 3 and server.hits("/status/500?case=backoff") == 3
    assert 0.3 <= elapsed < 2.0


def test_retry_after_is_honoured(server, make_client):
    started = time.monotonic()
    response = make_client().get(server.url("/ratelimit/429-then-ok.html?case=ra"))
    elapsed = time.monotonic() - started
    assert response.status == 200 and response.attempts == 2
    assert elapsed >= 0.95, "Retry-After: 1 was not waited for"
    assert elapsed < 2.5


def test_retry_after_beyond_cap_fails_at_once(server, make_client):
    started = time.monotonic()
    error = _error(make_client(), server.url("/ratelimit/429-long.html?case=cap"))
    assert error.reason == "http_429" and error.attempts == 1 and "exceeds cap" in error.detail
    assert time.monotonic() - started < 1.0
    assert server.hits("/ratelimit/429-long.html?case=cap") == 1


def test_parse_retry_after_seconds_and_http_date():
    now = time.time()
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


# -- time ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/slow/drip.html", "/slow/header-drip.html"])
def test_slow_drip_is_cut_at_total_timeout(server, make_client, path):
    # Each packet arrives well within read_timeout: only the wall-clock deadline can stop it.
    client = make_client(read_timeout=1.0, total_timeout=0.5, max_retries=1, backoff_factor=0.01)
    started = time.monotonic()
    error = _error(client, server.url(path))
    elapsed = time.monotonic() - started
    assert error.reason == "timeout" and error.attempts == 2
    assert 0.9 <= elapsed <= client.settings.max_get_seconds() + 0.3


def test_silent_server_hits_read_timeout(server, make_client):
    started = time.monotonic()
    error = _error(make_client(read_timeout=0.3, max_retries=0), server.url("/slow/headers.html"))
    assert error.reason == "timeout"
    assert time.monotonic() - started < 1.0


def test_documented_time_bound():
    assert FetchSettings().max_get_seconds() == 4 * 30 + 3 * 60


# -- size and encodings ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/big/20mb.html", "/big/20mb-chunked.html", "/bomb/gzip.html"])
def test_oversized_bodies_are_aborted(server, make_client, path):
    gzip_bomb()  # built once per process; not part of what is timed
    client = make_client(total_timeout=5.0)
    started = time.monotonic()
    error = _error(client, server.url(path))
    assert error.reason == "too_large" and error.attempts == 1
    assert time.monotonic() - started < 2.0  # 64 MB inflated or 20 MB read would take longer
    # The aborted connection must not poison the next request.
    assert client.get(server.url("/ok/ar-utf8.html")).attempts == 1


def test_gzip_bomb_is_never_inflated_beyond_the_limit(server, make_client):
    import tracemalloc

    gzip_bomb()
    client = make_client(total_timeout=5.0)
    client.get(server.url("/ok/ar-utf8.html"))  # warm the pool and robots cache
    tracemalloc.start()
    try:
        error = _error(client, server.url("/bomb/gzip.html?case=memory"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.reason == "too_large"
    assert peak < 4 * client.settings.max_bytes  # 64 MB if it were inflated whole


@pytest.mark.parametrize("path", ["/ok/gzip.html", "/ok/deflate-zlib.html", "/ok/deflate-raw.html"])
def test_compressed_bodies_are_inflated(server, make_client, path):
    body = make_client().get(server.url(path)).body
    assert body == html_page("vegetables").encode("utf-8")


def test_unsupported_content_encoding_is_not_html(server, make_client):
    error = _error(make_client(), server.url("/ok/brotli.html"))
    assert error.reason == "not_html" and "br" in error.detail


# -- redirects ---------------------------------------------------------------------------------


def test_redirects_are_followed_and_reported(server, make_client):
    client = make_client()
    assert client.get(server.url("/redirect/to-ok")).final_url == server.url("/ok/ar-utf8.html")
    assert client.get(server.url("/redirect/relative/x")).final_url == server.url("/ok/ar-utf8.html")
    chained = client.get(server.url("/redirect/chain/4"))  # 5 hops: exactly max_redirects
    assert chained.final_url == server.url("/articles/library.html") and chained.attempts == 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/redirect/self", "redirect_loop"),
        ("/redirect/chain/5", "too_many_redirects"),
        ("/redirect/no-location", "http_4xx"),
    ],
)
def test_bad_redirects(server, make_client, path, reason):
    assert _error(make_client(), server.url(path)).reason == reason


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://127.0.0.1/x", "bad_scheme"),
        ("javascript:alert(1)", "bad_scheme"),
        ("http://", "invalid_url"),
        ("http://[::1/", "invalid_url"),
    ],
)
def test_bad_urls(make_client, url, reason):
    assert _error(make_client(), url).reason == reason


# -- private addresses -------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "0.0.0.0", "[::ffff:127.0.0.1]"])
def test_loopback_is_refused_without_sending_traffic(server, make_client, host):
    client = make_client(allow_private_hosts=False, respect_robots=True)
    requests_before = len(server.requests)
    error = _error(client, f"http://{host}:{server.port}/ok/ar-utf8.html")
    assert error.reason == "private_address" and error.attempts == 1
    assert len(server.requests) == requests_before  # not even robots.txt was asked for


@pytest.mark.parametrize(
    ("path", "address"), [("/redirect/to-private", "10.0.0.1"), ("/redirect/to-metadata", "169.254.169.254")]
)
def test_redirect_to_private_address_is_refused_before_connecting(server, make_client, path, address):
    # The loopback test server is exempted by CIDR; everything else private stays refused.
    client = make_client(
        allow_private_hosts=False, allowed_private_networks=("127.0.0.1/32",), connect_timeout=2.0
    )
    started = time.monotonic()
    error = _error(client, server.url(path))
    assert (
        error.reason == "private_address" and address in error.detail and "before connecting" in error.detail
    )
    assert time.monotonic() - started < 1.0  # no connect attempt (it could wait 2 s for the timeout)


def test_dns_rebinding_is_caught_on_the_connected_socket(server, make_client, monkeypatch):
    # The pre-check sees a public address, the connection's own lookup gets loopback.
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.216.34"])

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers, "127.0.0.1"), port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    client = make_client(allow_private_hosts=False, respect_robots=False, max_retries=0)
    error = _error(client, f"http://rebind.example:{server.port}/ok/ar-utf8.html?case=rebind")
    assert error.reason == "private_address" and "rebinding" in error.detail
    assert server.hits("/ok/ar-utf8.html?case=rebind") == 0


def test_address_rule():
    import ipaddress

    public = ["93.184.216.34", "2a00:1450:4001:80b::200e"]
    private = [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
    ]
    assert all(address_is_public(ipaddress.ip_address(a)) for a in public)
    assert not any(address_is_public(ipaddress.ip_address(a)) for a in private)


# -- content types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind", "ok"),
    [
        ("/ok/no-content-type.html", "page", True),  # sniffed as HTML
        ("/files/report-untyped", "page", False),
        ("/ok/plain.txt", "page", False),
        ("/ok/plain.txt", "feed", True),
        ("/feeds/atom.xml", "feed", True),
        ("/feeds/untyped.xml", "feed", True),  # sniffed as a feed
        ("/ok/no-content-type.html", "feed", False),
    ],
)
def test_content_type_allowlist(server, make_client, path, kind, ok):
    client = make_client()
    if ok:
        assert client.get(server.url(path), kind=kind).status == 200
    else:
        assert _error(client, server.url(path), kind).reason == ("not_html" if kind == "page" else "not_feed")


# -- robots.txt --------------------------------------------------------------------------------


def test_robots_fetched_once_per_host_and_enforced_on_redirects(make_client):
    with FaultServer() as fresh:
        client = make_client()
        for _ in range(3):
            client.get(fresh.url("/ok/ar-utf8.html"))
        assert _error(client, fresh.url("/redirect/to-private-dir")).reason == "robots_disallowed"
        assert fresh.hits("/robots.txt") == 1
        assert fresh.hits("/private/secret.html") == 0
        assert make_client(respect_robots=False).get(fresh.url("/private/secret.html")).status == 200


@pytest.mark.parametrize(
    ("robots", "allowed"),
    [
        (Reply(404), True),
        (Reply(500), True),  # unreachable robots.txt: allow (documented)
        (Reply(200, {"Content-Type": "text/plain"}, b"User-agent: akhbar\nDisallow: /\n"), False),
        (Reply(200, {"Content-Type": "text/plain"}, b"User-agent: otherbot\nDisallow: /\n"), True),
    ],
)
def test_robots_outcomes(make_client, robots, allowed):
    with FaultServer({"/robots.txt": robots}) as fresh:
        client = make_client(max_retries=0)
        if allowed:
            assert client.get(fresh.url("/ok/ar-utf8.html")).status == 200
        else:
            assert _error(client, fresh.url("/ok/ar-utf8.html")).reason == "robots_disallowed"


def test_crawl_delay_raises_the_per_host_delay(make_client):
    robots = Reply(200, {"Content-Type": "text/plain"}, b"User-agent: *\nCrawl-delay: 1\n")
    with FaultServer({"/robots.txt": robots}) as fresh:
        client = make_client(per_host_delay=0.0)
        client.get(fresh.url("/ok/ar-utf8.html"))
        client.get(fresh.url("/ok/ar-utf8.html"))
        starts = [r.started for r in fresh.requests if r.path == "/ok/ar-utf8.html"]
        assert starts[1] - starts[0] >= 0.95


# -- politeness --------------------------------------------------------------------------------


def test_per_host_delay_spaces_request_starts(make_client):
    with FaultServer() as fresh:
        client = make_client(per_host_delay=0.2, respect_robots=False)
        started = time.monotonic()
        for _ in range(3):
            client.get(fresh.url("/ok/ar-utf8.html"))
        assert time.monotonic() - started >= 0.4
        starts = [r.started for r in fresh.requests]
        assert all(b - a >= 0.18 for a, b in zip(starts, starts[1:], strict=False))


@pytest.mark.parametrize(("concurrency", "expected_max"), [(1, 1), (3, 3)])
def test_per_host_concurrency_limits_requests_in_flight(make_client, concurrency, expected_max):
    with FaultServer() as fresh:
        client = make_client(per_host_concurrency=concurrency, respect_robots=False)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=3) as pool:
            statuses = list(pool.map(lambda _: client.get(fresh.url("/slow/0.3s.html")).status, range(3)))
        elapsed = time.monotonic() - started
        assert statuses == [200] * 3
        assert fresh.max_in_flight == expected_max
        assert elapsed >= 0.3 * 3 / concurrency - 0.05


def test_no_throttling_when_delay_is_zero(server, make_client):
    client = make_client(per_host_delay=0.0, per_host_concurrency=64)
    started = time.monotonic()
    for _ in range(30):
        client.get(server.url("/ok/ar-utf8.html"))
    assert time.monotonic() - started < 3.0  # the default 1 s delay would make it 29 s


def test_thread_safe_under_a_pool(server, make_client):
    client = make_client(per_host_concurrency=8)
    paths = ["/ok/ar-utf8.html", "/ok/gzip.html", "/status/404", "/articles/football.html"] * 10

    def fetch(path: str) -> str:
        try:
            return str(client.get(server.url(path)).status)
        except FetchError as error:
            return error.reason

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(fetch, paths))
    assert outcomes.count("200") == 30 and outcomes.count("http_404") == 10
    assert threading.active_count() < 50


# -- conditional GET ---------------------------------------------------------------------------


def test_conditional_get_returns_304_with_empty_body(server, make_client):
    client = make_client()
    first = client.get(server.url("/feeds/rss.xml"), kind="feed")
    assert first.status == 200 and ARTICLES["library"][0] in first.body.decode("utf-8")
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    by_etag = client.get(server.url("/feeds/rss.xml?case=etag"), kind="feed", etag=etag)
    assert (by_etag.status, by_etag.body) == (304, b"")
    assert [r for r in server.requests if r.query == "case=etag"][-1].headers["if-none-match"] == etag
    by_date = client.get(server.url("/feeds/rss.xml?case=lm"), kind="feed", last_modified=last_modified)
    assert (by_date.status, by_date.body) == (304, b"")


# -- API hygiene -------------------------------------------------------------------------------


def test_fetch_error_survives_pickling():
    error = FetchError("http_5xx", "HTTP 503", 503, "http://x/", 3)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.reason, copy.detail, copy.status, copy.url, copy.attempts) == (
        "http_5xx",
        "HTTP 503",
        503,
        "http://x/",
        3,
    )


def test_settings_are_validated():
    with pytest.raises(ValueError, match="total_timeout"):
        FetchSettings(total_timeout=0)
    with pytest.raises(ValueError, match="per_host_concurrency"):
        FetchSettings(per_host_concurrency=0)
    with pytest.raises(ValueError):
        FetchSettings(allowed_private_networks=("not-a-network",))


def test_closed_client_refuses_work(server):
    client = HttpClient(FAST)
    client.close()
    with pytest.raises(RuntimeError):
        client.get(server.url("/ok/ar-utf8.html"))
    with pytest.raises(ValueError):
        HttpClient(FAST).get(server.url("/"), kind="image")  # type: ignore[arg-type]


# -- HTTPS -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[FaultServer, str]]:
    pytest.importorskip("cryptography")
    from faultserver import self_signed_tls

    context, ca_path = self_signed_tls(str(tmp_path_factory.mktemp("tls")))
    with FaultServer(tls=context) as running:
        yield running, ca_path


def test_https_page_and_gzip(tls_server, make_client):
    server, ca_path = tls_server
    client = make_client(ca_certs=ca_path)
    assert server.base.startswith("https://")
    assert LIBRARY_SENTENCE in client.get(server.url("/ok/ar-utf8.html")).body.decode("utf-8")
    assert client.get(server.url("/ok/gzip.html")).body == html_page("vegetables").encode("utf-8")


def test_https_untrusted_certificate_fails_without_retrying(tls_server, make_client):
    server, _ = tls_server
    error = _error(make_client(max_retries=2), server.url("/ok/ar-utf8.html?case=untrusted"))
    assert (
        error.reason == "connection_error" and error.attempts == 1 and "certificate" in error.detail.lower()
    )


def test_https_slow_drip_is_cut_at_total_timeout(tls_server, make_client):
    server, ca_path = tls_server
    client = make_client(ca_certs=ca_path, read_timeout=1.0, total_timeout=0.5, max_retries=0)
    started = time.monotonic()
    assert _error(client, server.url("/slow/drip.html")).reason == "timeout"
    assert time.monotonic() - started < 1.2
    assert client.get(server.url("/ok/ar-utf8.html")).status == 200  # the pool recovered
