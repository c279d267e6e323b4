"""The batch pipeline: feeds in, partitioned Parquet out.

    akhbar ingest --feeds configs/feeds.yaml --output data/live [--runner DirectRunner ...]

``build_pipeline(p, config)`` wires the stages and returns the output PCollections, so tests
reach every one of them; ``run(argv)`` parses options, runs, and commits the feed state only
once the pipeline has finished successfully.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from akhbar.pipelines.config import ConfigError, load_feeds
from akhbar.pipelines.options import IngestOptions, new_run_id, unknown_arguments
from akhbar.schemas import FeedSpec, Reject
from akhbar.transforms.article import ExtractSettings
from akhbar.transforms.stages.dedup import DeduplicateArticles
from akhbar.transforms.stages.extract import DropSeen, EnrichArticles, ExtractArticles, entry_article_id
from akhbar.transforms.stages.fetch import FetchFeeds, FetchPages
from akhbar.transforms.stages.state import (
    ReadRecentArticles,
    WritePendingFeedState,
    commit_feed_state,
    read_feed_state,
)
from akhbar.transforms.stages.write import WriteRunTables, valid_run_id
from akhbar.transforms.web.http import FetchSettings

log = logging.getLogger("akhbar")

EXIT_OK, EXIT_CONFIG, EXIT_FAILED = 0, 2, 3
# Columns read back from recent partitions: ids for DropSeen, signatures and stories for dedup.
PRIOR_COLUMNS = (
    "article_id", "content_hash", "minhash", "story_id", "published_at", "source", "title", "entities", "dates_mentioned",
    "lead",  # the standfirst: event grouping's text for rows of earlier runs (their body is not read back)
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
                 "min_words"):
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
    )


def _article_order(article: dict):
    # The earliest-published copy wins; ties broken by names so every runner picks the same one.
    published = article.get("published_at")
    return (published.isoformat() if published else "9999", article.get("source") or "", article.get("url") or "")


def build_pipeline(p: beam.Pipeline, config: IngestConfig) -> dict[str, beam.PCollection]:
    run_id = config.run_id
    prior_state = read_feed_state(config.output)

    feeds = p | "ReadFeeds" >> beam.Create(config.feeds)
    fetched = feeds | "FetchFeeds" >> FetchFeeds(config.fetch, prior_state)
    recent = p | "ReadRecentArticles" >> ReadRecentArticles(config.output, config.lookback_days, PRIOR_COLUMNS)
    seen_ids = recent | "SeenIds" >> beam.Map(lambda row: row["article_id"])

    new_entries = fetched.entries | "DropSeenEntries" >> DropSeen(
        "entries", entry_article_id, lambda e: (e.feed_url, e.url), seen_ids
    )
    pages = new_entries | "FetchPages" >> FetchPages(config.fetch)
    extracted = pages["pages"] | "ExtractArticles" >> ExtractArticles(run_id, config.extract)
    enriched = extracted.articles | "EnrichArticles" >> EnrichArticles()
    # The page's rel=canonical can differ from the feed link: drop again by the final id.
    unique = enriched.articles | "DropSeenArticles" >> DropSeen(
        "articles", lambda a: a["article_id"], _article_order, seen_ids
    )
    deduplicated = unique | "Deduplicate" >> DeduplicateArticles(prior=recent)
    articles = deduplicated["articles"]

    def stamp_story(row: dict) -> dict:
        first_seen = row.get("first_seen")
        return {**row, "run_id": run_id, "date": first_seen.strftime("%Y-%m-%d") if first_seen else None}

    stories = deduplicated["stories"] | "StampStories" >> beam.Map(stamp_story)
    rejects = (
        (fetched.rejects, pages["rejects"], extracted.rejects, enriched.rejects)
        | "FlattenRejects" >> beam.Flatten()
        | "RejectRows" >> beam.Map(lambda reject: Reject.to_row(reject, run_id))
    )

    shards = config.shards_per_partition
    tables = {"articles": articles, "stories": stories, "rejects": rejects}
    written = tables | "WriteTables" >> WriteRunTables(config.output, run_id, shards)
    written["state"] = fetched.state | "WriteFeedState" >> WritePendingFeedState(config.output, run_id)
    return {
        "articles": articles,
        "stories": stories,
        "rejects": rejects,
        "feed_state": fetched.state,
        "written": written,
    }


def run(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    unknown = unknown_arguments(argv)
    if unknown:
        print(f"akhbar ingest: error: unknown argument {unknown[0]!r} (see akhbar ingest --help)", file=sys.stderr)
        return EXIT_CONFIG
    options = PipelineOptions(argv)
    try:
        config = config_from_options(options)
    except ConfigError as exc:
        print(f"akhbar ingest: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return run_config(config, options)


def run_config(config: IngestConfig, options: PipelineOptions) -> int:
    from akhbar.pipelines.report import log_stage_counts, progress_line, write_run_report

    log.info("run %s: %d feeds → %s", config.run_id, len(config.feeds), config.output)
    started_at = datetime.now(UTC)
    try:
        with progress_line(len(config.feeds)), beam.Pipeline(options=options) as p:
            build_pipeline(p, config)
        result = p.result
    except Exception as exc:
        message = str(exc).splitlines()[0] if str(exc) else ""
        print(f"akhbar ingest: run {config.run_id} failed: {type(exc).__name__}: {message}", file=sys.stderr)
        return EXIT_FAILED
    commit_feed_state(config.output, config.run_id)
    log_stage_counts(result, config.run_id)
    write_run_report(config.output, config.run_id, result, started_at, datetime.now(UTC))
    return EXIT_OK
