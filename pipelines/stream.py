"""The streaming pipeline: poll the feeds for ever (or N times), write the same tables in fixed windows.

    akhbar stream --feeds configs/feeds.yaml --output data/live --poll-interval 300 --window-seconds 600

Shape (the batch stages reused wherever they work unbounded):

    PeriodicImpulse ─► PollFeeds (ETag per feed in Beam state) ─► DropSeenEntries (state per id, expiry timer)
      ─► FixedWindows ─► FetchPages ─► ExtractArticles ─► EnrichArticles
      ─► DropSeenArticles (state per final id) ─► FixedWindows ─► DeduplicateWindows (memory in state)
      ─► FixedWindows ─► WritePartitioned (one file per partition, shard and window)

The run leaves a marker (pipelines/housekeeping.py ``begin_run``) removed only on a clean stop:
a stream that is killed, cancelled or fails has its windows' entities and stories rebuilt from
its articles files by the next run on the output.
Each window's rows are written when the watermark passes the window's end, to file names
that carry the window start (``part-RUN-wYYYYMMDDTHHMMSSZ-0000.parquet``), each file on a
temporary name first, so a reader never sees half a window and no window overwrites another.
Pages are fetched when their window closes (the per-host politeness groups are per window),
so an article reaches the tables between one and two windows after its feed listed it.
An entry id is remembered as soon as the feed lists it: a page whose fetch failed (a reject)
is not fetched again by a later poll while its id is remembered (``--seen-ttl-days``); a batch
``akhbar ingest`` run picks it up, as it only skips ids present in the tables.
The feed validators live in Beam state only; ``state/feeds.parquet`` (batch) is read as the
starting point and never written by the stream.
On the DirectRunner ``--max-polls`` bounds the run (the tests use it); on Flink or Dataflow
leave it out and the job runs until cancelled or drained (see examples/RUNNERS.md).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.transforms import window
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.utils.timestamp import MAX_TIMESTAMP, Timestamp

from akhbar.pipelines.config import ConfigError
from akhbar.pipelines.ingest import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    IngestConfig,
    config_from_options,
    run_settings,
)
from akhbar.pipelines.options import bad_argument
from akhbar.transforms.stages.body import ArticlesFromEntries
from akhbar.transforms.stages.dedup import DeduplicateWindows
from akhbar.transforms.stages.fetch import PollFeeds
from akhbar.transforms.stages.seen import DropSeenStreaming, entry_article_id
from akhbar.transforms.stages.skeleton import REJECTS
from akhbar.transforms.stages.state import read_feed_state, recent_article_files

log = logging.getLogger("akhbar")


class StreamOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        group = parser.add_argument_group("akhbar stream")
        group.add_argument("--poll-interval", dest="poll_interval", type=float, default=300.0,
                           help="seconds between two polls of every feed (default: 300)")
        group.add_argument("--window-seconds", dest="window_seconds", type=float, default=None,
                           help="length of the fixed windows the tables are written in (default: the poll interval)")
        group.add_argument("--max-polls", dest="max_polls", type=int, default=None,
                           help="stop after N polls (default: run until cancelled); tests and one-off catch-ups use it")
        group.add_argument("--seen-ttl-days", dest="seen_ttl_days", type=float, default=None,
                           help="how long an article id and its dedup fingerprint are remembered (default: --lookback-days, or 30)")


@dataclass(frozen=True)
class StreamConfig:
    ingest: IngestConfig
    poll_interval: float
    window_seconds: float
    max_polls: int | None
    ttl_seconds: float


def stream_config_from_options(options: PipelineOptions) -> StreamConfig:
    ingest = config_from_options(options)
    opts = options.view_as(StreamOptions)
    if not opts.poll_interval > 0:
        raise ConfigError("--poll-interval must be more than 0 seconds")
    window_seconds = opts.window_seconds if opts.window_seconds is not None else opts.poll_interval
    if not window_seconds > 0:
        raise ConfigError("--window-seconds must be more than 0 seconds")
    if opts.max_polls is not None and opts.max_polls < 1:
        raise ConfigError("--max-polls must be at least 1")
    ttl_days = opts.seen_ttl_days if opts.seen_ttl_days is not None else (ingest.lookback_days or 30)
    if not ttl_days > 0:
        raise ConfigError("--seen-ttl-days must be more than 0")
    return StreamConfig(ingest, opts.poll_interval, window_seconds, opts.max_polls, ttl_days * 86400.0)


def build_stream_pipeline(p: beam.Pipeline, config: StreamConfig, start: float | None = None) -> dict:
    """Wire the unbounded pipeline; returns its PCollections (like ``ingest.build_pipeline``).

    ``start`` (epoch seconds) is the time of the first poll, default now.
    """
    ingest = config.ingest
    start = time.time() if start is None else start
    stop = (
        Timestamp.of(start + config.max_polls * config.poll_interval) if config.max_polls else MAX_TIMESTAMP
    )
    # Taken now, like the batch run: the stream never seeds itself from files it writes.
    seed_files = recent_article_files(ingest.output, ingest.lookback_days)
    windows = window.FixedWindows(config.window_seconds)
    feeds = ingest.feeds

    polled = (
        p
        | "Poll" >> PeriodicImpulse(start_timestamp=Timestamp.of(start), stop_timestamp=stop,
                                    fire_interval=config.poll_interval)
        | "EveryFeed" >> beam.FlatMap(lambda _tick: feeds)
        | "PollFeeds" >> PollFeeds(ingest.fetch, read_feed_state(ingest.output))
    )
    new_entries = polled.entries | "DropSeenEntries" >> DropSeenStreaming(
        "entries", entry_article_id, config.ttl_seconds, seed_files
    )
    tables = {"entries": new_entries, "feed_rejects": polled[REJECTS]} | "Articles" >> ArticlesFromEntries(
        run_settings(ingest),
        drop_seen_articles=DropSeenStreaming("articles", lambda a: a["article_id"], config.ttl_seconds, seed_files),
        deduplicate=DeduplicateWindows(config.ttl_seconds, seed_files),
        windowing=lambda: beam.WindowInto(windows),
    )
    return {
        "articles": tables["articles"],
        "stories": tables["stories"],
        "rejects": tables["rejects"],
        "feed_state": polled.state,
        "written": tables["written"],
    }


def run(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    problem = bad_argument(argv)
    if problem:
        print(f"akhbar stream: error: {problem} (see akhbar stream --help)", file=sys.stderr)
        return EXIT_CONFIG
    options = PipelineOptions(argv)
    options.view_as(StandardOptions).streaming = True
    try:
        config = stream_config_from_options(options)
    except ConfigError as exc:
        print(f"akhbar stream: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return run_stream(config, options)


def run_stream(config: StreamConfig, options: PipelineOptions, start: float | None = None) -> int:
    """Hold the output's lease for the whole stream (pipelines/lease.py): no ingest or compaction meanwhile."""
    from akhbar.pipelines.housekeeping import begin_run, end_run, tidy_output
    from akhbar.pipelines.lease import run_leased

    def leased(still_held) -> int:
        output, run_id = config.ingest.output, config.ingest.run_id
        tidy_output(output, run_id)
        # A stream killed or failed keeps its marker: the next run rebuilds the entities and
        # stories of the windows it wrote (housekeeping step 3), as for a killed ingest.
        begin_run(output, run_id, command="stream")
        code = _run_stream_leased(config, options, start)
        if not still_held():
            begin_run(output, run_id, command="stream")  # the new holder may have repaired it meanwhile
        elif code == EXIT_OK:
            end_run(output, run_id)
        return code

    return run_leased("stream", config.ingest.output, config.ingest.run_id, config.ingest.lock_timeout, leased)


def _run_stream_leased(config: StreamConfig, options: PipelineOptions, start: float | None) -> int:
    from akhbar.pipelines.report import log_stage_counts, progress_line, write_run_report

    ingest = config.ingest
    polls = f"{config.max_polls} polls" if config.max_polls else "until cancelled"
    log.info("stream %s: %d feeds every %gs, %gs windows, %s → %s", ingest.run_id, len(ingest.feeds),
             config.poll_interval, config.window_seconds, polls, ingest.output)
    options.view_as(StandardOptions).streaming = True
    started_at = datetime.now(UTC)
    try:
        with progress_line(), beam.Pipeline(options=options) as p:
            build_stream_pipeline(p, config, start)
        result = p.result
    except KeyboardInterrupt:
        print(f"akhbar stream: run {ingest.run_id} interrupted; windows already written stay", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        message = str(exc).splitlines()[0] if str(exc) else ""
        print(f"akhbar stream: run {ingest.run_id} failed: {type(exc).__name__}: {message}", file=sys.stderr)
        return EXIT_FAILED
    log_stage_counts(result, ingest.run_id)
    write_run_report(ingest.output, ingest.run_id, result, started_at, datetime.now(UTC))
    return EXIT_OK

