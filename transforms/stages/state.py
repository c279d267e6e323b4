"""What a run remembers of earlier runs, read from the output itself (no database).

    python -c "from akhbar.transforms.stages.state import read_feed_state; print(read_feed_state('data/demo'))"

- Feed state (ETag, Last-Modified, last success) lives in ``OUTPUT/state/feeds.parquet``.
  A run writes its rows to ``state/pending/RUN_ID.parquet``; only after the pipeline has
  finished successfully does the launcher merge them in (``commit_feed_state``), replacing the
  file atomically. A failed run thus never marks a feed as seen whose articles were not written.
- Article ids, content hashes and MinHash signatures of recent partitions are read back by
  ``ReadRecentArticles`` inside the pipeline, so they scale with the workers, not the launcher.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from akhbar.schemas import ARTICLES, FEED_STATE
from akhbar.transforms.stages import metrics
from akhbar.transforms.stages.files import write_table_atomically
from akhbar.transforms.stages.metrics import counter

_PARTITION_DATE = re.compile(r"/date=(\d{4}-\d{2}-\d{2})/")


def _state_path(output: str, *parts: str) -> str:
    return FileSystems.join(output, "state", *parts)


def read_feed_state(output: str) -> dict[str, dict]:
    path = _state_path(output, "feeds.parquet")
    if not FileSystems.exists(path):
        return {}
    with FileSystems.open(path) as fh:
        table = pq.read_table(fh, schema=FEED_STATE)
    return {row["feed_url"]: row for row in table.to_pylist()}


class _WritePendingStateFn(beam.DoFn):
    def __init__(self, output: str, run_id: str):
        self._output = output
        self._run_id = run_id

    def process(self, rows: list[dict]) -> Iterator[str]:
        path = _state_path(self._output, "pending", f"{self._run_id}.parquet")
        write_table_atomically(pa.Table.from_pylist(rows, schema=FEED_STATE), path)
        yield path


class WritePendingFeedState(beam.PTransform):
    """Feed-state rows of this run → state/pending/RUN_ID.parquet (merged by the launcher on success)."""

    def __init__(self, output: str, run_id: str):
        super().__init__()
        self._output = output
        self._run_id = run_id

    def expand(self, rows):
        return (
            rows
            | "CollectState" >> beam.combiners.ToList()
            | "WritePendingState" >> beam.ParDo(_WritePendingStateFn(self._output, self._run_id))
        )


def commit_feed_state(output: str, run_id: str) -> int:
    """Merge this run's pending feed state into state/feeds.parquet; returns the number of feeds known."""
    pending = _state_path(output, "pending", f"{run_id}.parquet")
    if not FileSystems.exists(pending):
        return len(read_feed_state(output))
    merged = read_feed_state(output)
    with FileSystems.open(pending) as fh:
        for row in pq.read_table(fh, schema=FEED_STATE).to_pylist():
            merged[row["feed_url"]] = row
    rows = sorted(merged.values(), key=lambda r: r["feed_url"])
    write_table_atomically(pa.Table.from_pylist(rows, schema=FEED_STATE), _state_path(output, "feeds.parquet"))
    FileSystems.delete([pending])
    return len(rows)


def recent_article_files(output: str, lookback_days: int, today: dt.date | None = None) -> list[str]:
    """Article files written, or dated, within the look-back (0 = all of them).

    A file counts when its partition date or its modification time lies within the window: an
    old article that a feed still lists was written recently, and must still be recognised.
    """
    pattern = FileSystems.join(output, "articles", "date=*", "topic=*", "part-*.parquet")
    try:
        matched = FileSystems.match([pattern])[0].metadata_list
    except Exception:  # no such directory yet: nothing written before
        return []
    cutoff_date = cutoff_time = None
    if lookback_days > 0:
        now = dt.datetime.now(dt.UTC)
        cutoff_date = ((today or now.date()) - dt.timedelta(days=lookback_days)).isoformat()
        cutoff_time = (now - dt.timedelta(days=lookback_days)).timestamp()
    paths = []
    for meta in matched:
        found = _PARTITION_DATE.search(meta.path.replace("\\", "/"))
        if not found:
            continue
        written = getattr(meta, "last_updated_in_seconds", None)
        if (
            cutoff_date is None
            or found.group(1) >= cutoff_date
            or (written is not None and written >= cutoff_time)
        ):
            paths.append(meta.path)
    return sorted(paths)


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


class _ReadColumnsFn(beam.DoFn):
    def __init__(self, columns: tuple[str, ...]):
        self._columns = columns

    def process(self, path: str) -> Iterator[dict]:
        yield from read_columns([path], self._columns)
        counter(metrics.RECENT_FILES_READ).inc()


class ReadRecentArticles(beam.PTransform):
    """PBegin → PCollection[dict] of chosen article columns from partitions within the look-back.

    The file list is taken when the pipeline is built, so a run never reads the files it writes.
    """

    def __init__(self, output: str, lookback_days: int, columns: tuple[str, ...]):
        super().__init__()
        unknown = set(columns) - set(ARTICLES.names)
        if unknown:
            raise ValueError(f"not article columns: {sorted(unknown)}")
        self._files = recent_article_files(output, lookback_days)
        self._columns = columns

    def expand(self, pbegin):
        return (
            pbegin
            | "ListRecentFiles" >> beam.Create(self._files or [None])
            | "DropNoFile" >> beam.Filter(lambda path: path is not None)
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadColumns" >> beam.ParDo(_ReadColumnsFn(self._columns))
        )
