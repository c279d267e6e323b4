"""The whole pipeline over real HTTP: the bundled corpus served on 127.0.0.1, every runner.

Nothing is mocked: requests talks to a loopback server, feedparser parses real feeds,
trafilatura extracts real pages, pyarrow writes real files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import apache_beam as beam
import duckdb
import pyarrow.dataset as ds
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, is_not_empty
from pipeline_runs import run_ingest

from akhbar import schemas
from akhbar.pipelines.ingest import build_pipeline, config_from_options
from akhbar.pipelines.localsite import LocalSite
from akhbar.transforms.stages.state import read_feed_state

SITE_ROOT = Path(__file__).resolve().parents[1] / "pipelines" / "demo_site"
EXPECTED = json.loads((SITE_ROOT / "expected.json").read_text(encoding="utf-8"))
KEPT_TATWEEL = re.compile(r"(?<![\u0600-\u06ff])(?:وال|ال|[وفبلك])\u0640(?=[^\u0600-\u06ff])")
FEED_STAGES = {"fetch_feed", "parse_feed"}
BOILERPLATE_MARKERS = ("اقرأ أيضاً", "اقرأ أيضا", "إقرأ أيضاً", "إقرأ أيضا", "اخترنا لك", "شاهد أيضاً", "طالع أيضا",
                       "المزيد من الأخبار", "جميع الحقوق محفوظة", "شارك على", "تابعونا على")


@pytest.fixture(scope="module")
def feeds_file(site, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("feeds") / "feeds.yaml"
    site.render_feeds_file(path)
    return str(path)


def ingest_argv(feeds_file: str, output: str, run_id: str, *extra: str) -> list[str]:
    return ["--feeds", feeds_file, "--output", output, "--run-id", run_id, "--allow-private-hosts",
            "--per-host-delay", "0", "--per-host-concurrency", "4", *extra]


def relative(url: str, site: LocalSite) -> str:
    return url.split("?")[0].removeprefix(site.base_url + "/")


def article_rows(output: str) -> list[dict]:
    return schemas.read_dataset(output, "articles").to_table().to_pylist()


def reject_rows(output: str) -> list[dict]:
    return schemas.read_dataset(output, "rejects").to_table().to_pylist()


@pytest.fixture(scope="module")
def first_run(feeds_file, tmp_path_factory):
    output = str(tmp_path_factory.mktemp("out"))
    counters = run_ingest(ingest_argv(feeds_file, output, "first"))
    return output, counters


def test_every_linked_page_is_an_article_or_a_reject_with_its_reason(first_run, site):
    output, _ = first_run
    articles = {relative(row["url"], site) for row in article_rows(output)}
    rejected = {}
    for row in reject_rows(output):
        if row["stage"] not in FEED_STAGES:
            rejected.setdefault(relative(row["url"], site), set()).add(row["reason"])
    for path, expected in EXPECTED.items():
        if expected["outcome"] == "article":
            assert path in articles, f"{path} should be an article; rejected as {rejected.get(path)}"
        else:
            assert path not in articles, f"{path} should be rejected"
            assert rejected.get(path, set()) & set(expected["acceptable_reasons"]), (path, rejected.get(path))


def test_no_read_also_or_widget_text_survives_in_bodies(first_run):
    output, _ = first_run
    rows = article_rows(output)
    assert len(rows) >= 30
    for row in rows:
        for marker in BOILERPLATE_MARKERS:
            assert marker not in row["body"], (row["url"], marker)
        # Tatweel is kept only where it is orthography: after a lone prefix before a non-Arabic word («لـ«الخبر»»).
        assert "\u0640" not in KEPT_TATWEEL.sub("", row["body"]), row["url"]


def test_columns_are_filled(first_run):
    output, _ = first_run
    rows = article_rows(output)
    vocabulary = {t["slug"] for t in __import__("akhbar.configs", fromlist=["configs"]).load_yaml("topics.yaml")["topics"]}
    for row in rows:
        assert row["title"] and row["source"] and row["body_match"] and row["word_count"] >= 40
        assert row["topic"] in vocabulary and row["topic_source"]
        # `date` is the outlet's own day: the UTC day of the instant, or the one after or before it.
        moment = row["published_at"] or row["fetched_at"]
        assert abs((dt.date.fromisoformat(str(row["date"])) - moment.date()).days) <= 1
        assert row["date_source"] in ("feed", "page", "text", "url", "fetched")
        assert (row["date_source"] == "fetched") == (row["published_at"] is None)
        assert row["content_hash"] and row["minhash"] and row["story_id"]
    assert sum(1 for r in rows if r["entities"]) >= len(rows) * 0.8
    assert sum(1 for r in rows if r["dates_mentioned"]) >= len(rows) * 0.5
    assert sum(1 for r in rows if r["image_captions"]) >= 5
    assert any(r["language"] == "ar" for r in rows)
    assert len({r["date"] for r in rows}) >= 3 and len({r["topic"] for r in rows}) >= 4


def test_nothing_is_lost_entries_equal_articles_plus_duplicates_plus_rejects(first_run):
    output, counters = first_run
    entry_rejects = [r for r in reject_rows(output) if r["stage"] not in FEED_STAGES or r["reason"] == "entry_bad_link"]
    assert counters["entries_discovered"] == len(article_rows(output)) + counters.get("duplicates_skipped", 0) + len(entry_rejects)
    assert counters.get("duplicates_skipped", 0) >= 1  # the corpus links one article twice


def test_every_extracted_article_is_counted_by_date_source(first_run):
    output, counters = first_run
    by_source = {k.removeprefix("date_source."): n for k, n in counters.items() if k.startswith("date_source.")}
    assert sum(by_source.values()) == counters["articles_extracted"]
    written = {}
    for row in article_rows(output):
        written[row["date_source"]] = written.get(row["date_source"], 0) + 1
    assert set(written) <= set(by_source)


def test_output_reads_with_pyarrow_hive_and_duckdb(first_run):
    output, _ = first_run
    dataset = ds.dataset(f"{output}/articles", format="parquet", partitioning="hive")
    table = dataset.to_table(columns=["article_id", "date", "topic"])
    assert table.num_rows == len(article_rows(output))
    con = duckdb.connect()
    n, topics = con.execute(
        f"SELECT count(*), count(DISTINCT topic) FROM read_parquet('{output}/articles/**/*.parquet', hive_partitioning=true)"
    ).fetchone()
    assert n == table.num_rows and topics >= 4
    mentions = con.execute(
        f"SELECT canonical, count(*) FROM read_parquet('{output}/entities/**/*.parquet', hive_partitioning=true) "
        "GROUP BY canonical ORDER BY 2 DESC LIMIT 1"
    ).fetchone()
    assert mentions[1] >= 2


def test_second_run_adds_no_article_rows_and_uses_conditional_get(first_run, feeds_file):
    output, _ = first_run
    before = len(article_rows(output))
    state = read_feed_state(output)
    assert state and all(row["last_success_at"] for row in state.values())
    counters = run_ingest(ingest_argv(feeds_file, output, "second"))
    assert len(article_rows(output)) == before
    assert counters.get("feeds_not_modified", 0) == len(state)


def test_wiring_with_test_pipeline(feeds_file, tmp_path):
    options = PipelineOptions(ingest_argv(feeds_file, str(tmp_path), "tp"))
    with TestPipeline(options=options) as p:
        outputs = build_pipeline(p, config_from_options(options))
        assert_that(outputs["articles"] | "Ids" >> beam.Map(lambda a: a["article_id"]), is_not_empty(), label="HasArticles")
        reasons = outputs["rejects"] | "Reasons" >> beam.Map(lambda r: r["reason"]) | beam.Distinct()

        def has_reasons(found):
            assert {"http_404", "feed_malformed"} <= set(found), found

        assert_that(reasons, has_reasons, label="RejectReasons")


@pytest.mark.slow
@pytest.mark.parametrize(
    "runner_args",
    [
        ["--direct_running_mode=multi_processing", "--direct_num_workers=2"],
        ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"],
    ],
    ids=["multi_processing", "portable"],
)
def test_other_runners_write_the_same_rows(first_run, feeds_file, tmp_path, runner_args):
    output, _ = first_run
    run_ingest(ingest_argv(feeds_file, str(tmp_path), "other", *runner_args))

    def key(rows):
        return sorted((r["article_id"], r["topic"], r["date"], r["body"], r["story_id"]) for r in rows)

    assert key(article_rows(str(tmp_path))) == key(article_rows(output))
    assert sorted((r["url"], r["reason"]) for r in reject_rows(str(tmp_path))) == sorted(
        (r["url"], r["reason"]) for r in reject_rows(output)
    )
