"""Drop what an earlier run (or an earlier poll) already wrote: ``DropSeen`` (batch) and ``DropSeenStreaming``.

    python -c "from akhbar.transforms.stages.seen import DropSeen, DropSeenStreaming; help(DropSeen)"

The two variants of one step, side by side. The batch run remembers earlier runs by reading
its own output back and joining against the ids (a CoGroupByKey). An unbounded pipeline cannot
join against a PCollection that never ends, so the streaming variant keeps the same fact in
Beam state per id, with an expiry timer, seeded from the ids already in the output; Flink and
Dataflow checkpoint that state with the job.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms import userstate
from apache_beam.typehints import KV
from apache_beam.utils.timestamp import Duration

from akhbar.schemas import FeedEntry
from akhbar.transforms.memory.rowpack import pack, unpack
from akhbar.transforms.stages import metrics
from akhbar.transforms.stages.metrics import counter
from akhbar.transforms.stages.state import read_columns
from akhbar.transforms.web.urls import article_id, canonicalize_url

SEEN_AT = userstate.ReadModifyWriteStateSpec("seen_at", PickleCoder())
SEEN_EXPIRY = userstate.TimerSpec("expiry", userstate.TimeDomain.WATERMARK)
_SEEN_AT_PARAM = beam.DoFn.StateParam(SEEN_AT)
_SEEN_EXPIRY_PARAM = beam.DoFn.TimerParam(SEEN_EXPIRY)


def entry_article_id(entry: FeedEntry) -> str:
    return article_id(canonicalize_url(entry.url))


class _KeepFirstUnseenFn(beam.DoFn):
    def __init__(self, what: str, order_key):
        self._what = what
        self._order_key = order_key

    def process(self, joined) -> Iterator:
        _, groups = joined
        items = sorted((unpack(packed) for packed in groups["items"]), key=self._order_key)
        if not items:
            return
        if groups["seen"]:
            counter(metrics.already_written(self._what)).inc(len(items))
            counter(metrics.DUPLICATES_SKIPPED).inc(len(items))
            return
        if len(items) > 1:
            counter(metrics.duplicates_in_run(self._what)).inc(len(items) - 1)
            counter(metrics.DUPLICATES_SKIPPED).inc(len(items) - 1)
        yield items[0]


class DropSeen(beam.PTransform):
    """Keep one item per id, and none whose id was already written by an earlier run.

    ``seen_ids`` is a PCollection of article ids read back from the output. A join
    (CoGroupByKey) rather than an in-memory set: its cost does not depend on worker memory,
    however long the look-back.
    """

    def __init__(self, what: str, id_of, order_key, seen_ids):
        super().__init__()
        self._what = what
        self._id_of = id_of
        self._order_key = order_key
        self._seen_ids = seen_ids

    def expand(self, items):
        # Items wait in the join packed (transforms/memory/rowpack.py): a few KB an article, not tens.
        keyed = items | "KeyById" >> beam.Map(lambda item, id_of=self._id_of: (id_of(item), pack(item)))
        seen = self._seen_ids | "KeySeen" >> beam.Map(lambda i: (i, True))
        return (
            {"items": keyed, "seen": seen}
            | "JoinSeen" >> beam.CoGroupByKey()
            | "KeepFirstUnseen" >> beam.ParDo(_KeepFirstUnseenFn(self._what, self._order_key))
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
            counter(metrics.already_written(self._what)).inc()
            counter(metrics.DUPLICATES_SKIPPED).inc()
            return
        if seen_at.read() is not None:
            counter(metrics.duplicates_in_run(self._what)).inc()
            counter(metrics.DUPLICATES_SKIPPED).inc()
            return
        seen_at.write(timestamp.micros)
        expiry.set(timestamp + self._ttl)
        yield item

    @userstate.on_timer(SEEN_EXPIRY)
    def expire(self, seen_at=_SEEN_AT_PARAM) -> None:
        counter(metrics.ids_expired(self._what)).inc()
        seen_at.clear()


class DropSeenStreaming(beam.PTransform):
    """Keep the first item of every id across polls and windows (Beam state), and none already in the output.

    The streaming twin of ``DropSeen``; the output is in the global window
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
