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

from lxml import etree
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
    modified: bool = False  # a line that says it is the last update («آخر تحديث»), not the publication


@dataclass(frozen=True)
class PageFacts:
    dates: tuple[DateCandidate, ...] = ()
    stated_offsets: tuple[timedelta, ...] = ()  # every zone offset the page states, in order
    json_ld_authors: tuple[str, ...] = ()
    byline_texts: tuple[str, ...] = ()
    meta_authors: tuple[str, ...] = ()
    site_names: tuple[str, ...] = ()
    headline: str | None = None  # the page's <h1>, or JSON-LD headline
    body_read: bool = True  # False: only JSON-LD and <meta> were read (no <time>, date line, byline, <h1>)
    country: str | None = None  # ISO 3166 code the page's locale or geo metadata names (og:locale ar_EG)


@dataclass(frozen=True)
class DateChoice:
    published_at: datetime | None  # UTC; None when date_source is "fetched"
    date: str  # YYYY-MM-DD, the outlet's own day (the fetch day in the outlet's zone when fetched)
    date_source: str
    notes: tuple[str, ...] = field(default=())  # counter names: date_ignored.<reason>, date_page_overrides_feed
    timed: bool = False  # published_at carries a time of day that the source stated


@dataclass(frozen=True)
class _Rules:
    published_meta: tuple[str, ...]
    modified_meta: frozenset[str]
    article_types: frozenset[str]
    marks: re.Pattern[str]  # groups: byline, published (exact property values), line
    not_article: re.Pattern[str]
    cctld_timezones: dict[str, str]


def _marks(markers: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(m) for m in markers), re.I)


@functools.cache
def _rules() -> _Rules:
    data = configs.load_yaml("pagemeta.yaml")
    return _Rules(
        published_meta=tuple(name.lower() for name in data["published_meta"]),
        modified_meta=frozenset(name.lower() for name in data["modified_meta"]),
        article_types=frozenset(data["article_types"]),
        marks=re.compile(
            "(?P<byline>" + "|".join(re.escape(m) for m in data["byline_markers"]) + ")"
            + "|(?P<published>^(?:" + "|".join(re.escape(m) for m in sorted(_PUBLISHED_PROPERTIES)) + ")$)"
            + "|(?P<line>" + "|".join(re.escape(m) for m in data["date_line_markers"]) + ")",
            re.I,
        ),
        not_article=_marks(data["not_article_markers"]),
        cctld_timezones=dict(data["cctld_timezones"]),
    )


# ---------------------------------------------------------------------------------------------
# Reading the page.


def _json_ld_nodes(tree: HtmlElement) -> Iterator[dict]:
    for script in tree.iter("script"):  # a tag walk in C: cheaper than an XPath predicate over the page
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = script.text or ""
        if not text.strip() or len(text) > MAX_JSONLD_CHARS:
            continue
        data = _loads_lenient(text)
        if data is None:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                yield node
                for key in ("@graph", "mainEntity"):
                    if isinstance(node.get(key), (list, dict)):
                        stack.append(node[key])


_JSON_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|/\*\s*<!\[CDATA\[\s*\*/)|(?:-->|//\s*\]\]>|/\*\s*\]\]>\s*\*/)\s*$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def _loads_lenient(text: str) -> object | None:
    """JSON-LD as CMSes write it: control characters in strings, HTML comment or CDATA wrappers,
    trailing commas. None when it still does not parse."""
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    repaired = _TRAILING_COMMA.sub(r"\1", _JSON_WRAPPERS.sub("", text))
    try:
        return json.loads(repaired, strict=False)
    except ValueError:
        return None


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


def _in_page_chrome(element: HtmlElement, article_containers: frozenset = frozenset()) -> bool:
    """Whether the element sits in a sidebar, widget, teaser list, header navigation or footer.

    The walk up stops at ``<body>`` and at the containers of the headline
    (``article_containers``): a theme's «has-sidebar» on a wrapper of the whole page does not
    make the article chrome.
    """
    not_article = _rules().not_article
    node = element
    depth = 0
    while node is not None and depth < 12 and node not in article_containers:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("body", "html"):
            return False
        if tag in ("aside", "nav", "footer"):
            return True
        marks = (node.get("class") or "") + " " + (node.get("id") or "")
        if marks.strip() and not_article.search(marks):
            return True
        node = node.getparent()
        depth += 1
    return False


def _text(element: HtmlElement, limit: int = 100_000) -> str:
    """The element's text, whitespace collapsed; stops reading past ``limit`` characters."""
    parts, size = [], 0
    for piece in element.itertext():
        parts.append(piece)
        size += len(piece)
        if size > limit:
            break
    return " ".join(" ".join(parts).split())


def _stamp(value: object) -> Timestamp | None:
    if isinstance(value, list) and value:  # JSON-LD allows a list of values
        value = value[0]
    return parse_timestamp(value) if isinstance(value, str) else None


# A date line states a four-digit year (Arabic words and numeric forms alike): a cheap test
# before the parser, since date-ish class names («time», «meta», «info») mark many elements.
_UPDATE_WORDS = re.compile(r"تحديث|تعديل|محدث|updated|modified", re.I)
_HAS_YEAR = re.compile(r"[0-9٠-٩۰-۹]{4}")
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "html", "body", "meta", "link"})
_PUBLISHED_PROPERTIES = frozenset({"datepublished", "dc:date", "dc:created", "dcterms:created", "dcterms:issued"})


@dataclass
class _Marked:
    """Elements of interest, collected in one walk over the tree, in document order."""

    headings: list[HtmlElement] = field(default_factory=list)
    times: list[HtmlElement] = field(default_factory=list)
    published_props: list[HtmlElement] = field(default_factory=list)
    date_lines: list[HtmlElement] = field(default_factory=list)
    bylines: list[HtmlElement] = field(default_factory=list)
    order: dict[HtmlElement, int] = field(default_factory=dict)


# One XPath returns, in document order, the headings, the <time> elements and the marking
# attributes (as strings that know their element): evaluated in C, it costs a fraction of a
# Python walk over every element of a 60 KB page.
_CUE_XPATH = etree.XPath(
    "//text()[contains(., 'نشر') or contains(., 'تاريخ') or contains(., 'تحديث') or contains(., 'Published')]"
)
_MARKED_XPATH = etree.XPath("//h1|//time|//@class|//@id|//@itemprop|//@property|//@rel")


def _walk(tree: HtmlElement) -> _Marked:
    marks = _rules().marks
    found = _Marked()
    seen: set[tuple[HtmlElement, str]] = set()
    for index, item in enumerate(_MARKED_XPATH(tree)):
        if not isinstance(item, str):
            found.order.setdefault(item, index)
            (found.headings if item.tag == "h1" else found.times).append(item)
            continue
        hit = marks.search(item)
        if hit is None:
            continue
        name = item.attrname
        kind = hit.lastgroup
        if name in ("itemprop", "property", "rel"):
            # Only exact values count here: «author», «datePublished», «dc:date».
            kind = "published" if item.lower() in _PUBLISHED_PROPERTIES else ("byline" if item == "author" else None)
        elif kind == "published":
            kind = "line"  # a class named «datePublished» marks a visible date line
        if kind is None:
            continue
        element = item.getparent()
        if element is None or (element, kind) in seen or not isinstance(element.tag, str) or element.tag in _SKIP_TAGS:
            continue
        seen.add((element, kind))
        found.order.setdefault(element, index)
        if kind == "published":
            found.published_props.append(element)
        elif kind == "byline":
            found.bylines.append(element)
        elif len(element) <= 6:
            found.date_lines.append(element)
    return found


_LOCALE_COUNTRY = re.compile(r"^[a-z]{2}[-_]([a-z]{2})$", re.I)


def _page_country(tree: HtmlElement, meta_values: dict[str, list[str]]) -> str | None:
    """The country the page's locale or geo metadata names: og:locale «ar_EG», <html lang="ar-JO">,
    geo.region «SA-01». "ar_AR" is Facebook's generic Arabic, no country."""
    values = [*meta_values.get("og:locale", ()), tree.get("lang") or "", *meta_values.get("content-language", ())]
    for value in values:
        found = _LOCALE_COUNTRY.match(value.strip())
        if found and found.group(1).upper() != "AR":
            return found.group(1).lower()
    for value in [*meta_values.get("geo.region", ()), *meta_values.get("geo.country", ())]:
        code = value.strip()[:2]
        if code.isalpha() and len(value.strip()) in (2, 5, 6):
            return code.lower()
    return None


@functools.cache
def _byline_words() -> tuple[str, ...]:
    return tuple(configs.load_yaml("pagemeta.yaml")["byline_markers"])


_IN_MARKING_ATTRIBUTE = re.compile(r"""(?:class|id|rel|itemprop)\s*=\s*["']?[^"'<>=]*$""", re.I)
MAX_MARKER_HITS = 200


def may_have_bylines(html: str) -> bool:
    """Whether the page's markup marks any element as a byline or author: the marker words found
    in the raw HTML (``str.find``, lower case as class names are written), each checked to sit in
    a class/id/rel/itemprop value. Far cheaper than looking for such an element in the tree."""
    for word in _byline_words():
        start, hits = html.find(word), 0
        while start >= 0 and hits < MAX_MARKER_HITS:
            if _IN_MARKING_ATTRIBUTE.search(html, max(0, start - 120), start):
                return True
            start, hits = html.find(word, start + len(word)), hits + 1
    return False


def read_page(tree: HtmlElement, *, with_body: bool = True) -> PageFacts:
    """Everything the page states about its publication, authors and site (no decision made).

    ``with_body=False`` reads only JSON-LD and ``<meta>`` (a fraction of the cost): enough when
    they give a timed publication date and a person as author, which nothing lower can overrule.
    """
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
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key and meta.get("content") is not None:
            meta_values.setdefault(key, []).append(meta.get("content"))
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
    country = _page_country(tree, meta_values)
    meta_authors = [v for key in ("author", "article:author", "dc.creator", "dcterms.creator", "sailthru.author",
                                  "parsely-author", "byl") for v in meta_values.get(key, ())]

    def facts(**from_body) -> PageFacts:
        # What the head gave, with what the body gave when it was read (``headline`` as it is then).
        return PageFacts(
            dates=tuple(dates),
            stated_offsets=tuple(offsets),
            json_ld_authors=tuple(json_ld_authors),
            meta_authors=tuple(meta_authors),
            site_names=tuple(dict.fromkeys(n.strip().lstrip("@") for n in site_names if n.strip())),
            headline=headline,
            country=country,
            **from_body,
        )

    if not with_body:
        return facts(body_read=False)
    marked = _walk(tree)
    # schema.org microdata and Dublin Core RDFa on any element («<span property="dc:date" content=…>»).
    for element in marked.published_props:
        stamp = _stamp(element.get("datetime") or element.get("content") or _text(element, MAX_LINE_CHARS)[:MAX_LINE_CHARS])
        note_offset(stamp)
        if stamp is not None:
            dates.append(DateCandidate(KIND_ITEMPROP, stamp))

    # The headline is the longest <h1> outside the page's chrome: a site logo is an <h1> too.
    headings = [h for h in marked.headings if not _in_page_chrome(h)] or marked.headings
    first_h1 = max(headings, key=lambda h: len(_text(h, 1000))) if headings else None
    if first_h1 is not None and headline is None:
        headline = _text(first_h1, 1000) or None
    headline_at = marked.order.get(first_h1, -1) if first_h1 is not None else -1
    containers = frozenset(first_h1.iterancestors()) if first_h1 is not None else frozenset()

    def in_chrome(element: HtmlElement) -> bool:
        return _in_page_chrome(element, containers)

    time_candidates = []
    for element in marked.times:
        stamp = _stamp(element.get("datetime")) or _stamp(_text(element, MAX_LINE_CHARS)[:MAX_LINE_CHARS])
        if stamp is None or in_chrome(element):
            continue
        note_offset(stamp)
        time_candidates.append(DateCandidate(KIND_TIME, stamp, marked.order.get(element, 0) > headline_at))
    # The first <time> after the headline is the article's; before it, the header's clock.
    dates.extend(sorted(time_candidates, key=lambda c: not c.after_headline)[:3])

    def dated_line(element: HtmlElement, after_headline: bool) -> DateCandidate | None:
        """A short line outside the page chrome that states a date with its year."""
        text = _text(element, MAX_LINE_CHARS)
        if not text or len(text) > MAX_LINE_CHARS or not _HAS_YEAR.search(text):
            return None
        stamp = _stamp(text)
        if stamp is None or in_chrome(element):
            return None
        note_offset(stamp)
        return DateCandidate(KIND_LINE, stamp, after_headline, bool(_UPDATE_WORDS.search(text)))

    line_candidates = []
    for element in marked.date_lines:
        candidate = dated_line(element, marked.order.get(element, 0) > headline_at)
        if candidate is not None:
            line_candidates.append(candidate)
            if len(line_candidates) >= MAX_LINES:
                break
    if not line_candidates and first_h1 is not None:
        # No marked date element: the lines right after the headline («تم نشره …»).
        parent = first_h1.getparent()
        near = list(first_h1.itersiblings())[:4] + (list(parent.itersiblings())[:3] if parent is not None else [])
        for sibling in near:
            text = _text(sibling, MAX_LINE_CHARS)
            stamp = _stamp(text) if text and len(text) <= MAX_LINE_CHARS and _HAS_YEAR.search(text) else None
            if stamp is not None:
                note_offset(stamp)
                line_candidates.append(DateCandidate(KIND_LINE, stamp, True, bool(_UPDATE_WORDS.search(text))))
                break
    if not line_candidates and not dates:
        # Last, on a page that states no date anywhere else: a short text that announces publication («تم نشره», «نُشر في», «تاريخ النشر»).
        for text_node in _CUE_XPATH(tree)[:MAX_LINES]:
            element = text_node.getparent()
            candidate = dated_line(element, True) if element is not None else None
            if candidate is not None:
                line_candidates.append(candidate)
                break
    dates.extend(sorted(line_candidates, key=lambda c: not c.after_headline))

    byline_texts = []
    for element in marked.bylines[:40]:
        text = _text(element, 200)
        if text and len(text) <= 200 and not in_chrome(element):
            byline_texts.append(text)
    return facts(byline_texts=tuple(byline_texts))


_URL_DATE = re.compile(
    # A section may stand between year and month (/2013/middle_east/8/3/, /2013/Arabic/08/03/).
    r"/((?:19|20)\d{2})[/-](?:[A-Za-z][\w-]*/)?(0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/\-_.]|$)"
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
    return country_zone(host.rsplit(".", 1)[-1])


def country_zone(country: str | None) -> tzinfo | None:
    """The zone of a country (ISO 3166 code, as in country-code domains) in ``configs/pagemeta.yaml``."""
    return named_zone(_rules().cctld_timezones.get((country or "").lower()))


def outlet_zone(
    *,
    configured: str | None = None,
    page_offsets: Iterable[timedelta] = (),
    feed_offset: timedelta | None = None,
    host: str | None = None,
    country: str | None = None,
) -> tzinfo | None:
    """The outlet's zone, best evidence first: the feeds file, an offset the page states (a zero
    offset is a CMS default and says little), the feed's pubDate offset, the host's country-code
    domain, the country of the page's locale."""
    zone = named_zone(configured)
    if zone is not None:
        return zone
    stated = Counter(o for o in page_offsets if o)
    if stated:
        return timezone(stated.most_common(1)[0][0])
    if feed_offset:
        return timezone(feed_offset)
    return host_zone(host) or country_zone(country)


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


def _timed(stamp: Timestamp) -> bool:
    """Whether a timestamp states a time of day: CMSes write a bare date as «…T00:00:00»."""
    return stamp.has_time and stamp.wall.time() != time(0)


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
    # A date line that says it is the last update stands only when no other source (the URL
    # included) puts the publication more than a day earlier.
    earliest = min((r[2] for r in resolved if not r[0].modified), default=None)
    if earliest is not None:
        kept = [r for r in resolved if not (r[0].modified and (r[2] - earliest).days > 1)]
        notes.extend("date_ignored.modified" for _ in range(len(resolved) - len(kept)))
        resolved = kept
    page = resolved[0] if resolved else None
    if page is not None and not _timed(page[0].stamp):
        timed = next((r for r in resolved[1:] if _timed(r[0].stamp) and r[2] == page[2]), None)
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
        page_is_better = candidate.kind != KIND_LINE and (_timed(candidate.stamp) or instant == feed)
        if page_is_better:
            if abs(instant - feed) > timedelta(days=1):
                notes.append("date_page_overrides_feed")
            return DateChoice(instant, day.isoformat(), DATE_SOURCE_OF_KIND[candidate.kind], tuple(notes),
                              _timed(candidate.stamp))
        page = None
    if feed is not None:
        return DateChoice(feed, feed.astimezone(zone or UTC).date().isoformat(), "feed", tuple(notes), True)
    if page is not None:
        candidate, instant, day = page
        timed = _timed(candidate.stamp) or any(_timed(r[0].stamp) and r[1] == instant for r in resolved)
        return DateChoice(instant, day.isoformat(), DATE_SOURCE_OF_KIND[candidate.kind], tuple(notes), timed)
    return DateChoice(None, fetched_at.astimezone(zone or UTC).date().isoformat(), "fetched", tuple(notes))


def url_candidate(url: str | None) -> DateCandidate | None:
    day = url_date(url)
    return DateCandidate(KIND_URL, Timestamp(datetime.combine(day, time(0)), False)) if day else None
