"""One article from one page: extraction, Arabic cleaning and enrichment, without Beam.

    python -c "from akhbar.transforms.article import process_html; print(process_html(open('page.html').read(), 'https://example.org/a'))"

This is the single code path for articles: the pipeline's DoFns (transforms/stages/extract.py) and
``akhbar extract`` both call ``article_from_html`` / ``article_from_text`` and then
``enrich_article``. Each returns an article dict keyed by ``schemas.ARTICLES`` column names,
or a ``schemas.Reject`` with a stable reason code. Keys starting with ``_`` carry hints between
stages and are never written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_domain,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document
from trafilatura.utils import load_html

from akhbar.schemas import ARTICLES, FeedEntry, Reject
from akhbar.schemas.rows import ENTRY_HINTS, entry_hints
from akhbar.transforms.text.arabic import count_words, normalize_display, normalize_match
from akhbar.transforms.text.arabic_dates import Timestamp, find_dates, parse_datetime, parse_timestamp
from akhbar.transforms.text.boilerplate import stamp_update_time, strip_boilerplate
from akhbar.transforms.text.bylines import authors_from_byline, merge_authors, name_key
from akhbar.transforms.text.entities import EntityRecognizer
from akhbar.transforms.text.language import detect_language
from akhbar.transforms.text.topics import assign_topic
from akhbar.transforms.web.pagemeta import (
    KIND_META,
    DateCandidate,
    DateChoice,
    PageFacts,
    choose_publication,
    implausible_reason,
    may_have_bylines,
    named_zone,
    outlet_zone,
    read_page,
    url_candidate,
)
from akhbar.transforms.web.urls import article_id, canonicalize_url, is_article_url, is_http_url

ARTICLE_COLUMNS = tuple(f.name for f in ARTICLES)
KIND_TEXT_INPUT = KIND_META  # a date given with an extracted text is the page's own metadata
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»•]\s+|\s*[|]\s*")


@dataclass(frozen=True)
class ExtractSettings:
    min_words: int = 40  # shorter bodies are teasers, galleries or navigation, not articles
    max_html_chars: int = 4_000_000  # trafilatura's cost grows with the tree; real articles are < 1 MB
    max_text_chars: int = 400_000  # a body longer than a book chapter is a dump, cut and flagged


DEFAULT_SETTINGS = ExtractSettings()


def empty_article() -> dict:
    return dict.fromkeys(ARTICLE_COLUMNS)


def _is_site_name(part: str, site_names: Sequence[str]) -> bool:
    key = name_key(part)
    if not key:
        return True
    for name in site_names:
        other = name_key(name)
        if other and (key == other or (len(other) >= 4 and len(part.split()) <= 5 and (other in key or key in other))):
            return True
    return False


def title_edges(title: str | None) -> list[str]:
    """The short first and last parts of a separated title: where pages put the site's name."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title or "") if p.strip()]
    if len(parts) < 2:
        return []
    return [p for p in (parts[0], parts[-1]) if len(p.split()) <= 4]


def _not_title_edges(meta_authors: Sequence[str], *titles: str | None) -> list[str]:
    """Meta authors less those that are a title's short edge («… - صوت المدينة»): a site name the
    page states nowhere else. Bylines and JSON-LD persons are not checked so: an opinion page's
    title may end with its columnist's name."""
    edges = {name_key(edge) for title in titles for edge in title_edges(title)}
    return [a for a in meta_authors if name_key(a) not in edges]


def clean_title(
    title: str | None, site_names: Sequence[str], feed_title: str | None, headline: str | None = None
) -> str | None:
    """The headline without the site's name before or after a separator («الوطن | …», «… - الوطن»).

    When the page's own headline (``<h1>`` or JSON-LD) is one side of the separator, it is the title.
    """
    if feed_title and title and normalize_match(feed_title) in normalize_match(title):
        title = feed_title
    if title and headline:
        key = normalize_match(headline)
        for part in _TITLE_SEPARATORS.split(title.strip()):
            if key and normalize_match(part) == key:
                title = part
                break
    if title and site_names:
        parts = [p for p in _TITLE_SEPARATORS.split(title.strip()) if p.strip()]
        while len(parts) > 1 and _is_site_name(parts[0], site_names):
            parts = parts[1:]
        while len(parts) > 1 and _is_site_name(parts[-1], site_names):
            parts = parts[:-1]
        if len(parts) < len(_TITLE_SEPARATORS.split(title.strip())):
            title = " - ".join(parts)
    title = title or feed_title
    return normalize_display(title)[:1000] if title else None


LEAD_MIN_BODY_OVERLAP = 0.5  # share of a description's words found in the body's opening
LEAD_MAX_WORDS = 80


def _first_paragraph(body: str) -> str | None:
    for line in body.split("\n"):
        line = line.strip()
        if count_words(line) >= 8:
            if count_words(line) > LEAD_MAX_WORDS:
                sentence = re.match(r".+?[.؟?!](?=\s|$)", line)
                line = sentence.group(0) if sentence and count_words(sentence.group(0)) >= 8 else line
            return line[:1500]
    return None


_WORD = re.compile(r"[^\W_]+")
_PROCLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")


def _light_stem(word: str) -> str:
    """A match-form word without its proclitic («والمكتبة» → «مكتبه»), for word overlap."""
    for prefix in _PROCLITICS:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix):]
    return word


def lead_from_description(
    description: str | None,
    title: str | None,
    body: str,
    site_names: Sequence[str] = (),
    site_wide: Iterable[str] = (),
) -> str | None:
    """A page's meta description as lead: only the article's own, never a site-wide one.

    A site-wide description (the slogan in og:description on every page) is one of ``site_wide``
    (the home page's og:description, or a description seen on many of the source's pages, when
    the caller knows them), names the site, or shares few words with the article; one that
    merely repeats the title or the body's opening adds nothing.
    """
    if not description:
        return None
    description = normalize_display(description)
    key = normalize_match(description).rstrip(".… ")
    if len(key) < 20 or len(description) > 600:
        return None
    if title and key == normalize_match(title):
        return None
    if any(name_key(description) == name_key(n) for n in [*site_names, *site_wide]):
        return None
    opening = normalize_match(body[:2000])
    if key[:60] in opening:
        return None
    # ``key`` and ``opening`` are match forms already: split them, do not fold them again.
    words = [_light_stem(w) for w in _WORD.findall(key) if len(w) >= 3]
    body_words = {_light_stem(w) for w in _WORD.findall(opening)}
    if not words or sum(w in body_words for w in words) / len(words) < LEAD_MIN_BODY_OVERLAP:
        return None
    return description


_SENTENCE_END = (".", "؟", "?", "!", ":", '"', "»", "”", ")")


def prose_word_count(body: str) -> int:
    """Words in lines that read as sentences: a page of menus and link labels has almost none.

    A line counts when it is long enough to be a sentence or ends like one; what extractors keep
    of navigation pages and link lists is short label lines with no sentence punctuation.
    """
    total = 0
    for line in body.split("\n"):
        words = count_words(line)
        if words >= 8 or (words >= 3 and line.rstrip().endswith(_SENTENCE_END)):
            total += words
    return total


# Above this share of its words in link texts, extracted text is a list of links (navigation,
# section index, tag page), not an article: real articles link a few words per paragraph.
LINK_LIST_SHARE = 0.6
MAX_LINK_WORDS = 25
_LINK_MARKUP = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_SPACES = re.compile(r"\s+")
# Evaluated in libxml2: only the few elements directly followed by a sibling of their own tag.
_BACK_TO_BACK_MARKUP = re.compile(r"</(?:a|span)><(?:a|span)[\s>]", re.IGNORECASE)
_BACK_TO_BACK = etree.XPath("//a[following-sibling::node()[1][self::a]] | //span[following-sibling::node()[1][self::span]]")


def keep_word_boundaries(tree: HtmlElement, html: str | None = None) -> None:
    """Put a space between adjacent same-tag inline siblings (``<a>…</a><a>…</a>``) that have none.

    Minified menus and tag rows place links back to back and separate them by CSS; joined as
    text they read «رابط 0رابط 1». A word split for styling switches tags (``<b>ال</b>حكومة``),
    so only siblings of one tag (links, spans) are parted. Given the page's ``html``, pages
    without back-to-back tags skip the tree walk.
    """
    if html is not None and not _BACK_TO_BACK_MARKUP.search(html):
        return
    for element in _BACK_TO_BACK(tree):
        if not element.tail:
            element.tail = " "


def link_text_share(text: str, tree: HtmlElement) -> float:
    """Share of the extracted text's words that are whole link texts of the page (0..1).

    Only lines shorter than ``MAX_LINK_WORDS`` or holding link markup can be link texts (a
    headline is never a paragraph). When those lines alone stay under ``LINK_LIST_SHARE``, their
    share is returned as an upper bound without reading the page's links: real articles, whose
    paragraphs are long, skip the walk over hundreds of menu links.
    """
    lines = [(line, count_words(_LINK_MARKUP.sub(r"\1", line))) for line in text.split("\n")]
    total = sum(words for _, words in lines)
    if not total:
        return 0.0
    candidates = [(line, words) for line, words in lines if words and (words < MAX_LINK_WORDS or "](" in line)]
    upper = sum(words for _, words in candidates) / total
    if upper < LINK_LIST_SHARE:
        return upper
    link_texts = {_SPACES.sub(" ", a.text_content()).strip() for a in tree.iter("a")}
    link_texts.discard("")
    linked = 0
    for line, words in candidates:
        inside = " ".join(_LINK_MARKUP.findall(line))
        bare = _SPACES.sub(" ", _LINK_MARKUP.sub(" ", line)).strip()
        if bare in link_texts:  # the whole line is one link's text
            linked += words
        elif inside and not bare.strip(" |·-–—•،,"):  # only link markup on the line
            linked += words
        elif inside:
            linked += count_words(inside)
    return linked / total


MAX_CAPTIONS = 20


# <figcaption>, and the caption elements of CMSes that predate it (WordPress "wp-caption-text",
# Drupal "image-field-caption", and the many "…-caption" / "caption" classes of outlet themes).
_CAPTION_XPATH = ".//figcaption|.//*[contains(concat(' ', normalize-space(@class), ' '), 'caption')][not(.//figcaption)]"


def figure_captions(tree: HtmlElement) -> list[str]:
    """Captions of the article's images, which extractors drop along with the images.

    Only inside the page's ``<article>`` or ``<main>`` when it has one: teaser rails beside the
    article carry pictures of other stories.
    """
    scope = tree.xpath("//article|//main") or [tree]
    captions = []
    for container in scope:
        for node in container.xpath(_CAPTION_XPATH):
            text = normalize_display(" ".join(node.itertext()))
            if text and len(text) <= 500:
                captions.append(text)
            if len(captions) >= MAX_CAPTIONS:
                return captions
    return captions


_MODIFIED_META_XPATH = (
    "//meta[@property='article:modified_time' or @property='og:updated_time' or @itemprop='dateModified'"
    " or @name='last-modified' or @name='dateModified']/@content"
)
_JSON_LD_MODIFIED = re.compile(r'"dateModified"\s*:\s*"([^"]{8,40})"')


def plausible_update(updated: datetime | None, dating: DateChoice, fetched_at: datetime) -> tuple[datetime | None, list[str]]:
    """An update time only when it could be one: not the epoch, before 1990 or after the fetch
    (``implausible_reason``), and not before the publication; otherwise None and the counter
    ``updated_ignored.<reason>`` saying why."""
    if updated is None:
        return None, []
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    reason = implausible_reason(updated, fetched_at)
    if reason is None and dating.published_at is not None and updated < dating.published_at:
        reason = "before_published"
    return (None, [f"updated_ignored.{reason}"]) if reason else (updated, [])


def page_modified_time(tree: HtmlElement) -> datetime | None:
    """The page's own last-modified time: meta tags first, then JSON-LD ``dateModified``."""
    for value in tree.xpath(_MODIFIED_META_XPATH):
        moment = parse_datetime(str(value))
        if moment is not None:
            return moment
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        found = _JSON_LD_MODIFIED.search(script)
        if found:
            moment = parse_datetime(found.group(1))
            if moment is not None:
                return moment
    return None


def _merge_captions(*groups) -> list[str]:
    merged, seen = [], set()
    for group in groups:
        for caption in group:
            key = normalize_match(caption)
            if key and key not in seen:
                seen.add(key)
                merged.append(caption)
    return merged


def _reject(url: str, entry: FeedEntry | None, reason: str, detail: str) -> Reject:
    return Reject.make(url, entry.source if entry else None, "extract", reason, detail,
                       entry.feed_url if entry else None)


def _finish(
    *,
    text: str,
    url: str,
    canonical_url: str,
    title: str | None,
    description: str | None,
    author_groups: Sequence[Iterable[str]],
    dating: DateChoice,
    fetched_at: datetime,
    entry: FeedEntry | None,
    run_id: str,
    settings: ExtractSettings,
    site_names: Sequence[str] = (),
    captions: list[str] = (),
    updated_at: datetime | None = None,
) -> dict | Reject:
    if len(text) > settings.max_text_chars:
        text = text[: settings.max_text_chars]
    cleaned = strip_boilerplate(text, title=title)
    body = cleaned.body
    if not body.strip():
        return _reject(url, entry, "extraction_empty", "no article text left after cleaning")
    words = count_words(body)
    prose = prose_word_count(body)
    if prose < settings.min_words:
        return _reject(
            url, entry, "too_short",
            f"{prose} words of prose ({words} in all) after cleaning, minimum {settings.min_words}",
        )
    language, confidence = detect_language(body)
    # Byline lines the cleaner took out of the body rank after the page's own author markup.
    removed_bylines = [authors for item in cleaned.removed if item["kind"] in ("byline", "credit")
                       for authors in [", ".join(authors_from_byline(item["text"]))] if authors]
    groups = [*author_groups[:2], removed_bylines, *author_groups[2:]]
    updated, update_notes = plausible_update(updated_at or stamp_update_time(cleaned.removed), dating, fetched_at)
    article = empty_article()
    article.update(
        article_id=article_id(canonical_url),
        url=url,
        canonical_url=canonical_url,
        source=entry.source if entry else None,
        feed_url=entry.feed_url if entry else None,
        title=title,
        lead=cleaned.lead or lead_from_description(description, title, body, site_names) or _first_paragraph(body),
        authors=merge_authors(groups, site_names),
        published_at=dating.published_at,
        fetched_at=fetched_at,
        language=language,
        language_confidence=confidence,
        body=body,
        body_match=normalize_match(body),
        word_count=words,
        image_captions=_merge_captions(captions, cleaned.image_captions),
        removed_boilerplate=[dict(item) for item in cleaned.removed],
        # The page's own meta first; an update stamp in the text («آخر تحديث: …») otherwise.
        updated_at=updated.astimezone(UTC) if updated else None,
        run_id=run_id,
        date_source=dating.date_source,
        date=dating.date,
    )
    article[ENTRY_HINTS] = {**entry_hints(entry), "date_notes": [*dating.notes, *update_notes]}
    return article


_HOST_PREFIXES = ("www", "m", "amp", "ar", "arabic", "arb")


def site_identity(*names: str | None, host: str | None = None) -> list[str]:
    """Names that stand for the site, never for an author or a headline: og:site_name, JSON-LD
    publisher, the configured source name, and the host's registrable label («alwatan» of
    www.alwatan.com.sa)."""
    found = [n for n in names if n and n.strip()]
    if host:
        labels = [p for p in host.lower().split(".") if p not in _HOST_PREFIXES]
        # Drop the public suffix (com, net, com.eg, co.uk): the label before it is the site's name.
        while len(labels) > 1 and (len(labels[-1]) <= 3 or labels[-1] in ("info", "news", "online")):
            labels.pop()
        if labels:
            found.append(labels[-1])
    return list(dict.fromkeys(found))


def date_article(
    candidates: Sequence[DateCandidate],
    *,
    url: str | None,
    fetched_at: datetime,
    entry: FeedEntry | None = None,
    page_offsets: Iterable[timedelta] = (),
    country: str | None = None,
) -> DateChoice:
    """``published_at``, ``date`` and ``date_source`` of an article from everything that dates it."""
    configured = entry.timezone if entry and named_zone(entry.timezone) else None
    feed_offset = timedelta(minutes=entry.utc_offset_minutes) if entry and entry.utc_offset_minutes else None
    zone = outlet_zone(configured=configured, page_offsets=page_offsets, feed_offset=feed_offset,
                       host=urlsplit(url).hostname if url else None, country=country)
    from_url = url_candidate(url)
    return choose_publication(
        [*candidates, from_url] if from_url else candidates,
        fetched_at=fetched_at,
        feed_published=entry.published_at if entry else None,
        zone=zone,
        zone_configured=configured is not None,
    )


def _canonical(url: str, declared: str | None) -> str:
    """Canonical URL of the page: its declared canonical when it is a plausible http(s) URL on the same site."""
    canonical = canonicalize_url(url)
    if declared and is_http_url(declared):
        try:
            candidate = canonicalize_url(declared)
        except ValueError:
            return canonical
        host, cand_host = canonical.split("/")[2].split(":")[0], candidate.split("/")[2].split(":")[0]
        # A canonical on another registrable domain is a syndication hint, not this page's identity.
        if host.removeprefix("www.") == cand_host.removeprefix("www.") or host.endswith("." + cand_host.removeprefix("www.")):
            return candidate
    return canonical


def page_metadata(tree: HtmlElement, default_url: str | None) -> Document:
    """The page metadata trafilatura reads that we use (title, url, sitename, description).

    The same steps and results as ``trafilatura.metadata.extract_metadata`` (pinned 2.3.1), less
    what we never read: categories, tags and licence (about a tenth of the cost of a page),
    htmldate's date search and the author search, which ``transforms/web/pagemeta.py`` does
    (with time of day, zones and Arabic words). ``tree`` is not modified.
    """
    metadata = examine_meta(tree)
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # trafilatura's JSON-LD parsing has bugs on odd pages; it skips them too
        pass
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, default_url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


def page_facts(
    tree: HtmlElement,
    page_url: str,
    sitename: str | None,
    *,
    entry: FeedEntry | None,
    fetched_at: datetime,
    html: str | None = None,
) -> tuple[PageFacts, list[str], DateChoice]:
    """What the page states (``read_page``), the names that stand for its site, and its dating.

    JSON-LD and ``<meta>`` first; the body markup (``<time>``, date lines, bylines, ``<h1>``) is
    read only when they and the feed leave the date without a time of day, or name no person as
    author on a page whose ``html`` marks some element as a byline.
    """
    facts = read_page(tree, with_body=False)
    host = urlsplit(page_url).hostname
    site_names = site_identity(sitename, *facts.site_names, entry.source if entry else None, host=host)
    dating = date_article(facts.dates, url=page_url, fetched_at=fetched_at, entry=entry,
                          page_offsets=facts.stated_offsets, country=facts.country)
    # A feed's plausible pubDate is only overruled by a timed JSON-LD/<meta> date, read already.
    dated = (dating.date_source == "page" and dating.timed) or dating.date_source == "feed"
    authored = bool(facts.json_ld_authors and merge_authors([facts.json_ld_authors], site_names)) or (
        html is not None and not may_have_bylines(html))
    if not (dated and authored):
        facts = read_page(tree)
        site_names = site_identity(sitename, *facts.site_names, entry.source if entry else None, host=host)
        dating = date_article(facts.dates, url=page_url, fetched_at=fetched_at, entry=entry,
                              page_offsets=facts.stated_offsets, country=facts.country)
    return facts, site_names, dating


def _extract_main_text(tree: HtmlElement, url: str, *, fast: bool) -> Document | None:
    return trafilatura.bare_extraction(
        tree,
        url=url,
        fast=fast,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        # Link markup tells the cleaner exactly where a glued «اقرأ أيضاً» headline ends; it
        # unwraps every link afterwards, so no markup reaches the body.
        include_links=True,
        deduplicate=False,
    )


def article_from_html(
    html: str,
    url: str,
    *,
    entry: FeedEntry | None = None,
    final_url: str | None = None,
    fetched_at: datetime | None = None,
    run_id: str = "",
    settings: ExtractSettings = DEFAULT_SETTINGS,
) -> dict | Reject:
    """Extract and clean the article of a page; a Reject when the page holds no article."""
    if not is_article_url(url):
        return _reject(str(url)[:500], entry, "invalid_url", "url must be http(s) (or file: for pages on disk)")
    if len(html) > settings.max_html_chars:
        return _reject(url, entry, "too_large", f"{len(html)} characters of HTML (limit {settings.max_html_chars})")
    if not html.strip():
        return _reject(url, entry, "extraction_empty", "empty page")
    tree = load_html(html)
    if tree is None:
        return _reject(url, entry, "extraction_empty", "trafilatura found no main text")
    # Metadata before extraction, on the untouched tree (bare_extraction works on a copy).
    metadata = page_metadata(tree, final_url or url)
    captions = figure_captions(tree)
    keep_word_boundaries(tree, html)
    document = _extract_main_text(tree, final_url or url, fast=True)
    if document is None or prose_word_count(document.text or "") < settings.min_words:
        # trafilatura's own extractor found too little: let it compare with its fallbacks
        # (readability, jusText), which cost as much again but rescue unusual templates.
        document = _extract_main_text(tree, final_url or url, fast=False)
    if document is None or not (document.text or "").strip():
        return _reject(url, entry, "extraction_empty", "trafilatura found no main text")
    share = link_text_share(document.text, tree)
    if share >= LINK_LIST_SHARE:
        return _reject(url, entry, "link_list", f"{share:.0%} of the extracted words are link texts: "
                       "a navigation, index or link-list page, not an article")
    page_url = final_url or url
    fetched = fetched_at or datetime.now(UTC)
    facts, site_names, dating = page_facts(tree, page_url, metadata.sitename, entry=entry, fetched_at=fetched,
                                           html=html)
    return _finish(
        text=document.text,
        url=url,
        canonical_url=_canonical(page_url, metadata.url),
        title=clean_title(metadata.title or facts.headline, site_names, entry.title if entry else None,
                          facts.headline),
        description=metadata.description,
        author_groups=[facts.json_ld_authors, facts.byline_texts,
                       _not_title_edges(facts.meta_authors, metadata.title, tree.findtext(".//title")),
                       entry.authors if entry else ()],
        dating=dating,
        fetched_at=fetched,
        entry=entry,
        run_id=run_id,
        settings=settings,
        site_names=site_names,
        captions=captions,
        updated_at=page_modified_time(tree),
    )


def article_from_text(
    text: str,
    url: str,
    *,
    title: str | None = None,
    published: str | datetime | None = None,
    entry: FeedEntry | None = None,
    run_id: str = "",
    settings: ExtractSettings = DEFAULT_SETTINGS,
) -> dict | Reject:
    """Clean an already extracted text. Without a title, a first line that reads as a headline is taken as one."""
    if not is_article_url(url):
        return _reject(str(url)[:500], entry, "invalid_url", "url must be http(s) (or file: for pages on disk)")
    if not (text or "").strip():
        return _reject(url, entry, "extraction_empty", "empty text")
    fetched = datetime.now(UTC)
    if isinstance(published, str):
        stamp = parse_timestamp(published)
        candidates = [DateCandidate(KIND_TEXT_INPUT, stamp)] if stamp else []
    elif isinstance(published, datetime):
        candidates = [DateCandidate(KIND_TEXT_INPUT, Timestamp(published, True))]
    else:
        candidates = []
    dating = date_article(candidates, url=url, fetched_at=fetched, entry=entry)
    if title is None:
        first_line = text.strip().split("\n", 1)[0].strip()
        if 3 <= count_words(first_line) <= 25 and not first_line.endswith((".", "؟", "!", ":", "،")):
            title = normalize_display(first_line)
    return _finish(
        text=text,
        url=url,
        canonical_url=canonicalize_url(url),
        title=title,
        description=None,
        author_groups=[entry.authors if entry else ()],
        dating=dating,
        fetched_at=fetched,
        entry=entry,
        run_id=run_id,
        settings=settings,
    )


def enrich_article(article: dict) -> dict:
    """Dates, entities and topic of a clean article (mutates and returns it)."""
    body = article["body"]
    published = article.get("published_at")
    # Relative dates («أمس الأربعاء») resolve against the publication date only: the fetch time
    # of an undated page says nothing about when "yesterday" was, so they stay unresolved.
    reference: date | datetime | None = published
    article["dates_mentioned"] = find_dates(body, reference)
    article["entities"] = EntityRecognizer.default().recognize(body)
    hints = article.get(ENTRY_HINTS) or {}
    topic, confidence, source = assign_topic(
        title=article.get("title"),
        text=body,
        url=article.get("canonical_url"),
        feed_topic=hints.get("feed_topic"),
        categories=hints.get("categories") or (),
        trust_feed=bool(hints.get("trust_feed")),
    )
    article["topic"], article["topic_confidence"], article["topic_source"] = topic, confidence, source
    return article


def process_html(html: str, url: str, **kwargs) -> dict | Reject:
    """Extract, clean and enrich one page: what ``akhbar extract`` prints."""
    result = article_from_html(html, url, **kwargs)
    return result if isinstance(result, Reject) else enrich_article(result)


def process_text(text: str, url: str, **kwargs) -> dict | Reject:
    result = article_from_text(text, url, **kwargs)
    return result if isinstance(result, Reject) else enrich_article(result)


def public_row(article: dict) -> dict:
    """The article as written: schema columns only, in schema order."""
    return {name: article.get(name) for name in ARTICLE_COLUMNS}
