"""Row builders: every row a stage writes or reads back is shaped here, from the table schemas.

    python -c "from akhbar.schemas.rows import entity_rows; print(list(entity_rows({'article_id': 'a', 'date': '2024-11-04', 'topic': 'politics', 'entities': [{'text': 'عمّان', 'type': 'LOC', 'canonical': 'عمان', 'start': 0, 'end': 5}]})))"

Adding a column to a table is one edit in ``tables.py``, plus, where the column is derived
from another record, one edit here; the stages call these builders and never list columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from akhbar.schemas.records import FeedEntry
from akhbar.schemas.tables import ARTICLES, ENTITIES, FEED_STATE

# What later runs read back from recent article files: ids for the seen-filter, hashes and
# signatures for de-duplication, and the small columns story matching compares.
RECENT_ARTICLE_COLUMNS = (
    "article_id", "content_hash", "minhash", "story_id", "published_at", "source", "title",
    "entities", "dates_mentioned",
    "lead",  # the standfirst: event grouping's text for rows of earlier runs (their body is not read back)
)
assert set(RECENT_ARTICLE_COLUMNS) <= set(ARTICLES.names)

# ENTITIES columns that come from the article rather than from the mention itself.
_ENTITY_FROM_ARTICLE = ("article_id", "source", "run_id", "date", "topic")

# Key under which an article carries, until it is written, what the feed said that only the
# topic step reads (the feed's topic and categories); not a column, never written.
ENTRY_HINTS = "_hints"


def entity_rows(article: Mapping[str, Any]) -> Iterator[dict]:
    """One row of the ``entities`` table per entity mention of the article."""
    shared = {name: article.get(name) for name in _ENTITY_FROM_ARTICLE}
    for mention in article.get("entities") or ():
        row = {name: mention.get(name) for name in ENTITIES.names if name not in _ENTITY_FROM_ARTICLE}
        row.update(shared)
        yield row


def feed_state_row(
    feed_url: str,
    prior: Mapping[str, Any] | None,
    *,
    checked_at: datetime,
    status: int | None,
    succeeded: bool,
    validators: Mapping[str, str | None] | None = None,
) -> dict:
    """The ``state/feeds.parquet`` row after one fetch of a feed.

    ``validators`` (``etag``, ``last_modified``) replace the prior ones after a 200; a 304 or a
    failure keeps the prior validators, and only a 200 or a 304 moves ``last_success_at``.
    """
    prior = prior or {}
    row = {name: prior.get(name) for name in FEED_STATE.names}
    row.update(feed_url=feed_url, last_status=status, last_checked_at=checked_at)
    if succeeded:
        row["last_success_at"] = checked_at
    if validators is not None:
        row["etag"] = validators.get("etag")
        row["last_modified"] = validators.get("last_modified")
    return row


def story_partition_date(member_dates: Iterable[str | None], first_seen: datetime | None = None) -> str | None:
    """A story's partition date: that of its earliest article (whose own date already falls back
    to the fetch day), else the day of ``first_seen``. The one rule for batch, stream and repair."""
    dates = [d for d in member_dates if d]
    if dates:
        return min(dates)
    return first_seen.strftime("%Y-%m-%d") if first_seen else None


def stamp_story(story: Mapping[str, Any], run_id: str) -> dict:
    """A story row as written by ``run_id``, in the partition of its earliest article.

    The grouping step dates a story like its earliest article (whose ``date`` falls back to the
    fetch day); ``first_seen`` decides only for rows that came without a date.
    """
    return {**story, "run_id": run_id, "date": story.get("date") or story_partition_date((), story.get("first_seen"))}


def entry_hints(entry: FeedEntry | None) -> dict:
    """What the feed said about an entry's topic, for the topic step (see ``ENTRY_HINTS``)."""
    return {
        "feed_topic": entry.feed_topic if entry else None,
        "categories": list(entry.categories) if entry else [],
        "trust_feed": entry.trust_categories if entry else False,
    }
