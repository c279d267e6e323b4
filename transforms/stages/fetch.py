"""Beam stages that fetch feeds and pages over HTTP: ``FetchFeeds`` and ``FetchPages``.

    python -m akhbar.pipelines.cli ingest --feeds configs/feeds.yaml --output data/live

The HTTP client (transforms/web/http.py) is built in ``DoFn.setup()`` and closed in ``teardown()``.
Per-host politeness works on every runner: pages are keyed by (host, slot) with
``per_host_concurrency`` slots, grouped, and each group is fetched in order with the client
keeping ``per_host_delay`` between requests to the host. So at most N requests per host are in
flight across all workers, whatever the runner, without any shared state.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import apache_beam as beam
from apache_beam import pvalue

from akhbar.schemas import FeedEntry, FeedSpec, FetchedPage, Reject
from akhbar.transforms.stages.metrics import counter, observe_ms, reject_counter
from akhbar.transforms.web.charset import CharsetError, decode_html
from akhbar.transforms.web.feeds import parse_feed
from akhbar.transforms.web.http import FetchError, FetchSettings, HttpClient
from akhbar.transforms.web.urls import host_of

REJECTS = "rejects"
STATE = "state"


def _reject(reject: Reject) -> pvalue.TaggedOutput:
    reject_counter(reject.stage, reject.reason).inc()
    return pvalue.TaggedOutput(REJECTS, reject)


class _HttpDoFn(beam.DoFn):
    """A DoFn owning one HTTP client per instance: built in setup(), closed in teardown()."""

    def __init__(self, settings: FetchSettings):
        self._settings = settings
        self._client: HttpClient | None = None

    def setup(self) -> None:
        self._client = HttpClient(self._settings)

    def teardown(self) -> None:
        if self._client is not None:
            self._client.close()


class FetchFeedFn(_HttpDoFn):
    """FeedSpec → FeedEntry…, plus rejects and one feed-state row per feed."""

    def __init__(self, settings: FetchSettings, prior_state: dict[str, dict]):
        super().__init__(settings)
        self._prior_state = prior_state

    def process(self, feed: FeedSpec) -> Iterator:
        assert self._client is not None
        prior = self._prior_state.get(feed.url, {})
        checked_at = datetime.now(UTC)
        state = {
            "feed_url": feed.url,
            "etag": prior.get("etag"),
            "last_modified": prior.get("last_modified"),
            "last_status": None,
            "last_checked_at": checked_at,
            "last_success_at": prior.get("last_success_at"),
        }
        counter("feeds_fetched").inc()
        started = time.perf_counter()
        try:
            response = self._client.get(
                feed.url, kind="feed", etag=prior.get("etag"), last_modified=prior.get("last_modified")
            )
        except FetchError as exc:
            state["last_status"] = exc.status
            yield pvalue.TaggedOutput(STATE, state)
            yield _reject(Reject.make(feed.url, feed.name, "fetch_feed", exc.reason, exc.detail, feed.url))
            return
        finally:
            observe_ms("fetch_feed_ms", (time.perf_counter() - started) * 1000)
        state["last_status"] = response.status
        state["last_success_at"] = checked_at
        if response.status == 304:
            counter("feeds_not_modified").inc()
            yield pvalue.TaggedOutput(STATE, state)
            return
        state["etag"] = response.headers.get("etag")
        state["last_modified"] = response.headers.get("last-modified")
        parsed = parse_feed(response.body, feed, response.content_type)
        yield pvalue.TaggedOutput(STATE, state)
        for reject in parsed.rejects:
            if reject.reason == "entry_bad_link":
                counter("entries_discovered").inc()
            yield _reject(reject)
        counter("entries_discovered").inc(len(parsed.entries))
        yield from parsed.entries


class FetchFeeds(beam.PTransform):
    """PCollection[FeedSpec] → tagged outputs: main (FeedEntry), rejects (Reject), state (feed-state rows)."""

    def __init__(self, settings: FetchSettings, prior_state: dict[str, dict] | None = None):
        super().__init__()
        self._settings = settings
        self._prior_state = prior_state or {}

    def expand(self, feeds):
        return (
            feeds
            | "SpreadFeeds" >> beam.Reshuffle()
            | "FetchFeed" >> beam.ParDo(FetchFeedFn(self._settings, self._prior_state)).with_outputs(
                REJECTS, STATE, main="entries"
            )
        )


class FetchPageGroupFn(_HttpDoFn):
    """((host, slot), [FeedEntry]) → FetchedPage…, fetched one after another to respect the host."""

    def process(self, keyed: tuple[tuple[str, int], Iterable[FeedEntry]]) -> Iterator:
        assert self._client is not None
        _, entries = keyed
        for entry in entries:
            started = time.perf_counter()
            try:
                response = self._client.get(entry.url, kind="page")
                html, encoding = decode_html(response.body, response.content_type)
            except (FetchError, CharsetError) as exc:
                yield _reject(Reject.make(entry.url, entry.source, "fetch_page", exc.reason, exc.detail, entry.feed_url))
                continue
            finally:
                observe_ms("fetch_page_ms", (time.perf_counter() - started) * 1000)
            counter("pages_fetched").inc()
            yield FetchedPage(
                entry=entry,
                final_url=response.final_url,
                html=html,
                encoding=encoding,
                fetched_at=datetime.now(UTC),
                status=response.status,
            )


class FetchPages(beam.PTransform):
    """PCollection[FeedEntry] → tagged outputs: main (FetchedPage), rejects (Reject)."""

    def __init__(self, settings: FetchSettings):
        super().__init__()
        self._settings = settings

    def expand(self, entries):
        slots = max(1, self._settings.per_host_concurrency)

        def host_slot(entry: FeedEntry) -> tuple[tuple[str, int], FeedEntry]:
            # crc32, not hash(): the key must be the same in every worker process.
            return (host_of(entry.url), zlib.crc32(entry.url.encode("utf-8")) % slots), entry

        fetched = (
            entries
            | "KeyByHostSlot" >> beam.Map(host_slot)
            | "GroupByHostSlot" >> beam.GroupByKey()
            | "FetchPageGroup" >> beam.ParDo(FetchPageGroupFn(self._settings)).with_outputs(REJECTS, main="pages")
        )
        # No shuffle after fetching: the pages go straight on to extraction in the same fused
        # stage, so no runner ever holds or serialises the whole run's HTML (50-150 KB a page).
        # The (host, slot) groups already spread the work over the workers.
        return {"pages": fetched.pages, REJECTS: fetched[REJECTS]}
