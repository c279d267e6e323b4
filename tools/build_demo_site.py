"""Render the bundled sample corpus (pipelines/demo_site) from the article data in tools/demo_articles/.

    .venv/bin/python tools/build_demo_site.py            # rewrites pipelines/demo_site/ (byte-for-byte reproducible)
    .venv/bin/python tools/build_demo_site.py --check    # exits 1 if the committed files differ from a fresh render

The articles, outlets and people are fictional and were written for this project. Four
invented outlets each get their own page template (semantic HTML5, div soup, a Drupal-like
field markup, a Bootstrap grid) and feed flavour (RSS 2.0 with tracking links, Atom,
RSS 2.0 with a malformed item, RSS 2.0 with Arabic pubDate strings), so the pipeline meets
the variety it will meet on real sites. Every absolute link uses the ``{{BASE}}`` placeholder
that akhbar.pipelines.localsite replaces with the server's origin.

Nothing here is shipped: the output under pipelines/demo_site is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(__file__).resolve().parent / "demo_articles"
SITE_DIR = REPO / "pipelines" / "demo_site"
BASE = "{{BASE}}"
MIN_WORDS, MAX_WORDS = 150, 500
MIN_PAGE_BYTES, MAX_PAGE_BYTES = 20_000, 60_000

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
WEEKDAYS_AR = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
MONTHS_EGYPTIAN = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
]
MONTHS_LEVANTINE = [
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
]
MONTHS_MAGHREBI = [
    "جانفي",
    "فيفري",
    "مارس",
    "أفريل",
    "ماي",
    "جوان",
    "جويلية",
    "أوت",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
]
RFC822_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
RFC822_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
RELATED_PARAGRAPH = re.compile(r"^\[\[(?P<label>[^|\]]+)\|(?P<target>[a-z0-9-]+)\]\]$")
WORD = re.compile(r"\w+")


@dataclass
class Article:
    id: str
    outlet: str
    path: str  # relative to the site root, e.g. alkhabar/politics/2024/11/04/x.html
    kind: str  # article | nav | missing
    title: str
    published: dt.datetime
    category: str
    summary: str
    author: str
    caption: str
    body: list[str]
    lang: str
    encoding: str
    charset_declared: str  # header | meta (only for non-UTF-8 pages)
    feed_twice: bool
    also_in_feeds: list[str]
    feed_broken: bool
    expected: dict[str, Any]
    quirk: str

    @property
    def url(self) -> str:
        return f"{BASE}/{self.path}"


@dataclass
class Outlet:
    slug: str
    name: str
    name_en: str
    feed_path: str
    feed_format: str
    tz_label: str
    arabic_digits: bool
    feed_query: str
    articles: list[Article] = field(default_factory=list)

    @property
    def home(self) -> str:
        return f"{BASE}/{self.slug}/"


def load_outlets() -> dict[str, Outlet]:
    outlets: dict[str, Outlet] = {}
    for data_file in sorted(DATA_DIR.glob("*.yaml")):
        doc = yaml.safe_load(data_file.read_text(encoding="utf-8"))
        meta = doc["outlet"]
        outlet = Outlet(
            slug=meta["slug"],
            name=meta["name"],
            name_en=meta["name_en"],
            feed_path=meta["feed_path"],
            feed_format=meta["feed_format"],
            tz_label=meta.get("tz_label", ""),
            arabic_digits=bool(meta.get("arabic_digits", False)),
            feed_query=meta.get("feed_query", ""),
        )
        for raw in doc["articles"]:
            published = dt.datetime.fromisoformat(raw["published"])
            outlet.articles.append(
                Article(
                    id=raw["id"],
                    outlet=outlet.slug,
                    path=f"{outlet.slug}/{raw['path']}",
                    kind=raw.get("kind", "article"),
                    title=raw.get("title", "").strip(),
                    published=published,
                    category=raw.get("category", ""),
                    summary=" ".join(raw.get("summary", "").split()),
                    author=raw.get("author", ""),
                    caption=raw.get("caption", ""),
                    body=[" ".join(p.split()) for p in raw.get("body", "").split("\n\n") if p.strip()],
                    lang=raw.get("lang", "ar"),
                    encoding=raw.get("encoding", "utf-8"),
                    charset_declared=raw.get("charset_declared", "header"),
                    feed_twice=bool(raw.get("feed_twice", False)),
                    also_in_feeds=list(raw.get("also_in_feeds", [])),
                    feed_broken=bool(raw.get("feed_broken", False)),
                    expected=raw.get("expected", {"outcome": "article"}),
                    quirk=raw.get("quirk", ""),
                )
            )
        outlets[outlet.slug] = outlet
    return outlets


# ---------------------------------------------------------------------------------------------
# text helpers
def esc(text: str) -> str:
    return html.escape(text, quote=True)


def digits(outlet: Outlet, text: str) -> str:
    return text.translate(ARABIC_INDIC) if outlet.arabic_digits else text


def word_count(article: Article) -> int:
    return sum(len(WORD.findall(p)) for p in article.body if not RELATED_PARAGRAPH.match(p))


def display_date(outlet: Outlet, when: dt.datetime) -> str:
    weekday = WEEKDAYS_AR[when.weekday()]
    if outlet.slug == "alkhabar":
        month = f"{MONTHS_LEVANTINE[when.month - 1]}/{MONTHS_EGYPTIAN[when.month - 1]}"
        return f"{weekday} {when.day} {month} {when.year} - {when:%H:%M}"
    if outlet.slug == "sawt":
        return digits(outlet, f"{when.day} {MONTHS_LEVANTINE[when.month - 1]} {when.year} | {when:%H:%M}")
    if outlet.slug == "maghrib":
        return f"{weekday} {when:%d} {MONTHS_MAGHREBI[when.month - 1]} {when.year} على الساعة {when:%H:%M}"
    hour12 = when.hour % 12 or 12
    suffix = "ص" if when.hour < 12 else "م"
    return (
        f"{weekday}، {when:%d} {MONTHS_EGYPTIAN[when.month - 1]} {when.year} {hour12:02d}:{when:%M} {suffix}"
    )


def rfc822(when: dt.datetime) -> str:
    offset = when.strftime("%z")
    return f"{RFC822_DAYS[when.weekday()]}, {when:%d} {RFC822_MONTHS[when.month - 1]} {when:%Y %H:%M:%S} {offset}"


def arabic_pubdate(when: dt.datetime) -> str:
    # The shape seen on some Egyptian CMSes: «الأحد 18 فبراير 2024 - 10:30», no zone.
    return f"{WEEKDAYS_AR[when.weekday()]} {when.day} {MONTHS_EGYPTIAN[when.month - 1]} {when.year} - {when:%H:%M}"


# ---------------------------------------------------------------------------------------------
# page furniture shared by the templates: long menus, styles and scripts so pages weigh what real ones do
SECTIONS = [
    ("politics", "سياسة"),
    ("arab-world", "عربي ودولي"),
    ("economy", "اقتصاد"),
    ("markets", "أسواق"),
    ("sport", "رياضة"),
    ("football", "كرة القدم"),
    ("culture", "ثقافة وفنون"),
    ("tech", "تكنولوجيا"),
    ("health", "صحة"),
    ("environment", "بيئة"),
    ("opinion", "آراء"),
    ("video", "فيديو"),
    ("photos", "صور"),
    ("infographics", "إنفوغراف"),
    ("podcast", "بودكاست"),
    ("archive", "الأرشيف"),
]
SERVICE_LINKS = [
    ("about", "من نحن"),
    ("contact", "اتصل بنا"),
    ("ads", "أعلن معنا"),
    ("privacy", "سياسة الخصوصية"),
    ("terms", "شروط الاستخدام"),
    ("jobs", "وظائف"),
    ("newsletter", "النشرة البريدية"),
    ("rss", "خدمة RSS"),
    ("apps", "تطبيقات الهاتف"),
    ("weather", "الطقس"),
    ("prayer", "مواقيت الصلاة"),
    ("currency", "أسعار العملات"),
]
SOCIAL = [
    ("facebook", "فيسبوك"),
    ("twitter", "تويتر"),
    ("whatsapp", "واتساب"),
    ("telegram", "تلغرام"),
    ("youtube", "يوتيوب"),
    ("instagram", "إنستغرام"),
]


def stylesheet(prefix: str, palette: tuple[str, str, str]) -> str:
    """A deterministic site stylesheet (~11 KB) with the outlet's class prefix."""
    components = [
        "header",
        "nav",
        "menu",
        "breadcrumb",
        "title",
        "meta",
        "byline",
        "figure",
        "caption",
        "body",
        "share",
        "tags",
        "related",
        "teaser",
        "sidebar",
        "most-read",
        "footer",
        "social",
        "ad",
        "newsletter",
        "search",
        "ticker",
        "card",
        "card-title",
        "card-img",
        "pagination",
        "comments",
        "author-box",
    ]
    states = ["", ":hover", " a", " a:hover", " ul", " li", " img", " h2", " h3", " p", " span", " .icon"]
    primary, secondary, text = palette
    rules = []
    for index, component in enumerate(components):
        for state_index, state in enumerate(states[: 4 + index % 8]):
            colour = (primary, secondary, text)[(index + state_index) % 3]
            rules.append(
                f".{prefix}-{component}{state}{{color:{colour};margin:{(index * 3 + state_index) % 17}px "
                f"{(index + state_index * 5) % 23}px;padding:{state_index * 2}px {index % 9}px;"
                f"font-size:{12 + (index + state_index) % 9}px;line-height:1.{5 + state_index % 4}}}"
            )
    for width in (1200, 992, 768, 576, 360):
        rules.append(
            f"@media (max-width:{width}px){{"
            + "".join(
                f".{prefix}-{component}{{width:{min(100, width // 12)}%;float:none}}"
                for component in components[::2]
            )
            + "}"
        )
    return "\n".join(rules)


def analytics_script(outlet: Outlet, article: Article) -> str:
    """Inline scripts of the kind every CMS page carries: data layer, ad slots, a minified loader."""
    slots = ",".join(
        f'{{"id":"div-gpt-ad-{outlet.slug}-{n}","size":[[{300 + n * 10},{250 + n * 5}],[728,90]],"pos":"{("top", "mid", "bottom", "side")[n % 4]}"}}'
        for n in range(24)
    )
    data_layer = json.dumps(
        {
            "pageType": "article",
            "section": article.category,
            "outlet": outlet.name_en,
            "articleId": article.id,
            "publishDate": article.published.isoformat(),
            "wordCount": word_count(article),
        },
        ensure_ascii=False,
    )
    loader = ";".join(
        f"function _{outlet.slug[:2]}{n}(e,t){{var n=document.createElement('script');n.async=!0;"
        f"n.src='{BASE}/static/js/chunk-{n:02d}.js?v=20241104';n.onload=t;document.head.appendChild(n);return e+{n}}}"
        for n in range(20)
    )
    return (
        f"<script>window.dataLayer=window.dataLayer||[];dataLayer.push({data_layer});</script>\n"
        f"<script>var adSlots=[{slots}];</script>\n"
        f"<script>{loader}</script>\n"
    )


def nav_links(outlet: Outlet, cls: str) -> str:
    items = "".join(
        f'<li class="{cls}-item"><a href="{BASE}/{outlet.slug}/{slug}/">{label}</a></li>'
        for slug, label in SECTIONS
    )
    return items


def service_links(outlet: Outlet) -> str:
    return " | ".join(
        f'<a href="{BASE}/{outlet.slug}/{slug}.html">{label}</a>' for slug, label in SERVICE_LINKS
    )


def social_links(outlet: Outlet) -> str:
    return " ".join(
        f'<a href="https://{slug}.com/{outlet.slug}news" rel="noopener">{label}</a>' for slug, label in SOCIAL
    )


def share_links(article: Article) -> str:
    return (
        f'<a class="fb" href="https://www.facebook.com/sharer/sharer.php?u={article.url}">شارك على فيسبوك</a> '
        f'<a class="tw" href="https://twitter.com/intent/tweet?url={article.url}">شارك على تويتر</a> '
        f'<a class="wa" href="https://wa.me/?text={article.url}">شارك على واتساب</a> '
        f'<a class="tg" href="https://t.me/share/url?url={article.url}">تلغرام</a>'
    )


def others(outlet: Outlet, article: Article, count: int, offset: int) -> list[Article]:
    pool = [a for a in outlet.articles if a.kind == "article" and a.lang == "ar" and a.id != article.id]
    if not pool:
        return []
    start = (outlet.articles.index(article) + offset) % len(pool) if article in outlet.articles else 0
    return [pool[(start + i) % len(pool)] for i in range(min(count, len(pool)))]


# How each CMS marks an inline related link: only one of them gives it a class, so stripping it
# has to work from the text («اقرأ أيضاً: <a>…</a>») rather than from markup.
RELATED_MARKUP = {
    "alkhabar": '<p class="read-also"><strong>{label}:</strong> <a href="{url}">{title}</a></p>',
    "sawt": '<p><strong>{label}: <a href="{url}">{title}</a></strong></p>',
    "maghrib": '<p>{label}: <a href="{url}">{title}</a></p>',
    "nile": '<p><span style="color:#c00">{label}..</span> <a href="{url}" target="_blank">{title}</a></p>',
}


def body_html(outlet: Outlet, article: Article, index: dict[str, Article]) -> str:
    parts = []
    for paragraph in article.body:
        related = RELATED_PARAGRAPH.match(paragraph)
        if related:
            target = index[related["target"]]
            parts.append(
                RELATED_MARKUP[outlet.slug].format(
                    label=esc(related["label"]), url=target.url, title=esc(digits(outlet, target.title))
                )
            )
        else:
            parts.append(f"<p>{esc(digits(outlet, paragraph))}</p>")
    return "\n".join(parts)


def image_url(article: Article) -> str:
    return f"{BASE}/{article.outlet}/images/{article.published:%Y/%m}/{article.id}.jpg"


def head_meta(outlet: Outlet, article: Article, charset: str) -> str:
    title = esc(digits(outlet, article.title))
    summary = esc(digits(outlet, article.summary))
    return (
        f'<meta charset="{charset}">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title} | {esc(outlet.name)}</title>\n"
        f'<meta name="description" content="{summary}">\n'
        f'<link rel="canonical" href="{article.url}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:site_name" content="{esc(outlet.name)}">\n'
        f'<meta property="og:title" content="{title}">\n'
        f'<meta property="og:description" content="{summary}">\n'
        f'<meta property="og:url" content="{article.url}">\n'
        f'<meta property="og:image" content="{image_url(article)}">\n'
        f'<meta property="og:locale" content="{"ar_AR" if article.lang == "ar" else "en_US"}">\n'
        f'<meta property="article:published_time" content="{article.published.isoformat()}">\n'
        f'<meta property="article:section" content="{esc(article.category)}">\n'
        f'<meta name="author" content="{esc(article.author)}">\n'
        f'<meta name="twitter:card" content="summary_large_image">\n'
        f'<link rel="alternate" type="application/rss+xml" href="{BASE}/{outlet.slug}/{outlet.feed_path}">\n'
    )


def json_ld(outlet: Outlet, article: Article) -> str:
    doc = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.published.isoformat(),
        "dateModified": article.published.isoformat(),
        "author": [{"@type": "Person", "name": article.author}],
        "publisher": {
            "@type": "Organization",
            "name": outlet.name,
            "logo": {"@type": "ImageObject", "url": f"{BASE}/{outlet.slug}/logo.png"},
        },
        "image": [image_url(article)],
        "mainEntityOfPage": article.url,
        "articleSection": article.category,
        "inLanguage": article.lang,
    }
    return f'<script type="application/ld+json">{json.dumps(doc, ensure_ascii=False)}</script>\n'


# ---------------------------------------------------------------------------------------------
# the four templates
def page_alkhabar(outlet: Outlet, article: Article, index: dict[str, Article], charset: str) -> str:
    """Semantic HTML5: header/nav/main/article/aside/footer, JSON-LD, figure + figcaption."""
    title = esc(article.title)
    teasers = "".join(
        f'<li class="kh-card"><a href="{a.url}"><img src="{image_url(a)}" alt=""><h3 class="kh-card-title">{esc(a.title)}</h3></a></li>'
        for a in others(outlet, article, 4, 1)
    )
    most_read = "".join(
        f'<li><a href="{a.url}">{esc(a.title)}</a></li>' for a in others(outlet, article, 5, 5)
    )
    figure = (
        f'<figure class="kh-figure"><img src="{image_url(article)}" alt="{esc(article.caption)}" width="800" height="450">'
        f'<figcaption class="kh-caption">{esc(article.caption)}</figcaption></figure>'
        if article.caption
        else ""
    )
    direction = 'lang="ar" dir="rtl"' if article.lang == "ar" else 'lang="en" dir="ltr"'
    return f"""<!DOCTYPE html>
<html {direction}>
<head>
{head_meta(outlet, article, charset)}{json_ld(outlet, article)}<style>
{stylesheet("kh", ("#b3001b", "#1d2a3a", "#222"))}
</style>
</head>
<body class="kh-page kh-article-page">
<header class="kh-header">
<div class="kh-topbar"><span class="kh-date">{display_date(outlet, article.published)}</span> <a href="{BASE}/{outlet.slug}/login">تسجيل الدخول</a> <a href="{BASE}/{outlet.slug}/en/">English</a></div>
<a class="kh-logo" href="{outlet.home}"><img src="{BASE}/{outlet.slug}/logo.png" alt="{esc(outlet.name)}"></a>
<nav class="kh-nav" aria-label="القائمة الرئيسية"><ul class="kh-menu">{nav_links(outlet, "kh-menu")}</ul></nav>
<div class="kh-ticker"><strong>عاجل:</strong> <a href="{others(outlet, article, 1, 3)[0].url}">{esc(others(outlet, article, 1, 3)[0].title)}</a></div>
</header>
<main class="kh-main">
<nav aria-label="breadcrumb"><ol class="kh-breadcrumb"><li><a href="{outlet.home}">الرئيسية</a></li><li><a href="{BASE}/{outlet.slug}/{article.path.split("/")[1]}/">{esc(article.category)}</a></li><li aria-current="page">{title}</li></ol></nav>
<article class="kh-article" itemscope itemtype="https://schema.org/NewsArticle">
<header class="kh-article-header">
<h1 class="kh-title" itemprop="headline">{title}</h1>
<div class="kh-meta"><span class="kh-byline">{"بقلم" if article.lang == "ar" else "By"}: <a rel="author" href="{BASE}/{outlet.slug}/author/{article.id}">{esc(article.author)}</a></span>
<time datetime="{article.published.isoformat()}" itemprop="datePublished">{display_date(outlet, article.published)}</time></div>
</header>
{figure}
<div class="kh-body" itemprop="articleBody">
{body_html(outlet, article, index)}
</div>
<div class="kh-tags">الوسوم: <a href="{BASE}/{outlet.slug}/tag/{article.path.split("/")[1]}">{esc(article.category)}</a></div>
<div class="kh-share">{share_links(article)}</div>
</article>
<section class="kh-related"><h2>اخترنا لك</h2><ul>{teasers}</ul></section>
</main>
<aside class="kh-sidebar"><section class="kh-most-read"><h2>الأكثر قراءة</h2><ol>{most_read}</ol></section>
<div class="kh-ad" id="div-gpt-ad-{outlet.slug}-side">إعلان</div>
<div class="kh-newsletter"><h3>اشترك في النشرة البريدية</h3><form action="{BASE}/{outlet.slug}/newsletter" method="post"><input type="email" name="email" placeholder="بريدك الإلكتروني"><button>اشترك</button></form></div></aside>
<footer class="kh-footer">
<nav class="kh-footer-nav"><ul>{nav_links(outlet, "kh-footer")}</ul></nav>
<div class="kh-services">{service_links(outlet)}</div>
<div class="kh-social">تابعونا على: {social_links(outlet)}</div>
<p class="kh-copyright">جميع الحقوق محفوظة © 2024 {esc(outlet.name)}</p>
</footer>
{analytics_script(outlet, article)}</body>
</html>
"""


def page_sawt(outlet: Outlet, article: Article, index: dict[str, Article], charset: str) -> str:
    """Div soup with ids, no JSON-LD, Arabic-Indic digits in the text, «المزيد من الأخبار» after the body."""
    title = esc(digits(outlet, article.title))
    more = "".join(
        f'<div class="sw-teaser"><a href="{a.url}"><img src="{image_url(a)}" alt="{esc(digits(outlet, a.title))}"></a>'
        f'<div class="sw-teaser-title"><a href="{a.url}">{esc(digits(outlet, a.title))}</a></div></div>'
        for a in others(outlet, article, 6, 2)
    )
    latest = "".join(
        f'<div class="sw-latest-item"><a href="{a.url}">{esc(digits(outlet, a.title))}</a></div>'
        for a in others(outlet, article, 6, 4)
    )
    figure = (
        f'<div class="sw-photo"><img src="{image_url(article)}" alt="{esc(digits(outlet, article.caption))}" title="{esc(digits(outlet, article.caption))}">'
        f'<div class="sw-photo-caption">{esc(digits(outlet, article.caption))}</div></div>'
        if article.caption
        else ""
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" lang="ar" dir="rtl">
<head>
{head_meta(outlet, article, charset)}<style type="text/css">
{stylesheet("sw", ("#0a5c36", "#c9a227", "#333"))}
</style>
</head>
<body>
<div id="wrapper">
<div id="top-bar"><div class="sw-date">{display_date(outlet, article.published)}</div><div class="sw-social">تابعونا على: {social_links(outlet)}</div></div>
<div id="logo"><a href="{outlet.home}"><img src="{BASE}/{outlet.slug}/logo.gif" alt="{esc(outlet.name)}" /></a></div>
<div id="menu"><div class="sw-menu">{" ".join(f'<a href="{BASE}/{outlet.slug}/{slug}/">{label}</a>' for slug, label in SECTIONS)}</div></div>
<div id="content">
<div class="sw-path"><a href="{outlet.home}">الرئيسية</a> &raquo; <a href="{BASE}/{outlet.slug}/{article.path.split("/")[1]}/">{esc(article.category)}</a></div>
<div class="post" id="post-{article.id}">
<div class="post-title"><h2>{title}</h2></div>
<div class="post-info">الكاتب: <span class="sw-author">{esc(article.author)}</span> &nbsp;|&nbsp; <span class="sw-date">{display_date(outlet, article.published)}</span> &nbsp;|&nbsp; <a href="#comments">التعليقات (٠)</a></div>
<div class="sw-share-top">شارك الخبر: {share_links(article)}</div>
{figure}
<div class="entry">
{body_html(outlet, article, index)}
</div>
<div class="sw-print"><a href="javascript:window.print()">طباعة</a> | <a href="mailto:?subject={title}">أرسل لصديق</a></div>
</div>
<div class="sw-more"><div class="sw-more-title">المزيد من الأخبار</div>{more}</div>
<div id="comments"><div class="sw-comments-title">أضف تعليقك</div><form action="{BASE}/{outlet.slug}/comment" method="post"><textarea name="c"></textarea><input type="submit" value="إرسال" /></form></div>
</div>
<div id="sidebar"><div class="sw-latest"><div class="sw-latest-title">آخر الأخبار</div>{latest}</div><div class="sw-ad">مساحة إعلانية</div></div>
<div id="footer"><div class="sw-footer-links">{service_links(outlet)}</div><div>جميع الحقوق محفوظة لموقع {esc(outlet.name)} &copy; {digits(outlet, "2024")}</div></div>
</div>
{analytics_script(outlet, article)}</body>
</html>
"""


def page_maghrib(outlet: Outlet, article: Article, index: dict[str, Article], charset: str) -> str:
    """Drupal-like field markup (node/field-item divs), JSON-LD, caption repeated as alt and title."""
    title = esc(article.title)
    teasers = "".join(
        f'<div class="views-row"><div class="views-field-title"><span class="field-content"><a href="{a.url}">{esc(a.title)}</a></span></div>'
        f'<div class="views-field-created"><span class="field-content">{display_date(outlet, a.published)}</span></div></div>'
        for a in others(outlet, article, 5, 1)
    )
    figure = (
        f'<div class="field field-name-field-image"><div class="field-items"><div class="field-item even">'
        f'<img typeof="foaf:Image" src="{image_url(article)}" alt="{esc(article.caption)}" title="{esc(article.caption)}">'
        f'<blockquote class="image-field-caption"><p>{esc(article.caption)}</p></blockquote></div></div></div>'
        if article.caption
        else ""
    )
    if charset.lower() != "utf-8":
        # Old CMS pages declare the charset twice: HTML5 meta and the http-equiv form.
        charset_meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
    else:
        charset_meta = ""
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl" xmlns:og="http://ogp.me/ns#">
<head>
{charset_meta}{head_meta(outlet, article, charset)}{json_ld(outlet, article)}<style>
{stylesheet("mg", ("#8a1538", "#2b6cb0", "#1a1a1a"))}
</style>
</head>
<body class="html not-front page-node node-type-article">
<div id="skip-link"><a href="#main-content" class="element-invisible">تجاوز إلى المحتوى الرئيسي</a></div>
<div id="page">
<header id="header" role="banner"><a href="{outlet.home}" id="logo">{esc(outlet.name)}</a>
<div class="region region-navigation"><ul class="menu">{nav_links(outlet, "leaf")}</ul></div></header>
<div class="breadcrumb"><a href="{outlet.home}">الرئيسية</a> › <a href="{BASE}/{outlet.slug}/{article.path.split("/")[1]}/">{esc(article.category)}</a> › {title}</div>
<div id="main"><a id="main-content"></a>
<h1 class="page-title">{title}</h1>
<section id="node-{article.id}" class="node node-article node-full clearfix" about="{article.url}">
<div class="submitted"><span class="username">{esc(article.author)}</span> - <span class="date-display-single">{display_date(outlet, article.published)}</span></div>
{figure}
<div class="field field-name-body field-type-text-with-summary"><div class="field-items"><div class="field-item even" property="content:encoded">
{body_html(outlet, article, index)}
</div></div></div>
<div class="field field-name-field-tags"><div class="field-label">الكلمات المفتاحية:&nbsp;</div><div class="field-items"><div class="field-item even"><a href="{BASE}/{outlet.slug}/taxonomy/{article.path.split("/")[1]}">{esc(article.category)}</a></div></div></div>
<ul class="links inline"><li class="share">{share_links(article)}</li></ul>
</section>
<section class="block block-views"><h2 class="block-title">اخترنا لك</h2><div class="view-content">{teasers}</div></section>
</div>
<footer id="footer"><div class="region region-footer"><ul class="menu">{nav_links(outlet, "leaf")}</ul>
<p>{service_links(outlet)}</p><p>تابعونا على {social_links(outlet)}</p><p>© 2024 {esc(outlet.name)} - جميع الحقوق محفوظة</p></div></footer>
</div>
{analytics_script(outlet, article)}</body>
</html>
"""


def page_nile(outlet: Outlet, article: Article, index: dict[str, Article], charset: str) -> str:
    """Bootstrap grid (container/row/col), «اخترنا لك» cards and a «الأكثر قراءة» column, no JSON-LD."""
    title = esc(article.title)
    picks = "".join(
        f'<div class="col-md-3 col-6"><div class="card nl-card"><a href="{a.url}"><img class="card-img-top" src="{image_url(a)}" alt="{esc(a.title)}"></a>'
        f'<div class="card-body"><h5 class="card-title"><a href="{a.url}">{esc(a.title)}</a></h5></div></div></div>'
        for a in others(outlet, article, 4, 1)
    )
    most_read = "".join(
        f'<li class="list-group-item"><span class="nl-rank">{n + 1}</span> <a href="{a.url}">{esc(a.title)}</a></li>'
        for n, a in enumerate(others(outlet, article, 6, 3))
    )
    figure = (
        f'<div class="nl-main-img"><img class="img-fluid" src="{image_url(article)}" alt="{esc(article.caption)}">'
        f'<p class="nl-img-caption">{esc(article.caption)}</p></div>'
        if article.caption
        else ""
    )
    return f"""<!doctype html>
<html lang="ar" dir="rtl">
<head>
{head_meta(outlet, article, charset)}<link rel="stylesheet" href="{BASE}/{outlet.slug}/static/css/bootstrap.rtl.min.css">
<style>
{stylesheet("nl", ("#003f7f", "#e0a800", "#212529"))}
</style>
</head>
<body>
<nav class="navbar navbar-expand-lg navbar-dark bg-primary"><div class="container"><a class="navbar-brand" href="{outlet.home}">{esc(outlet.name)}</a>
<ul class="navbar-nav">{nav_links(outlet, "nav")}</ul></div></nav>
<div class="container">
<nav aria-label="breadcrumb"><ol class="breadcrumb"><li class="breadcrumb-item"><a href="{outlet.home}">الرئيسية</a></li><li class="breadcrumb-item"><a href="{BASE}/{outlet.slug}/{article.path.split("/")[1]}/">{esc(article.category)}</a></li></ol></nav>
<div class="row">
<div class="col-lg-8">
<div class="news-details">
<h1 class="news-title">{title}</h1>
<div class="news-meta"><span class="nl-writer">كتب: {esc(article.author)}</span> <span class="news-date"><i class="fa fa-clock"></i> {display_date(outlet, article.published)}</span></div>
<div class="nl-share"><span>شارك:</span> {share_links(article)}</div>
{figure}
<div class="details-text" id="NewsStory">
{body_html(outlet, article, index)}
</div>
<div class="nl-follow">تابعونا على جوجل نيوز و{social_links(outlet)}</div>
</div>
<div class="nl-picks"><h4 class="nl-section-title">اخترنا لك</h4><div class="row">{picks}</div></div>
</div>
<div class="col-lg-4"><div class="nl-most-read"><h4>الأكثر قراءة</h4><ul class="list-group">{most_read}</ul></div>
<div class="nl-ad">إعلان</div></div>
</div>
</div>
<footer class="nl-footer bg-dark text-white"><div class="container"><ul class="nav">{nav_links(outlet, "nav")}</ul>
<div>{service_links(outlet)}</div><p>جميع الحقوق محفوظة © النيل نيوز 2024</p></div></footer>
{analytics_script(outlet, article)}</body>
</html>
"""


def page_nav_only(outlet: Outlet, article: Article, index: dict[str, Article], charset: str) -> str:
    """A site map: menus and groups of section links, no article text. Must end as a reject."""
    groups = "".join(
        f'<nav class="sitemap-group" aria-label="{label}"><h2><a href="{BASE}/{outlet.slug}/{slug}/">{label}</a></h2><ul>'
        + "".join(
            f'<li><a href="{BASE}/{outlet.slug}/{slug}/{sub}/">{sub_label}</a></li>'
            for sub, sub_label in SITEMAP_SUBSECTIONS
        )
        + "</ul></nav>"
        for slug, label in SECTIONS[:4]
    )
    return f"""<!doctype html>
<html lang="ar" dir="rtl">
<head>
{head_meta(outlet, article, charset)}<style>
{stylesheet("nl", ("#003f7f", "#e0a800", "#212529"))}
</style>
</head>
<body>
<nav class="navbar"><a class="navbar-brand" href="{outlet.home}">{esc(outlet.name)}</a><ul class="navbar-nav">{nav_links(outlet, "nav")}</ul></nav>
<div class="container"><h1>{esc(article.title)}</h1>
{groups}
<nav class="services">{service_links(outlet)}</nav><div class="follow">تابعونا على {social_links(outlet)}</div></div>
<footer><ul class="nav">{nav_links(outlet, "nav")}</ul><p>جميع الحقوق محفوظة © النيل نيوز 2024</p></footer>
{analytics_script(outlet, article)}</body>
</html>
"""


SITEMAP_SUBSECTIONS = [("latest", "آخر الأخبار"), ("reports", "تقارير"), ("video", "فيديو")]


TEMPLATES = {"alkhabar": page_alkhabar, "sawt": page_sawt, "maghrib": page_maghrib, "nile": page_nile}


# ---------------------------------------------------------------------------------------------
# feeds
def feed_link(outlet: Outlet, article: Article) -> str:
    return article.url + outlet.feed_query


def feed_items(outlet: Outlet, outlets: dict[str, Outlet]) -> list[tuple[Article, str]]:
    """(article, link) pairs in feed order: own entries, repeats, and entries borrowed from other outlets."""
    items: list[tuple[Article, str]] = []
    for article in outlet.articles:
        items.append((article, feed_link(outlet, article)))
        if article.feed_twice:
            # A CMS that lists a story in two sections emits it twice, the second time with a section query.
            items.append((article, article.url + "?section=home"))
    for other in outlets.values():
        for article in other.articles:
            if outlet.slug in article.also_in_feeds:
                items.append((article, article.url))
    items.sort(key=lambda pair: pair[0].published, reverse=True)
    return items


def x(text: str) -> str:
    return html.escape(text, quote=False)


def rss_feed(outlet: Outlet, outlets: dict[str, Outlet], arabic_dates: bool) -> str:
    entries = []
    for article, link in feed_items(outlet, outlets):
        date = arabic_pubdate(article.published) if arabic_dates else rfc822(article.published)
        title = x(article.title)
        if article.feed_broken:
            # Hand-built XML from a CMS template: a raw ampersand and an unclosed <p> inside the description.
            title = article.title.replace(" و", " & ", 1)
            description = f"<description><p>{article.summary}</description>"
        else:
            description = f"<description><![CDATA[<p>{article.summary}</p>]]></description>"
        entries.append(
            f"<item>\n<title>{title}</title>\n<link>{x(link)}</link>\n"
            f'<guid isPermaLink="false">{outlet.slug}-{article.id}</guid>\n'
            f"<pubDate>{date}</pubDate>\n<category>{x(article.category)}</category>\n"
            f"<dc:creator>{x(article.author)}</dc:creator>\n{description}\n</item>"
        )
    newest = max(a.published for a in outlet.articles)
    build_date = arabic_pubdate(newest) if arabic_dates else rfc822(newest)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        f"<channel>\n<title>{x(outlet.name)}</title>\n<link>{outlet.home}</link>\n"
        f"<description>آخر أخبار {x(outlet.name)}</description>\n<language>ar</language>\n"
        f"<lastBuildDate>{build_date}</lastBuildDate>\n"
        f'<atom:link href="{BASE}/{outlet.slug}/{outlet.feed_path}" rel="self" type="application/rss+xml"/>\n'
        + "\n".join(entries)
        + "\n</channel>\n</rss>\n"
    )


def atom_feed(outlet: Outlet, outlets: dict[str, Outlet]) -> str:
    entries = []
    for number, (article, link) in enumerate(feed_items(outlet, outlets)):
        entries.append(
            f"<entry>\n<title>{x(digits(outlet, article.title))}</title>\n"
            f'<link rel="alternate" type="text/html" href="{x(link)}"/>\n'
            f"<id>tag:{outlet.slug}.example,2024:{article.id}:{number}</id>\n"
            f"<published>{article.published.isoformat()}</published>\n<updated>{article.published.isoformat()}</updated>\n"
            f'<category term="{x(article.category)}"/>\n<author><name>{x(article.author)}</name></author>\n'
            f'<summary type="html">{x("<p>" + digits(outlet, article.summary) + "</p>")}</summary>\n</entry>'
        )
    newest = max(a.published for a in outlet.articles)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">\n'
        f"<title>{x(outlet.name)}</title>\n<subtitle>أخبار المشرق العربي لحظة بلحظة</subtitle>\n"
        f'<link rel="alternate" href="{outlet.home}"/>\n<link rel="self" href="{BASE}/{outlet.slug}/{outlet.feed_path}"/>\n'
        f"<id>tag:{outlet.slug}.example,2024:feed</id>\n<updated>{newest.isoformat()}</updated>\n"
        + "\n".join(entries)
        + "\n</feed>\n"
    )


# ---------------------------------------------------------------------------------------------
def render_site() -> dict[str, bytes]:
    """Every file of the site, keyed by its path relative to the site root."""
    outlets = load_outlets()
    index = {a.id: a for o in outlets.values() for a in o.articles}
    files: dict[str, bytes] = {}
    headers: dict[str, dict[str, str]] = {}
    expected: dict[str, dict[str, Any]] = {}
    readme_rows: list[str] = []
    feed_sources: dict[str, list[str]] = {}
    for outlet in outlets.values():
        for article, _link in feed_items(outlet, outlets):
            feed_sources.setdefault(article.path, [])
            if outlet.slug not in feed_sources[article.path]:
                feed_sources[article.path].append(outlet.slug)

    for outlet in outlets.values():
        for article in outlet.articles:
            if article.kind == "article" and article.lang == "ar":
                count = word_count(article)
                if not MIN_WORDS <= count <= MAX_WORDS:
                    raise SystemExit(f"{article.id}: {count} words, want {MIN_WORDS}-{MAX_WORDS}")
            for paragraph in article.body:
                related = RELATED_PARAGRAPH.match(paragraph)
                if related and related["target"] not in index:
                    raise SystemExit(f"{article.id}: related link to unknown id {related['target']}")
            if article.kind != "missing":
                template = page_nav_only if article.kind == "nav" else TEMPLATES[outlet.slug]
                charset = article.encoding
                page = template(outlet, article, index, charset)
                data = page.encode("cp1256" if charset == "windows-1256" else "utf-8")
                if not MIN_PAGE_BYTES <= len(data) <= MAX_PAGE_BYTES:
                    raise SystemExit(f"{article.id}: page weighs {len(data)} bytes")
                files[article.path] = data
                if charset != "utf-8":
                    content_type = (
                        "text/html" if article.charset_declared == "meta" else f"text/html; charset={charset}"
                    )
                    headers["/" + article.path] = {"Content-Type": content_type}
            outcome = dict(article.expected)
            outcome.setdefault("reason", None)
            outcome["source"] = feed_sources.get(article.path, [outlet.slug])[0]
            outcome["feeds"] = feed_sources.get(article.path, [])
            outcome["quirk"] = article.quirk
            outcome["title"] = digits(outlet, article.title)
            outcome["published"] = article.published.isoformat()
            outcome["date"] = article.published.astimezone(dt.UTC).strftime("%Y-%m-%d")
            outcome["category"] = article.category
            expected[article.path] = outcome
            readme_rows.append(
                f"| `{article.path}` | {outlet.slug} | {article.quirk or '-'} | "
                f"{outcome['outcome']}{' (' + outcome['reason'] + ')' if outcome.get('reason') else ''} |"
            )
        feed_file = f"{outlet.slug}/{outlet.feed_path}"
        if outlet.feed_format == "atom":
            files[feed_file] = atom_feed(outlet, outlets).encode("utf-8")
            headers["/" + feed_file] = {"Content-Type": "application/atom+xml; charset=utf-8"}
        else:
            files[feed_file] = rss_feed(
                outlet, outlets, arabic_dates=outlet.feed_format == "rss-arabic-dates"
            ).encode("utf-8")
            headers["/" + feed_file] = {"Content-Type": "application/rss+xml; charset=utf-8"}

    feeds_doc = [
        "# Feeds of the bundled sample corpus (fictional outlets written for akhbar).",
        "# {{BASE}} is replaced by the loopback server's origin: see pipelines/localsite.py, LocalSite.render_feeds_file.",
        "# Same format as configs/feeds.yaml: name, url, and an optional default topic slug from configs/topics.yaml",
        "# used only when neither the entry's category nor its URL gives one.",
        "feeds:",
    ]
    for outlet in outlets.values():
        feeds_doc.append(f'  - name: {outlet.slug}\n    url: "{BASE}/{outlet.slug}/{outlet.feed_path}"')
        if outlet.slug == "sawt":
            feeds_doc.append("    topic: general")
    files["feeds.yaml.template"] = ("\n".join(feeds_doc) + "\n").encode("utf-8")
    files["_headers.json"] = (
        json.dumps(headers, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    ).encode("utf-8")
    files["expected.json"] = (
        json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    ).encode("utf-8")
    files["robots.txt"] = b"User-agent: *\nDisallow: /private/\nAllow: /\n"
    files["index.html"] = (
        '<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>akhbar sample corpus</title></head><body><ul>'
        + "".join(
            f'<li><a href="{BASE}/{o.slug}/{o.feed_path}">{esc(o.name)}</a></li>' for o in outlets.values()
        )
        + "</ul></body></html>\n"
    ).encode("utf-8")
    files["README.md"] = readme(outlets, readme_rows).encode("utf-8")
    return files


def readme(outlets: dict[str, Outlet], rows: list[str]) -> str:
    feed_lines = "\n".join(
        f"| {o.slug} | «{o.name}» | `{o.slug}/{o.feed_path}` | {o.feed_format} | {len([a for a in o.articles if a.kind != 'missing'])} |"
        for o in outlets.values()
    )
    outcomes = [a.expected.get("outcome", "article") for o in outlets.values() for a in o.articles]
    totals = (
        f"{sum(1 for o in outlets.values() for a in o.articles if a.kind != 'missing')} pages, "
        f"{sum(len(o.articles) for o in outlets.values())} distinct linked URLs, "
        f"{outcomes.count('article')} expected articles, {outcomes.count('reject')} expected rejects."
    )
    return f"""# Bundled sample corpus

Generated by `tools/build_demo_site.py` from `tools/demo_articles/*.yaml`: do not edit by hand,
edit the data and rerun the script (the output is byte-for-byte reproducible; `--check` verifies).
The outlets, people and events are fictional; the Arabic text was written for this project.

Served by `akhbar.pipelines.localsite.LocalSite`, which replaces `{{{{BASE}}}}` with `http://127.0.0.1:PORT`.
`feeds.yaml.template` is the feeds file; `_headers.json` overrides response headers per path;
`expected.json` maps every page a feed links to (relative path) to its expected outcome:
`outcome` (`article` | `reject`), `reason` (reject reason code), `acceptable_reasons` where more
than one code is right, `near_duplicate_of` (path of the earlier near-copy), `source` (first feed
that links it), `feeds`, `quirk`, `title`, `published` (with the outlet's UTC offset; nile's feed
gives it without one), `date` (expected UTC partition date), `category` (the feed's category).

## Outlets
| feed name | outlet | feed | format | pages |
|---|---|---|---|---|
{feed_lines}

Templates: **alkhabar** semantic HTML5 + JSON-LD, Levantine/Egyptian double month names
(«تشرين الثاني/نوفمبر»), feed links carry `?utm_source=rss` while pages declare a clean canonical;
**sawt** XHTML div soup, Arabic-Indic digits, Atom feed, one story listed twice; **maghrib**
Drupal-like field markup + JSON-LD, Maghrebi months («جانفي», «أوت»), a malformed feed item
(feedparser sets `bozo` but yields every entry); **nile** Bootstrap grid, Egyptian months,
Arabic `pubDate` strings («الاثنين 4 نوفمبر 2024 - 10:30», no zone: Cairo time, UTC+2), an entry
whose page is missing (404), a site-map page with no article text, and one **alkhabar** article
listed under alkhabar's own URL (so the same URL arrives from two feeds).

Totals: {totals}

Every article page has breadcrumbs, long menus, a share bar («شارك على فيسبوك / تويتر / واتساب»),
a «تابعونا على» line, inline related links inside the body («اقرأ أيضاً», «إقرأ أيضاً», «اقرأ أيضا»,
«شاهد أيضاً», «طالع أيضا»; marked up differently per outlet, with a class only on alkhabar),
a teaser block («اخترنا لك» / «المزيد من الأخبار»), a captioned figure (caption repeated in `alt`),
a byline, `og:*` and `article:published_time` meta, a canonical link, a «جميع الحقوق محفوظة» footer,
and inline styles and scripts (pages weigh 20-60 KB). None of that furniture may reach `body`.

Spelling variants across outlets: «تشاووش أوغلو» (alkhabar) / «تشاوش أوغلو» (sawt) / «جاويش أوغلو»
(nile); «إس-400» / «إس ٤٠٠» / «أس 400».

## Pages
| page | outlet | quirk | expected |
|---|---|---|---|
{chr(10).join(rows)}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the files on disk instead of writing"
    )
    parser.add_argument("--out", type=Path, default=SITE_DIR, help="site directory (default: %(default)s)")
    args = parser.parse_args(argv)
    files = render_site()
    # Files a previous render wrote but this one does not (an article renamed or dropped).
    leftovers = (
        sorted(
            str(p.relative_to(args.out))
            for p in args.out.rglob("*")
            if p.is_file() and str(p.relative_to(args.out)) not in files
        )
        if (args.out / "expected.json").is_file()  # only a directory this script rendered before
        else []
    )
    if args.check:
        stale = [
            p
            for p, data in files.items()
            if not (args.out / p).is_file() or (args.out / p).read_bytes() != data
        ]
        for p in stale:
            print(f"differs: {p}", file=sys.stderr)
        for p in leftovers:
            print(f"not generated: {p}", file=sys.stderr)
        return 1 if stale or leftovers else 0
    for relative, data in files.items():
        target = args.out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for relative in leftovers:
        (args.out / relative).unlink()
    print(f"wrote {len(files)} files under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
