"""The pipeline against a fault-injection server: every failure a reject with its reason, nothing lost.

Real HTTP to tests/faultserver.py on 127.0.0.1; the client may reach only 127.0.0.1/32, so the
redirects to 10.0.0.1 and 169.254.169.254 are refused before any packet leaves.
"""

from __future__ import annotations

import time

import pytest
from faultserver import ARTICLES, FaultServer, Reply
from pipeline_runs import run_ingest

from akhbar import schemas

# Each linked page and the outcome the pipeline must give it.
PAGES = {
    "/status/404": "http_404",
    "/flaky/500-then-ok.html": "article",
    "/ratelimit/429-then-ok.html?case=pipeline": "article",
    "/slow/drip.html": "timeout",
    "/big/20mb.html": "too_large",
    "/bomb/gzip.html": "too_large",
    "/redirect/loop-a": "redirect_loop",
    "/redirect/to-private": "private_address",
    "/redirect/to-metadata": "private_address",
    "/files/report.pdf": "not_html",
    "/charset/cp1256-no-header.html": "article",
    "/charset/utf8-declared-cp1256.html": "article",
    "/charset/iso-8859-6.html": "article",
    "/private/hidden.html": "robots_disallowed",
}
FEEDS = {
    "faults": "/feeds/faults.xml",
    "malformed": "/feeds/malformed.xml",
    "bomb": "/feeds/entity-bomb.xml",
    "traversal": "/feeds/category-traversal.xml",
    "long-category": "/feeds/category-long.xml",
    "unparseable": "/feeds/unparseable.xml",
    "server-error": "/status/500",
}


def _faults_feed(request) -> Reply:
    title = ARTICLES["library"][0]
    items = "".join(
        f"<item><title>{title} {i}</title><link>{request.base}{path}</link>"
        f"<pubDate>Sun, 18 Feb 2018 09:30:00 +0300</pubDate></item>"
        for i, path in enumerate(PAGES)
    )
    body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>أعطال</title>{items}</channel></rss>'
    return Reply(200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body.encode("utf-8"))


@pytest.fixture(scope="module")
def server():
    with FaultServer() as running:
        running.set_route("/feeds/faults.xml", _faults_feed)
        yield running


def _run(server, tmp_path, run_id: str) -> dict[str, int]:
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(
        "feeds:\n" + "".join(f"  - name: {name}\n    url: {server.url(path)}\n" for name, path in FEEDS.items()),
        encoding="utf-8",
    )
    return run_ingest([
        "--feeds", str(feeds_file), "--output", str(tmp_path / "out"), "--run-id", run_id,
        "--allow-private-network", "127.0.0.1/32", "--per-host-delay", "0", "--per-host-concurrency", "8",
        "--connect-timeout", "2", "--read-timeout", "2", "--total-timeout", "3", "--max-retries", "2",
        "--max-bytes", "2000000",
    ])


@pytest.fixture(scope="module")
def first(server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    started = time.monotonic()
    counters = _run(server, tmp, "first")
    return tmp, counters, time.monotonic() - started


def _rows(tmp, table):
    return schemas.read_dataset(str(tmp / "out"), table).to_table().to_pylist()


def test_each_fault_gets_its_reason_code(first, server):
    tmp, _, _ = first
    rejects = _rows(tmp, "rejects")
    articles = {row["url"] for row in _rows(tmp, "articles")}
    by_url = {}
    for row in rejects:
        by_url.setdefault(row["url"], set()).add(row["reason"])
    for path, outcome in PAGES.items():
        url = server.url(path)
        if outcome == "article":
            assert url in articles, (path, by_url.get(url))
        else:
            assert outcome in by_url.get(url, set()), (path, by_url.get(url))
            assert url not in articles


def test_feed_failures_are_named(first, server):
    tmp, _, _ = first
    reasons = {(row["url"], row["reason"]) for row in _rows(tmp, "rejects")}
    assert (server.url("/feeds/malformed.xml"), "feed_malformed") in reasons
    assert (server.url("/feeds/unparseable.xml"), "feed_unparseable") in reasons
    assert (server.url("/status/500"), "http_5xx") in reasons
    assert any(url == server.url("/feeds/entity-bomb.xml") for url, _ in reasons)
    for row in _rows(tmp, "rejects"):
        assert row["stage"] and row["detail"] is not None and row["run_id"] == "first"


def test_hostile_categories_never_become_paths(first):
    tmp, _, _ = first
    import os

    vocabulary = {t["slug"] for t in __import__("akhbar.configs", fromlist=["configs"]).load_yaml("topics.yaml")["topics"]}
    for _, dirs, _ in os.walk(tmp / "out"):
        for name in dirs:
            if name.startswith("topic="):
                assert name.removeprefix("topic=") in vocabulary
    assert {row["topic"] for row in _rows(tmp, "articles")} <= vocabulary


def test_accounting_identity_and_metrics(first):
    tmp, counters, _ = first
    rejects = _rows(tmp, "rejects")
    entry_rejects = [r for r in rejects if r["stage"] not in ("fetch_feed", "parse_feed") or r["reason"] == "entry_bad_link"]
    articles = _rows(tmp, "articles")
    assert counters["entries_discovered"] == len(articles) + counters.get("duplicates_skipped", 0) + len(entry_rejects)
    for row in rejects:
        assert counters.get(f"rejects.{row['stage']}.{row['reason']}", 0) >= 1, row


def test_run_finishes_in_bounded_time(first):
    _, _, seconds = first
    # Worst single fetch is bounded by (retries+1) * total_timeout + Retry-After; the run by few of those.
    assert seconds < 120


def test_second_run_adds_no_article_rows(first, server):
    tmp, _, _ = first
    before = sorted(row["article_id"] for row in _rows(tmp, "articles"))
    _run(server, tmp, "second")
    assert sorted(row["article_id"] for row in _rows(tmp, "articles")) == before
