"""The streaming pipeline over real HTTP: a feed that gains items between polls.

    .venv/bin/pytest -q tests/test_stream.py

A copy of the bundled corpus is served on 127.0.0.1; its alkhabar feed starts with its five
oldest items and gains the five newest after the first poll. The stream polls three times
(DirectRunner, streaming mode, bounded by --max-polls), one fixed window per poll.
Nothing is mocked.
"""

from __future__ import annotations

import calendar
import re
import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.utils.timestamp import Timestamp

from akhbar.pipelines.housekeeping import begin_run, tidy_output
from akhbar.pipelines.localsite import LocalSite
from akhbar.pipelines.stream import StreamOptions, run_stream, stream_config_from_options
from akhbar.schemas import ARTICLES
from akhbar.transforms.stages.seen import DropSeenStreaming
from akhbar.transforms.stages.write import write_parquet_atomically
from akhbar.transforms.web.urls import article_id, canonicalize_url

SITE_ROOT = Path(__file__).resolve().parents[1] / "pipelines" / "demo_site"
FEED = "alkhabar/rss.xml"
POLL_SECONDS = 4.0
_ITEM = re.compile(r"<item>.*?</item>\s*", re.S)
_WINDOW = re.compile(r"-w(\d{8}T\d{6})Z-")


def _feed_with_items(full_feed: str, keep) -> str:
    """The feed with only the items whose index (newest first) satisfies ``keep``."""
    items = _ITEM.findall(full_feed)
    head = full_feed[: full_feed.index(items[0])]
    tail = full_feed[full_feed.index(items[-1]) + len(items[-1]):]
    return head + "".join(item for i, item in enumerate(items) if keep(i)) + tail


def _link_paths(feed_xml: str) -> list[str]:
    """Relative paths of the pages a feed links, query strings dropped."""
    links = re.findall(r"<link>\{\{BASE\}\}/([^<]+)</link>", feed_xml)
    return [link.split("?")[0] for link in links if ".html" in link]


def _window_start(path: str) -> int:
    """Epoch seconds of the window start written in a streaming file name."""
    return calendar.timegm(time.strptime(_WINDOW.search(path).group(1), "%Y%m%dT%H%M%S"))


@pytest.fixture()
def growing_site(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(SITE_ROOT, root)
    full = (SITE_ROOT / FEED).read_text(encoding="utf-8")
    n_items = len(_ITEM.findall(full))
    first = _feed_with_items(full, lambda i: i >= n_items // 2)  # the older half
    (root / FEED).write_text(first, encoding="utf-8")
    with LocalSite(root) as site:
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(f"feeds:\n  - name: alkhabar\n    url: \"{site.url(FEED)}\"\n", encoding="utf-8")
        stop = threading.Event()

        def grow_after_first_poll() -> None:
            while not stop.is_set():
                if any(path.startswith("/" + FEED) and status == 200 for _, path, status in list(site.request_log)):
                    (root / FEED).write_text(full, encoding="utf-8")
                    return
                time.sleep(0.05)

        watcher = threading.Thread(target=grow_after_first_poll, daemon=True)
        watcher.start()
        yield site, feeds, _link_paths(first), _link_paths(full)
        stop.set()
        watcher.join(timeout=2)


def _rows_by_file(output: Path, table: str) -> list[tuple[str, dict]]:
    found = []
    for path in sorted((output / table).rglob("part-*.parquet")):
        for row in pq.read_table(path).to_pylist():
            found.append((str(path), row))
    return found


@pytest.mark.slow
@pytest.mark.parametrize(
    "runner_args",
    [[], ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"]],
    ids=["direct", "portable"],
)
def test_the_output_gains_exactly_the_new_items_in_the_window_of_their_poll(growing_site, tmp_path, runner_args):
    site, feeds, first_paths, all_paths = growing_site
    new_paths = [p for p in all_paths if p not in first_paths]
    assert len(first_paths) >= 4 and len(new_paths) >= 4
    output = tmp_path / "out"
    # One of the new items was already written by an earlier run: the stream must not write it again.
    already = new_paths[-1]
    already_id = article_id(canonicalize_url(site.url(already)))
    # Within the look-back (30 days by default), so the stream reads it back.
    seeded = output / "articles" / f"date={time.strftime('%Y-%m-%d', time.gmtime())}" / "topic=general"
    seeded.mkdir(parents=True)
    write_parquet_atomically([{"article_id": already_id, "run_id": "earlier"}], ARTICLES,
                             str(seeded / "part-earlier-0000.parquet"))

    argv = ["--feeds", str(feeds), "--output", str(output), "--run-id", "stream1", "--allow-private-hosts",
            "--per-host-delay", "0", "--per-host-concurrency", "4",
            "--poll-interval", str(POLL_SECONDS), "--window-seconds", str(POLL_SECONDS), "--max-polls", "3",
            *runner_args]
    options = PipelineOptions(argv)
    config = stream_config_from_options(options)
    # The first poll a little ahead: on a busy machine the pipeline (the portable runner's job
    # server above all) may take a few seconds to start, after the lease and housekeeping, and
    # overdue polls would fire back to back, before the feed has grown.
    start = time.time() + (6 if runner_args else 3)
    assert run_stream(config, options, start=start) == 0

    feed_requests = [status for _, path, status in site.request_log if path == "/" + FEED]
    assert feed_requests == [200, 200, 304]  # the third poll sends the ETag kept in Beam state

    rows = [(path, row) for path, row in _rows_by_file(output, "articles") if row["run_id"] == "stream1"]
    ids = Counter(row["article_id"] for _, row in rows)
    assert all(n == 1 for n in ids.values()), ids  # no duplicates
    assert already_id not in ids

    def window_of_poll(i: int) -> int:
        return int((start + i * POLL_SECONDS) // POLL_SECONDS * POLL_SECONDS)

    by_window: dict[int, set[str]] = {}
    for path, row in rows:
        by_window.setdefault(_window_start(path), set()).add(row["url"].split("?")[0].removeprefix(site.base_url + "/"))
    expected = {window_of_poll(0): set(first_paths), window_of_poll(1): set(new_paths) - {already}}
    assert by_window == expected

    # The other tables follow the articles into the same windows, under the same run id.
    entity_windows = {_window_start(path) for path, _ in _rows_by_file(output, "entities")}
    assert entity_windows <= set(expected)
    story_ids = {row["story_id"] for _, row in rows}
    stories = {row["story_id"] for _, row in _rows_by_file(output, "stories")}
    assert story_ids <= stories
    assert (output / "reports" / "stream1.json").exists()
    assert not list((output / "state" / "runs").glob("*.json"))  # a clean stop removes its marker

    # Had the stream been killed after its articles files, its marker would still be there and
    # its entities and stories missing: the next run rebuilds them from the window-tagged files.
    mentions = Counter(row["article_id"] for _, row in _rows_by_file(output, "entities") if row["run_id"] == "stream1")
    for table in ("entities", "stories"):
        for path in (output / table).rglob("part-stream1-w*.parquet"):
            path.unlink()
    begin_run(str(output), "stream1", command="stream")
    assert tidy_output(str(output), "next").repaired_runs == ["stream1"]
    repaired = [(path, row) for path, row in _rows_by_file(output, "articles") if row["run_id"] == "stream1"]
    assert sorted(row["article_id"] for _, row in repaired) == sorted(ids)
    assert all(re.search(r"part-stream1\.rep\d+-w\d{8}T\d{6}(\.\d{6})?Z-0000\.parquet$", p) for p, _ in repaired)
    assert Counter(row["article_id"] for _, row in _rows_by_file(output, "entities")
                   if row["run_id"] == "stream1") == mentions
    in_stories = Counter(i for _, row in _rows_by_file(output, "stories") if row["run_id"] == "stream1"
                         for i in row["article_ids"])
    assert in_stories == Counter(ids)
    assert not list((output / "state" / "runs").glob("*.json"))


def test_first_sighting_forgets_an_id_after_its_ttl_and_never_passes_ids_already_written(tmp_path):
    """The state-keyed de-duplication alone, driven by a TestStream clock (streaming DirectRunner)."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import StandardOptions
    from apache_beam.testing.test_stream import TestStream
    from apache_beam.transforms.window import TimestampedValue

    seeded = tmp_path / "articles" / "date=2024-11-01" / "topic=general"
    seeded.mkdir(parents=True)
    write_parquet_atomically([{"article_id": "old", "run_id": "r0"}], ARTICLES,
                             str(seeded / "part-r0-0000.parquet"))
    seed_files = [str(seeded / "part-r0-0000.parquet")]

    def at(item: str, seconds: int) -> TimestampedValue:
        return TimestampedValue((item, seconds), Timestamp.of(seconds))

    events = (
        TestStream()
        .add_elements([at("a", 10), at("b", 10), at("old", 10)])
        .advance_watermark_to(100)
        .add_elements([at("a", 100), at("c", 100)])  # a: seen 90 s ago, within the TTL
        .advance_watermark_to(5000)
        .add_elements([at("b", 5000), at("c", 5000)])  # b: expired after 3600 s; c: seen 4900 s ago, expired too
        .advance_watermark_to(5100)
        .add_elements([at("c", 5100), at("old", 5100)])  # c: seen again 100 s ago
        .advance_watermark_to_infinity()
    )
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    with TestPipeline(options=options) as p:
        kept = (
            p
            | events
            | "Window" >> beam.WindowInto(beam.window.FixedWindows(60))
            | "Drop" >> DropSeenStreaming("items", lambda e: e[0], ttl_seconds=3600, seed_files=seed_files)
        )
        assert_that(kept, equal_to([("a", 10), ("b", 10), ("c", 100), ("b", 5000), ("c", 5000)]))


def test_stream_options_reject_unusable_values(tmp_path):
    from akhbar.pipelines.config import ConfigError

    feeds = tmp_path / "feeds.yaml"
    feeds.write_text('feeds:\n  - name: x\n    url: "http://127.0.0.1:9/rss.xml"\n', encoding="utf-8")
    base = ["--feeds", str(feeds), "--output", str(tmp_path / "o")]
    for bad in (["--poll-interval", "0"], ["--window-seconds", "-1"], ["--max-polls", "0"]):
        with pytest.raises(ConfigError):
            stream_config_from_options(PipelineOptions(base + bad))
    config = stream_config_from_options(PipelineOptions(base + ["--poll-interval", "30"]))
    assert config.window_seconds == 30 and config.max_polls is None
    assert PipelineOptions(base).view_as(StreamOptions).poll_interval == 300


def test_a_copy_in_a_later_window_points_at_the_article_of_the_earlier_window():
    """Cross-window dedup: the memory of earlier windows is Beam state, fed to the batch dedup method."""
    from datetime import UTC, datetime

    import apache_beam as beam
    from apache_beam.options.pipeline_options import StandardOptions
    from apache_beam.testing.test_stream import TestStream
    from apache_beam.transforms.window import TimestampedValue

    from akhbar.transforms.stages.dedup import DeduplicateWindows
    from akhbar.transforms.text.arabic import normalize_match

    body = ("أعلنت وزارة المياه والري أن محطة التحلية الجديدة في مدينة العقبة بدأت تشغيلها التجريبي صباح اليوم "
            "بطاقة تصل إلى عشرة آلاف متر مكعب يوميا، على أن تبلغ طاقتها الكاملة مع نهاية العام المقبل، "
            "وقال الوزير في مؤتمر صحفي إن المشروع يعتمد على الطاقة الشمسية بالكامل ويخدم نحو مئة ألف نسمة.")

    def article(article_id: str, source: str, text: str, hour: int, title: str = "تشغيل محطة تحلية في العقبة") -> dict:
        return {"article_id": article_id, "source": source, "title": title, "body": text,
                "body_match": normalize_match(text), "published_at": datetime(2024, 11, 7, hour, tzinfo=UTC),
                "entities": [], "dates_mentioned": []}

    events = (
        TestStream()
        .add_elements([TimestampedValue(article("first", "alkhabar", body, 8), 10)])
        .advance_watermark_to(120)
        .add_elements([TimestampedValue(article("copy", "sawt", body + " ", 9), 130),
                       TimestampedValue(article("other", "nile", "انتهت مباراة الأهلي والزمالك بالتعادل في ملعب القاهرة الدولي مساء أمس", 9,
                                                   "تعادل الأهلي والزمالك"), 130)])
        .advance_watermark_to_infinity()
    )
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    with TestPipeline(options=options) as p:
        out = (
            p
            | events
            | "Window" >> beam.WindowInto(beam.window.FixedWindows(60))
            | "Dedup" >> DeduplicateWindows(ttl_seconds=86400)
        )
        columns = out["articles"] | beam.Map(lambda a: (a["article_id"], a["duplicate_of"], a["story_id"]))

        def check(rows):
            by_id = {article_id: (duplicate_of, story) for article_id, duplicate_of, story in rows}
            assert set(by_id) == {"first", "copy", "other"}
            assert by_id["first"][0] is None and by_id["other"][0] is None
            assert by_id["copy"] == ("first", by_id["first"][1])  # same story as the earlier window's article
            assert by_id["other"][1] != by_id["first"][1]

        assert_that(columns, check)
