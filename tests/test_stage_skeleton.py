"""The shared pieces of #12: the conditional feed fetch, row builders, and the stage skeleton.

    python -m pytest tests/test_stage_skeleton.py -q
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from faultserver import FaultServer

from akhbar import schemas
from akhbar.schemas import FeedSpec, Reject
from akhbar.schemas.rows import entity_rows, feed_state_row, stamp_story
from akhbar.transforms.stages.skeleton import REJECTS, StageFn
from akhbar.transforms.web.feedfetch import fetch_feed
from akhbar.transforms.web.http import FetchSettings, HttpClient

FAST = FetchSettings(connect_timeout=1.0, read_timeout=1.0, total_timeout=1.5, max_retries=0,
                     allow_private_hosts=True, per_host_delay=0.0)


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as running:
        yield running


def test_conditional_fetch_keeps_validators_through_a_304_and_a_failure(server):
    feed = FeedSpec(name="صوت الاختبار", url=server.url("/feeds/rss.xml"))
    client = HttpClient(FAST)
    try:
        first = fetch_feed(client, feed, None, now=datetime(2024, 11, 4, 8, tzinfo=UTC))
        assert first.entries and not first.not_modified and first.state["last_status"] == 200
        assert first.state["etag"] and first.state["last_success_at"] == datetime(2024, 11, 4, 8, tzinfo=UTC)
        assert first.entries_discovered >= len(first.entries)

        second = fetch_feed(client, feed, first.state, now=datetime(2024, 11, 4, 9, tzinfo=UTC))
        assert second.not_modified and second.entries == [] and second.state["last_status"] == 304
        assert second.state["etag"] == first.state["etag"]

        dead = replace(feed, url=server.url("/status/404"))
        failed = fetch_feed(client, dead, second.state, now=datetime(2024, 11, 4, 10, tzinfo=UTC))
        assert [r.reason for r in failed.rejects] == ["http_404"] and failed.rejects[0].stage == "fetch_feed"
        assert failed.state["etag"] == first.state["etag"]  # a failure keeps what the last 200 said
        assert failed.state["last_success_at"] == datetime(2024, 11, 4, 9, tzinfo=UTC)
    finally:
        client.close()


def test_row_builders_fill_exactly_the_table_columns():
    article = {
        "article_id": "a1", "source": "الخبر اليوم", "run_id": "r1", "date": "2024-11-04", "topic": "politics",
        "entities": [{"text": "جاويش أوغلو", "start": 10, "end": 21, "type": "PER", "canonical": "تشاووش اوغلو"}],
    }
    (row,) = entity_rows(article)
    assert set(row) == set(schemas.ENTITIES.names)
    assert row["canonical"] == "تشاووش اوغلو" and row["source"] == "الخبر اليوم" and row["date"] == "2024-11-04"
    state = feed_state_row("https://x.example/rss", None, checked_at=datetime(2024, 1, 1, tzinfo=UTC), status=500,
                           succeeded=False)
    assert set(state) == set(schemas.FEED_STATE.names) and state["last_success_at"] is None
    story = stamp_story({"story_id": "s1", "first_seen": datetime(2024, 11, 3, 23, 50, tzinfo=UTC)}, "r2")
    assert story["date"] == "2024-11-03" and story["run_id"] == "r2"


class _HalvingFn(StageFn):
    """A stage for the test: halves even numbers, rejects odd ones, and fails on zero."""

    stage = "extract"
    timer = "test_halving_ms"

    def provenance(self, n: int):
        return f"https://example.org/{n}", "src", None

    def handle(self, n: int):
        if n == 0:
            raise ZeroDivisionError("zero")
        if n % 2:
            yield Reject.make(f"https://example.org/{n}", "src", self.stage, "odd_number", "")
            return
        yield n // 2


def test_stage_skeleton_tags_rejects_and_turns_exceptions_into_internal_errors():
    with TestPipeline() as p:
        out = p | beam.Create([4, 3, 0]) | beam.ParDo(_HalvingFn()).with_outputs(REJECTS, main="main")
        assert_that(out.main, equal_to([2]), label="Kept")
        reasons = out[REJECTS] | beam.Map(lambda r: (r.reason, r.url, r.detail.split(":")[0]))
        assert_that(
            reasons,
            equal_to([("odd_number", "https://example.org/3", ""),
                      ("internal_error", "https://example.org/0", "ZeroDivisionError")]),
            label="Rejected",
        )
