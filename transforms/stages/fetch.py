"""Beam stages that fetch over HTTP: ``FetchFeeds`` (batch), ``PollFeeds`` (streaming), ``FetchPages``.

    python -m akhbar.pipelines.cli ingest --feeds configs/feeds.yaml --output data/live

The HTTP client (transforms/web/http.py) is built in ``DoFn.setup()`` and closed in ``teardown()``.
Per-host politeness works on every runner: pages are keyed by (host, slot) with
``per_host_concurrency`` slots, grouped, and each group is fetched in order with the client
keeping ``per_host_delay`` between requests to the host. So at most N requests per host are in
flight across all workers, whatever the runner, without any shared state.

``FetchFeeds`` and ``PollFeeds`` are the batch and streaming variants of one step: both call
the pure ``fetch_feed`` (transforms/web/feedfetch.py) and emit alike. The batch variant reads
the prior validators from ``state/feeds.parquet`` (merged by the launcher after a successful
run); the streaming one keeps them in Beam state per feed, seeded from the same file.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.coders import PickleCoder
from apache_beam.transforms import userstate
from apache_beam.typehints import KV

from akhbar.schemas import FeedEntry, FeedSpec, FetchedPage, Reject
from akhbar.transforms.stages import metrics
from akhbar.transforms.stages.metrics import counter, observe_ms
from akhbar.transforms.stages.skeleton import REJECTS, StageFn, emit
from akhbar.transforms.web.charset import CharsetError, decode_html
from akhbar.transforms.web.feedfetch import FeedFetch, fetch_feed
from akhbar.transforms.web.http import FetchError, FetchSettings, HttpClient
from akhbar.transforms.web.urls import host_of

STATE = "state"
FEED_STATE = userstate.ReadModifyWriteStateSpec("feed_state", PickleCoder())
_FEED_STATE_PARAM = beam.DoFn.StateParam(FEED_STATE)


class _HttpClientMixin:
    """One HTTP client per DoFn instance: built in setup(), closed in teardown()."""

    def __init__(self, settings: FetchSettings):
        super().__init__()
        self._settings = settings
        self._client: HttpClient | None = None

    def setup(self) -> None:
        self._client = HttpClient(self._settings)

    def teardown(self) -> None:
        if self._client is not None:
            self._client.close()


def _feed_outputs(fetched: FeedFetch) -> Iterator[Any]:
    """What one feed fetch emits, batch or streaming: its state row, its rejects, its entries."""
    counter(metrics.FEEDS_FETCHED).inc()
    if fetched.not_modified:
        counter(metrics.FEEDS_NOT_MODIFIED).inc()
    counter(metrics.ENTRIES_DISCOVERED).inc(fetched.entries_discovered)
    yield pvalue.TaggedOutput(STATE, fetched.state)
    yield from fetched.rejects
    yield from fetched.entries


class FetchFeedFn(_HttpClientMixin, StageFn):
    """FeedSpec → FeedEntry…, plus rejects and one feed-state row per feed."""

    stage = "fetch_feed"
    timer = metrics.FETCH_FEED_MS

    def __init__(self, settings: FetchSettings, prior_state: Mapping[str, dict]):
        super().__init__(settings)
        self._prior_state = dict(prior_state)

    def provenance(self, feed: FeedSpec):
        return feed.url, feed.name, feed.url

    def handle(self, feed: FeedSpec) -> Iterator[Any]:
        assert self._client is not None
        fetched = fetch_feed(self._client, feed, self._prior_state.get(feed.url), now=datetime.now(UTC))
        yield from _feed_outputs(fetched)


class FetchFeeds(beam.PTransform):
    """PCollection[FeedSpec] → tagged outputs: main (FeedEntry), rejects (Reject), state (feed-state rows)."""

    def __init__(self, settings: FetchSettings, prior_state: Mapping[str, dict] | None = None):
        super().__init__()
        self._settings = settings
        self._prior_state = dict(prior_state or {})

    def expand(self, feeds):
        return (
            feeds
            | "SpreadFeeds" >> beam.Reshuffle()
            | "FetchFeed" >> beam.ParDo(FetchFeedFn(self._settings, self._prior_state)).with_outputs(
                REJECTS, STATE, main="entries"
            )
        )


class PollFeedsFn(_HttpClientMixin, beam.DoFn):
    """(feed_url, FeedSpec) → FeedEntry…, rejects, state rows; ETag/Last-Modified kept in Beam state per feed."""

    def __init__(self, settings: FetchSettings, seed_state: Mapping[str, dict] | None = None):
        super().__init__(settings)
        self._seed_state = dict(seed_state or {})

    def process(self, keyed: tuple[str, FeedSpec], feed_state=_FEED_STATE_PARAM) -> Iterator:
        assert self._client is not None
        url, feed = keyed
        prior = feed_state.read() or self._seed_state.get(url) or {}
        counter(metrics.FEED_POLLS).inc()
        started = datetime.now(UTC)
        try:
            fetched = fetch_feed(self._client, feed, prior, now=started)
        finally:
            observe_ms(metrics.FETCH_FEED_MS, (datetime.now(UTC) - started).total_seconds() * 1000)
        feed_state.write(fetched.state)
        yield from emit(_feed_outputs(fetched))


class PollFeeds(beam.PTransform):
    """PCollection[FeedSpec] (one per poll and feed) → tagged outputs like ``FetchFeeds``: entries, rejects, state."""

    def __init__(self, settings: FetchSettings, seed_state: Mapping[str, dict] | None = None):
        super().__init__()
        self._settings = settings
        self._seed_state = dict(seed_state or {})

    def expand(self, feeds):
        return (
            feeds
            | "KeyByFeedUrl" >> beam.Map(lambda feed: (feed.url, feed)).with_output_types(KV[str, Any])
            | "PollFeed" >> beam.ParDo(PollFeedsFn(self._settings, self._seed_state)).with_outputs(
                REJECTS, STATE, main="entries"
            )
        )


class FetchPageGroupFn(_HttpClientMixin, StageFn):
    """((host, slot), [FeedEntry]) → FetchedPage…, fetched one after another to respect the host."""

    stage = "fetch_page"
    timer = metrics.FETCH_PAGE_MS

    def items(self, keyed: tuple[tuple[str, int], Iterable[FeedEntry]]) -> Iterable[FeedEntry]:
        return keyed[1]

    def provenance(self, entry: FeedEntry):
        return entry.url, entry.source, entry.feed_url

    def handle(self, entry: FeedEntry) -> Iterator[FetchedPage | Reject]:
        assert self._client is not None
        try:
            response = self._client.get(entry.url, kind="page")
            html, encoding = decode_html(response.body, response.content_type)
        except (FetchError, CharsetError) as exc:
            yield Reject.make(entry.url, entry.source, self.stage, exc.reason, exc.detail, entry.feed_url)
            return
        counter(metrics.PAGES_FETCHED).inc()
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
