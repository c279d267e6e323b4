"""What a page says about itself: publication time candidates, authors, site names.

    python -c "from lxml.html import fromstring; from akhbar.transforms.web.pagemeta import read_page; print(read_page(fromstring(open('page.html').read())))"

``read_page`` collects, in one pass over the parsed tree and without judging them:
- publication time candidates, best kind first: JSON-LD ``datePublished`` of the article node,
  ``<meta>`` published times (``article:published_time`` and the other names in
  ``configs/pagemeta.yaml``), ``itemprop="datePublished"``, ``<time datetime>``, then the
  visible date line near the headline («تم نشره الخميس 3 آذار / مارس 2022 10:15 مساءً»). Every
  value goes through the project's one timestamp parser, so Arabic words, ص/م, صباحاً/مساءً
  and Arabic-Indic digits read everywhere;
- the zone offsets the page states anywhere (modified times included), for wall clocks that
  state none;
- author strings: JSON-LD authors of type Person, byline elements of the article (not those in
  sidebars: a columnist widget lists other articles' writers), ``<meta name=author>``;
- the names of the site (``og:site_name``, JSON-LD publisher and WebSite, application-name).

``choose_publication`` then decides ``published_at``, ``date`` (the outlet's own calendar day)
and ``date_source`` from those candidates and the feed's pubDate, dropping impossible instants
(the epoch, before 1990, more than a day after the fetch) with a note per reason.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml.html import HtmlElement

from akhbar import configs
from akhbar.transforms.text.arabic_dates import Timestamp, parse_timestamp

# Kinds of candidate, best first; the first two are the `date_source` "page", the date line "text".
KIND_JSONLD, KIND_META, KIND_ITEMPROP, KIND_TIME, KIND_LINE, KIND_URL = (
    "jsonld", "meta", "itemprop", "time", "line", "url")
DATE_SOURCE_OF_KIND = {KIND_JSONLD: "page", KIND_META: "page", KIND_ITEMPROP: "page", KIND_TIME: "page",
                       KIND_LINE: "text", KIND_URL: "url"}
DATE_SOURCES = ("feed", "page", "text", "url", "fetched")

EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
LATEST_AFTER_FETCH = timedelta(days=1)
MAX_LINE_CHARS = 160  # a date line is short; a paragraph that holds a date is prose
MAX_LINES = 12  # date-line elements read per page
MAX_JSONLD_CHARS = 200_000


@dataclass(frozen=True)
class DateCandidate:
    kind: str
    stamp: Timestamp
    after_headline: bool = True  # visible lines before the headline are often today's date in the page header


@dataclass(frozen=True)
class PageFacts:
    dates: tuple[DateCandidate, ...] = ()
    stated_offsets: tuple[timedelta, ...] = ()  # every zone offset the page states, in order
    json_ld_authors: tuple[str, ...] = ()
    byline_texts: tuple[str, ...] = ()
    meta_authors: tuple[str, ...] = ()
    site_names: tuple[str, ...] = ()
    headline: str | None = None  # the page's <h1>, or JSON-LD headline


@dataclass(frozen=True)
class DateChoice:
    published_at: datetime | None  # UTC; None when date_source is "fetched"
    date: str  # YYYY-MM-DD, the outlet's own day (the fetch day in the outlet's zone when fetched)
    date_source: str
    notes: tuple[str, ...] = field(default=())  # counter names: date_ignored.<reason>, date_page_overrides_feed


@dataclass(frozen=True)
class _Rules:
    published_meta: tuple[str, ...]
    modified_meta: frozenset[str]
    article_types: frozenset[str]
    date_line_xpath: str
    byline_xpath: str
    not_article: re.Pattern[str]
    cctld_timezones: dict[str, str]


def _class_xpath(markers: Iterable[str]) -> str:
    tests = " or ".join(f"contains(@class,'{m}') or contains(@id,'{m}')" for m in markers)
    return f"//*[{tests}]"


@functools.cache
def _rules() -> _Rules:
    data = configs.load_yaml("pagemeta.yaml")
    return _Rules(
        published_meta=tuple(name.lower() for name in data["published_meta"]),
        modified_meta=frozenset(name.lower() for name in data["modified_meta"]),
        article_types=frozenset(data["article_types"]),
        date_line_xpath=_class_xpath(data["date_line_markers"]) + "[not(self::script or self::style or self::body or self::html)]",
        byline_xpath=_class_xpath(data["byline_markers"])
        + "[not(self::script or self::style or self::meta or self::body or self::html or self::link)]"
        + "|//*[@rel='author']|//*[@itemprop='author'][not(self::meta or self::link)]",
        not_article=re.compile("|".join(re.escape(m) for m in data["not_article_markers"]), re.I),
        cctld_timezones=dict(data["cctld_timezones"]),
    )


# ---------------------------------------------------------------------------------------------
# Reading the page.


def _json_ld_nodes(tree: HtmlElement) -> Iterator[dict]:
    for script in tree.xpath("//script[@type='application/ld+json']"):
        text = script.text or ""
        if not text.strip() or len(text) > MAX_JSONLD_CHARS:
            continue
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                yield node
                graph = node.get("@graph")
                if isinstance(graph, list):
                    stack.extend(reversed(graph))


def _types(node: dict) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _json_ld_names(value: object, person_only: bool) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            types = _types(item)
            if person_only and types and "Person" not in types:
                continue  # an Organization as author is the outlet, not a person
            name = item.get("name")
            if isinstance(name, str):
                names.append(name)
    return names


def _in_page_chrome(element: HtmlElement) -> bool:
    """Whether the element sits in a sidebar, widget, teaser list, header navigation or footer."""
    not_article = _rules().not_article
    node = element
    depth = 0
    while node is not None and depth < 12:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("aside", "nav", "footer"):
            return True
        marks = (node.get("class") or "") + " " + (node.get("id") or "")
        if marks.strip() and not_article.search(marks):
            return True
        node = node.getparent()
        depth += 1
    return False


def _text(element: HtmlElement) -> str:
    return " ".join(" ".join(element.itertext()).split())


def _stamp(value: object) -> Timestamp | None:
    return parse_timestamp(value) if isinstance(value, str) else None


def read_page(tree: HtmlElement) -> PageFacts:
    """Everything the page states about its publication, authors and site (no decision made)."""
    rules = _rules()
    dates: list[DateCandidate] = []
    offsets: list[timedelta] = []
    json_ld_authors: list[str] = []
    site_names: list[str] = []
    headline = None

    def note_offset(stamp: Timestamp | None) -> None:
        if stamp is not None and stamp.zone_stated:
            offsets.append(stamp.wall.utcoffset())

    article_dates, other_dates = [], []
    for node in _json_ld_nodes(tree):
        types = _types(node)
        is_article = bool(types & rules.article_types)
        if types & {"WebSite", "Organization", "NewsMediaOrganization"} and isinstance(node.get("name"), str):
            site_names.append(node["name"])
        publisher = node.get("publisher")
        site_names.extend(_json_ld_names(publisher, person_only=False))
        for key in ("datePublished", "dateCreated", "dateModified", "uploadDate"):
            stamp = _stamp(node.get(key))
            note_offset(stamp)
            if stamp is not None and key != "dateModified":
                (article_dates if is_article else other_dates).append(DateCandidate(KIND_JSONLD, stamp))
        if is_article:
            json_ld_authors.extend(_json_ld_names(node.get("author"), person_only=True))
            if headline is None and isinstance(node.get("headline"), str):
                headline = node["headline"]
    dates.extend(article_dates or other_dates)

    meta_values: dict[str, list[str]] = {}
    for meta in tree.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key:
            meta_values.setdefault(key, []).append(meta.get("content") or "")
    for key in rules.published_meta:
        for value in meta_values.get(key, ()):
            stamp = _stamp(value)
            note_offset(stamp)
            if stamp is not None:
                dates.append(DateCandidate(KIND_META, stamp))
    for key in rules.modified_meta:
        for value in meta_values.get(key, ()):
            note_offset(_stamp(value))
    for key in ("og:site_name", "application-name", "twitter:site", "publisher", "copyright"):
        site_names.extend(v for v in meta_values.get(key, ()) if v.strip())
    meta_authors = [v for key in ("author", "article:author", "dc.creator", "dcterms.creator", "sailthru.author",
                                  "parsely-author", "byl") for v in meta_values.get(key, ())]

    # schema.org microdata and Dublin Core RDFa on any element («<span property="dc:date" content=…>»).
    for element in tree.xpath("//*[@itemprop='datePublished' or @property='dc:date' or @property='dc:created'"
                              " or @property='dcterms:created' or @property='dcterms:issued'][not(self::meta)]"):
        stamp = _stamp(element.get("datetime") or element.get("content") or _text(element))
        note_offset(stamp)
        if stamp is not None:
            dates.append(DateCandidate(KIND_ITEMPROP, stamp))

    # The headline is the longest <h1> outside the page's chrome: a site logo is an <h1> too.
    headings = [h for h in tree.xpath("//h1") if not _in_page_chrome(h)] or tree.xpath("//h1")
    first_h1 = max(headings, key=lambda h: len(_text(h))) if headings else None
    if first_h1 is not None and headline is None:
        headline = _text(first_h1) or None
    order: dict[HtmlElement, int] | None = None

    def after_headline(element: HtmlElement) -> bool:
        nonlocal order
        if first_h1 is None:
            return True
        if order is None:
            order = {el: i for i, el in enumerate(tree.iter())}
        return order.get(element, 0) > order.get(first_h1, 0)

    time_candidates = []
    for element in tree.xpath("//time"):
        if _in_page_chrome(element):
            continue
        stamp = _stamp(element.get("datetime")) or _stamp(_text(element)[:MAX_LINE_CHARS])
        note_offset(stamp)
        if stamp is not None:
            time_candidates.append(DateCandidate(KIND_TIME, stamp, after_headline(element)))
    # The first <time> after the headline is the article's; before it, the header's clock.
    dates.extend(sorted(time_candidates, key=lambda c: not c.after_headline)[:3])

    line_candidates = []
    for element in tree.xpath(rules.date_line_xpath)[: MAX_LINES * 4]:
        text = _text(element)
        if not text or len(text) > MAX_LINE_CHARS or _in_page_chrome(element):
            continue
        stamp = _stamp(text)
        if stamp is None:
            continue
        note_offset(stamp)
        line_candidates.append(DateCandidate(KIND_LINE, stamp, after_headline(element)))
        if len(line_candidates) >= MAX_LINES:
            break
    if not line_candidates and first_h1 is not None:
        # No marked date element: the lines right after the headline («تم نشره …»).
        parent = first_h1.getparent()
        near = list(first_h1.itersiblings())[:4] + (list(parent.itersiblings())[:3] if parent is not None else [])
        for sibling in near:
            text = _text(sibling)
            stamp = _stamp(text) if text and len(text) <= MAX_LINE_CHARS else None
            if stamp is not None:
                note_offset(stamp)
                line_candidates.append(DateCandidate(KIND_LINE, stamp, True))
                break
    dates.extend(sorted(line_candidates, key=lambda c: not c.after_headline))

    byline_texts = []
    for element in tree.xpath(_rules().byline_xpath)[:40]:
        if _in_page_chrome(element):
            continue
        text = _text(element)
        if text and len(text) <= 200:
            byline_texts.append(text)
    return PageFacts(
        dates=tuple(dates),
        stated_offsets=tuple(offsets),
        json_ld_authors=tuple(json_ld_authors),
        byline_texts=tuple(byline_texts),
        meta_authors=tuple(meta_authors),
        site_names=tuple(dict.fromkeys(n.strip().lstrip("@") for n in site_names if n.strip())),
        headline=headline,
    )


_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/\-_.]|$)"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=[/\-_.]|$)"
)


def url_date(url: str | None) -> date | None:
    """The date an article URL spells (``/2022/03/03/``, ``/2022-03-03-``, ``/20220303/``)."""
    if not url:
        return None
    found = _URL_DATE.search(url)
    if not found:
        return None
    year, month, day = (found.group(1), found.group(2), found.group(3)) if found.group(1) else found.group(4, 5, 6)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Deciding.


@functools.cache
def named_zone(name: str | None) -> tzinfo | None:
    """An IANA zone by name; None for no name or an unknown one."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def host_zone(host: str | None) -> tzinfo | None:
    """The zone of a country-code domain's capital (``configs/pagemeta.yaml``), for a last resort."""
    if not host:
        return None
    return named_zone(_rules().cctld_timezones.get(host.rsplit(".", 1)[-1].lower()))


def outlet_zone(
    *,
    configured: str | None = None,
    page_offsets: Iterable[timedelta] = (),
    feed_offset: timedelta | None = None,
    host: str | None = None,
) -> tzinfo | None:
    """The outlet's zone, best evidence first: the feeds file, an offset the page states (a zero
    offset is a CMS default and says little), the feed's pubDate offset, the host's country."""
    zone = named_zone(configured)
    if zone is not None:
        return zone
    stated = Counter(o for o in page_offsets if o)
    if stated:
        return timezone(stated.most_common(1)[0][0])
    if feed_offset:
        return timezone(feed_offset)
    return host_zone(host)


def implausible_reason(instant: datetime, fetched_at: datetime) -> str | None:
    """Why an instant cannot be a publication time: "epoch", "before_1990", "future"; None if plausible."""
    if abs(instant - datetime(1970, 1, 1, tzinfo=UTC)) <= timedelta(days=1):
        return "epoch"
    if instant < EARLIEST_PLAUSIBLE:
        return "before_1990"
    if instant > fetched_at + LATEST_AFTER_FETCH:
        return "future"
    return None


def _resolve(stamp: Timestamp, zone: tzinfo | None, configured: bool) -> tuple[datetime, date] | None:
    """(UTC instant, outlet's day) of a timestamp; a wall clock without zone is read in ``zone``."""
    try:
        if not stamp.has_time:
            day = stamp.wall.date()
            midnight = datetime.combine(day, time(0), tzinfo=zone or stamp.wall.tzinfo or UTC)
            return midnight.astimezone(UTC), day
        instant = stamp.instant(zone or UTC)
        if configured or not stamp.zone_stated or not stamp.wall.utcoffset():
            # The outlet's day: in its own zone when known, not in the zone the CMS wrote (often UTC).
            return instant, instant.astimezone(zone or UTC).date()
        return instant, stamp.wall.date()
    except (OverflowError, ValueError):  # year 1 in a zone east of UTC, and the like
        return None


def choose_publication(
    candidates: Iterable[DateCandidate],
    *,
    fetched_at: datetime,
    feed_published: datetime | None = None,
    zone: tzinfo | None = None,
    zone_configured: bool = False,
) -> DateChoice:
    """``published_at``, the outlet's ``date`` and ``date_source`` for one article.

    Page candidates come best kind first; the first plausible one wins. A date-only candidate
    takes the time of a later candidate that falls on the same day. The feed's pubDate wins
    over a page that gives no time of day or only a visible line; a page that moves a plausible
    feed date by more than a day is noted ("date_page_overrides_feed"). With nothing plausible
    the date is the fetch day and ``published_at`` is None.
    """
    notes: list[str] = []
    resolved: list[tuple[DateCandidate, datetime, date]] = []
    for candidate in candidates:
        moment = _resolve(candidate.stamp, zone, zone_configured)
        if moment is None:
            notes.append("date_ignored.before_1990")
            continue
        reason = implausible_reason(moment[0], fetched_at)
        if reason:
            notes.append(f"date_ignored.{reason}")
            continue
        resolved.append((candidate, *moment))
    page = resolved[0] if resolved else None
    if page is not None and not page[0].stamp.has_time:
        timed = next((r for r in resolved[1:] if r[0].stamp.has_time and r[2] == page[2]), None)
        if timed is not None:
            page = (page[0], timed[1], page[2])

    feed = None
    if feed_published is not None:
        reason = implausible_reason(feed_published, fetched_at)
        if reason:
            notes.append(f"date_ignored.{reason}")
        else:
            feed = feed_published.astimezone(UTC)

    if page is not None and feed is not None:
        candidate, instant, day = page
        page_is_better = candidate.kind != KIND_LINE and (candidate.stamp.has_time or instant == feed)
        if page_is_better:
            if abs(instant - feed) > timedelta(days=1):
                notes.append("date_page_overrides_feed")
            return DateChoice(instant, day.isoformat(), DATE_SOURCE_OF_KIND[candidate.kind], tuple(notes))
        page = None
    if feed is not None:
        return DateChoice(feed, feed.astimezone(zone or UTC).date().isoformat(), "feed", tuple(notes))
    if page is not None:
        candidate, instant, day = page
        return DateChoice(instant, day.isoformat(), DATE_SOURCE_OF_KIND[candidate.kind], tuple(notes))
    return DateChoice(None, fetched_at.astimezone(zone or UTC).date().isoformat(), "fetched", tuple(notes))


def url_candidate(url: str | None) -> DateCandidate | None:
    day = url_date(url)
    return DateCandidate(KIND_URL, Timestamp(datetime.combine(day, time(0)), False)) if day else None
