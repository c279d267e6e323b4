"""What a run did: counts per stage for the log, the run report (JSON + HTML), the progress line.

    akhbar report data/demo [--run-id RUN_ID]     # regenerate OUTPUT/reports/RUN_ID.{json,html}

Every successful ``akhbar ingest`` (and every bounded ``akhbar stream``) calls
``write_run_report``: it writes ``OUTPUT/reports/RUN_ID.json`` with the run's Beam metrics
and the figures read back from the tables (rows with this ``run_id``), and
``OUTPUT/reports/RUN_ID.html``, a self-contained page (inline CSS and SVG, no script, no
network) rendered by ``pipelines.report_html``. ``akhbar report`` rebuilds both for any past
run from the JSON's metrics and the tables as they are now.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, TextIO

from apache_beam.metrics.metric import MetricsFilter

from akhbar.transforms.stages import metrics as counter_names
from akhbar.transforms.stages.metrics import (
    FLOW,
    LATENCY_PREFIX,
    NAMESPACE,
    TIMED_STAGES,
    LocalTally,
    histogram,
    percentile_ms,
)
from akhbar.transforms.text.entities import most_frequent_display

log = logging.getLogger("akhbar")

REPORT_VERSION = 1
TOP_N = 15
METRICS_THREAD_STACK = 512 * 1024 * 1024  # virtual memory, touched only as deep as the chain goes
METRICS_RECURSION_LIMIT = 200_000


# --------------------------------------------------------------------------- metrics


def _query_metrics(result) -> dict:
    """``result.metrics().query(...)`` for the akhbar namespace, with room for Beam's per-bundle chain.

    The FnApiRunner (the DirectRunner's engine) merges each bundle's metrics into a lazy chain
    of generators, one level per bundle (apache_beam 2.77, fn_runner.py). A streaming run on it
    has thousands of bundles (every wait of PeriodicImpulse is one), and the first read of the
    metrics then overflows the default recursion limit. So read them once in a thread with a
    large stack and a raised limit; other runners return at the first level and pay nothing.
    """
    box: dict[str, Any] = {}

    def read() -> None:
        try:
            box["value"] = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    old_limit, old_stack = sys.getrecursionlimit(), threading.stack_size()
    try:
        threading.stack_size(METRICS_THREAD_STACK)
        sys.setrecursionlimit(max(old_limit, METRICS_RECURSION_LIMIT))
        reader = threading.Thread(target=read, name="akhbar-metrics")
        reader.start()
        reader.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]
    return box["value"]


def metric_values(result) -> tuple[dict[str, int], dict[str, dict]]:
    """(counters, distributions) of the akhbar namespace, summed over steps."""
    queried = _query_metrics(result)
    counters: dict[str, int] = {}
    for item in queried["counters"]:
        value = item.committed if item.committed is not None else item.attempted
        counters[item.key.metric.name] = counters.get(item.key.metric.name, 0) + (value or 0)
    distributions: dict[str, dict] = {}
    for item in queried["distributions"]:
        value = item.committed if item.committed is not None else item.attempted
        if value is None or not value.count:
            continue
        known = distributions.setdefault(item.key.metric.name, {"count": 0, "sum": 0, "min": value.min, "max": value.max})
        known["count"] += value.count
        known["sum"] += value.sum
        known["min"] = min(known["min"], value.min)
        known["max"] = max(known["max"], value.max)
    return counters, distributions


def latency_summary(counters: dict[str, int], distributions: dict[str, dict]) -> dict[str, dict]:
    """Per timed stage: n, mean, p50/p90/p99 (from the histogram buckets) and max, in ms."""
    summary = {}
    for name, dist in distributions.items():
        if not name.endswith("_ms") or not dist.get("count"):
            continue
        buckets = histogram(counters, name)
        lowest, highest = float(dist["min"]), float(dist["max"])
        row = {"count": dist["count"], "total_ms": dist["sum"], "mean": dist["sum"] / dist["count"],
               "min": dist["min"], "max": dist["max"]}
        for label, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
            value = percentile_ms(buckets, q, lowest, highest) if buckets else None
            row[label] = round(value, 1) if value is not None else None
        summary[name] = row
    return summary


def log_stage_counts(result, run_id: str) -> dict[str, int]:
    counters, distributions = metric_values(result)
    for name in sorted(counters):
        if not name.startswith(LATENCY_PREFIX):  # histogram buckets: summarised below
            log.info("run %s: %s = %d", run_id, name, counters[name])
    for name, row in sorted(latency_summary(counters, distributions).items()):
        log.info("run %s: %s: n=%d mean=%.1f p50=%s p90=%s p99=%s max=%d", run_id, name, row["count"],
                 row["mean"], row["p50"], row["p90"], row["p99"], row["max"])
    return counters


# --------------------------------------------------------------------------- tables


def _ranked_counts(counts: Counter) -> list[list]:
    named = Counter()
    for value, n in counts.items():
        named["(none)" if value is None else str(value)] += n
    return [[k, n] for k, n in sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))]


def _iter_rows(output: str, table: str, run_id: str, columns: list[str]) -> Iterator[dict]:
    """The rows ``run_id`` wrote to ``table`` (only ``columns``), one file at a time.

    A run of N articles leaves hundreds of small partition files; scanning them as one Arrow
    dataset held ~70 KB per article at its peak (measured at N = 3,000), so a local output
    is read file by file and folded into counters as it goes: memory stays flat in N.
    """
    import os
    from pathlib import Path

    import pyarrow.parquet as pq

    from akhbar import schemas

    root = os.path.join(output, table)
    if not os.path.isdir(root):  # an object store: Arrow's dataset over the filesystem, in batches
        import pyarrow.dataset as ds

        dataset = schemas.read_dataset(output, table)
        for batch in dataset.to_batches(columns=columns, filter=ds.field("run_id") == run_id):
            yield from batch.to_pylist()
        return
    partition_columns = [c for c in columns if c in schemas.PARTITION_FIELDS]
    file_columns = [c for c in columns if c not in schemas.PARTITION_FIELDS]
    # File names carry the run id (transforms/stages/write.py: part-RUN[-wWINDOW]-SHARD.parquet): read
    # only this run's files; the exact pattern keeps run "r1" off the files of a run "r1-b".
    own_file = re.compile(rf"part-{re.escape(run_id)}(?:-w[0-9T.]+Z)?-\d{{4}}\.parquet")
    for path in sorted(Path(root).rglob(f"part-{run_id}-*.parquet")):
        if not own_file.fullmatch(path.name):
            continue
        partition = dict(
            part.split("=", 1) for part in path.relative_to(root).parent.parts if "=" in part
        )
        fixed = {column: _partition_value(column, partition.get(column)) for column in partition_columns}
        parquet = pq.ParquetFile(path)
        # Files written before a column existed (schema versions) lack it: it reads as null.
        present = [c for c in file_columns if c in parquet.schema_arrow.names]
        table = parquet.read(columns=present, use_threads=False)
        missing = dict.fromkeys(c for c in file_columns if c not in present)
        values = [table.column(column).to_pylist() for column in present]
        for row_values in zip(*values, strict=True):
            yield {**dict(zip(present, row_values, strict=True)), **missing, **fixed}


def _partition_value(column: str, text: str | None):
    if column == "date" and text:
        return date.fromisoformat(text)
    return text


UNDATED_WARN_SHARE = 0.5  # a source whose articles are mostly dated by the fetch time has a date problem


def undated_source_warnings(date_sources: dict[str, Counter]) -> list[str]:
    """One line per source most of whose articles found no publication date (``date_source`` fetched)."""
    warnings = []
    for source, counts in sorted(date_sources.items()):
        total = sum(counts.values())
        fetched = counts.get("fetched", 0)
        if total and fetched / total > UNDATED_WARN_SHARE:
            warnings.append(f"{source}: {fetched} of {total} articles have no publication date "
                            "(date_source fetched: dated by the fetch time, published_at null)")
    return warnings


def table_figures(output: str, run_id: str) -> dict[str, Any]:
    """Everything the report shows that comes from the rows this run wrote, folded row by row."""
    articles = 0
    by_source, by_topic, by_day, by_language = Counter(), Counter(), Counter(), Counter()
    exact = near = 0
    date_sources: dict[str, Counter] = {}
    for row in _iter_rows(output, "articles", run_id,
                          ["source", "topic", "date", "language", "duplicate_of", "near_duplicate_of", "date_source"]):
        articles += 1
        by_source[row["source"]] += 1
        date_sources.setdefault(row["source"] or "(none)", Counter())[row["date_source"] or "(none)"] += 1
        by_topic[row["topic"]] += 1
        by_day[row["date"]] += 1
        by_language[row["language"]] += 1
        exact += bool(row["duplicate_of"])
        near += bool(row["near_duplicate_of"])

    rejects = 0
    by_reason, by_stage, rejects_by_source = Counter(), Counter(), Counter()
    by_reason_source: dict[str, Counter] = {}
    for row in _iter_rows(output, "rejects", run_id, ["reason", "stage", "source"]):
        rejects += 1
        by_reason[row["reason"]] += 1
        by_stage[row["stage"]] += 1
        rejects_by_source[row["source"]] += 1
        by_reason_source.setdefault(row["reason"] or "(none)", Counter())[row["source"] or "(none)"] += 1

    entity_mentions = 0
    mentions: Counter = Counter()
    for row in _iter_rows(output, "entities", run_id, ["canonical"]):
        entity_mentions += 1
        if row["canonical"]:
            mentions[row["canonical"]] += 1
    top = [name for name, _ in sorted(mentions.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_N]]
    # Second pass for the few entities shown: their articles, most common type and the run's
    # most frequent display form (counted by canonical, the join key; shown as people write it).
    entity_articles: dict[str, set] = {name: set() for name in top}
    entity_type: dict[str, Counter] = {name: Counter() for name in top}
    entity_spellings: dict[str, list] = {name: [] for name in top}
    if top:
        for row in _iter_rows(output, "entities", run_id, ["canonical", "type", "article_id", "display"]):
            if row["canonical"] in entity_articles:
                entity_articles[row["canonical"]].add(row["article_id"])
                entity_type[row["canonical"]][row["type"] or ""] += 1
                entity_spellings[row["canonical"]].append(row["display"])
    top_entities = [
        {"entity": most_frequent_display(entity_spellings[name]) or name, "canonical": name,
         "mentions": mentions[name], "articles": len(entity_articles[name]),
         "type": entity_type[name].most_common(1)[0][0]}
        for name in top
    ]

    # A story spans several rows when a stream wrote it over several windows: merge them.
    merged: dict[str, dict] = {}
    for row in _iter_rows(output, "stories", run_id,
                          ["story_id", "article_count", "outlets", "representative_title", "first_seen"]):
        known = merged.setdefault(row["story_id"], {"story_id": row["story_id"], "articles": 0, "outlets": set(),
                                                    "title": row["representative_title"], "first_seen": row["first_seen"]})
        known["articles"] += row["article_count"] or 0
        known["outlets"].update(row["outlets"] or ())
        if row["first_seen"] and (known["first_seen"] is None or row["first_seen"] < known["first_seen"]):
            known["first_seen"], known["title"] = row["first_seen"], row["representative_title"]
    top_stories = sorted(merged.values(), key=lambda s: (-len(s["outlets"]), -s["articles"], s["title"] or ""))
    top_stories = [
        {"story_id": s["story_id"], "title": s["title"], "articles": s["articles"], "outlets": sorted(s["outlets"]),
         "first_seen": s["first_seen"].isoformat() if s["first_seen"] else None}
        for s in top_stories[:TOP_N]
    ]
    return {
        "articles": articles,
        "articles_by_source": _ranked_counts(by_source),
        "articles_by_topic": _ranked_counts(by_topic),
        "articles_by_day": sorted(([k, n] for k, n in by_day.items()), key=lambda kv: str(kv[0])),
        "articles_by_language": _ranked_counts(by_language),
        "articles_by_date_source_and_source": {source: dict(sorted(c.items())) for source, c in sorted(date_sources.items())},
        "date_warnings": undated_source_warnings(date_sources),
        "rejects": rejects,
        "rejects_by_reason": _ranked_counts(by_reason),
        "rejects_by_stage": _ranked_counts(by_stage),
        "rejects_by_source": _ranked_counts(rejects_by_source),
        "rejects_by_reason_and_source": {reason: dict(sorted(c.items())) for reason, c in sorted(by_reason_source.items())},
        "duplicates": {"exact": exact, "near": near},
        "stories": len(merged),
        "multi_article_stories": sum(1 for s in merged.values() if s["articles"] > 1),
        "entity_mentions": entity_mentions,
        "distinct_entities": len(mentions),
        "top_entities": top_entities,
        "top_stories": top_stories,
    }


# --------------------------------------------------------------------------- the report


def build_report(output: str, metrics: dict[str, Any]) -> dict[str, Any]:
    """The whole report as one JSON-able dict, from the run's saved metrics and its rows in the tables.

    ``metrics`` holds run_id, started_at, finished_at (ISO strings), counters, distributions.
    """
    run_id = metrics["run_id"]
    counters = {k: int(v) for k, v in (metrics.get("counters") or {}).items()}
    distributions = metrics.get("distributions") or {}
    started = datetime.fromisoformat(metrics["started_at"])
    finished = datetime.fromisoformat(metrics["finished_at"])
    latency = latency_summary(counters, distributions)
    try:
        tables = table_figures(output, run_id)
        tables_error = None
    except Exception as exc:  # e.g. an object store this machine cannot list: the metrics still report
        tables, tables_error = {}, f"{type(exc).__name__}: {exc}"
    duplicates = dict(tables.get("duplicates") or {})
    duplicates["skipped_same_id"] = counters.get("duplicates_skipped", 0)
    duplicates["already_written"] = counters.get("entries_already_written", 0) + counters.get("articles_already_written", 0)
    duplicates["exact_counted"] = counters.get("dedup_exact_duplicates", 0)
    duplicates["near_counted"] = counters.get("dedup_near_duplicates", 0)
    return {
        "report_version": REPORT_VERSION,
        "run_id": run_id,
        "output": output,
        "started_at": metrics["started_at"],
        "finished_at": metrics["finished_at"],
        "duration_s": round((finished - started).total_seconds(), 3),
        "counters": counters,
        "distributions": distributions,
        "flow": [[label, counters[name]] for name, label in FLOW if name in counters],
        "stage_time_s": [[label, round(latency[name]["total_ms"] / 1000, 3)] for name, label in TIMED_STAGES
                         if name in latency],
        "latency_ms": latency,
        "rejects_by_reason_counted": _ranked_counters(counters, counter_names.REJECTS_PREFIX),
        "duplicates": duplicates,
        "tables": tables,
        "tables_error": tables_error,
    }


def _ranked_counters(counters: dict[str, int], prefix: str) -> list[list]:
    # rejects.<stage>.<reason> counters: the reasons even when the rejects table cannot be read.
    found: Counter = Counter()
    for name, n in counters.items():
        parts = name.split(".")
        if name.startswith(prefix) and len(parts) == 3:
            found[parts[2]] += n
    return [[k, n] for k, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]


def _write_text(path: str, text: str) -> None:
    from akhbar.transforms.stages.files import write_bytes_atomically

    write_bytes_atomically(path, text.encode("utf-8"))


def report_paths(output: str, run_id: str) -> tuple[str, str]:
    from apache_beam.io.filesystems import FileSystems

    base = FileSystems.join(output, "reports", run_id)
    return base + ".json", base + ".html"


def write_report_files(output: str, report: dict[str, Any]) -> tuple[str, str]:
    """Write the JSON and the HTML of a built report (each atomically); returns their paths."""
    from akhbar.pipelines.report_html import render_html

    json_path, html_path = report_paths(output, report["run_id"])
    _write_text(json_path, json.dumps(report, ensure_ascii=False, indent=1, default=str))
    _write_text(html_path, render_html(report))
    return json_path, html_path


def write_run_report(output: str, run_id: str, result, started_at, finished_at) -> str | None:
    """Write OUTPUT/reports/RUN_ID.json and RUN_ID.html for a finished run; returns the JSON path.

    A report that cannot be built is logged, never fails the run: the tables are already written.
    """
    counters, distributions = metric_values(result)
    metrics = {"run_id": run_id, "started_at": started_at.isoformat(), "finished_at": finished_at.isoformat(),
               "counters": counters, "distributions": distributions}
    try:
        report = build_report(output, metrics)
        json_path, html_path = write_report_files(output, report)
    except Exception as exc:
        log.warning("run %s: report not written: %s: %s", run_id, type(exc).__name__, exc)
        return None
    for warning in report["tables"].get("date_warnings") or ():
        log.warning("run %s: %s", run_id, warning)
    log.info("run %s: report %s", run_id, html_path)
    return json_path


def latest_run_id(output: str) -> str | None:
    """The run id of the most recently finished run that left a report under OUTPUT/reports."""
    from apache_beam.io.filesystems import FileSystems

    pattern = FileSystems.join(output, "reports", "*.json")
    try:
        found = FileSystems.match([pattern])[0].metadata_list
    except Exception:
        return None
    best: tuple[str, str] | None = None
    for meta in found:
        try:
            with FileSystems.open(meta.path) as fh:
                saved = json.loads(fh.read().decode("utf-8"))
        except (OSError, ValueError):
            continue
        key = (saved.get("finished_at") or "", saved.get("run_id") or "")
        if saved.get("run_id") and (best is None or key > best):
            best = key
    return best[1] if best else None


def regenerate_report(output: str, run_id: str | None = None) -> tuple[str, str]:
    """Rebuild the JSON and HTML of a past run (latest by default) from its saved metrics and the tables."""
    from apache_beam.io.filesystems import FileSystems

    run_id = run_id or latest_run_id(output)
    if not run_id:
        raise FileNotFoundError(f"no run report under {output}/reports")
    json_path, _ = report_paths(output, run_id)
    if not FileSystems.exists(json_path):
        raise FileNotFoundError(f"no report for run {run_id}: {json_path}")
    with FileSystems.open(json_path) as fh:
        saved = json.loads(fh.read().decode("utf-8"))
    return write_report_files(output, build_report(output, saved))


def run_report_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="akhbar report",
        description="Regenerate OUTPUT/reports/RUN_ID.html and .json for a past run from its metrics and the tables.",
    )
    parser.add_argument("output", help="output root the run wrote to")
    parser.add_argument("--run-id", dest="run_id", default=None, help="run to report on (default: the latest)")
    args = parser.parse_args(argv)
    try:
        json_path, html_path = regenerate_report(args.output, args.run_id)
    except FileNotFoundError as exc:
        print(f"akhbar report: error: {exc}", file=sys.stderr)
        return 2
    print(html_path)
    print(json_path)
    return 0


# --------------------------------------------------------------------------- progress


def _progress_text(counts: dict[str, int], total_feeds: int | None, elapsed: float) -> str:
    feeds = counts.get(counter_names.FEEDS_FETCHED, 0)
    articles = counts.get(counter_names.ARTICLES_EXTRACTED, 0)
    pages = counts.get(counter_names.PAGES_FETCHED, 0)
    rejected = sum(n for name, n in counts.items() if name.startswith(counter_names.REJECTS_PREFIX) and name.count(".") == 2)
    rate = articles / elapsed if elapsed > 0 else 0.0
    # A stream polls every feed again and again: no total to count towards.
    done = f"feeds {feeds}/{total_feeds}" if total_feeds else f"feed fetches {feeds}"
    minutes, seconds = divmod(int(elapsed), 60)
    return (f"{done} · pages {pages} · articles {articles} · rejects {rejected} · "
            f"{rate:.1f} articles/s · {minutes:02d}:{seconds:02d}")


@contextlib.contextmanager
def progress_line(total_feeds: int | None = None, stream: TextIO | None = None, interval: float = 1.0,
                  force: bool = False) -> Iterator[None]:
    """Redraw one status line on stderr every second while the block runs, when stderr is a terminal.

    Reads the process-local counter tally, so it counts what runs in this process (the
    DirectRunner's in-memory mode, the default); elsewhere it shows the elapsed time and the
    runner's own console has the counts.
    """
    stream = stream or sys.stderr
    if not (force or stream.isatty()):
        yield
        return
    LocalTally.reset()
    LocalTally.enabled = True
    done = threading.Event()
    started = time.monotonic()

    def draw() -> None:
        while not done.wait(interval):
            stream.write("\r\x1b[2K" + _progress_text(LocalTally.snapshot(), total_feeds, time.monotonic() - started))
            stream.flush()

    ticker = threading.Thread(target=draw, name="akhbar-progress", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join(timeout=2)
        LocalTally.enabled = False
        stream.write("\r\x1b[2K" + _progress_text(LocalTally.snapshot(), total_feeds, time.monotonic() - started) + "\n")
        stream.flush()


def wait_with_progress(result, total_feeds: int | None = None, stream: TextIO | None = None,
                       interval: float = 1.0) -> Any:
    """For runners whose ``run()`` returns at once (Dataflow, Flink): poll the job's metrics until it ends."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return result.wait_until_finish()
    started = time.monotonic()
    terminal = {"DONE", "FAILED", "CANCELLED", "UPDATED", "DRAINED", "STOPPED"}
    while str(result.state).split(".")[-1] not in terminal:
        try:
            counters, _ = metric_values(result)
        except Exception:  # some runners answer metrics only once the job has ended
            counters = {}
        stream.write("\r\x1b[2K" + _progress_text(counters, total_feeds, time.monotonic() - started))
        stream.flush()
        time.sleep(interval)
    stream.write("\n")
    return result.wait_until_finish()
