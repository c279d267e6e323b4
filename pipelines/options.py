"""Options of ``akhbar ingest``: a Beam ``PipelineOptions`` subclass, so every Beam flag works beside them.

    akhbar ingest --help
"""

from __future__ import annotations

import argparse
import secrets
from datetime import UTC, datetime

from apache_beam.options.pipeline_options import PipelineOptions


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


class IngestOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        group = parser.add_argument_group("akhbar ingest")
        group.add_argument("--feeds", required=False, help="feeds file (YAML, top-level 'feeds:' list)")
        group.add_argument("--output", required=False, help="output root: local path, gs:// or s3://")
        group.add_argument("--run-id", dest="run_id", default=None,
                           help="id of this run, used in file names; a retried run with the same id overwrites only its own files (default: UTC time + random suffix)")
        group.add_argument("--lookback-days", dest="lookback_days", type=int, default=30,
                           help="skip articles already written in partitions of the last N days; 0 = all partitions (default: 30)")
        group.add_argument("--per-host-delay", dest="per_host_delay", type=float, default=1.0,
                           help="minimum seconds between two requests to one host per connection slot (default: 1.0)")
        group.add_argument("--per-host-concurrency", dest="per_host_concurrency", type=int, default=2,
                           help="connection slots per host across all workers (default: 2)")
        group.add_argument("--connect-timeout", dest="connect_timeout", type=float, default=5.0,
                           help="seconds to connect (default: 5)")
        group.add_argument("--read-timeout", dest="read_timeout", type=float, default=15.0,
                           help="seconds between two bytes of a response (default: 15)")
        group.add_argument("--total-timeout", dest="total_timeout", type=float, default=30.0,
                           help="wall-clock seconds for one request attempt, redirects included: stops slow-drip bodies (default: 30)")
        group.add_argument("--max-retries", dest="max_retries", type=int, default=3,
                           help="retries on 429, 5xx and connection errors (default: 3)")
        group.add_argument("--max-bytes", dest="max_bytes", type=int, default=10_000_000,
                           help="largest response body accepted, after decompression (default: 10000000)")
        group.add_argument("--allow-private-hosts", dest="allow_private_hosts", action="store_true", default=False,
                           help="allow loopback/private addresses (tests and the demo serve from 127.0.0.1)")
        group.add_argument("--allow-private-network", dest="allow_private_networks", action="append", default=[],
                           metavar="CIDR",
                           help="allow this one private network (repeatable), e.g. 127.0.0.1/32 for a local test server; every other private address stays refused")
        group.add_argument("--ignore-robots", dest="ignore_robots", action="store_true", default=False,
                           help="do not fetch or obey robots.txt (only for sites you own)")
        group.add_argument("--min-words", dest="min_words", type=int, default=40,
                           help="articles with fewer words after cleaning are rejected as too_short (default: 40)")
        group.add_argument("--shards-per-partition", dest="shards_per_partition", type=int, default=1,
                           help="files per date/topic partition and run (default: 1)")
        group.add_argument("--lock-timeout", dest="lock_timeout", type=float, default=0.0,
                           help="seconds to wait for another run's lease on the output before exiting with code 4 "
                           "(default: 0, exit at once); see pipelines/lease.py")
        group.add_argument("--min-articles", dest="min_articles", type=int, default=0,
                           help="exit with code 6 when the run writes fewer articles than this (default: 0)")


class RaisingParser(argparse.ArgumentParser):
    # argparse's own error() prints the whole usage and exits; a launcher wants one line.
    def error(self, message: str):
        raise ValueError(message)


def bad_argument(argv: list[str]) -> str | None:
    """One line naming the first unknown argument or unusable value (``--per-host-delay abc``), else None."""
    try:
        unknown = _known_options_parser().parse_known_args(argv)[1]
    except ValueError as exc:
        return str(exc)
    return f"unknown argument {unknown[0]!r}" if unknown else None


def _known_options_parser() -> argparse.ArgumentParser:
    parser = RaisingParser(add_help=False, allow_abbrev=False)
    seen: set[type] = set()

    def register(cls: type) -> None:
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                try:
                    sub._add_argparse_args(parser)
                except argparse.ArgumentError:
                    pass  # two options classes declaring the same flag: already known
                register(sub)

    register(PipelineOptions)
    return parser
