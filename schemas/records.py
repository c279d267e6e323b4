"""Record types that flow between pipeline stages (one PCollection, one type).

    python -c "from akhbar.schemas import Reject; print(Reject.make('http://x', 'src', 'fetch_page', 'http_404', 'Not Found'))"

Plain frozen dataclasses: they pickle on every Beam runner and need no coder registration.
Articles travel as dicts keyed by ``schemas.ARTICLES`` column names, so that a column added
by a later schema version needs no change in the stages that do not fill it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class FeedSpec:
    """One feed from the feeds file."""

    name: str
    url: str
    topic: str | None = None  # slug from configs/topics.yaml, validated when the file is loaded
    trust_categories: bool = False  # map the feed's <category> values onto the vocabulary
    timezone: str | None = None  # IANA zone of the outlet («Africa/Cairo»): its calendar day is `date`


@dataclass(frozen=True)
class FeedEntry:
    """One item of a parsed feed: a page to fetch."""

    url: str
    source: str
    feed_url: str
    title: str | None = None
    summary: str | None = None
    published_at: datetime | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    feed_topic: str | None = None
    trust_categories: bool = False
    timezone: str | None = None  # the feed's configured IANA zone
    # Zone offset (minutes east of UTC) that the entry's pubDate states, else the one most of the
    # feed's pubDates state: the outlet's zone when the feeds file names none.
    utc_offset_minutes: int | None = None


@dataclass(frozen=True)
class FetchedPage:
    """An article page fetched and decoded to text."""

    entry: FeedEntry
    final_url: str
    html: str
    encoding: str
    fetched_at: datetime
    status: int = 200


@dataclass(frozen=True)
class Reject:
    """A record that failed a stage, with a stable reason code. Every stage emits these instead of dropping."""

    url: str
    source: str | None
    stage: str
    reason: str
    detail: str
    seen_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    feed_url: str | None = None

    @classmethod
    def make(cls, url, source, stage, reason, detail="", feed_url=None) -> Reject:
        return cls(url=url, source=source, stage=stage, reason=reason, detail=str(detail)[:2000], feed_url=feed_url)

    def to_row(self, run_id: str) -> dict:
        row = dataclasses.asdict(self)
        row["run_id"] = run_id
        row["date"] = self.seen_at.astimezone(UTC).strftime("%Y-%m-%d")
        return row
