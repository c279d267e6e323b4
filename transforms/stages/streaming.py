"""Beam stages only the streaming pipeline needs: polling, first-sighting de-duplication, windowed dedup.

    akhbar stream --feeds configs/feeds.yaml --output data/live --poll-interval 300 --window-seconds 600

The batch pipeline remembers earlier runs by reading its own output back (a CoGroupByKey
against the ids, a global list of story edges). An unbounded pipeline cannot join against a
PCollection that never ends, nor collect a global list, so it keeps the same facts in Beam
state, which Flink and Dataflow checkpoint with the job:

- ``PollFeedsFn``: keyed by feed URL; ETag / Last-Modified of the last 200 in per-feed state,
  seeded from ``state/feeds.parquet`` of earlier batch runs. It wraps the batch
  ``FetchFeedFn``, so parsing, rejects and counters are the very same code.
- ``FirstSightingFn``: keyed by article id; the first element of an id passes, later ones are
  counted as duplicates. An event-time timer clears the id ``ttl_seconds`` after it was seen,
  so state does not grow for ever. Seeded with the ids already in the output (read in
  ``setup()`` from the file list taken when the pipeline was built).
- ``DeduplicateWindowFn``: exact / near-duplicates and stories of one window's articles
  against the articles of earlier windows (and of the output, as seed), by calling the same
  ``akhbar.transforms.text.dedup.deduplicate`` as the batch stage with the remembered rows as ``prior``.
  It runs under one key, so it is one worker's job per window: the remembered rows are the
  small columns (ids, hashes, 512-byte MinHash, title, entities), pruned to ``ttl_seconds``;
  at news volumes (thousands of articles a day) this is a few MB and milliseconds a window.

Stateful DoFns keep state per key *and window*; cross-window memory therefore needs the
global window, so the pipeline re-windows into ``GlobalWindows`` around these stages and back
into fixed windows after them (timestamps are kept, so every element returns to its window).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam import pvalue
from apache_beam.coders import PickleCoder
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms import userstate
from apache_beam.typehints import KV
from apache_beam.utils.timestamp import Duration

from akhbar.schemas import FeedSpec
from akhbar.transforms.stages.fetch import REJECTS, STATE, FetchFeedFn
from akhbar.transforms.stages.metrics import counter
from akhbar.transforms.text import dedup
from akhbar.transforms.web.http import FetchSettings

log = logging.getLogger("akhbar")

# Columns remembered per article for cross-window dedup (what the batch run reads back, plus
# entities and dates for story matching).
MEMORY_COLUMNS = (
    "article_id", "content_hash", "minhash", "story_id", "published_at", "source", "title",
    "entities", "dates_mentioned", "lead",
)
ONE_KEY = "all"

# State and timer specs, and the DoFn parameter markers built from them once (Beam reads the
# markers from the argument defaults of process() and of the timer callbacks).
FEED_STATE = userstate.ReadModifyWriteStateSpec("feed_state", PickleCoder())
SEEN_AT = userstate.ReadModifyWriteStateSpec("seen_at", PickleCoder())
SEEN_EXPIRY = userstate.TimerSpec("expiry", userstate.TimeDomain.WATERMARK)
MEMORY = userstate.BagStateSpec("memory", PickleCoder())
MEMORY_EXPIRY = userstate.TimerSpec("forget_all", userstate.TimeDomain.WATERMARK)
_FEED_STATE_PARAM = beam.DoFn.StateParam(FEED_STATE)
_SEEN_AT_PARAM = beam.DoFn.StateParam(SEEN_AT)
_SEEN_EXPIRY_PARAM = beam.DoFn.TimerParam(SEEN_EXPIRY)
_MEMORY_PARAM = beam.DoFn.StateParam(MEMORY)
_MEMORY_EXPIRY_PARAM = beam.DoFn.TimerParam(MEMORY_EXPIRY)


def read_columns(paths: Iterable[str], columns: Iterable[str]) -> Iterator[dict]:
    """Rows of chosen columns from Parquet files through Beam FileSystems (missing columns read as None)."""
    wanted = tuple(columns)
    for path in paths:
        with FileSystems.open(path) as fh:
            parquet = pq.ParquetFile(fh)
            present = [c for c in wanted if c in parquet.schema_arrow.names]
            for batch in parquet.iter_batches(columns=present, batch_size=4096):
                for row in batch.to_pylist():
                    yield {c: row.get(c) for c in wanted}


class PollFeedsFn(beam.DoFn):
    """(feed_url, FeedSpec) → FeedEntry…, rejects, state rows; ETag/Last-Modified kept in Beam state per feed."""

    def __init__(self, settings: FetchSettings, seed_state: dict[str, dict] | None = None):
        self._fetch = FetchFeedFn(settings, {})
        self._seed_state = seed_state or {}

    def setup(self) -> None:
        self._fetch.setup()

    def teardown(self) -> None:
        self._fetch.teardown()

    def process(self, keyed: tuple[str, FeedSpec], feed_state=_FEED_STATE_PARAM) -> Iterator:
        url, feed = keyed
        prior = feed_state.read() or self._seed_state.get(url) or {}
        # The batch DoFn reads its prior validators from this dict: hand it this feed's only.
        self._fetch._prior_state = {url: prior}
        counter("feed_polls").inc()
        for output in self._fetch.process(feed):
            if isinstance(output, pvalue.TaggedOutput) and output.tag == STATE:
                feed_state.write(output.value)
            yield output


class PollFeeds(beam.PTransform):
    """PCollection[FeedSpec] (one per poll and feed) → tagged outputs like ``FetchFeeds``: entries, rejects, state."""

    def __init__(self, settings: FetchSettings, seed_state: dict[str, dict] | None = None):
        super().__init__()
        self._settings = settings
        self._seed_state = seed_state or {}

    def expand(self, feeds):
        return (
            feeds
            | "KeyByFeedUrl" >> beam.Map(lambda feed: (feed.url, feed)).with_output_types(KV[str, Any])
            | "PollFeed" >> beam.ParDo(PollFeedsFn(self._settings, self._seed_state)).with_outputs(
                REJECTS, STATE, main="entries"
            )
        )


class FirstSightingFn(beam.DoFn):
    """(id, item) → item the first time an id is seen within ``ttl_seconds``; later sightings are dropped and counted."""

    def __init__(self, what: str, ttl_seconds: float, seed_files: list[str] | None = None):
        self._what = what
        self._ttl = Duration(seconds=ttl_seconds)
        self._seed_files = list(seed_files or [])
        self._seed_ids: frozenset[str] = frozenset()

    def setup(self) -> None:
        # Read once per worker, from files listed when the pipeline was built: ids already written.
        self._seed_ids = frozenset(row["article_id"] for row in read_columns(self._seed_files, ("article_id",)))

    def process(
        self,
        keyed: tuple[str, Any],
        seen_at=_SEEN_AT_PARAM,
        expiry=_SEEN_EXPIRY_PARAM,
        timestamp=beam.DoFn.TimestampParam,
    ) -> Iterator:
        item_id, item = keyed
        if item_id in self._seed_ids:
            counter(f"{self._what}_already_written").inc()
            counter("duplicates_skipped").inc()
            return
        if seen_at.read() is not None:
            counter(f"{self._what}_duplicates_in_run").inc()
            counter("duplicates_skipped").inc()
            return
        seen_at.write(timestamp.micros)
        expiry.set(timestamp + self._ttl)
        yield item

    @userstate.on_timer(SEEN_EXPIRY)
    def expire(self, seen_at=_SEEN_AT_PARAM) -> None:
        counter(f"{self._what}_ids_expired").inc()
        seen_at.clear()


class DropSeenStreaming(beam.PTransform):
    """Keep the first item of every id across polls and windows (Beam state), and none already in the output.

    The streaming twin of ``akhbar.transforms.stages.extract.DropSeen``; the output is in the global window
    with the input timestamps, so the caller re-windows it.
    """

    def __init__(self, what: str, id_of, ttl_seconds: float, seed_files: list[str] | None = None):
        super().__init__()
        self._what = what
        self._id_of = id_of
        self._ttl = ttl_seconds
        self._seed_files = seed_files

    def expand(self, items):
        return (
            items
            | "GlobalWindow" >> beam.WindowInto(beam.window.GlobalWindows())
            | "KeyById" >> beam.Map(lambda item, id_of=self._id_of: (id_of(item), item)).with_output_types(KV[str, Any])
            | "FirstSighting" >> beam.ParDo(FirstSightingFn(self._what, self._ttl, self._seed_files))
        )


def _slim(article: dict) -> dict:
    """What the dedup memory keeps of an article: ids, hashes, signature, title, and only the
    distinct entity names and day-precision dates that story matching reads (a long article has
    hundreds of mentions; the memory holds weeks of articles and is read once a window)."""
    row = {c: article.get(c) for c in MEMORY_COLUMNS}
    canonicals = {str(e.get("canonical") or e.get("text") or "") for e in article.get("entities") or ()}
    row["entities"] = [{"canonical": c} for c in sorted(canonicals) if c]
    days = {str(d.get("value"))[:10] for d in article.get("dates_mentioned") or () if len(str(d.get("value") or "")) >= 10}
    row["dates_mentioned"] = [{"value": day} for day in sorted(days)]
    return row


class DeduplicateWindowFn(beam.DoFn):
    """(key, [articles of one window]) → articles with dedup columns, plus tagged ``stories`` rows.

    Remembers the slim rows of every article it emitted (bag state, pruned to ``ttl_seconds``
    by publication or window time) and of the output's recent files (seed), and passes them
    to ``dedup.deduplicate`` as ``prior``: a copy of an article written in an earlier window
    gets ``duplicate_of`` / ``near_duplicate_of`` / its story id, exactly as a later batch run would.
    """

    def __init__(self, config_name: str, ttl_seconds: float, seed_files: list[str] | None = None):
        self._config_name = config_name
        self._ttl = ttl_seconds
        self._seed_files = list(seed_files or [])
        self._seed: list[dict] = []

    def setup(self) -> None:
        self._config = dedup.load_config(self._config_name)
        self._seed = [_slim(row) for row in read_columns(self._seed_files, MEMORY_COLUMNS)]

    def process(
        self,
        keyed: tuple[str, Iterable[dict]],
        memory=_MEMORY_PARAM,
        expiry=_MEMORY_EXPIRY_PARAM,
        timestamp=beam.DoFn.TimestampParam,
    ) -> Iterator:
        _, articles = keyed
        articles = list(articles)
        if not articles:
            return
        cutoff = timestamp.micros / 1e6 - self._ttl
        remembered = list(memory.read())
        kept = [row for row in remembered if row["_seen"] >= cutoff]
        if len(kept) != len(remembered):
            memory.clear()
            for row in kept:
                memory.add(row)
        prior = self._seed + [{k: v for k, v in row.items() if k != "_seen"} for row in kept]
        result = dedup.deduplicate(articles, prior=prior, config=self._config)
        for name, value in result.counts.items():
            counter(f"dedup_{name}").inc(value)
        seen = timestamp.micros / 1e6
        for article in result.articles:
            memory.add({**_slim(article), "_seen": seen})
            yield article
        for story in result.stories:
            yield pvalue.TaggedOutput("stories", story)
        expiry.set(timestamp + Duration(seconds=self._ttl))

    @userstate.on_timer(MEMORY_EXPIRY)
    def forget_all(self, memory=_MEMORY_PARAM) -> None:
        # No window for ttl_seconds: everything remembered is past its time.
        memory.clear()


class DeduplicateWindows(beam.PTransform):
    """Fixed-windowed articles → {"articles", "stories"}, deduplicated within and across windows.

    The output is in the global window with the window's end as timestamp; the caller re-windows.
    """

    def __init__(self, ttl_seconds: float, seed_files: list[str] | None = None, config_name: str = "dedup.yaml"):
        super().__init__()
        dedup.load_config(config_name)  # fail when the pipeline is built, not on a worker
        self._ttl = ttl_seconds
        self._seed_files = seed_files
        self._config_name = config_name

    def expand(self, articles):
        deduplicated = (
            articles
            | "KeyByWindow" >> beam.Map(lambda article: (ONE_KEY, article)).with_output_types(KV[str, Any])
            | "CollectWindow" >> beam.GroupByKey()
            | "GlobalWindow" >> beam.WindowInto(beam.window.GlobalWindows())
            | "DeduplicateWindow" >> beam.ParDo(
                DeduplicateWindowFn(self._config_name, self._ttl, self._seed_files)
            ).with_outputs("stories", main="articles")
        )
        return {"articles": deduplicated.articles, "stories": deduplicated.stories}
