"""The loopback server and the bundled sample corpus it serves, over real HTTP on 127.0.0.1.

.venv/bin/pytest tests/test_localsite.py -q
"""

from __future__ import annotations

import email.utils
import http.client
import json
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
import requests
import yaml

from akhbar.pipelines.localsite import LocalSite

REPO = Path(__file__).resolve().parents[1]
SITE_ROOT = REPO / "pipelines" / "demo_site"
EXPECTED = json.loads((SITE_ROOT / "expected.json").read_text(encoding="utf-8"))
ARTICLE = "alkhabar/politics/2024/11/04/turkey-us-talks.html"
HEADER_CP1256 = "alkhabar/culture/2024/11/06/amman-book-fair.html"
META_CP1256 = "maghrib/culture/2024/11/06/oran-film-festival.html"


@pytest.fixture(scope="module")
def feeds(site, tmp_path_factory):
    feeds_file = site.render_feeds_file(tmp_path_factory.mktemp("feeds") / "feeds.yaml")
    return {feed["name"]: feed for feed in yaml.safe_load(feeds_file.read_text(encoding="utf-8"))["feeds"]}


def raw_get(site: LocalSite, target: str) -> int:
    """Send the request target untouched (requests/urllib3 would normalise dot segments away)."""
    connection = http.client.HTTPConnection(site.host, site.port, timeout=5)
    try:
        connection.putrequest("GET", target, skip_host=False, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_page_is_served_with_the_placeholder_replaced(site):
    response = requests.get(site.url(ARTICLE), timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode("utf-8")
    assert "{{BASE}}" not in page
    assert f'<link rel="canonical" href="{site.url(ARTICLE)}">' in page
    assert "أنقرة وواشنطن تستأنفان محادثات" in page


def test_query_string_is_ignored_when_resolving(site):
    plain = requests.get(site.url(ARTICLE), timeout=5)
    tracked = requests.get(site.url(ARTICLE) + "?utm_source=rss&utm_medium=feed", timeout=5)
    assert tracked.status_code == 200
    assert tracked.content == plain.content


def test_conditional_get_answers_304(site):
    first = requests.get(site.url(ARTICLE), timeout=5)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]

    by_etag = requests.get(site.url(ARTICLE), headers={"If-None-Match": etag}, timeout=5)
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag.headers["ETag"] == etag

    by_date = requests.get(site.url(ARTICLE), headers={"If-Modified-Since": last_modified}, timeout=5)
    assert by_date.status_code == 304

    stale_etag = requests.get(site.url(ARTICLE), headers={"If-None-Match": '"something-else"'}, timeout=5)
    assert stale_etag.status_code == 200
    assert stale_etag.content == first.content

    long_ago = email.utils.formatdate(0, usegmt=True)
    old_date = requests.get(site.url(ARTICLE), headers={"If-Modified-Since": long_ago}, timeout=5)
    assert old_date.status_code == 200


def test_head_sends_headers_without_body(site):
    head = requests.head(site.url(ARTICLE), timeout=5)
    get = requests.get(site.url(ARTICLE), timeout=5)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["Content-Length"]) == len(get.content)
    assert head.headers["ETag"] == get.headers["ETag"]


def test_missing_and_private_files_are_404(site):
    assert (
        requests.get(site.url("nile/news/politics/2024/11/06/deleted-story.html"), timeout=5).status_code
        == 404
    )
    assert requests.get(site.url("no/such/dir/"), timeout=5).status_code == 404
    # _headers.json drives the server; it is not part of the site.
    assert requests.get(site.url("_headers.json"), timeout=5).status_code == 404


@pytest.mark.parametrize(
    "target",
    [
        "/../localsite.py",
        "/alkhabar/../../localsite.py",
        "/%2e%2e/localsite.py",
        "/alkhabar/%2E%2E/%2E%2E/__init__.py",
        "/..%2f..%2fpyproject.toml",
        "/alkhabar/..\\..\\localsite.py",
    ],
)
def test_path_traversal_is_refused(site, target):
    assert raw_get(site, target) == 403


def test_windows_1256_page_with_charset_in_header(site):
    response = requests.get(site.url(HEADER_CP1256), timeout=5)
    assert response.headers["Content-Type"] == "text/html; charset=windows-1256"
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    page = response.content.decode("cp1256")
    assert "معرض عمّان الدولي للكتاب" in page
    assert site.base_url in page and "{{BASE}}" not in page


def test_windows_1256_page_with_charset_only_in_meta(site):
    response = requests.get(site.url(META_CP1256), timeout=5)
    assert response.headers["Content-Type"] == "text/html"
    assert b'<meta charset="windows-1256">' in response.content
    assert "مهرجان وهران للفيلم العربي" in response.content.decode("cp1256")


def test_robots_and_index(site):
    robots = requests.get(site.url("robots.txt"), timeout=5)
    assert robots.status_code == 200
    assert robots.headers["Content-Type"].startswith("text/plain")
    assert "Disallow: /private/" in robots.text
    assert requests.get(site.base_url + "/", timeout=5).status_code == 200


def test_render_feeds_file_fills_in_the_origin(feeds, site):
    assert sorted(feeds) == ["alkhabar", "maghrib", "nile", "sawt"]
    assert all(feed["url"].startswith(site.base_url + "/") for feed in feeds.values())
    assert feeds["sawt"]["topic"] == "general"


@pytest.mark.parametrize(
    ("name", "entries", "bozo"),
    [("alkhabar", 10, False), ("maghrib", 9, True), ("nile", 11, False), ("sawt", 10, False)],
)
def test_feedparser_reads_every_demo_feed(site, feeds, name, entries, bozo):
    response = requests.get(feeds[name]["url"], timeout=5)
    assert response.status_code == 200
    parsed = feedparser.parse(
        response.content, response_headers={"content-type": response.headers["Content-Type"]}
    )
    assert bool(parsed.bozo) is bozo
    assert len(parsed.entries) == entries
    assert all(entry.link.startswith(site.base_url + "/") for entry in parsed.entries)
    assert all(entry.get("tags") for entry in parsed.entries), (
        "every entry carries an Arabic or English category"
    )


def test_every_feed_link_has_an_expected_outcome_and_every_page_is_linked(site, feeds):
    linked: set[str] = set()
    for feed in feeds.values():
        parsed = feedparser.parse(requests.get(feed["url"], timeout=5).content)
        linked.update(entry.link.split("?")[0].removeprefix(site.base_url + "/") for entry in parsed.entries)
    assert linked == set(EXPECTED)
    for path, expected in EXPECTED.items():
        status = requests.head(site.url(path), timeout=5).status_code
        assert status == (404 if expected.get("reason") == "http_404" else 200), path


def test_request_log_records_traffic():
    with LocalSite(SITE_ROOT) as fresh:
        requests.get(fresh.url("robots.txt"), timeout=5)
        requests.head(fresh.url("missing.html"), timeout=5)
        log = list(fresh.request_log)
    assert log == [("GET", "/robots.txt", 200), ("HEAD", "/missing.html", 404)]


def test_server_is_quiet_and_restartable(capfd):
    site = LocalSite(SITE_ROOT)
    site.start()
    first_port = site.port
    requests.get(site.url("nothing-here"), timeout=5)
    site.stop()
    with pytest.raises(RuntimeError):
        _ = site.base_url
    site.start()
    assert requests.get(site.url("robots.txt"), timeout=5).status_code == 200
    site.stop()
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert first_port > 0


def test_committed_site_matches_its_generator():
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_demo_site.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
