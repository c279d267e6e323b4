"""The batch pipeline: feeds in, partitioned Parquet out.

    akhbar ingest --feeds configs/feeds.yaml --output data/live [--runner DirectRunner ...]

``build_pipeline(p, config)`` wires the stages and returns the output PCollections, so tests
reach every one of them; ``run(argv)`` parses options, runs, and commits the feed state only
once the pipeline has finished successfully.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from akhbar.pipelines.config import ConfigError, load_feeds
from akhbar.pipelines.options import IngestOptions, bad_argument, new_run_id
from akhbar.schemas import FeedSpec
from akhbar.schemas.rows import RECENT_ARTICLE_COLUMNS
from akhbar.transforms.article import ExtractSettings
from akhbar.transforms.stages.body import ArticlesFromEntries, RunSettings
from akhbar.transforms.stages.dedup import DeduplicateArticles
from akhbar.transforms.stages.fetch import FetchFeeds
from akhbar.transforms.stages.seen import DropSeen, entry_article_id
from akhbar.transforms.stages.state import (
    ReadRecentArticles,
    WritePendingFeedState,
    commit_feed_state,
    read_feed_state,
)
from akhbar.transforms.stages.templates import CleanWithLearntTemplates, commit_template_state
from akhbar.transforms.stages.write import valid_run_id
from akhbar.transforms.web.http import FetchSettings

log = logging.getLogger("akhbar")

EXIT_OK, EXIT_CONFIG, EXIT_FAILED = 0, 2, 3
# For schedulers: 4 the output is leased to another live run (retry later), 5 not one feed could
# be fetched (network or feeds down), 6 fewer articles than --min-articles. Each prints one line.
EXIT_LOCKED, EXIT_NO_FEEDS, EXIT_TOO_FEW = 4, 5, 6
EXIT_CODES_HELP = (
    "Exit codes: 0 run completed (rejects included); 2 unusable arguments, config or output "
    "(not writable); 3 run failed (a rerun repairs what it left); 4 output locked by another live "
    "run (the message names it; see --lock-timeout); 5 no feed could be fetched at all; "
    "6 fewer articles written than --min-articles."
)


@dataclass(frozen=True)
class IngestConfig:
    feeds: list[FeedSpec]
    output: str
    run_id: str
    fetch: FetchSettings = field(default_factory=FetchSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    lookback_days: int = 30
    shards_per_partition: int = 1
    lock_timeout: float = 0.0
    min_articles: int = 0


def config_from_options(options: PipelineOptions) -> IngestConfig:
    opts = options.view_as(IngestOptions)
    if not opts.feeds:
        raise ConfigError("--feeds is required")
    if not opts.output:
        raise ConfigError("--output is required")
    run_id = opts.run_id or new_run_id()
    if not valid_run_id(run_id):
        raise ConfigError(f"--run-id may hold only letters, digits, '.', '_' and '-': {run_id[:80]!r}")
    for name in ("per_host_concurrency", "max_bytes", "shards_per_partition"):
        if getattr(opts, name) < 1:
            raise ConfigError(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("per_host_delay", "connect_timeout", "read_timeout", "total_timeout", "max_retries", "lookback_days",
                 "min_words", "lock_timeout", "min_articles"):
        if getattr(opts, name) < 0:
            raise ConfigError(f"--{name.replace('_', '-')} must not be negative")
    for network in opts.allow_private_networks or ():
        try:
            ipaddress.ip_network(network)
        except ValueError:
            raise ConfigError(f"--allow-private-network: not a network: {network[:60]!r}") from None
    return IngestConfig(
        feeds=load_feeds(opts.feeds),
        output=opts.output.rstrip("/"),
        run_id=run_id,
        fetch=FetchSettings(
            connect_timeout=opts.connect_timeout,
            read_timeout=opts.read_timeout,
            total_timeout=opts.total_timeout,
            max_retries=opts.max_retries,
            max_bytes=opts.max_bytes,
            allow_private_hosts=opts.allow_private_hosts,
            allowed_private_networks=tuple(opts.allow_private_networks or ()),
            respect_robots=not opts.ignore_robots,
            per_host_delay=opts.per_host_delay,
            per_host_concurrency=opts.per_host_concurrency,
        ),
        extract=ExtractSettings(min_words=opts.min_words),
        lookback_days=opts.lookback_days,
        shards_per_partition=opts.shards_per_partition,
        lock_timeout=opts.lock_timeout,
        min_articles=opts.min_articles,
    )


def _article_order(article: dict):
    # The earliest-published copy wins; ties broken by names so every runner picks the same one.
    published = article.get("published_at")
    return (published.isoformat() if published else "9999", article.get("source") or "", article.get("url") or "")


def run_settings(config: IngestConfig) -> RunSettings:
    return RunSettings(config.output, config.run_id, config.fetch, config.extract, config.shards_per_partition)


def build_pipeline(p: beam.Pipeline, config: IngestConfig) -> dict[str, beam.PCollection]:
    prior_state = read_feed_state(config.output)

    feeds = p | "ReadFeeds" >> beam.Create(config.feeds)
    fetched = feeds | "FetchFeeds" >> FetchFeeds(config.fetch, prior_state)
    recent = p | "ReadRecentArticles" >> ReadRecentArticles(config.output, config.lookback_days, RECENT_ARTICLE_COLUMNS)
    seen_ids = recent | "SeenIds" >> beam.Map(lambda row: row["article_id"])

    new_entries = fetched.entries | "DropSeenEntries" >> DropSeen(
        "entries", entry_article_id, lambda e: (e.feed_url, e.url), seen_ids
    )
    tables = {"entries": new_entries, "feed_rejects": fetched.rejects} | "Articles" >> ArticlesFromEntries(
        run_settings(config),
        drop_seen_articles=DropSeen("articles", lambda a: a["article_id"], _article_order, seen_ids),
        deduplicate=DeduplicateArticles(prior=recent),
        # Lines that recur across an outlet's articles are its template (this run + earlier runs).
        clean_templates=CleanWithLearntTemplates(config.output, config.run_id, config.extract.min_words),
    )
    written = tables["written"]
    written["state"] = fetched.state | "WriteFeedState" >> WritePendingFeedState(config.output, config.run_id)
    written["templates"] = tables["templates"]
    return {
        "articles": tables["articles"],
        "stories": tables["stories"],
        "rejects": tables["rejects"],
        "feed_state": fetched.state,
        "written": written,
    }


def run(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    problem = bad_argument(argv)
    if problem:
        print(f"akhbar ingest: error: {problem} (see akhbar ingest --help)", file=sys.stderr)
        return EXIT_CONFIG
    options = PipelineOptions(argv)
    try:
        config = config_from_options(options)
    except ConfigError as exc:
        print(f"akhbar ingest: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return run_config(config, options)


def run_config(config: IngestConfig, options: PipelineOptions) -> int:
    """Check the output, take its lease (pipelines/lease.py), tidy it (pipelines/housekeeping.py), run."""
    from akhbar.pipelines.lease import run_leased

    return run_leased("ingest", config.output, config.run_id, config.lock_timeout,
                      lambda still_held: _run_leased(config, options, still_held))


def _run_leased(config: IngestConfig, options: PipelineOptions, still_held: Callable[[], bool]) -> int:
    from akhbar.pipelines import housekeeping
    from akhbar.pipelines.report import log_stage_counts, progress_line, write_run_report

    housekeeping.tidy_output(config.output, config.run_id)
    housekeeping.begin_run(config.output, config.run_id)
    log.info("run %s: %d feeds → %s", config.run_id, len(config.feeds), config.output)
    started_at = datetime.now(UTC)
    quiet = not log.isEnabledFor(logging.INFO)
    try:
        with (contextlib.nullcontext() if quiet else progress_line(len(config.feeds))), \
                beam.Pipeline(options=options) as p:
            build_pipeline(p, config)
        result = p.result
    except Exception as exc:
        message = str(exc).splitlines()[0] if str(exc) else ""
        print(f"akhbar ingest: run {config.run_id} failed: {type(exc).__name__}: {message}", file=sys.stderr)
        return EXIT_FAILED
    if not still_held():
        # Another run owns the output now and may already have repaired (and unmarked) this
        # run: mark it again so the next run completes whatever it wrote since. Commit nothing.
        housekeeping.begin_run(config.output, config.run_id)
        return EXIT_FAILED  # run_leased prints the one line naming the new holder
    reached, tried = housekeeping.feeds_reached(config.output, config.run_id)
    commit_feed_state(config.output, config.run_id)
    commit_template_state(config.output, config.run_id)
    housekeeping.end_run(config.output, config.run_id)
    counters = log_stage_counts(result, config.run_id)
    write_run_report(config.output, config.run_id, result, started_at, datetime.now(UTC))
    if tried and not reached:
        print(f"akhbar ingest: run {config.run_id}: none of {tried} feeds could be fetched", file=sys.stderr)
        return EXIT_NO_FEEDS
    written = counters.get("articles.rows_written", 0)
    if written < config.min_articles:
        print(f"akhbar ingest: run {config.run_id}: {written} articles written, fewer than --min-articles "
              f"{config.min_articles}", file=sys.stderr)
        return EXIT_TOO_FEW
    return EXIT_OK
