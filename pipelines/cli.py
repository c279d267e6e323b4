"""The ``akhbar`` command (also ``python -m akhbar``): ingest, stream, extract, demo, report.

    akhbar --help
"""

from __future__ import annotations

import argparse
import logging
import sys


def _quiet_beam_import_noise(record: logging.LogRecord) -> bool:
    # Beam's GCP module warns on import when the optional BigQuery client is absent; we use neither.
    return "apitools not found" not in record.getMessage()


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _logging_flags(args: list[str]) -> tuple[list[str], str]:
    """Take ``--log-level LEVEL`` / ``--quiet`` (= WARNING) out of the arguments; returns (rest, level).

    Raises ValueError with one line for an unknown level.
    """
    rest, level, index = [], "INFO", 0
    while index < len(args):
        arg = args[index]
        if arg in ("-q", "--quiet"):
            level = "WARNING"
        elif arg == "--log-level" or arg.startswith("--log-level="):
            value = arg.partition("=")[2] if "=" in arg else (args[index + 1] if index + 1 < len(args) else "")
            index += 0 if "=" in arg else 1
            if value.upper() not in LOG_LEVELS:
                raise ValueError(f"--log-level must be one of {', '.join(LOG_LEVELS)}, not {value[:20]!r}")
            level = value.upper()
        else:
            rest.append(arg)
        index += 1
    return rest, level


def _add_logging_help(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("logging")
    group.add_argument("--log-level", choices=LOG_LEVELS, default="INFO",
                       help="akhbar's log level (default: INFO: stage counts, report path)")
    group.add_argument("-q", "--quiet", action="store_true",
                       help="only warnings and errors, no progress line (same as --log-level WARNING)")


def _ingest_help_parser() -> argparse.ArgumentParser:
    from akhbar.pipelines.ingest import EXIT_CODES_HELP
    from akhbar.pipelines.options import IngestOptions

    parser = argparse.ArgumentParser(
        prog="akhbar ingest",
        description="Fetch the feeds, extract and enrich the articles, write partitioned Parquet.",
        epilog="Any Apache Beam pipeline option is accepted too, e.g. --runner FlinkRunner, "
        "--direct_running_mode multi_processing --direct_num_workers 2. "
        "`akhbar compact OUTPUT` merges small files (see akhbar compact --help). "
        + EXIT_CODES_HELP,
    )
    IngestOptions._add_argparse_args(parser)
    _add_logging_help(parser)
    return parser


def _stream_help_parser() -> argparse.ArgumentParser:
    from akhbar.pipelines.options import IngestOptions
    from akhbar.pipelines.stream import StreamOptions

    parser = argparse.ArgumentParser(
        prog="akhbar stream",
        description="Poll the feeds every --poll-interval seconds (an unbounded Beam pipeline) and write "
        "the same tables in fixed windows.",
        epilog="Any Apache Beam pipeline option is accepted too, e.g. --runner FlinkRunner --flink_master HOST:8081, "
        "or --runner DataflowRunner ... (streaming is switched on). Exit codes: 0 stopped after --max-polls, "
        "2 unusable arguments or config, 3 run failed or interrupted.",
    )
    StreamOptions._add_argparse_args(parser)
    IngestOptions._add_argparse_args(parser)
    _add_logging_help(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        argv, level = _logging_flags(argv)
    except ValueError as exc:
        print(f"akhbar: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=getattr(logging, level), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("akhbar").setLevel(getattr(logging, level))
    logging.getLogger().addFilter(_quiet_beam_import_noise)
    # Beam's own INFO lines drown the stage counts; warnings still show.
    logging.getLogger("apache_beam").setLevel(max(logging.WARNING, getattr(logging, level)))
    commands = {"ingest": "run the batch pipeline", "extract": "extract articles from files on disk",
                "demo": "run the pipeline on the bundled sample corpus",
                "stream": "poll the feeds continuously (unbounded pipeline, fixed windows)",
                "report": "regenerate the HTML/JSON report of a past run",
                "compact": "merge each partition's small files into one (takes the output's lease)"}
    if argv and argv[0] in ("-V", "--version"):
        from akhbar import __version__

        print(f"akhbar {__version__}")
        return 0
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in commands:
        print("usage: akhbar {" + ",".join(commands) + "} [--help] ...\n       akhbar --version\n")
        for name, text in commands.items():
            print(f"  {name:<8} {text}")
        known = bool(argv) and argv[0] in ("-h", "--help")
        if argv and not known:
            print(f"\nakhbar: error: unknown command {argv[0]!r}", file=sys.stderr)
        return 0 if known or not argv else 2
    command, rest = argv[0], argv[1:]
    if command == "ingest":
        if "-h" in rest or "--help" in rest:
            _ingest_help_parser().print_help()
            return 0
        from akhbar.pipelines.ingest import run

        return run(rest)
    if command == "stream":
        if "-h" in rest or "--help" in rest:
            _stream_help_parser().print_help()
            return 0
        from akhbar.pipelines.stream import run as run_stream

        return run_stream(rest)
    if command == "report":
        from akhbar.pipelines.report import run_report_cli

        return run_report_cli(rest)
    if command == "compact":
        from akhbar.pipelines.compact import run as run_compact

        return run_compact(rest)
    if command == "extract":
        from akhbar.pipelines.extract_cli import run as run_extract

        return run_extract(rest)
    from akhbar.pipelines.demo import run as run_demo

    return run_demo(rest)


if __name__ == "__main__":
    sys.exit(main())
