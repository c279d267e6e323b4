"""Parse RSS 0.9x/1.0/2.0 and Atom bytes into feed entries, with rejects for what is wrong.

    python -c "from akhbar.transforms.web.feeds import parse_feed; from akhbar.schemas import FeedSpec; print(parse_feed(open('f.xml','rb').read(), FeedSpec('x','http://x/f.xml')))"

feedparser does the parsing. A malformed (``bozo``) feed that still yields entries gives those
entries plus one ``feed_malformed`` reject naming the problem; a feed that yields nothing usable
is one ``feed_unparseable`` reject. pubDates go through
``akhbar.transforms.text.arabic_dates.parse_timestamp`` first, which keeps the offset they state
(feedparser's UTC reading forgets it) and reads the Arabic ones feedparser leaves unparsed.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser

from akhbar.schemas import FeedEntry, FeedSpec, Reject
from akhbar.transforms.text.arabic_dates import parse_timestamp
from akhbar.transforms.web.urls import is_http_url

STAGE = "parse_feed"
MAX_ENTRIES = 5000  # a feed with more is either an archive dump or hostile; the rest is rejected
MAX_FIELD_CHARS = 2000


@dataclass
class ParsedFeed:
    entries: list[FeedEntry] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def _published(entry: feedparser.FeedParserDict) -> tuple[datetime | None, int | None]:
    """The entry's publication instant (UTC) and the zone offset, in minutes, its pubDate states.

    feedparser turns pubDates into UTC and forgets their offset, which says which calendar day
    the outlet printed, so the raw strings are read first; feedparser's reading serves for
    strings that state no zone we know, and our parser for the Arabic ones it leaves unparsed.
    """
    # dict.get, not entry.get: FeedParserDict maps missing keys to look-alikes with a warning.
    unzoned = None
    for key in ("published", "updated", "created", "dc_date"):
        raw = dict.get(entry, key)
        stamp = parse_timestamp(raw) if isinstance(raw, str) and raw.strip() else None
        if stamp is None:
            continue
        try:
            instant = stamp.instant(UTC)
        except (OverflowError, ValueError):
            continue
        if stamp.zone_stated:
            return instant, int(stamp.wall.utcoffset().total_seconds() // 60)
        unzoned = unzoned or instant
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(entry, key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC), None
    return unzoned, None


def _clip(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:MAX_FIELD_CHARS] or None


def parse_feed(body: bytes, feed: FeedSpec, content_type: str | None = None) -> ParsedFeed:
    headers = {"content-type": content_type} if content_type else None
    try:
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser raises on some binary garbage despite its bozo contract
        return ParsedFeed(rejects=[Reject.make(feed.url, feed.name, STAGE, "feed_unparseable", repr(exc), feed.url)])
    result = ParsedFeed()
    raw_entries = parsed.get("entries") or []
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        detail = f"{type(problem).__name__}: {problem}" if problem else "malformed feed"
        if not raw_entries:
            result.rejects.append(Reject.make(feed.url, feed.name, STAGE, "feed_unparseable", detail, feed.url))
            return result
        result.rejects.append(Reject.make(feed.url, feed.name, STAGE, "feed_malformed", detail, feed.url))
    elif not raw_entries and not parsed.get("version"):
        result.rejects.append(
            Reject.make(feed.url, feed.name, STAGE, "feed_unparseable", "not an RSS or Atom document", feed.url)
        )
        return result
    if len(raw_entries) > MAX_ENTRIES:
        result.rejects.append(
            Reject.make(feed.url, feed.name, STAGE, "feed_too_many_entries",
                        f"{len(raw_entries)} entries, kept the first {MAX_ENTRIES}", feed.url)
        )
        raw_entries = raw_entries[:MAX_ENTRIES]
    dated = [(raw, *_published(raw)) for raw in raw_entries]
    stated = Counter(offset for _, _, offset in dated if offset is not None)
    feed_offset = stated.most_common(1)[0][0] if stated else None
    for raw, published_at, offset in dated:
        link = _clip(raw.get("link")) or _clip(raw.get("id"))
        if not is_http_url(link):
            result.rejects.append(
                Reject.make(link or feed.url, feed.name, STAGE, "entry_bad_link",
                            f"entry {str(raw.get('title', ''))[:100]!r} has no http(s) link", feed.url)
            )
            continue
        authors = tuple(a for a in (_clip(x.get("name")) for x in raw.get("authors") or []) if a)
        if not authors and _clip(raw.get("author")):
            authors = (_clip(raw.get("author")),)
        categories = tuple(c for c in (_clip(t.get("term")) for t in raw.get("tags") or []) if c)
        result.entries.append(
            FeedEntry(
                url=link,
                source=feed.name,
                feed_url=feed.url,
                title=_clip(raw.get("title")),
                summary=_clip(raw.get("summary")),
                published_at=published_at,
                authors=authors,
                categories=categories[:20],
                feed_topic=feed.topic,
                trust_categories=feed.trust_categories,
                timezone=feed.timezone,
                utc_offset_minutes=offset if offset is not None else feed_offset,
            )
        )
    return result
