"""The run report as a person sees it: rendered by headless Chromium, numbers checked against the tables.

    .venv/bin/pytest -q tests/test_report.py

Two runs' rows are written straight into an output directory (Arabic sources, titles and
entities), with their saved metrics; ``akhbar report`` regenerates the latest run's page,
Chromium renders it (DOM dump and screenshot), and every bar and figure is compared with a
DuckDB query over the same Parquet files. Chromium is Debian's ``chromium`` package: installed
here when missing and running as root, else the browser tests skip.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from akhbar.pipelines.report import (
    _progress_text,
    latency_summary,
    latest_run_id,
    progress_line,
    run_report_cli,
)
from akhbar.schemas import ARTICLES, ENTITIES, REJECTS, STORIES
from akhbar.transforms.stages.metrics import LocalTally, bucket_label, counter, histogram, percentile_ms
from akhbar.transforms.stages.write import write_parquet_atomically

UTC_TS = "2024-11-0{}T{:02d}:00:00+00:00"
SOURCES = ("الخبر اليوم", "صوت المشرق", "maghrib")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")


def _write(output: Path, table: str, schema, rows: list[dict]) -> None:
    partitions: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        # One file per run and partition, named after the run, as the pipeline's writer does.
        parts = tuple((name, row[name]) for name in ("date", "topic") if name in schema.names)
        partitions[(row["run_id"], parts)].append(row)
    for (_, parts), group in partitions.items():
        directory = output / table / Path(*[f"{k}={v}" for k, v in parts])
        directory.mkdir(parents=True, exist_ok=True)
        name = f"part-{group[0]['run_id']}-0000.parquet"
        write_parquet_atomically(group, schema, str(directory / name))


def _article(n: int, run_id: str, source: str, topic: str, day: int, **extra) -> dict:
    from datetime import datetime

    return {"article_id": f"{run_id}-a{n}", "url": f"https://akhbar.example/{run_id}/{n}", "source": source,
            "title": f"عنوان الخبر رقم {n} عن مفاوضات المياه", "language": "ar", "run_id": run_id,
            "published_at": datetime.fromisoformat(UTC_TS.format(day, n)), "body": "نص الخبر",
            "story_id": extra.pop("story_id", f"s-{run_id}-{n}"), "date": f"2024-11-0{day}", "topic": topic,
            "date_source": extra.pop("date_source", "page"), **extra}


def _make_output(output: Path) -> None:
    a, b, c = SOURCES
    latest = [
        _article(1, "r2", a, "politics", 4, story_id="s-shared"),
        _article(2, "r2", b, "politics", 4, story_id="s-shared", near_duplicate_of="r2-a1", similarity=0.8),
        _article(3, "r2", a, "economy", 5, date_source="fetched"),
        _article(4, "r2", a, "economy", 5, duplicate_of="r2-a3", story_id="s-r2-3", date_source="fetched"),
        _article(5, "r2", b, "politics", 5, date_source="feed"),
        _article(6, "r2", c, "sport", 6),
    ]
    older = [_article(1, "r1", a, "culture", 3), _article(2, "r1", c, "health", 3)]
    _write(output, "articles", ARTICLES, latest + older)
    rejects = [
        {"url": "https://akhbar.example/gone", "source": a, "stage": "fetch_page", "reason": "http_404", "run_id": "r2", "date": "2024-11-06"},
        {"url": "https://akhbar.example/gone2", "source": b, "stage": "fetch_page", "reason": "http_404", "run_id": "r2", "date": "2024-11-06"},
        {"url": "https://akhbar.example/map", "source": b, "stage": "extract", "reason": "too_short", "run_id": "r2", "date": "2024-11-06"},
        {"url": "https://akhbar.example/old", "source": c, "stage": "extract", "reason": "not_arabic", "run_id": "r1", "date": "2024-11-03"},
    ]
    _write(output, "rejects", REJECTS, rejects)
    entities = []
    for article_id, names in (("r2-a1", ["عمان", "الأمم المتحدة"]), ("r2-a2", ["عمان", "الأمم المتحدة"]),
                              ("r2-a3", ["عمان"]), ("r1-a1", ["القاهرة"] * 5)):
        for name in names:
            # Display forms from schema v5 on: the run's most frequent one is shown (run r1 predates them).
            display = ("عمّان" if article_id != "r2-a3" else "عمان") if name == "عمان" else None
            entities.append({"article_id": article_id, "canonical": name, "type": "LOC" if name != "الأمم المتحدة" else "ORG",
                             "text": name, "display": display, "run_id": article_id[:2], "date": "2024-11-04", "topic": "politics"})
    _write(output, "entities", ENTITIES, entities)
    from datetime import datetime

    stories = [
        {"story_id": "s-shared", "first_seen": datetime.fromisoformat(UTC_TS.format(4, 1)), "article_count": 2,
         "outlets": [a, b], "representative_title": "الأردن وسوريا يوقعان اتفاقاً لتقاسم المياه الجوفية",
         "article_ids": ["r2-a1", "r2-a2"], "run_id": "r2", "date": "2024-11-04"},
        {"story_id": "s-r2-3", "first_seen": datetime.fromisoformat(UTC_TS.format(5, 3)), "article_count": 2,
         "outlets": [a], "representative_title": "الحكومة تقر مشروع الموازنة", "article_ids": ["r2-a3", "r2-a4"],
         "run_id": "r2", "date": "2024-11-05"},
    ]
    _write(output, "stories", STORIES, stories)
    reports = output / "reports"
    reports.mkdir()
    page_buckets = {bucket_label(ms): n for ms, n in ((40, 4), (90, 2))}
    for run_id, finished in (("r1", "2024-11-03T10:00:05+00:00"), ("r2", "2024-11-06T10:00:09+00:00")):
        counters = {"feeds_fetched": 3, "entries_discovered": 10, "pages_fetched": 9, "articles_extracted": 6,
                    **{f"latency.fetch_page_ms.{k}": v for k, v in page_buckets.items()}}
        metrics = {"run_id": run_id, "started_at": finished[:17] + "00+00:00", "finished_at": finished,
                   "counters": counters,
                   "distributions": {"fetch_page_ms": {"count": 6, "sum": 400, "min": 20, "max": 90}}}
        (reports / f"{run_id}.json").write_text(json.dumps(metrics), encoding="utf-8")


def _query(output: Path, sql: str) -> list[tuple]:
    return duckdb.connect().execute(sql.replace("{out}", str(output))).fetchall()


def _expected_counts(output: Path, table: str, column: str, run_id: str = "r2") -> dict[str, int]:
    rows = _query(output, f"SELECT {column}, count(*) FROM read_parquet('{{out}}/{table}/**/*.parquet', "
                          f"hive_partitioning=true) WHERE run_id = '{run_id}' GROUP BY 1")
    return {str(k): int(n) for k, n in rows}


@pytest.fixture(scope="module")
def report_output(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("report") / "out"
    output.mkdir()
    _make_output(output)
    assert run_report_cli([str(output)]) == 0
    return output


def test_report_cli_picks_the_latest_run_and_the_json_numbers_match_the_tables(report_output):
    assert latest_run_id(str(report_output)) == "r2"
    report = json.loads((report_output / "reports" / "r2.json").read_text(encoding="utf-8"))
    tables = report["tables"]
    assert dict(tables["articles_by_source"]) == _expected_counts(report_output, "articles", "source")
    assert dict(tables["articles_by_topic"]) == _expected_counts(report_output, "articles", "topic")
    assert dict(tables["articles_by_day"]) == _expected_counts(report_output, "articles", "date")
    assert dict(tables["rejects_by_reason"]) == _expected_counts(report_output, "rejects", "reason")
    assert tables["rejects_by_reason_and_source"]["http_404"] == {SOURCES[0]: 1, SOURCES[1]: 1}
    assert tables["duplicates"] == {"exact": 1, "near": 1}
    assert tables["top_entities"][0] == {"entity": "عمّان", "canonical": "عمان", "mentions": 3, "articles": 3, "type": "LOC"}
    assert tables["top_stories"][0]["story_id"] == "s-shared"  # two outlets beat one
    assert report["latency_ms"]["fetch_page_ms"]["p50"] <= 50 < report["latency_ms"]["fetch_page_ms"]["p90"] <= 90
    # The older run's rows stay out of this report; its own page is regenerated on request.
    assert "القاهرة" not in {e["entity"] for e in tables["top_entities"]}
    assert run_report_cli([str(report_output), "--run-id", "r1"]) == 0
    older = json.loads((report_output / "reports" / "r1.json").read_text(encoding="utf-8"))
    assert older["tables"]["articles"] == 2 and older["tables"]["top_entities"][0]["entity"] == "القاهرة"
    assert run_report_cli([str(report_output), "--run-id", "nope"]) == 2


def test_the_page_is_self_contained(report_output):
    html = (report_output / "reports" / "r2.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    for attribute in ("src=", "href=", "url(", "@import"):
        assert attribute not in html.lower(), attribute


# --------------------------------------------------------------------------- browser


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return found
    try:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                       check=True, capture_output=True, timeout=900)
    except (OSError, subprocess.SubprocessError):
        return None
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    binary = _chromium()
    if not binary:
        pytest.skip("chromium is not installed and cannot be installed here")
    return binary


def _browse(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, timeout=60, check=True)


class _Bars(HTMLParser):
    """Bars per chart, tiles and table cells from the DOM Chromium built."""

    def __init__(self):
        super().__init__()
        self.bars: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
        self.tiles: dict[str, str] = {}
        self._chart = None
        self._tile = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and "data-chart" in attrs:
            self._chart = attrs["data-chart"]
        elif tag == "rect" and self._chart and "bar" in (attrs.get("class") or ""):
            self.bars[self._chart].append((attrs["data-label"], float(attrs["data-value"]), float(attrs["width"])))
        elif tag == "div" and "data-tile" in attrs:
            self._tile = attrs["data-tile"]
        elif tag == "b" and self._tile:
            self.tiles[self._tile] = attrs["data-value"]
            self._tile = None

    def handle_endtag(self, tag):
        if tag == "svg":
            self._chart = None


@pytest.mark.slow
def test_chromium_draws_one_bar_per_value_and_the_numbers_match_the_tables(report_output, chromium, tmp_path):
    page = (report_output / "reports" / "r2.html").as_uri()
    dom = _browse(chromium, tmp_path / "profile", "--dump-dom", page).stdout.decode("utf-8")
    parsed = _Bars()
    parsed.feed(dom)
    for chart, table, column in (("articles_by_source", "articles", "source"), ("articles_by_topic", "articles", "topic"),
                                 ("articles_by_day", "articles", "date"), ("rejects_by_reason", "rejects", "reason")):
        expected = _expected_counts(report_output, table, column)
        drawn = parsed.bars[chart]
        assert len(drawn) == len(expected), chart
        assert {label: value for label, value, _ in drawn} == expected, chart
        # Bar length is proportional to the value: the longest bar is the largest count.
        longest = max(drawn, key=lambda bar: bar[2])
        assert longest[1] == max(expected.values()), chart
    n_articles = _query(report_output, "SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet', "
                                       "hive_partitioning=true) WHERE run_id = 'r2'")[0][0]
    assert int(parsed.tiles["articles"]) == n_articles
    assert int(parsed.tiles["rejects"]) == 3 and int(parsed.tiles["exact"]) == 1 and int(parsed.tiles["near"]) == 1

    shot = tmp_path / "report.png"
    _browse(chromium, tmp_path / "profile2", "--hide-scrollbars", "--window-size=1280,2200",
            f"--screenshot={shot}", page)
    image = pytest.importorskip("PIL.Image").open(shot).convert("RGB")
    colours = {colour: n for n, colour in image.getcolors(maxcolors=1 << 24)}
    bar_pixels = colours.get((0x2F, 0x6D, 0xB5), 0)
    reject_pixels = colours.get((0xC0, 0x51, 0x2F), 0)
    article_bars = sum(len(parsed.bars[c]) for c in ("articles_by_source", "articles_by_topic", "articles_by_day", "top_entities"))
    # Every bar is at least 16 px tall and several px wide: the charts were really painted.
    assert bar_pixels >= article_bars * 16 * 20
    assert reject_pixels >= len(parsed.bars["rejects_by_reason"]) * 16 * 20


# --------------------------------------------------------------------------- pieces


def test_percentiles_come_from_the_histogram_buckets():
    counters = {f"latency.x_ms.{bucket_label(ms)}": 0 for ms in (1,)}
    for ms in [3] * 50 + [40] * 40 + [700] * 9 + [200000]:
        key = f"latency.x_ms.{bucket_label(ms)}"
        counters[key] = counters.get(key, 0) + 1
    buckets = histogram(counters, "x_ms")
    assert [b for b, _ in buckets] == [5, 50, 1000, float("inf")]
    assert 2 <= percentile_ms(buckets, 0.5, 3, 200000) <= 5
    assert 25 <= percentile_ms(buckets, 0.9, 3, 200000) <= 50
    assert 500 <= percentile_ms(buckets, 0.99, 3, 200000) <= 1000
    assert percentile_ms(buckets, 1.0, 3, 200000) == 200000
    assert percentile_ms([], 0.5) is None
    summary = latency_summary(counters, {"x_ms": {"count": 100, "sum": 230_000, "min": 3, "max": 200000}})
    assert summary["x_ms"]["p50"] <= summary["x_ms"]["p90"] <= summary["x_ms"]["p99"] <= 200000


def test_progress_line_counts_what_the_stages_count():
    stream = io.StringIO()
    with progress_line(total_feeds=4, stream=stream, interval=0.05, force=True):
        counter("feeds_fetched").inc(3)
        counter("articles_extracted").inc(12)
        counter("rejects.fetch_page.http_404").inc()
    assert not LocalTally.enabled
    last = stream.getvalue().rstrip("\n").split("\r\x1b[2K")[-1]
    assert last.startswith("feeds 3/4 · pages 0 · articles 12 · rejects 1 ·"), last
    assert _progress_text({}, None, 61).endswith("01:01")
    quiet = io.StringIO()  # not a terminal: nothing drawn
    with progress_line(total_feeds=4, stream=quiet):
        counter("feeds_fetched").inc()
    assert quiet.getvalue() == ""


@pytest.mark.slow
def test_every_ingest_run_writes_its_report_from_its_own_rows(tmp_path):
    """The launcher hook: ``run_config`` → ``write_run_report`` after a real run over the bundled corpus."""
    from apache_beam.options.pipeline_options import PipelineOptions

    from akhbar.pipelines.ingest import config_from_options, run_config
    from akhbar.pipelines.localsite import LocalSite

    site_root = Path(__file__).resolve().parents[1] / "pipelines" / "demo_site"
    output = tmp_path / "out"
    with LocalSite(site_root) as site:
        feeds = site.render_feeds_file(tmp_path / "feeds.yaml")
        options = PipelineOptions(["--feeds", str(feeds), "--output", str(output), "--run-id", "hook",
                                   "--allow-private-hosts", "--per-host-delay", "0", "--per-host-concurrency", "4"])
        assert run_config(config_from_options(options), options) == 0
    report = json.loads((output / "reports" / "hook.json").read_text(encoding="utf-8"))
    assert (output / "reports" / "hook.html").stat().st_size > 2000
    tables = report["tables"]
    n_articles = _query(output, "SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet', "
                                "hive_partitioning=true) WHERE run_id = 'hook'")[0][0]
    assert tables["articles"] == n_articles
    assert dict(tables["articles_by_source"]) == _expected_counts(output, "articles", "source", "hook")
    assert dict(tables["rejects_by_reason"]) == _expected_counts(output, "rejects", "reason", "hook")
    counters = report["counters"]
    assert counters["feeds_fetched"] == 4
    # Every page fetch (success or reject) was timed into exactly one histogram bucket.
    page_latency = report["latency_ms"]["fetch_page_ms"]
    assert page_latency["count"] == sum(n for _, n in histogram(counters, "fetch_page_ms")) >= 30
    assert page_latency["p50"] <= page_latency["p90"] <= page_latency["p99"] <= page_latency["max"]
    assert [label for label, _ in report["stage_time_s"]] == ["fetch feeds", "fetch pages", "extract", "learnt templates", "enrich"]


def test_wait_with_progress_polls_an_asynchronous_job_until_it_ends():
    from akhbar.pipelines.report import wait_with_progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    class Job:  # what DataflowRunner/FlinkRunner return from a non-blocking run()
        def __init__(self):
            self.polls = 0

        @property
        def state(self) -> str:
            self.polls += 1
            return "DONE" if self.polls > 2 else "RUNNING"

        def metrics(self):
            raise RuntimeError("metrics not ready")  # some runners answer only at the end

        def wait_until_finish(self):
            return "DONE"

    stream = Terminal()
    assert wait_with_progress(Job(), total_feeds=4, stream=stream, interval=0.01) == "DONE"
    lines = [line for line in stream.getvalue().split("\r\x1b[2K") if line.strip()]
    assert len(lines) == 2 and lines[0].startswith("feeds 0/4 · pages 0")


def test_metrics_behind_a_chain_of_many_thousand_bundles_are_read():
    """The DirectRunner merges each bundle's metrics into one more nested generator; a long stream nests thousands."""
    from akhbar.pipelines.report import metric_values

    class Item:
        def __init__(self, name: str, value: int):
            self.key = type("Key", (), {"metric": type("Metric", (), {"name": name})()})()
            self.committed, self.attempted = value, value

    def chained(depth: int):
        chain = iter([Item("pages_fetched", 1)])
        for _ in range(depth):
            chain = (item for item in chain)  # what consolidate() does once per bundle
        return chain

    class Result:
        def metrics(self):
            chain = chained(20_000)
            return type("Metrics", (), {"query": lambda self, _filter: {"counters": list(chain), "distributions": []}})()

    counters, _ = metric_values(Result())
    assert counters == {"pages_fetched": 1}


def test_report_counts_date_sources_per_source_and_warns_on_mostly_undated_sources(report_output):
    report = json.loads((report_output / "reports" / "r2.json").read_text(encoding="utf-8"))
    by_source = report["tables"]["articles_by_date_source_and_source"]
    rows = _query(report_output, "SELECT source, date_source, count(*) FROM read_parquet('{out}/articles/**/*.parquet', "
                                 "hive_partitioning=true) WHERE run_id = 'r2' GROUP BY 1, 2")
    assert {(src, kind): n for src, per in by_source.items() for kind, n in per.items()} == {
        (src, kind): n for src, kind, n in rows}
    # Two of the first source's three articles were dated by the fetch: that source alone is named.
    assert len(report["tables"]["date_warnings"]) == 1 and report["tables"]["date_warnings"][0].startswith(SOURCES[0])
    page = (report_output / "reports" / "r2.html").read_text(encoding="utf-8")
    assert 'data-table="date_sources"' in page and "have no publication date" in page


def test_report_reads_files_written_before_date_source_existed(tmp_path):
    import pyarrow as pa

    from akhbar.pipelines.report import table_figures

    old_schema = pa.schema([f for f in ARTICLES if f.name != "date_source"], metadata=ARTICLES.metadata)
    _write(tmp_path, "articles", old_schema, [_article(1, "r0", SOURCES[0], "politics", 3)])
    figures = table_figures(str(tmp_path), "r0")
    assert figures["articles"] == 1
    assert figures["articles_by_date_source_and_source"] == {SOURCES[0]: {"(none)": 1}}
    assert figures["date_warnings"] == []
