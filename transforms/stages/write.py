"""Partitioned Parquet writing that never shows a half-written file: ``WritePartitioned``.

    python -m akhbar.pipelines.cli ingest --feeds configs/feeds.yaml --output data/live

Rows are keyed by (partition values, shard), grouped, and each group is streamed in batches
into ``pq.ParquetWriter`` (zstd) on a hidden temporary name in its partition directory
(``.part-RUN-SHARD.parquet.inprogress``: readers skip dot-files and globs on ``*.parquet``
never match it), then renamed to ``part-RUN-SHARD.parquet`` through Beam ``FileSystems``, so
the same code writes to local disk, gs:// or s3://. In a streaming run (elements in fixed
windows) the name also carries the window start, ``part-RUN-wYYYYMMDDTHHMMSSZ-SHARD.parquet``,
so each window adds its own files. A retried run with the same run id
overwrites only its own files. Partition values come only from slugs validated here:
a date that is not YYYY-MM-DD or a topic outside the vocabulary never reaches a path.
"""

from __future__ import annotations

import itertools
import os
import re
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow

from akhbar.schemas import (
    ARTICLES,
    ENTITIES,
    PARTITION_FIELDS,
    REJECTS,
    STORIES,
    file_schema,
    parquet_write_options,
)
from akhbar.schemas.rows import entity_rows
from akhbar.transforms.memory.rowpack import pack, unpack
from akhbar.transforms.stages import metrics
from akhbar.transforms.stages.files import atomic_output
from akhbar.transforms.stages.metrics import counter
from akhbar.transforms.text.topics import TopicVocabulary

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RUN_ID = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
BATCH_ROWS = 1000
FALLBACK_TOPIC = "general"


def valid_run_id(run_id: str) -> bool:
    return bool(_RUN_ID.match(run_id)) and run_id not in (".", "..")


def partition_values(table: str, schema: pa.Schema, row: dict) -> tuple[str, ...]:
    """The row's partition values, made safe for a path."""
    values = []
    for name in (f for f in PARTITION_FIELDS if f in schema.names):
        value = row.get(name)
        if name == "date":
            if not isinstance(value, str) or not _DATE.match(value):
                counter(metrics.invalid_partition(table, "date")).inc()
                value = "1970-01-01"
        elif name == "topic":
            if value not in TopicVocabulary.default().slugs:
                counter(metrics.invalid_partition(table, "topic")).inc()
                value = FALLBACK_TOPIC
        values.append(value)
    return tuple(values)


def partition_dir(output: str, table: str, schema: pa.Schema, values: tuple[str, ...]) -> str:
    names = [f for f in PARTITION_FIELDS if f in schema.names]
    parts = [f"{name}={value}" for name, value in zip(names, values, strict=True)]
    return FileSystems.join(output, table, *parts)


def write_parquet_atomically(rows: Iterable[dict], schema: pa.Schema, final_path: str) -> int:
    """Stream rows into a file that appears at final_path only when complete. Returns the row count."""
    target_schema = file_schema(schema)
    count = 0
    with atomic_output(final_path) as sink:
        # Dictionaries and statistics only where they pay (schemas.parquet_write_options): a
        # run writes many small files, and min/max of the bodies doubled each one's size.
        options = parquet_write_options(target_schema)
        with pq.ParquetWriter(sink, target_schema, compression="zstd", **options) as writer:
            batch: list[dict] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= BATCH_ROWS:
                    writer.write_table(pa.Table.from_pylist(batch, schema=target_schema))
                    count += len(batch)
                    batch = []
            if batch or count == 0:
                writer.write_table(pa.Table.from_pylist(batch, schema=target_schema))
                count += len(batch)
    return count


def window_tag(window) -> str:
    """``""`` in the global window (batch names unchanged), else ``-wYYYYMMDDTHHMMSSZ`` of the window start.

    A streaming run writes one file per (partition, shard, window): the window start in the
    name keeps every window's files apart, so a late firing or a retry of one window replaces
    only that window's file and never another's.
    """
    if isinstance(window, GlobalWindow) or not hasattr(window, "start"):
        return ""
    start = window.start.to_utc_datetime()
    tag = start.strftime("%Y%m%dT%H%M%S")
    if start.microsecond:
        tag += f".{start.microsecond:06d}"
    return f"-w{tag}Z"


def pause_for_fault_test(point: str) -> None:
    """Test hook: with ``AKHBAR_TEST_PAUSE=POINT:FLAGFILE`` set, touch FLAGFILE at POINT and sleep
    until the test deletes FLAGFILE (or 120 s pass).

    tests/test_output_integrity.py sets ``after_articles:…`` to SIGKILL a run at the worst
    moment (an articles file in place, its entities file not yet) deterministically, or to take
    its lease over there and let it go on (by deleting FLAGFILE), and
    ``before_swap:…`` to kill ``akhbar compact`` between its merged copy and the swap. Unset,
    it costs one environment look-up per written group.
    """
    wanted = os.environ.get("AKHBAR_TEST_PAUSE")
    if not wanted or not wanted.startswith(point + ":"):
        return
    flag_path = wanted[len(point) + 1:]
    with open(flag_path, "w", encoding="utf-8") as flag:
        flag.write(str(os.getpid()))
    deadline = time.monotonic() + 120
    while os.path.exists(flag_path) and time.monotonic() < deadline:
        time.sleep(0.1)


# A table whose rows all derive from one row of another table and share its partition (the
# entities of an article): written from the same group, so its rows never cross a shuffle.
Derived = Mapping[str, tuple[pa.Schema, Callable[[dict], Iterable[dict]]]]


class _WriteGroupFn(beam.DoFn):
    def __init__(self, output: str, table: str, schema: pa.Schema, run_id: str, derived: Derived):
        self._output = output
        self._table = table
        self._schema = schema
        self._run_id = run_id
        self._derived = dict(derived)

    def _write(self, table: str, schema: pa.Schema, values: tuple[str, ...], name: str, rows: Iterable[dict]) -> str:
        directory = partition_dir(self._output, table, schema, values)
        count = write_parquet_atomically(rows, schema, FileSystems.join(directory, name))
        counter(metrics.rows_written(table)).inc(count)
        counter(metrics.files_written(table)).inc()
        return FileSystems.join(directory, name)

    def process(
        self, keyed: tuple[tuple[tuple[str, ...], int], Iterable[bytes]], window=beam.DoFn.WindowParam
    ) -> Iterator[str]:
        (values, shard), packed = keyed
        name = f"part-{self._run_id}{window_tag(window)}-{shard:04d}.parquet"
        yield self._write(self._table, self._schema, values, name, (unpack(row) for row in packed))
        pause_for_fault_test(f"after_{self._table}")
        for table, (schema, rows_of) in self._derived.items():
            # A second pass over the group (Beam's grouped values are re-iterable): a derived
            # table gets a file only where it has rows, as if it had been grouped on its own.
            rows = (derived for row in packed for derived in rows_of(unpack(row)))
            first = next(rows, None)
            if first is not None:
                yield self._write(table, schema, values, name, itertools.chain([first], rows))


class WritePartitioned(beam.PTransform):
    """PCollection[dict] → hive-partitioned Parquet under OUTPUT/TABLE; returns the written paths.

    ``derived`` names tables whose rows come from each row (``{"entities": (ENTITIES,
    entity_rows)}``): they are written into the same partitions and shards from the same group.
    """

    def __init__(
        self, output: str, table: str, schema: pa.Schema, run_id: str, shards: int = 1, derived: Derived | None = None
    ):
        super().__init__()
        if not valid_run_id(run_id):
            raise ValueError(f"run id must match {_RUN_ID.pattern}: {run_id[:100]!r}")
        self._output = output
        self._table = table
        self._schema = schema
        self._run_id = run_id
        self._shards = max(1, shards)
        self._derived = dict(derived or {})

    def expand(self, rows):
        table, schema, shards = self._table, self._schema, self._shards
        id_field = schema.names[0]

        def key(row: dict):
            shard = zlib.crc32(str(row.get(id_field)).encode("utf-8")) % shards if shards > 1 else 0
            # Rows wait in the group packed (transforms/memory/rowpack.py): a few KB an article, not tens.
            return (partition_values(table, schema, row), shard), pack(row)

        return (
            rows
            | "KeyByPartition" >> beam.Map(key)
            | "GroupByPartition" >> beam.GroupByKey()
            | "WriteParquet" >> beam.ParDo(_WriteGroupFn(self._output, table, schema, self._run_id, self._derived))
        )


class WriteRunTables(beam.PTransform):
    """``{"articles", "stories", "rejects"}`` PCollections of a run → their partitioned tables,
    the ``entities`` table written from the articles' own groups (mentions never cross a
    shuffle); returns the written paths per table. Batch and streaming runs write alike."""

    def __init__(self, output: str, run_id: str, shards: int = 1):
        super().__init__()
        self._output = output
        self._run_id = run_id
        self._shards = shards

    def expand(self, tables: dict) -> dict:
        output, run_id = self._output, self._run_id
        return {
            "articles": tables["articles"] | "WriteArticles" >> WritePartitioned(
                output, "articles", ARTICLES, run_id, self._shards, derived={"entities": (ENTITIES, entity_rows)}
            ),
            "stories": tables["stories"] | "WriteStories" >> WritePartitioned(output, "stories", STORIES, run_id),
            "rejects": tables["rejects"] | "WriteRejects" >> WritePartitioned(output, "rejects", REJECTS, run_id),
        }

