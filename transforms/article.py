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
from dataclasses import dataclass
from datetime import UTC, date, datetime

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_domain,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document
from trafilatura.utils import load_html

from akhbar.schemas import ARTICLES, FeedEntry, Reject
from akhbar.transforms.text.arabic import count_words, normalize_display, normalize_match
from akhbar.transforms.text.arabic_dates import find_dates, parse_datetime
from akhbar.transforms.text.boilerplate import stamp_update_time, strip_boilerplate
from akhbar.transforms.text.entities import EntityRecognizer
from akhbar.transforms.text.language import detect_language
from akhbar.transforms.text.topics import assign_topic
from akhbar.transforms.web.urls import article_id, canonicalize_url, is_article_url, is_http_url

ARTICLE_COLUMNS = tuple(f.name for f in ARTICLES)
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»]\s+")
# htmldate: no extensive search (it guesses from any date-like text), the original date over updates.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


@dataclass(frozen=True)
class ExtractSettings:
    min_words: int = 40  # shorter bodies are teasers, galleries or navigation, not articles
    max_html_chars: int = 4_000_000  # trafilatura's cost grows with the tree; real articles are < 1 MB
    max_text_chars: int = 400_000  # a body longer than a book chapter is a dump, cut and flagged


DEFAULT_SETTINGS = ExtractSettings()


def empty_article() -> dict:
    return dict.fromkeys(ARTICLE_COLUMNS)


def _clean_title(title: str | None, sitename: str | None, feed_title: str | None) -> str | None:
    if feed_title and title and normalize_match(feed_title) in normalize_match(title):
        return normalize_display(feed_title)
    if title and sitename:
        parts = _TITLE_SEPARATORS.split(title)
        site_key = normalize_match(sitename)
        kept = [p for p in parts if normalize_match(p) != site_key]
        if kept and len(kept) < len(parts):
            title = " - ".join(kept)
    title = title or feed_title
    return normalize_display(title)[:1000] if title else None


def _lead_from_description(description: str | None, title: str | None, body: str) -> str | None:
    """A page's meta description is a lead only when it is not just the body's opening or the title."""
    if not description:
        return None
    description = normalize_display(description)
    key = normalize_match(description).rstrip(".… ")
    if len(key) < 20 or len(description) > 600:
        return None
    if title and key == normalize_match(title):
        return None
    if key[:60] in normalize_match(body[:2000]):
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
    authors: list[str],
    published_at: datetime | None,
    fetched_at: datetime | None,
    entry: FeedEntry | None,
    run_id: str,
    settings: ExtractSettings,
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
    fetched = fetched_at or datetime.now(UTC)
    published = published_at.astimezone(UTC) if published_at else None
    updated = updated_at or stamp_update_time(cleaned.removed)
    article = empty_article()
    article.update(
        article_id=article_id(canonical_url),
        url=url,
        canonical_url=canonical_url,
        source=entry.source if entry else None,
        feed_url=entry.feed_url if entry else None,
        title=title,
        lead=cleaned.lead or _lead_from_description(description, title, body),
        authors=authors,
        published_at=published,
        fetched_at=fetched,
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
        date=(published or fetched).astimezone(UTC).strftime("%Y-%m-%d"),
    )
    article["_hints"] = {
        "feed_topic": entry.feed_topic if entry else None,
        "categories": list(entry.categories) if entry else [],
        "trust_feed": entry.trust_categories if entry else False,
    }
    return article


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


def page_metadata(tree: HtmlElement, default_url: str | None, *, want_date: bool) -> Document:
    """The page metadata we use (title, author, url, sitename, description; date when ``want_date``).

    The same steps and results as ``trafilatura.metadata.extract_metadata`` (pinned 2.3.1), less
    what we never read: categories, tags and licence (about a tenth of the cost of a page), and
    htmldate's date search when the feed already dated the entry. ``tree`` is not modified.
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # trafilatura's JSON-LD parsing has bugs on odd pages; it skips them too
        pass
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, default_url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    if want_date:
        metadata.date = find_date(tree, **_DATE_PARAMS, url=metadata.url)
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
    published = entry.published_at if entry and entry.published_at else None
    # Metadata before extraction, on the untouched tree (bare_extraction works on a copy).
    metadata = page_metadata(tree, final_url or url, want_date=published is None)
    captions = figure_captions(tree)
    document = _extract_main_text(tree, final_url or url, fast=True)
    if document is None or prose_word_count(document.text or "") < settings.min_words:
        # trafilatura's own extractor found too little: let it compare with its fallbacks
        # (readability, jusText), which cost as much again but rescue unusual templates.
        document = _extract_main_text(tree, final_url or url, fast=False)
    if document is None or not (document.text or "").strip():
        return _reject(url, entry, "extraction_empty", "trafilatura found no main text")
    feed_title = entry.title if entry else None
    title = _clean_title(metadata.title, metadata.sitename, feed_title)
    authors = [a.strip() for a in (metadata.author or "").split(";") if a.strip()]
    if not authors and entry:
        authors = list(entry.authors)
    if published is None and metadata.date:
        published = parse_datetime(metadata.date)
    return _finish(
        text=document.text,
        url=url,
        canonical_url=_canonical(final_url or url, metadata.url),
        title=title,
        description=metadata.description,
        authors=authors,
        published_at=published,
        fetched_at=fetched_at,
        entry=entry,
        run_id=run_id,
        settings=settings,
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
    published_at = parse_datetime(published) if isinstance(published, str) else published
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
        authors=list(entry.authors) if entry else [],
        published_at=published_at,
        fetched_at=None,
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
    hints = article.get("_hints") or {}
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
