"""One conditional fetch of one feed: validators in, entries, rejects and the feed's new state out.

    python -c "from akhbar.transforms.web.feedfetch import fetch_feed; help(fetch_feed)"

The batch ``FetchFeeds`` (prior validators from ``state/feeds.parquet``) and the streaming
``PollFeeds`` (prior validators in Beam state) both call ``fetch_feed``; only where they keep
the state differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from akhbar.schemas import FeedEntry, FeedSpec, Reject
from akhbar.schemas.rows import feed_state_row
from akhbar.transforms.web.feeds import parse_feed
from akhbar.transforms.web.http import FetchError, HttpClient


@dataclass
class FeedFetch:
    """What one fetch of a feed gave."""

    state: dict  # the feed's state row after this fetch (schemas.FEED_STATE)
    entries: list[FeedEntry] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    not_modified: bool = False

    @property
    def entries_discovered(self) -> int:
        """Entries the feed listed: those parsed, and those whose link could not be used."""
        return len(self.entries) + sum(r.reason == "entry_bad_link" for r in self.rejects)


def fetch_feed(client: HttpClient, feed: FeedSpec, prior: Mapping[str, Any] | None, *, now: datetime) -> FeedFetch:
    """GET the feed with the prior ETag / Last-Modified; a 304 yields no entries and keeps them."""
    prior = prior or {}
    try:
        response = client.get(feed.url, kind="feed", etag=prior.get("etag"), last_modified=prior.get("last_modified"))
    except FetchError as exc:
        state = feed_state_row(feed.url, prior, checked_at=now, status=exc.status, succeeded=False)
        return FeedFetch(state, rejects=[Reject.make(feed.url, feed.name, "fetch_feed", exc.reason, exc.detail, feed.url)])
    if response.status == 304:
        state = feed_state_row(feed.url, prior, checked_at=now, status=304, succeeded=True)
        return FeedFetch(state, not_modified=True)
    validators = {"etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified")}
    state = feed_state_row(feed.url, prior, checked_at=now, status=response.status, succeeded=True, validators=validators)
    parsed = parse_feed(response.body, feed, response.content_type)
    return FeedFetch(state, entries=list(parsed.entries), rejects=list(parsed.rejects))
